import { randomBytes } from 'node:crypto';
import type { Sql } from '../db/database';

/**
 * Server secrets (token signing key, national-id hashing key) live in the database so every server
 * process behind the load balancer agrees on them. Environment variables override them in
 * production, where the key should come from a secret store.
 */
export async function loadSecret(sql: Sql, name: 'token-key' | 'national-id-key', envOverride: string | undefined): Promise<Buffer> {
  if (envOverride) return Buffer.from(envOverride, 'utf8');
  await sql.query('INSERT INTO server_secrets (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING', [name, randomBytes(32).toString('base64')]);
  const [row] = await sql.query<{ value: string }>('SELECT value FROM server_secrets WHERE name = $1', [name]);
  if (!row) throw new Error(`secret ${name} could not be created`);
  return Buffer.from(row.value, 'base64');
}
