import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { randomBytes } from 'node:crypto';

/**
 * The server's keys live outside the database they protect (SECURITY.md): a dump of PostgreSQL must
 * not hand over the key that signs operator tokens, the one that hashes national ids or the one that
 * seals biometrics. Each key has an id carried by what it signs or seals, so a key can be rotated:
 * the first key of a ring is current (signs, seals), the others only verify and open.
 */
export interface ServerKey {
  readonly id: string;
  readonly key: Buffer;
}

export interface Keyring {
  readonly current: ServerKey;
  readonly previous: readonly ServerKey[];
}

export interface ServerKeys {
  readonly token: Keyring;
  readonly nationalId: Keyring;
  readonly biometric: Keyring;
  /**
   * Keys the audit hash chain (HMAC, each entry names its key id) and signs its anchors (audit/):
   * whoever can write the database cannot recompute the chain without it.
   */
  readonly audit: Keyring;
  /**
   * Signs member e-cards (issue 16, src/ecards/): each key is an Ed25519 private key's 32-byte
   * seed; its id (at most 16 characters) is printed in the card's QR and its public half is
   * published to every desk by the first card it signs. The first key signs; the others are kept
   * only so that their cards can still be reissued: a rotated-out key's public half stays published
   * (migration 052 never removes one), so its cards verify until they expire or are revoked.
   * Absent: this server refuses to issue e-cards (and says so); everything else works.
   */
  readonly eCard?: Keyring;
  /**
   * The national-id key that lived in the database before `npm run keys:migrate`. National ids are
   * stored only as keyed hashes, so they cannot be hashed again from the plain id: the migration
   * hashes each old hash under the new key, and lookups do the same. Once the table is dropped this
   * value is no longer secret (old dumps hold it); the new key is what protects the hashes.
   */
  readonly nationalIdLegacy: Buffer | null;
  /** Where the keys came from, printed at start (never the keys). */
  readonly source: string;
}

export const minimumKeyBytes = 32;
const keyIdPattern = /^[A-Za-z0-9_-]{1,32}$/;

export class KeyConfigurationError extends Error {}

export function findKey(ring: Keyring, id: string): Buffer | null {
  if (ring.current.id === id) return ring.current.key;
  return ring.previous.find((candidate) => candidate.id === id)?.key ?? null;
}

/** `id:base64` entries separated by commas, current first: `k2:…,k1:…`. */
export function parseKeyring(name: string, text: string): Keyring {
  const keys = text
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry.length > 0)
    .map((entry) => {
      const colon = entry.indexOf(':');
      const id = colon > 0 ? entry.slice(0, colon) : '';
      if (!keyIdPattern.test(id))
        throw new KeyConfigurationError(
          `${name}: each key is written "id:base64" with an id of letters, digits, - or _ (at most 32), e.g. "k1:$(openssl rand -base64 32)".`,
        );
      const key = Buffer.from(entry.slice(colon + 1), 'base64');
      if (key.length < minimumKeyBytes)
        throw new KeyConfigurationError(
          `${name}: key "${id}" is ${key.length} bytes; each key must be at least ${minimumKeyBytes} random bytes (openssl rand -base64 32).`,
        );
      return { id, key };
    });
  const [current, ...previous] = keys;
  if (!current) throw new KeyConfigurationError(`${name} holds no key.`);
  if (new Set(keys.map((k) => k.id)).size !== keys.length) throw new KeyConfigurationError(`${name}: two keys share an id.`);
  return { current, previous };
}

interface KeyFileShape {
  token: string;
  nationalId: string;
  biometric: string;
  audit: string;
  eCard?: string;
  nationalIdLegacy?: string;
}

function isKeyFile(value: unknown): value is KeyFileShape {
  if (typeof value !== 'object' || value === null) return false;
  const record = value as Record<string, unknown>;
  return (
    typeof record.token === 'string' &&
    typeof record.nationalId === 'string' &&
    typeof record.biometric === 'string' &&
    typeof record.audit === 'string' &&
    (record.eCard === undefined || typeof record.eCard === 'string') &&
    (record.nationalIdLegacy === undefined || typeof record.nationalIdLegacy === 'string')
  );
}

/** Reads a key file: JSON {token, nationalId, biometric, audit[, nationalIdLegacy]}, each a keyring text; refused unless only its owner can read it. */
export function readKeyFile(path: string): ServerKeys {
  const mode = statSync(path).mode & 0o777;
  if ((mode & 0o077) !== 0) throw new KeyConfigurationError(`The key file ${path} can be read by others (mode ${mode.toString(8)}); run chmod 600 ${path}.`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    throw new KeyConfigurationError(`The key file ${path} is not JSON.`);
  }
  if (!isKeyFile(parsed))
    throw new KeyConfigurationError(`The key file ${path} must hold "token", "nationalId", "biometric" and "audit" keyrings ("id:base64,…").`);
  return {
    token: parseKeyring(`${path} token`, parsed.token),
    nationalId: parseKeyring(`${path} nationalId`, parsed.nationalId),
    biometric: parseKeyring(`${path} biometric`, parsed.biometric),
    audit: parseKeyring(`${path} audit`, parsed.audit),
    ...(parsed.eCard ? { eCard: parseECardKeyring(`${path} eCard`, parsed.eCard) } : {}),
    nationalIdLegacy: parsed.nationalIdLegacy ? Buffer.from(parsed.nationalIdLegacy, 'base64') : null,
    source: `key file ${path}`,
  };
}

export function writeKeyFile(path: string, keys: Omit<ServerKeys, 'source'>): void {
  const ring = (r: Keyring) => [r.current, ...r.previous].map((k) => `${k.id}:${k.key.toString('base64')}`).join(',');
  const shape: KeyFileShape = {
    token: ring(keys.token),
    nationalId: ring(keys.nationalId),
    biometric: ring(keys.biometric),
    audit: ring(keys.audit),
    ...(keys.eCard ? { eCard: ring(keys.eCard) } : {}),
    ...(keys.nationalIdLegacy ? { nationalIdLegacy: keys.nationalIdLegacy.toString('base64') } : {}),
  };
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  writeFileSync(path, `${JSON.stringify(shape, null, 2)}\n`, { mode: 0o600 });
  chmodSync(path, 0o600);
}

/** Fresh random keys (32 bytes each), id k1: the demo's key file and the test harness. */
export function generateKeys(): Omit<ServerKeys, 'source'> {
  const fresh = (): Keyring => ({ current: { id: 'k1', key: randomBytes(32) }, previous: [] });
  return { token: fresh(), nationalId: fresh(), biometric: fresh(), audit: fresh(), eCard: fresh(), nationalIdLegacy: null };
}

export const missingKeysMessage =
  'No server keys: set COVERDESK_TOKEN_KEY, COVERDESK_NATIONAL_ID_KEY, COVERDESK_BIOMETRIC_KEY and COVERDESK_AUDIT_KEY ("id:base64" of at least 32 random bytes each, e.g. "k1:$(openssl rand -base64 32)"), or COVERDESK_KEY_FILE (a 0600 JSON file). The keys are never kept in the database. See SECURITY.md.';

/**
 * Where the keys come from, in this order: the three environment variables; COVERDESK_KEY_FILE; for
 * an embedded demo/development database only (`demoKeyFile`, given by main.ts when there is no
 * DATABASE_URL and NODE_ENV is not production) a key file generated beside the data, outside the
 * database. Anything else refuses to start.
 */
export function loadServerKeys(env: NodeJS.ProcessEnv, options: { demoKeyFile?: string } = {}): ServerKeys {
  const fromEnv = [env.COVERDESK_TOKEN_KEY, env.COVERDESK_NATIONAL_ID_KEY, env.COVERDESK_BIOMETRIC_KEY, env.COVERDESK_AUDIT_KEY];
  if (fromEnv.some((value) => value !== undefined && value !== '')) {
    const [token, nationalId, biometric, audit] = fromEnv;
    if (!token || !nationalId || !biometric || !audit)
      throw new KeyConfigurationError(
        `Set all four of COVERDESK_TOKEN_KEY, COVERDESK_NATIONAL_ID_KEY, COVERDESK_BIOMETRIC_KEY and COVERDESK_AUDIT_KEY, or none. ${missingKeysMessage}`,
      );
    return {
      token: parseKeyring('COVERDESK_TOKEN_KEY', token),
      nationalId: parseKeyring('COVERDESK_NATIONAL_ID_KEY', nationalId),
      biometric: parseKeyring('COVERDESK_BIOMETRIC_KEY', biometric),
      audit: parseKeyring('COVERDESK_AUDIT_KEY', audit),
      ...(env.COVERDESK_ECARD_KEY ? { eCard: parseECardKeyring('COVERDESK_ECARD_KEY', env.COVERDESK_ECARD_KEY) } : {}),
      nationalIdLegacy: env.COVERDESK_NATIONAL_ID_LEGACY ? Buffer.from(env.COVERDESK_NATIONAL_ID_LEGACY, 'base64') : null,
      source: 'environment (COVERDESK_TOKEN_KEY, COVERDESK_NATIONAL_ID_KEY, COVERDESK_BIOMETRIC_KEY, COVERDESK_AUDIT_KEY)',
    };
  }
  if (env.COVERDESK_KEY_FILE) {
    const keys = readKeyFile(env.COVERDESK_KEY_FILE);
    return env.COVERDESK_ECARD_KEY ? { ...keys, eCard: parseECardKeyring('COVERDESK_ECARD_KEY', env.COVERDESK_ECARD_KEY) } : keys;
  }
  if (options.demoKeyFile) {
    if (!existsSync(options.demoKeyFile)) writeKeyFile(options.demoKeyFile, generateKeys());
    else addAuditKeyToDemoFile(options.demoKeyFile);
    const keys = readKeyFile(options.demoKeyFile);
    return { ...keys, source: `${keys.source} (demo/development; generated on first start)` };
  }
  throw new KeyConfigurationError(missingKeysMessage);
}

/**
 * A demo key file written before the audit chain was keyed (issue 13 item 3) has no "audit" key,
 * one written before e-cards (issue 16) no "eCard" key: the demo adds fresh ones (a production key
 * file must be given an audit key by IT: it is refused without; without an e-card key it issues no cards).
 */
function addAuditKeyToDemoFile(path: string): void {
  let parsed: Record<string, unknown>;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
  } catch {
    return; // readKeyFile says what is wrong with it
  }
  if (typeof parsed.audit === 'string' && typeof parsed.eCard === 'string') return;
  const fresh = generateKeys();
  const text = (key: ServerKey) => `${key.id}:${key.key.toString('base64')}`;
  const added = {
    ...(typeof parsed.audit === 'string' ? {} : { audit: text(fresh.audit.current) }),
    ...(typeof parsed.eCard === 'string' ? {} : { eCard: text(fresh.eCard!.current) }),
  };
  writeFileSync(path, `${JSON.stringify({ ...parsed, ...added }, null, 2)}\n`, { mode: 0o600 });
  chmodSync(path, 0o600);
}

/** An e-card keyring: each key exactly 32 bytes (an Ed25519 seed), each id at most 16 characters (it travels in every QR). */
export function parseECardKeyring(name: string, text: string): Keyring {
  const ring = parseKeyring(name, text);
  for (const key of [ring.current, ...ring.previous]) {
    if (key.key.length !== 32)
      throw new KeyConfigurationError(
        `${name}: key "${key.id}" is ${key.key.length} bytes; an e-card key is exactly 32 random bytes (openssl rand -base64 32).`,
      );
    if (!/^[A-Za-z0-9_-]{1,16}$/.test(key.id))
      throw new KeyConfigurationError(`${name}: key id "${key.id}" is longer than 16 characters; it is printed in every card's QR.`);
  }
  return ring;
}

/** Production unless the database is embedded (no DATABASE_URL) and NODE_ENV is not production. */
export function isProductionMode(env: NodeJS.ProcessEnv): boolean {
  return env.NODE_ENV === 'production' || Boolean(env.DATABASE_URL);
}
