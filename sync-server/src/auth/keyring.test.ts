import { createHmac, hkdfSync, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { sealBiometric } from '../../node-shared/biometric-seal';
import { migrations } from '../db/migrate';
import { demoIds, seedDemo } from '../demo/seed';
import { openAtRest, sealAtRest } from '../identity/biometric-seal';
import { prepareServer } from '../server-state';
import { describeEachBackend } from '../testing/backends';
import { createScratchDatabase } from '../testing/databases';
import { generateKeys, isProductionMode, KeyConfigurationError, loadServerKeys, parseKeyring, type ServerKeys } from './keyring';
import { migrateKeysOutOfDatabase } from './keys-migrate';
import { issueToken, verifyToken } from './tokens';
import { nationalIdHash } from '../identity/national-id';

const dir = mkdtempSync(join(tmpdir(), 'coverdesk-keys-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const text = (id: string, key: Buffer = randomBytes(32)) => `${id}:${key.toString('base64')}`;
const principal = { operatorId: demoIds.father as never, roles: ['HA' as const], hospitalId: null };

describe('where the server keys come from', () => {
  it('production (NODE_ENV=production or any DATABASE_URL) without keys refuses to start, saying what to set', () => {
    expect(isProductionMode({ DATABASE_URL: 'postgres://db/scheme' })).toBe(true);
    expect(isProductionMode({ NODE_ENV: 'production' })).toBe(true);
    expect(isProductionMode({})).toBe(false);
    expect(() => loadServerKeys({ DATABASE_URL: 'postgres://db/scheme' })).toThrow(
      /COVERDESK_TOKEN_KEY, COVERDESK_NATIONAL_ID_KEY, COVERDESK_BIOMETRIC_KEY and COVERDESK_AUDIT_KEY/,
    );
  });

  it('refuses keys shorter than 32 bytes, a missing one of the four, and a key file others can read', () => {
    expect(() => parseKeyring('COVERDESK_TOKEN_KEY', text('k1', randomBytes(31)))).toThrow(/at least 32/);
    expect(() => parseKeyring('COVERDESK_TOKEN_KEY', randomBytes(32).toString('base64'))).toThrow(KeyConfigurationError);
    expect(() => loadServerKeys({ COVERDESK_TOKEN_KEY: text('k1'), COVERDESK_NATIONAL_ID_KEY: text('k1'), COVERDESK_BIOMETRIC_KEY: text('k1') })).toThrow(
      /all four/,
    );
    const file = join(dir, 'open.json');
    writeFileSync(file, JSON.stringify({ token: text('k1'), nationalId: text('k1'), biometric: text('k1'), audit: text('k1') }), { mode: 0o644 });
    expect(() => loadServerKeys({ COVERDESK_KEY_FILE: file })).toThrow(/chmod 600/);
  });

  it('the demo generates a 0600 key file outside the database and reads the same keys next time', () => {
    const file = join(dir, 'demo', 'server-keys.json');
    const first = loadServerKeys({}, { demoKeyFile: file });
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(first.source).toContain(file);
    const again = loadServerKeys({}, { demoKeyFile: file });
    expect(again.token.current.key.equals(first.token.current.key)).toBe(true);
    expect(first.token.current.key.equals(first.nationalId.current.key)).toBe(false);
  });

  it('a demo key file from before the audit key gains one, keeping its other keys; a production key file without it is refused', () => {
    const file = join(dir, 'older-demo', 'server-keys.json');
    const older = { token: text('k1'), nationalId: text('k1'), biometric: text('k1') };
    mkdirSync(join(dir, 'older-demo'), { recursive: true });
    writeFileSync(file, JSON.stringify(older), { mode: 0o600 });
    expect(() => loadServerKeys({ COVERDESK_KEY_FILE: file })).toThrow(/"audit"/);
    const upgraded = loadServerKeys({}, { demoKeyFile: file });
    expect(upgraded.token.current.key.toString('base64')).toBe(older.token.slice(3));
    expect(upgraded.audit.current.key.length).toBe(32);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(loadServerKeys({}, { demoKeyFile: file }).audit.current.key.equals(upgraded.audit.current.key)).toBe(true);
  });
});

describe('rotation: the current key signs and seals, previous keys only verify and open', () => {
  const old = parseKeyring('old', text('k1'));
  const rotated = { current: parseKeyring('new', text('k2')).current, previous: [old.current] };
  it('a token of the previous key verifies; one naming an unknown key id does not; new tokens carry the new id', () => {
    const before = issueToken(old, principal, Date.now()).token;
    expect(verifyToken(rotated, before, Date.now()).ok).toBe(true);
    expect(verifyToken(parseKeyring('other', text('k2')), before, Date.now()).ok).toBe(false);
    expect(issueToken(rotated, principal, Date.now()).token.startsWith('k2.')).toBe(true);
    expect(verifyToken(rotated, before.replace(/^k1\./, 'k2.'), Date.now()).ok).toBe(false);
  });
  it('a template sealed under the previous key opens; new seals carry the new key id', () => {
    const sealed = sealAtRest(old, demoIds.father, 'fingerprint', Buffer.from('template'));
    expect(openAtRest(rotated, demoIds.father, 'fingerprint', sealed).toString()).toBe('template');
    expect(sealAtRest(rotated, demoIds.father, 'fingerprint', Buffer.from('x')).startsWith('v2:k2:')).toBe(true);
    expect(() => openAtRest({ current: rotated.current, previous: [] }, demoIds.father, 'fingerprint', sealed)).toThrow(/k1/);
  });
});

describeEachBackend('npm run keys:migrate on a database that held its keys (%s)', (backend) => {
  it('the server refuses to start until the data is resealed and rehashed; then national ids and templates work under the new keys', async () => {
    const scratch = await createScratchDatabase(backend);
    try {
      // A database as the previous release left it: migrations up to 20 and keys in server_secrets.
      const legacy = randomBytes(32);
      await scratch.db.transaction(async (sql) => {
        await sql.query('CREATE TABLE schema_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())');
        for (const migration of migrations.filter((m) => m.version <= 20)) {
          await sql.script(migration.sql);
          await sql.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [migration.version, migration.name]);
        }
        await sql.query("INSERT INTO server_secrets (name, value) VALUES ('national-id-key', $1), ('token-key', $2)", [
          legacy.toString('base64'),
          randomBytes(32).toString('base64'),
        ]);
      });
      await seedDemo(scratch.db, { nationalIdKey: legacy, extraFamilies: 0 });
      const oldAtRest = Buffer.from(hkdfSync('sha256', legacy, Buffer.alloc(0), 'coverdesk biometric at rest v1', 32));
      const template = randomBytes(256);
      await scratch.db.query(
        "INSERT INTO biometric_enrolments (id, member_id, family_id, modality, sealed, enrolled_by, enrolled_at) SELECT gen_random_uuid(), id, family_id, 'fingerprint', $2, (SELECT id FROM operators LIMIT 1), now() FROM members WHERE id = $1",
        [demoIds.father, sealBiometric(oldAtRest, demoIds.father, 'fingerprint', template)],
      );

      const fresh = generateKeys();
      await expect(prepareServer(scratch.db, { keys: { ...fresh, source: 'test' } })).rejects.toThrow(/keys:migrate/);

      const done = await migrateKeysOutOfDatabase(scratch.db, { ...fresh, source: 'test' });
      expect(done.resealed).toBe(1);
      expect(done.rehashed).toBeGreaterThanOrEqual(4);
      expect(done.legacyNationalIdKey?.equals(legacy)).toBe(true);
      const keys: ServerKeys = { ...fresh, nationalIdLegacy: legacy, source: 'test' };
      const state = await prepareServer(scratch.db, { keys });
      try {
        const [table] = await scratch.db.query<{ present: boolean }>("SELECT to_regclass('server_secrets') IS NOT NULL AS present");
        expect(table?.present).toBe(false);
        const [member] = await scratch.db.query<{ id: string }>('SELECT id FROM members WHERE national_id_hash = $1', [
          nationalIdHash(keys.nationalId.current.key, '1000-0000-0001', legacy),
        ]);
        expect(member?.id).toBe(demoIds.father);
        // The hash alone, with the old key from an old dump, no longer finds anyone.
        const [none] = await scratch.db.query<{ id: string }>('SELECT id FROM members WHERE national_id_hash = $1', [
          createHmac('sha256', legacy).update('100000000001').digest('hex'),
        ]);
        expect(none).toBeUndefined();
        const [row] = await scratch.db.query<{ sealed: string }>('SELECT sealed FROM biometric_enrolments WHERE member_id = $1', [demoIds.father]);
        expect(openAtRest(keys.biometric, demoIds.father, 'fingerprint', row!.sealed).equals(template)).toBe(true);
      } finally {
        await state.stop();
      }
    } finally {
      await scratch.drop();
    }
  }, 120_000);
});
