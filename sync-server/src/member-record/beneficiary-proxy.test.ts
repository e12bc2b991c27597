import { afterAll, beforeAll, expect, it } from 'vitest';
import { DevelopmentSmsSink } from '../identity/sms';
import { describeEachBackend } from '../testing/backends';
import { startTestServer, type TestServer } from '../testing/harness';
import { beneficiaryLimits } from './beneficiary-auth';

/**
 * The beneficiary page behind a reverse proxy (issue 16; app.ts trustedProxies, deployment.ts
 * COVERDESK_TRUSTED_PROXIES). The per-address limit counts the client's address: from the proxy
 * IT named, the one X-Forwarded-For gives (each phone behind the proxy its own); from any other
 * peer, the peer's own, whatever the header claims. The attack: a client talking to the server
 * directly and writing a new X-Forwarded-For on every request does not get a fresh allowance.
 */
describeEachBackend('the beneficiary page behind a trusted reverse proxy (%s)', (backend) => {
  let server: TestServer;
  const proxy = '10.0.0.5';
  const perAddress = 3;
  let nextSchemeId = 1;
  /** A code for a new scheme id each time (unknown ones count alike), so only the per-address limit can refuse. */
  const sendCode = async (peer: string, forwardedFor?: string) => {
    const answer = await server.app.inject({
      method: 'POST',
      url: '/me/code',
      remoteAddress: peer,
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...(forwardedFor ? { 'x-forwarded-for': forwardedFor } : {}) },
      payload: new URLSearchParams({ schemeId: `PMJ-PX${String(nextSchemeId++).padStart(5, '0')}` }).toString(),
    });
    return answer.statusCode;
  };
  beforeAll(async () => {
    server = await startTestServer(backend, {
      extraFamilies: 0,
      sms: new DevelopmentSmsSink(),
      trustedProxies: [proxy],
      beneficiaryLimits: { ...beneficiaryLimits, sendsPerAddress: perAddress },
    });
  });
  afterAll(async () => server?.close());

  it('from an untrusted peer, a new X-Forwarded-For on every request does not dodge the per-address limit', async () => {
    const statuses: number[] = [];
    for (let attempt = 0; attempt <= perAddress; attempt += 1) statuses.push(await sendCode('203.0.113.7', `198.51.100.${attempt + 10}`));
    expect(statuses).toEqual([200, 200, 200, 429]);
    // Still refused with no header, or with the proxy's own address claimed.
    expect(await sendCode('203.0.113.7')).toBe(429);
    expect(await sendCode('203.0.113.7', proxy)).toBe(429);
    // Nothing was counted under the addresses it claimed: a phone really behind the proxy with one of them is not blocked.
    expect(await sendCode(proxy, '198.51.100.10')).toBe(200);
  });

  it('from the trusted proxy, each client behind it is limited on its own address', async () => {
    const first = [];
    for (let attempt = 0; attempt <= perAddress; attempt += 1) first.push(await sendCode(proxy, '198.51.100.1'));
    expect(first).toEqual([200, 200, 200, 429]);
    // Another phone behind the same proxy is not blocked by the first one.
    expect(await sendCode(proxy, '198.51.100.2')).toBe(200);
    // A client prepending its own chosen address: the proxy appends the real one, which is what counts.
    expect(await sendCode(proxy, '192.0.2.99, 198.51.100.1')).toBe(429);
  });
});
