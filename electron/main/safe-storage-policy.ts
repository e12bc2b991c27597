/**
 * Whether this computer can keep the desk's secrets (its credential, its biometric at-rest key)
 * with safeStorage. On Linux, Chromium picks a password store at start: the Secret Service
 * (GNOME Keyring, KWallet 5/6 through libsecret or kwallet) encrypts with a key the desktop
 * session unlocks; `basic_text` encrypts with a key hard-coded in Chromium, the same on every
 * computer — anyone who copies the data folder decrypts the credential. So the desk refuses to
 * start on `basic_text` and says what to install. Pure, so it is tested without Electron.
 */
export type SafeStorageCheck = { readonly ok: true } | { readonly ok: false; readonly title: string; readonly message: string };

const linuxHelp =
  'Install and unlock a keyring: on Debian or Ubuntu `sudo apt install gnome-keyring libsecret-1-0` ' +
  '(KDE: kwalletmanager / kwallet6), sign in to a desktop session that starts it, then start CoverDesk again. ' +
  'If a keyring is installed but not detected, start CoverDesk with --password-store=gnome-libsecret (or kwallet5 / kwallet6).';

export function checkSafeStorage(platform: string, isEncryptionAvailable: boolean, linuxBackend: string | null): SafeStorageCheck {
  if (platform === 'linux' && linuxBackend === 'basic_text') {
    return {
      ok: false,
      title: "No keyring: CoverDesk cannot protect this desk's credential",
      message:
        'This computer has no usable keyring (Chromium chose its "basic_text" password store), so the desk credential ' +
        'and the key that seals cached fingerprints and faces would be encrypted with a key that is the same on every ' +
        `computer: anyone who copies the data folder could use them. ${linuxHelp}`,
    };
  }
  if (!isEncryptionAvailable) {
    return {
      ok: false,
      title: "CoverDesk cannot protect this desk's credential",
      message: `The operating system offers no encryption for application secrets (safeStorage is unavailable)${platform === 'linux' ? `. ${linuxHelp}` : '. Sign in to the computer with a user account that has a keychain, then start CoverDesk again.'}`,
    };
  }
  return { ok: true };
}
