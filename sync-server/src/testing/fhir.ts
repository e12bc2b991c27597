import { randomUUID } from 'node:crypto';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey } from 'jose';
import type { TestServer } from './harness';
import { expect } from 'vitest';
import { r4Errors, type R4Issue } from '../fhir/r4-definitions';
import { identifierSystems } from '../fhir/config';

/**
 * Every resource a FHIR answer holds: the answer itself and, for a Bundle, each entry's resource
 * and its search outcome, and the resources contained in any of them. The validator checks nested
 * resources too; they are checked one by one as well so a failure names the resource it is in.
 */
export function resourcesIn(resource: unknown): unknown[] {
  const found: unknown[] = [resource];
  if (typeof resource !== 'object' || resource === null) return found;
  const { entry, contained } = resource as { entry?: { resource?: unknown; response?: { outcome?: unknown } }[]; contained?: unknown[] };
  for (const item of entry ?? []) {
    if (item.resource !== undefined) found.push(...resourcesIn(item.resource));
    if (item.response?.outcome !== undefined) found.push(...resourcesIn(item.response.outcome));
  }
  for (const inner of contained ?? []) found.push(...resourcesIn(inner));
  return found;
}

/**
 * R4's rule for a resource id (the `id` type's regex, https://hl7.org/fhir/R4/datatypes.html#id).
 * The validator reads Resource.id as a plain string and does not apply it, so it is applied here.
 */
const r4Id = /^[A-Za-z0-9\-.]{1,64}$/;

/** The R4 errors of an answer and everything in it, each named by the resource it is in. */
export function r4ErrorsOf(resource: unknown): (R4Issue & { resource: string })[] {
  return resourcesIn(resource).flatMap((inner) => {
    const { resourceType, id } = (inner ?? {}) as { resourceType?: unknown; id?: unknown };
    const name = `${String(resourceType)}/${String(id ?? '-')}`;
    const idIssues: R4Issue[] =
      id !== undefined && (typeof id !== 'string' || !r4Id.test(id))
        ? [{ severity: 'error', path: `${String(resourceType)}.id`, message: 'An id is 1 to 64 letters, digits, - and .' }]
        : [];
    return [...r4Errors(inner), ...idIssues].map((issue) => ({ ...issue, resource: name }));
  });
}

/** Hold an answer of the server to the base R4 specification (r4-definitions.ts): no errors anywhere in it. */
export function expectValidR4<T>(resource: T): T {
  expect(r4ErrorsOf(resource), JSON.stringify(resource).slice(0, 2000)).toEqual([]);
  return resource;
}

// ── A hospital system, as a test drives one ──

export interface HospitalSystem {
  readonly clientId: string;
  readonly kid: string;
  readonly privateKey: CryptoKey;
}

/** A key pair made here (the private key never leaves the test) and the public key registered by HA for one hospital. */
export async function registerHospitalSystem(
  server: TestServer,
  haToken: string,
  hospitalId: string,
  clientId = `his-${randomUUID().slice(0, 8)}`,
): Promise<HospitalSystem> {
  const { publicKey, privateKey } = await generateKeyPair('ES384', { extractable: true });
  const kid = `k-${clientId}`;
  const jwk = { ...(await exportJWK(publicKey)), kid, alg: 'ES384', use: 'sig' };
  const answer = await server.raw('POST', '/admin/fhir-clients', {
    token: haToken,
    payload: { clientId, hospitalId, name: `Hospital system ${clientId}`, jwks: { keys: [jwk] } },
  });
  if (answer.status !== 200) throw new Error(`registering ${clientId} failed: ${answer.status} ${JSON.stringify(answer.body)}`);
  return { clientId, kid, privateKey };
}

/** A SMART Backend Services client assertion (RFC 7523), as a hospital system signs it. */
export async function clientAssertion(
  system: HospitalSystem,
  tokenEndpoint: string,
  overrides: { jti?: string; expiresInSeconds?: number; issuer?: string; audience?: string; key?: CryptoKey } = {},
): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({})
    .setProtectedHeader({ alg: 'ES384', kid: system.kid, typ: 'JWT' })
    .setIssuer(overrides.issuer ?? system.clientId)
    .setSubject(overrides.issuer ?? system.clientId)
    .setAudience(overrides.audience ?? tokenEndpoint)
    .setJti(overrides.jti ?? randomUUID())
    .setExpirationTime(now + (overrides.expiresInSeconds ?? 240))
    .sign(overrides.key ?? system.privateKey);
}

export const allScopes = 'system/*.read system/Claim.write system/CoverageEligibilityRequest.write system/Task.write';

/** The token form a hospital system posts. */
export function tokenForm(assertion: string, scope = allScopes): string {
  return new URLSearchParams({
    grant_type: 'client_credentials',
    client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
    client_assertion: assertion,
    scope,
  }).toString();
}

/** Sign in as the hospital system through the token endpoint (in-process: Fastify inject). */
export async function hospitalSystemToken(server: TestServer, system: HospitalSystem, scope = allScopes): Promise<string> {
  const config = await server.raw('GET', '/fhir/.well-known/smart-configuration');
  const endpoint = String(config.body.token_endpoint);
  const answer = await server.raw('POST', '/fhir/auth/token', {
    payload: tokenForm(await clientAssertion(system, endpoint), scope),
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
  });
  if (answer.status !== 200) throw new Error(`token for ${system.clientId} refused: ${answer.status} ${JSON.stringify(answer.body)}`);
  return String(answer.body.access_token);
}

export interface FhirAnswer {
  readonly status: number;
  readonly body: Record<string, unknown>;
  readonly headers: Record<string, string | string[] | number | undefined>;
  readonly text: string;
}

/**
 * One request to /fhir, its answer held to the R4 specification: every FHIR answer (a resource,
 * a Bundle and its entries, an OperationOutcome) must validate, whatever its status.
 */
export async function fhirRequest(
  server: TestServer,
  method: 'GET' | 'POST' | 'PUT',
  url: string,
  options: { token?: string; body?: unknown; headers?: Record<string, string> } = {},
): Promise<FhirAnswer> {
  const headers: Record<string, string> = { ...(options.headers ?? {}) };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  if (options.body !== undefined && !headers['content-type']) headers['content-type'] = 'application/fhir+json';
  const response = await server.app.inject({
    method,
    url,
    headers,
    ...(options.body !== undefined ? { payload: typeof options.body === 'string' ? options.body : JSON.stringify(options.body) } : {}),
  });
  const body = response.body ? (JSON.parse(response.body) as Record<string, unknown>) : {};
  if (String(response.headers['content-type'] ?? '').startsWith('application/fhir+json')) expectValidR4(body);
  return { status: response.statusCode, body, headers: response.headers, text: response.body };
}

/** A pre-auth Claim as a hospital system sends it. */
export function preauthClaim(identifier: string, memberId: string, hospitalId: string, packageCode: string) {
  return {
    resourceType: 'Claim',
    identifier: [{ system: 'urn:his:test:claims', value: identifier }],
    status: 'active',
    type: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/claim-type', code: 'institutional' }] },
    use: 'preauthorization',
    patient: { reference: `Patient/${memberId}` },
    created: new Date().toISOString(),
    provider: { reference: `Organization/${hospitalId}` },
    priority: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/processpriority', code: 'normal' }] },
    fundsReserve: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/fundsreserve', code: 'patient' }] },
    insurance: [{ sequence: 1, focal: true, coverage: { reference: `Coverage/${memberId}` } }],
    item: [{ sequence: 1, productOrService: { coding: [{ system: identifierSystems.package, code: packageCode }] } }],
  };
}
