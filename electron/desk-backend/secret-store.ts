import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * Where the desk keeps its credential. Electron's main process implements this with safeStorage
 * (OS keychain-backed encryption); browser mode uses a file only its owner can read.
 */
export interface SecretStore {
  read(): string | null;
  write(secret: string): void;
}

export class OwnerOnlyFileSecretStore implements SecretStore {
  constructor(private readonly path: string) {}

  read(): string | null {
    if (!existsSync(this.path)) return null;
    const mode = statSync(this.path).mode & 0o777;
    if (process.platform !== 'win32' && (mode & 0o077) !== 0) {
      throw new Error(`The desk credential file ${this.path} is readable by other users (mode ${mode.toString(8)}); fix with chmod 600 or enroll again.`);
    }
    return readFileSync(this.path, 'utf8').trim() || null;
  }

  write(secret: string): void {
    mkdirSync(dirname(this.path), { recursive: true, mode: 0o700 });
    writeFileSync(this.path, secret, { mode: 0o600 });
    chmodSync(this.path, 0o600);
  }
}
