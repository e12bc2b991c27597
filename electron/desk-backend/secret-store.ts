import { chmodSync, closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
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
    writeFileAtomically(this.path, secret, 0o600);
  }
}

/**
 * Replace a file so that a crash or a power cut leaves either the old content or the new, never
 * an empty or torn file: the new content goes to a temporary file beside it, reaches the disk
 * (flush), and is renamed over the old one; the directory is then synced so the rename itself
 * survives. An enrollment code is one-time: a credential lost to a torn write would mean asking
 * the health authority for a new code.
 */
export function writeFileAtomically(path: string, data: string | Buffer, mode: number): void {
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, data, { mode, flush: true });
  chmodSync(temporary, mode);
  renameSync(temporary, path);
  if (process.platform === 'win32') return;
  const directory = openSync(dirname(path), 'r');
  try {
    fsyncSync(directory);
  } finally {
    closeSync(directory);
  }
}
