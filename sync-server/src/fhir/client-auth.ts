import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { createLocalJWKSet, decodeJwt, importJWK, jwtVerify, type JSONWebKeySet, type JWK } from 'jose';
import { fail } from '@domain/outcomes';
import type { HospitalId, OperatorId } from '@domain/ids';
import type { Keyring } from '../auth/keyring';
import { findKey } from '../auth/keyring';
import { passwordCost } from '../auth/passwords';
import type { Principal } from '../auth/tokens';
import type { Database, Sql } from '../db/database';
import { appendAudit } from '../audit/chain';

/**
 * Hospital systems sign in as SMART Backend Services clients (OAuth 2.0 client credentials with a
 * private_key_jwt assertion, https://hl7.org/fhir/smart-app-launch/backend-services.html): HA
 * registers a client for one hospital with its public keys; the client posts a JWT signed with its
 * private key (RS384 or ES384, iss = sub = client id, aud = the token endpoint, exp at most 5
 * minutes ahead, a jti never used before) and gets an access token for 5 minutes. The token acts
 * as the client's own operator: MEDCO of that one hospital, exactly a desk's scope.
 */
export const assertionType = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
export const signingAlgorithms = ['RS384', 'ES384'] as const;
export const accessTokenSeconds = 300;
const maxAssertionLifetimeSeconds = 300;
/** Clock difference tolerated between a hospital system and this server. */
const clockToleranceSeconds = 60;

/** SMART v1 system scopes this server grants. A token carries those it asked for that are here. */
export const supportedScopes = [
  'system/*.read',
  'system/Patient.read',
  'system/Group.read',
  'system/Coverage.read',
  'system/Organization.read',
  'system/InsurancePlan.read',
  'system/Claim.read',
  'system/ClaimResponse.read',
  'system/PaymentReconciliation.read',
  'system/Task.read',
  'system/Claim.write',
  'system/CoverageEligibilityRequest.write',
  'system/Task.write',
] as const;

/** What a request to /fhir acts as: a principal like a desk's, and the scopes its token carries (null: an operator's own token, scoped by its roles). */
export interface FhirCaller {
  readonly principal: Principal;
  readonly clientId: string | null;
  readonly scopes: readonly string[] | null;
}

export function hasScope(caller: FhirCaller, resourceType: string, access: 'read' | 'write'): boolean {
  if (caller.scopes === null) return true;
  return caller.scopes.includes(`system/${resourceType}.${access}`) || (access === 'read' && caller.scopes.includes('system/*.read'));
}

// ── Registration (HA) ──

const clientIdPattern = /^[A-Za-z0-9._-]{3,64}$/;

/** The public keys of a registration, checked: RSA (2048 bits and more) or EC P-256/P-384, never a private key. */
async function publicKeySet(jwks: unknown): Promise<JSONWebKeySet> {
  const keys = (jwks as { keys?: unknown } | null)?.keys;
  if (!Array.isArray(keys) || keys.length === 0 || keys.length > 10) throw fail('invalid-input', 'jwks must be {"keys": [...]} with 1 to 10 public keys.');
  for (const [index, key] of keys.entries()) {
    if (typeof key !== 'object' || key === null) throw fail('invalid-input', `jwks.keys[${index}] is not a JSON Web Key.`);
    const jwk = key as JWK;
    if ('d' in jwk || 'p' in jwk || 'k' in jwk)
      throw fail(
        'invalid-input',
        `jwks.keys[${index}] holds private key material: register the public key only, and keep the private key in the hospital system.`,
      );
    if (jwk.kty !== 'RSA' && jwk.kty !== 'EC') throw fail('invalid-input', `jwks.keys[${index}] must be an RSA or EC key (kty).`);
    if (jwk.kty === 'EC' && jwk.crv !== 'P-384' && jwk.crv !== 'P-256') throw fail('invalid-input', `jwks.keys[${index}] must be on curve P-384 or P-256.`);
    if (jwk.kty === 'RSA' && (typeof jwk.n !== 'string' || Buffer.from(jwk.n, 'base64url').length < 256))
      throw fail('invalid-input', `jwks.keys[${index}] must be an RSA key of at least 2048 bits.`);
    try {
      await importJWK(jwk, jwk.kty === 'RSA' ? 'RS384' : 'ES384');
    } catch {
      throw fail('invalid-input', `jwks.keys[${index}] is not a usable public key.`);
    }
  }
  return { keys: keys as JWK[] };
}

export interface ClientRegistration {
  readonly clientId: string;
  readonly hospitalId: string;
  readonly name: string;
  readonly jwks: unknown;
}

/** A password hash no password matches (the key is zeros) at today's cost: the client's operator cannot sign in with a password. */
const unusablePassword = () =>
  `scrypt$${passwordCost.N}$${passwordCost.r}$${passwordCost.p}$${randomBytes(16).toString('base64')}$${Buffer.alloc(32).toString('base64')}`;

export async function registerClient(db: Database, registrar: Principal, body: ClientRegistration): Promise<{ clientId: string; operatorId: string }> {
  if (!registrar.roles.includes('HA')) throw fail('forbidden-role', 'Only the health authority (HA) registers hospital systems.');
  if (!clientIdPattern.test(body.clientId)) throw fail('invalid-input', 'clientId is 3 to 64 letters, digits, dots, dashes or underscores.');
  const jwks = await publicKeySet(body.jwks);
  return db.transaction(async (sql) => {
    const [hospital] = await sql.query<{ code: string }>('SELECT code FROM hospitals WHERE id = $1', [body.hospitalId]);
    if (!hospital) throw fail('not-found', `There is no hospital ${body.hospitalId}.`);
    const [taken] = await sql.query('SELECT 1 FROM fhir_clients WHERE client_id = $1', [body.clientId]);
    if (taken) throw fail('invalid-input', `The client id ${body.clientId} is already registered; choose another.`);
    const [operator] = await sql.query<{ id: string }>(
      `INSERT INTO operators (id, username, display_name, password_hash, roles, hospital_id) VALUES (gen_random_uuid(), $1, $2, $3, ARRAY['MEDCO'], $4) RETURNING id`,
      // 'fhir:' cannot be an operator's username (create-operator allows [a-z0-9._-]): no collision, and visibly a system.
      [`fhir:${body.clientId}`, `Hospital system: ${body.name}`, unusablePassword(), body.hospitalId],
    );
    await sql.query('INSERT INTO fhir_clients (client_id, hospital_id, operator_id, name, jwks, registered_by) VALUES ($1, $2, $3, $4, $5, $6)', [
      body.clientId,
      body.hospitalId,
      operator!.id,
      body.name,
      JSON.stringify(jwks),
      registrar.operatorId,
    ]);
    await appendAudit(sql, {
      actorId: registrar.operatorId,
      action: 'fhir-client-registered',
      entityType: 'fhir-client',
      entityId: body.clientId,
      after: { hospitalId: body.hospitalId, hospitalCode: hospital.code, operatorId: operator!.id, keyIds: jwks.keys.map((k) => k.kid ?? null) },
    });
    return { clientId: body.clientId, operatorId: operator!.id };
  });
}

export async function deactivateClient(db: Database, registrar: Principal, clientId: string): Promise<void> {
  if (!registrar.roles.includes('HA')) throw fail('forbidden-role', 'Only the health authority (HA) deactivates hospital systems.');
  await db.transaction(async (sql) => {
    const [client] = await sql.query<{ operator_id: string }>('UPDATE fhir_clients SET is_active = false WHERE client_id = $1 RETURNING operator_id', [
      clientId,
    ]);
    if (!client) throw fail('not-found', `There is no hospital system ${clientId}.`);
    await sql.query('UPDATE operators SET is_active = false WHERE id = $1', [client.operator_id]);
    await appendAudit(sql, { actorId: registrar.operatorId, action: 'fhir-client-deactivated', entityType: 'fhir-client', entityId: clientId });
  });
}

// ── Token endpoint ──

/** An OAuth 2.0 error answer (RFC 6749 §5.2), which the token endpoint speaks instead of OperationOutcome. */
export class OAuthError extends Error {
  constructor(
    readonly status: 400 | 401,
    readonly error: 'invalid_request' | 'invalid_client' | 'invalid_grant' | 'unsupported_grant_type' | 'invalid_scope',
    readonly description: string,
  ) {
    super(description);
  }
}

interface ClientRow {
  client_id: string;
  hospital_id: string;
  operator_id: string;
  jwks: JSONWebKeySet;
  is_active: boolean;
  operator_active: boolean;
}

async function clientRow(sql: Pick<Sql, 'query'>, clientId: string): Promise<ClientRow | undefined> {
  const [row] = await sql.query<ClientRow>(
    `SELECT c.client_id, c.hospital_id, c.operator_id, c.jwks, c.is_active, o.is_active AS operator_active
       FROM fhir_clients c JOIN operators o ON o.id = c.operator_id WHERE c.client_id = $1`,
    [clientId],
  );
  return row;
}

export interface TokenRequest {
  readonly grant_type?: string;
  readonly client_assertion_type?: string;
  readonly client_assertion?: string;
  readonly scope?: string;
}

/** Check a client's assertion and issue its access token. */
export async function issueAccessToken(
  db: Database,
  ring: Keyring,
  request: TokenRequest,
  tokenEndpoint: string,
  nowMs: number,
): Promise<{ access_token: string; token_type: 'bearer'; expires_in: number; scope: string }> {
  if (request.grant_type !== 'client_credentials') throw new OAuthError(400, 'unsupported_grant_type', 'grant_type must be client_credentials.');
  if (request.client_assertion_type !== assertionType) throw new OAuthError(400, 'invalid_request', `client_assertion_type must be ${assertionType}.`);
  if (!request.client_assertion) throw new OAuthError(400, 'invalid_request', 'client_assertion (a signed JWT) is required.');
  const requested = (request.scope ?? '').split(' ').filter(Boolean);
  if (requested.length === 0) throw new OAuthError(400, 'invalid_scope', `Ask for one or more scopes: ${supportedScopes.join(' ')}.`);
  const granted = requested.filter((scope) => (supportedScopes as readonly string[]).includes(scope));
  if (granted.length === 0)
    throw new OAuthError(400, 'invalid_scope', `None of the scopes asked for is offered; this server offers ${supportedScopes.join(' ')}.`);
  let unverifiedIssuer: unknown;
  try {
    unverifiedIssuer = decodeJwt(request.client_assertion).iss;
  } catch {
    throw new OAuthError(400, 'invalid_request', 'client_assertion is not a JWT.');
  }
  const client = typeof unverifiedIssuer === 'string' && clientIdPattern.test(unverifiedIssuer) ? await clientRow(db, unverifiedIssuer) : undefined;
  // The same answer for an unknown client, a deactivated one and a bad signature: nothing to probe.
  const refused = new OAuthError(
    401,
    'invalid_client',
    'The client assertion was not accepted: unknown or deactivated client, or a signature none of its registered keys made.',
  );
  if (!client || !client.is_active || !client.operator_active) throw refused;
  let claims;
  try {
    ({ payload: claims } = await jwtVerify(request.client_assertion, createLocalJWKSet(client.jwks), {
      algorithms: [...signingAlgorithms],
      issuer: client.client_id,
      subject: client.client_id,
      audience: tokenEndpoint,
      currentDate: new Date(nowMs),
      clockTolerance: clockToleranceSeconds,
      requiredClaims: ['exp', 'jti'],
    }));
  } catch {
    throw refused;
  }
  const nowSeconds = Math.floor(nowMs / 1000);
  if (claims.exp! > nowSeconds + maxAssertionLifetimeSeconds + clockToleranceSeconds)
    throw new OAuthError(400, 'invalid_grant', `The assertion expires more than ${maxAssertionLifetimeSeconds / 60} minutes from now; sign a shorter one.`);
  const jti = String(claims.jti);
  if (jti.length === 0 || jti.length > 200) throw new OAuthError(400, 'invalid_grant', 'The assertion needs a jti of 1 to 200 characters.');
  // Each assertion buys one token: its jti is kept until it expires (the insert decides, across processes).
  const used = await db.transaction(async (sql) => {
    await sql.query("DELETE FROM fhir_assertions_used WHERE expires_at < now() - interval '5 minutes'");
    return sql.query('INSERT INTO fhir_assertions_used (client_id, jti, expires_at) VALUES ($1, $2, to_timestamp($3)) ON CONFLICT DO NOTHING RETURNING jti', [
      client.client_id,
      jti,
      claims.exp! + clockToleranceSeconds,
    ]);
  });
  if (used.length === 0) throw new OAuthError(400, 'invalid_grant', 'This assertion was already used; sign a new one with a new jti for each token.');
  const scope = granted.join(' ');
  return {
    access_token: signAccessToken(ring, {
      cid: client.client_id,
      sub: client.operator_id,
      hid: client.hospital_id,
      scope,
      exp: nowSeconds + accessTokenSeconds,
      iat: nowMs,
    }),
    token_type: 'bearer',
    expires_in: accessTokenSeconds,
    scope,
  };
}

// ── Access tokens ──

interface AccessClaims {
  readonly cid: string;
  readonly sub: string;
  readonly hid: string;
  readonly scope: string;
  readonly exp: number;
  readonly iat: number;
}

export const accessTokenPrefix = 'fhir1';

/** Its own key, derived from the token key: an operator's token and a client's can never pass for each other. */
function accessKey(key: Buffer): Buffer {
  return createHmac('sha256', key).update('coverdesk fhir access token v1').digest();
}

function signAccessToken(ring: Keyring, claims: AccessClaims): string {
  const payload = Buffer.from(JSON.stringify(claims)).toString('base64url');
  const { id, key } = ring.current;
  const signature = createHmac('sha256', accessKey(key)).update(`${accessTokenPrefix}.${id}.${payload}`).digest('base64url');
  return `${accessTokenPrefix}.${id}.${payload}.${signature}`;
}

function verifyAccessToken(ring: Keyring, token: string, nowMs: number): AccessClaims | 'expired' | null {
  const parts = token.split('.');
  const [prefix, keyId, payload, signature] = parts;
  if (parts.length !== 4 || prefix !== accessTokenPrefix || !keyId || !payload || !signature) return null;
  const key = findKey(ring, keyId);
  if (!key) return null;
  const expected = createHmac('sha256', accessKey(key)).update(`${accessTokenPrefix}.${keyId}.${payload}`).digest();
  const actual = Buffer.from(signature, 'base64url');
  if (actual.length !== expected.length || !timingSafeEqual(actual, expected)) return null;
  const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as AccessClaims;
  return claims.exp * 1000 <= nowMs ? 'expired' : claims;
}

/**
 * The caller behind a client's access token, or null when the header holds another kind of token.
 * The client and its operator are re-read at most every 5 s per process: a deactivation stops a
 * client's tokens within that time on every process.
 */
export class ClientTokens {
  private readonly known = new Map<string, { isActive: boolean; readAt: number }>();
  constructor(
    private readonly db: Database,
    private readonly ring: Keyring,
    private readonly now: () => number,
  ) {}

  isClientToken(token: string): boolean {
    return token.startsWith(`${accessTokenPrefix}.`);
  }

  async caller(token: string): Promise<FhirCaller> {
    const claims = verifyAccessToken(this.ring, token, this.now());
    if (claims === 'expired') throw fail('unauthenticated', 'The access token has expired; get a new one from the token endpoint.');
    if (!claims) throw fail('unauthenticated', 'The access token is not valid; get one from the token endpoint.');
    let known = this.known.get(claims.cid);
    if (!known || this.now() - known.readAt > 5000) {
      const row = await clientRow(this.db, claims.cid);
      known = { isActive: row !== undefined && row.is_active && row.operator_active && row.operator_id === claims.sub, readAt: this.now() };
      this.known.set(claims.cid, known);
    }
    if (!known.isActive) throw fail('unauthenticated', 'This hospital system is deactivated; ask the health authority (HA).');
    return {
      principal: { operatorId: claims.sub as OperatorId, roles: ['MEDCO'], hospitalId: claims.hid as HospitalId },
      clientId: claims.cid,
      scopes: claims.scope.split(' '),
    };
  }

  forget(clientId: string): void {
    this.known.delete(clientId);
  }
}
