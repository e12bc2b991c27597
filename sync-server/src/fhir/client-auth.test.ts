import { randomUUID } from 'node:crypto';
import { generateKeyPair } from 'jose';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { demoIds } from '../demo/seed';
import { describeEachBackend } from '../testing/backends';
import {
  allScopes,
  clientAssertion,
  fhirRequest,
  hospitalSystemToken,
  preauthClaim,
  registerHospitalSystem,
  tokenForm,
  type HospitalSystem,
} from '../testing/fhir';
import { startTestServer, type TestServer } from '../testing/harness';
import { snapshotDatabase } from '../testing/snapshot';
import { warmUpR4Definitions } from './r4-definitions';

// SMART Backend Services for hospital systems: each of these is an attack that must fail.
describeEachBackend('FHIR client authentication (SMART Backend Services) (%s)', (backend) => {
  let server: TestServer;
  let ha = '';
  let system: HospitalSystem;
  let endpoint = '';

  const postToken = (form: string) =>
    server.raw('POST', '/fhir/auth/token', { payload: form, headers: { 'content-type': 'application/x-www-form-urlencoded' } });

  beforeAll(async () => {
    warmUpR4Definitions();
    server = await startTestServer(backend);
    ha = await server.login('ha');
    system = await registerHospitalSystem(server, ha, demoIds.hospitalA);
    endpoint = String((await server.raw('GET', '/fhir/.well-known/smart-configuration')).body.token_endpoint);
  });
  afterAll(async () => server?.close());

  it('issues a 5-minute bearer token with the scopes asked for that are offered', async () => {
    const answer = await postToken(tokenForm(await clientAssertion(system, endpoint), 'system/Claim.write system/Observation.read'));
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ token_type: 'bearer', expires_in: 300, scope: 'system/Claim.write' });
  });

  it('refuses an assertion signed by any key but the registered one, naming nothing', async () => {
    const { privateKey: attackerKey } = await generateKeyPair('ES384');
    const answer = await postToken(tokenForm(await clientAssertion(system, endpoint, { key: attackerKey })));
    expect(answer.status).toBe(401);
    expect(answer.body).toMatchObject({ error: 'invalid_client' });
    const unknown = await postToken(tokenForm(await clientAssertion(system, endpoint, { issuer: 'no-such-client' })));
    expect(unknown.body).toEqual(answer.body);
  });

  it('refuses a replayed assertion, another audience, an expired one and one valid for an hour', async () => {
    const assertion = await clientAssertion(system, endpoint);
    expect((await postToken(tokenForm(assertion))).status).toBe(200);
    expect(await postToken(tokenForm(assertion))).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
    expect((await postToken(tokenForm(await clientAssertion(system, endpoint, { audience: 'https://elsewhere.example/token' })))).status).toBe(401);
    expect((await postToken(tokenForm(await clientAssertion(system, endpoint, { expiresInSeconds: -120 })))).status).toBe(401);
    expect(await postToken(tokenForm(await clientAssertion(system, endpoint, { expiresInSeconds: 3600 })))).toMatchObject({
      status: 400,
      body: { error: 'invalid_grant' },
    });
    expect(await postToken(tokenForm(await clientAssertion(system, endpoint), 'system/Observation.read'))).toMatchObject({
      status: 400,
      body: { error: 'invalid_scope' },
    });
    const twice = `${tokenForm(await clientAssertion(system, endpoint))}&scope=system/*.read`;
    expect(await postToken(twice)).toMatchObject({ status: 400, body: { error: 'invalid_request' } });
  });

  it('an access token altered to name another hospital is refused, and is no key to the native API', async () => {
    const token = await hospitalSystemToken(server, system);
    const [prefix, keyId, payload, signature] = token.split('.');
    const claims = JSON.parse(Buffer.from(payload!, 'base64url').toString('utf8')) as Record<string, unknown>;
    const forged = [prefix, keyId, Buffer.from(JSON.stringify({ ...claims, hid: demoIds.hospitalB })).toString('base64url'), signature].join('.');
    const refused = await fhirRequest(server, 'GET', `/fhir/Patient/${demoIds.father}`, { token: forged });
    expect(refused.status).toBe(401);
    expect(refused.body).toMatchObject({ resourceType: 'OperationOutcome', issue: [{ code: 'login' }] });
    expect((await fhirRequest(server, 'GET', `/fhir/Patient/${demoIds.father}`, { token })).status).toBe(200);
    const native = await server.command(token, 'admit', { caseId: randomUUID(), memberId: demoIds.son, identityMethod: 'document' });
    expect(native.status).toBe(401);
  });

  it('a client submits for its own hospital only, and only with the write scope', async () => {
    const readOnly = await hospitalSystemToken(server, system, 'system/*.read');
    const full = await hospitalSystemToken(server, system, allScopes);
    const before = await snapshotDatabase(server.scratch.db);
    const noScope = await fhirRequest(server, 'POST', '/fhir/Claim/$submit', {
      token: readOnly,
      body: preauthClaim('S-1', demoIds.son, demoIds.hospitalA, 'MG012A'),
    });
    expect(noScope.status).toBe(403);
    const otherHospital = await fhirRequest(server, 'POST', '/fhir/Claim/$submit', {
      token: full,
      body: preauthClaim('S-2', demoIds.son, demoIds.hospitalB, 'MG012A'),
    });
    expect(otherHospital.status).toBe(403);
    expect(otherHospital.body).toMatchObject({ issue: [{ code: 'forbidden', details: { coding: [{ code: 'forbidden-role' }] } }] });
    expect(await snapshotDatabase(server.scratch.db)).toEqual(before);
  });

  it('HA alone registers clients, with public keys only; a deactivated client is refused at once', async () => {
    const medco = await server.login('medco.a');
    const { publicKey, privateKey } = await generateKeyPair('ES384', { extractable: true });
    const { exportJWK } = await import('jose');
    const body = (jwk: object) => ({ clientId: `his-${randomUUID().slice(0, 6)}`, hospitalId: demoIds.hospitalA, name: 'x', jwks: { keys: [jwk] } });
    expect((await server.raw('POST', '/admin/fhir-clients', { token: medco, payload: body(await exportJWK(publicKey)) })).status).toBe(403);
    const withPrivate = await server.raw('POST', '/admin/fhir-clients', { token: ha, payload: body(await exportJWK(privateKey)) });
    expect(withPrivate).toMatchObject({ status: 400, body: { code: 'invalid-input' } });
    expect(String(withPrivate.body.message)).toContain('private key');

    const other = await registerHospitalSystem(server, ha, demoIds.hospitalA);
    const token = await hospitalSystemToken(server, other);
    expect((await fhirRequest(server, 'GET', `/fhir/Patient/${demoIds.father}`, { token })).status).toBe(200);
    expect((await server.raw('POST', `/admin/fhir-clients/${other.clientId}/deactivate`, { token: ha })).status).toBe(200);
    expect((await fhirRequest(server, 'GET', `/fhir/Patient/${demoIds.father}`, { token })).status).toBe(401);
    expect((await postToken(tokenForm(await clientAssertion(other, endpoint)))).status).toBe(401);
    // Its operator cannot sign in by password either.
    expect((await server.raw('POST', '/auth/login', { payload: { username: `fhir:${other.clientId}`, password: 'anything-at-all' } })).status).toBe(401);
  });
});
