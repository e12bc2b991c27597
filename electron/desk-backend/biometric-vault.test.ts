import { createCipheriv, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3-multiple-ciphers';
import { afterEach, describe, expect, it } from 'vitest';
import { BiometricVault, transportKeyOf } from './biometric-vault';
import { openReplica, readMeta, type ReplicaDatabase } from './database';
import type { SecretStore } from './secret-store';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const memoryStore = (): SecretStore & { value: string | null } => {
  const store = {
    value: null as string | null,
    read: () => store.value,
    write: (secret: string) => {
      store.value = secret;
    },
  };
  return store;
};
const memberA = '00000000-0000-4000-8000-0000000f0011';
const memberB = '00000000-0000-4000-8000-0000000f0012';
const credential = '00000000-0000-4000-8000-00000000a0d1.c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0';
const template = Buffer.from(Array.from({ length: 512 }, (_, index) => (index * 13 + 5) % 256));

/** What the server sends: the same format, sealed with the key it derives for this desk. */
function sealForDesk(key: Buffer, memberId: string, modality: string, plaintext: Buffer): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(`${memberId}:${modality}`));
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return Buffer.concat([iv, cipher.getAuthTag(), ciphertext]).toString('base64');
}

function replica(): ReplicaDatabase {
  const dir = mkdtempSync(join(tmpdir(), 'coverdesk-vault-'));
  dirs.push(dir);
  return openReplica(join(dir, 'replica.sqlite'));
}

describe("the desk's biometric vault", () => {
  it("keeps enrolments sealed with the desk's own key, created once", () => {
    const db = replica();
    const keys = memoryStore();
    const vault = new BiometricVault(db, keys, () => credential);
    vault.store(memberA, 'fingerprint', template, '2026-11-23T10:00:00.000Z');
    expect(keys.value).not.toBeNull();
    const row = db.prepare('SELECT sealed FROM biometric_enrolments').get() as { sealed: string };
    expect(Buffer.from(row.sealed, 'base64').includes(template.subarray(0, 32))).toBe(false);
    expect(row.sealed).not.toContain(template.toString('base64').slice(0, 20));
    expect(vault.read(memberA, 'fingerprint')?.plaintext.equals(template)).toBe(true);
    expect(vault.enrolled(memberA)).toEqual({ fingerprint: '2026-11-23T10:00:00.000Z', face: null });
    expect(vault.read(memberB, 'fingerprint')).toBeNull();
  });

  it("does not open with another desk's key, nor as another member's enrolment", () => {
    const db = replica();
    new BiometricVault(db, memoryStore(), () => credential).store(memberA, 'fingerprint', template, '2026-11-23T10:00:00.000Z');
    expect(() => new BiometricVault(db, memoryStore(), () => credential).read(memberA, 'fingerprint')).toThrow();
    const keys = memoryStore();
    const vault = new BiometricVault(db, keys, () => credential);
    db.prepare('DELETE FROM biometric_enrolments').run();
    vault.store(memberA, 'fingerprint', template, '2026-11-23T10:00:00.000Z');
    db.prepare('UPDATE biometric_enrolments SET member_id = ?').run(memberB);
    expect(() => vault.read(memberB, 'fingerprint')).toThrow();
  });

  it('opens what the server sealed for this desk, and refuses what was sealed for another', () => {
    const db = replica();
    const vault = new BiometricVault(db, memoryStore(), () => credential);
    const key = transportKeyOf(credential)!;
    vault.storeFromServer({
      memberId: memberA,
      modality: 'fingerprint',
      enrolledAt: '2026-11-23T10:00:00.000Z',
      sealedForDesk: sealForDesk(key, memberA, 'fingerprint', template),
    });
    expect(vault.read(memberA, 'fingerprint')?.plaintext.equals(template)).toBe(true);
    const otherDesk = transportKeyOf('00000000-0000-4000-8000-00000000b0d1.c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0')!;
    expect(() =>
      vault.storeFromServer({
        memberId: memberB,
        modality: 'fingerprint',
        enrolledAt: '2026-11-23T10:00:00.000Z',
        sealedForDesk: sealForDesk(otherDesk, memberB, 'fingerprint', template),
      }),
    ).toThrow();
    expect(() =>
      vault.storeFromServer({ memberId: memberB, modality: 'fingerprint', sealedForDesk: sealForDesk(key, memberA, 'fingerprint', template) }),
    ).toThrow();
    expect(vault.enrolled(memberB)).toEqual({ fingerprint: null, face: null });
  });

  it('upgrading a replica to the biometric schema makes the next pull fetch the whole scope again', () => {
    const dir = mkdtempSync(join(tmpdir(), 'coverdesk-vault-'));
    dirs.push(dir);
    const path = join(dir, 'replica.sqlite');
    openReplica(path).close();
    const older = new Database(path);
    older.exec('DROP TABLE biometric_enrolments');
    older.pragma('user_version = 1');
    older.prepare("INSERT INTO meta (key, value) VALUES ('pull_checkpoint', '{}')").run();
    older.close();
    const upgraded = openReplica(path);
    expect(readMeta(upgraded, 'pull_checkpoint')).toBeNull();
    expect(upgraded.prepare("SELECT name FROM sqlite_master WHERE name = 'biometric_enrolments'").get()).toBeDefined();
    upgraded.close();
  });

  it('a desk whose key was lost, damaged or replaced drops what it cannot open and pulls the scope again; a readable vault is left alone', () => {
    for (const loss of ['lost', 'damaged', 'replaced'] as const) {
      const db = replica();
      const keys = memoryStore();
      new BiometricVault(db, keys, () => credential).store(memberA, 'fingerprint', template, '2026-11-23T10:00:00.000Z');
      new BiometricVault(db, keys, () => credential).store(memberB, 'face', template, '2026-11-23T10:00:00.000Z');
      db.prepare('INSERT INTO meta (key, value) VALUES (\'pull_checkpoint\', \'{"from":"5"}\')').run();
      expect(new BiometricVault(db, keys, () => credential).recoverUnreadable(), 'readable').toBe(0);
      expect(readMeta(db, 'pull_checkpoint')).not.toBeNull();

      keys.value = loss === 'lost' ? null : loss === 'damaged' ? 'c2hvcnQ=' : randomBytes(32).toString('base64');
      const vault = new BiometricVault(db, keys, () => credential);
      expect(() => vault.read(memberA, 'fingerprint'), loss).toThrow(/./);
      expect(new BiometricVault(db, keys, () => credential).recoverUnreadable(), loss).toBe(2);
      expect(vault.enrolled(memberA)).toEqual({ fingerprint: null, face: null });
      expect(readMeta(db, 'pull_checkpoint'), loss).toBeNull();
      expect(readMeta(db, 'first_sync'), loss).toBe('done');
      // The key in use from now on is whole, and what the next pull brings opens with it.
      expect(Buffer.from(keys.value ?? '', 'base64').length === 32 || loss === 'lost').toBe(true);
      const fresh = new BiometricVault(db, keys, () => credential);
      fresh.storeFromServer({
        memberId: memberA,
        modality: 'fingerprint',
        enrolledAt: '2026-11-24T10:00:00.000Z',
        sealedForDesk: sealForDesk(transportKeyOf(credential)!, memberA, 'fingerprint', template),
      });
      expect(fresh.read(memberA, 'fingerprint')?.plaintext.equals(template)).toBe(true);
      expect(Buffer.from(keys.value ?? '', 'base64').length).toBe(32);
    }
  });
});
