import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../app';
import { demoIds } from '../demo/seed';
import { deploymentSettings, isLoopbackAddress } from '../deployment';
import { DevelopmentSmsSink } from '../identity/sms';
import { ChangeNotifier } from '../sync/notifier';
import { describeEachBackend } from '../testing/backends';
import { startTestServer, type TestServer } from '../testing/harness';

/**
 * Attacks (issue 13, items 10 and 11): a browser or proxy keeping the login token or a family's
 * data (no `no-store`), MIME sniffing of an answer (no `nosniff`), and anyone on the network reading
 * live one-time codes from the demo's unauthenticated /dev/sms.
 */
describeEachBackend('answer headers and the demo SMS sink (%s)', (backend) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer(backend, { extraFamilies: 0 });
  });
  afterAll(async () => server?.close());

  it('the login answer (with its token), reads and refusals carry nosniff and no-store', async () => {
    const login = await server.app.inject({ method: 'POST', url: '/auth/login', payload: { username: 'ha', password: 'coverdesk-demo' } });
    expect(login.statusCode).toBe(200);
    const token = String((login.json() as { token: string }).token);
    const read = await server.app.inject({ method: 'GET', url: '/reports/reconciliation', headers: { authorization: `Bearer ${token}` } });
    const refused = await server.app.inject({ method: 'GET', url: '/reports/reconciliation' });
    for (const answer of [login, read, refused]) {
      expect(answer.headers['x-content-type-options']).toBe('nosniff');
      expect(answer.headers['cache-control']).toBe('no-store');
      expect(answer.headers['strict-transport-security']).toBeUndefined();
    }
  });

  it('/dev/sms shows one-time codes to a caller on this machine only', async () => {
    const sms = new DevelopmentSmsSink();
    await sms.send('+919800000001', 'Your CoverDesk code is 123456');
    const app = await buildApp({
      db: server.scratch.db,
      notifier: new ChangeNotifier(null),
      scheme: server.state.scheme,
      keys: server.state.keys,
      sms,
      exposeDevelopmentSms: true,
    });
    try {
      const local = await app.inject({ method: 'GET', url: '/dev/sms', remoteAddress: '127.0.0.1' });
      expect(local.statusCode).toBe(200);
      expect(local.body).toContain('123456');
      for (const remoteAddress of ['10.20.0.7', '192.168.1.50', '::ffff:10.0.0.1']) {
        const remote = await app.inject({ method: 'GET', url: '/dev/sms', remoteAddress });
        expect(remote.statusCode).toBe(404);
        expect(remote.body).not.toContain('123456');
      }
    } finally {
      await app.close();
    }
  });

  it('HSTS is sent when IT configured TLS, and /docs is not served when turned off', async () => {
    const app = await buildApp({
      db: server.scratch.db,
      notifier: new ChangeNotifier(null),
      scheme: server.state.scheme,
      keys: server.state.keys,
      serveDocs: false,
      hstsMaxAgeSeconds: 31_536_000,
    });
    try {
      const docs = await app.inject({ method: 'GET', url: '/docs/json' });
      expect(docs.statusCode).toBe(404);
      expect(docs.headers['strict-transport-security']).toBe('max-age=31536000; includeSubDomains');
    } finally {
      await app.close();
    }
  });
});

describe('what a start exposes (deployment.ts)', () => {
  it('production (any DATABASE_URL or NODE_ENV=production) serves neither /docs (unless COVERDESK_DOCS=1) nor /dev/sms, even on a demo database', () => {
    expect(deploymentSettings({ DATABASE_URL: 'postgres://db/scheme' }, true)).toEqual({
      production: true,
      serveDocs: false,
      exposeDevelopmentSms: false,
      hstsMaxAgeSeconds: null,
      trustedProxies: [],
    });
    expect(deploymentSettings({ NODE_ENV: 'production', COVERDESK_DOCS: '1', COVERDESK_HSTS_MAX_AGE: '600' }, false)).toEqual({
      production: true,
      serveDocs: true,
      exposeDevelopmentSms: false,
      hstsMaxAgeSeconds: 600,
      trustedProxies: [],
    });
    expect(deploymentSettings({}, true)).toEqual({
      production: false,
      serveDocs: true,
      exposeDevelopmentSms: true,
      hstsMaxAgeSeconds: null,
      trustedProxies: [],
    });
    expect(deploymentSettings({}, false).exposeDevelopmentSms).toBe(false);
    expect(deploymentSettings({ COVERDESK_HSTS_MAX_AGE: 'yes' }, false).hstsMaxAgeSeconds).toBeNull();
  });

  it('trusts X-Forwarded-For only from the proxies IT names (COVERDESK_TRUSTED_PROXIES), and stops on a typo', () => {
    expect(deploymentSettings({ COVERDESK_TRUSTED_PROXIES: ' 10.0.0.5, 10.1.0.0/16,fd00::1 ' }, false).trustedProxies).toEqual([
      '10.0.0.5',
      '10.1.0.0/16',
      'fd00::1',
    ]);
    expect(deploymentSettings({ COVERDESK_TRUSTED_PROXIES: '' }, false).trustedProxies).toEqual([]);
    for (const bad of ['true', 'loadbalancer.local', '10.0.0.300', '10.0.0.0/33', '*'])
      expect(() => deploymentSettings({ COVERDESK_TRUSTED_PROXIES: bad }, false)).toThrow(/COVERDESK_TRUSTED_PROXIES must list IP addresses or CIDR ranges/);
  });
  it('loopback is 127.0.0.0/8 and ::1, also IPv4-mapped', () => {
    expect(['127.0.0.1', '127.1.2.3', '::1', '::ffff:127.0.0.1'].every(isLoopbackAddress)).toBe(true);
    expect(['10.0.0.1', '::ffff:10.0.0.1', '1127.0.0.1', '', undefined, demoIds.deskA].some(isLoopbackAddress)).toBe(false);
  });
});
