import { scryptSync, randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { buildApp } from '../app';
import { passwordKdf } from '../auth/passwords';
import { signInLimits } from '../auth/sign-in';
import { ChangeNotifier } from '../sync/notifier';
import { describeEachBackend } from '../testing/backends';
import { startTestServer, type TestServer } from '../testing/harness';

/**
 * Attacks on sign-in (issue 13, item 7): guessing passwords without limit, finding which usernames
 * exist by the answer's timing, a stolen token that keeps working after its operator signed out,
 * and fast offline guessing of weak (N = 2^14) hashes.
 */
const password = 'coverdesk-demo';

describeEachBackend('sign-in safety (%s)', (backend) => {
  let server: TestServer;
  const login = (username: string, secret: string, remoteAddress = '10.1.0.1') =>
    server.app.inject({ method: 'POST', url: '/auth/login', payload: { username, password: secret }, remoteAddress });
  beforeAll(async () => {
    server = await startTestServer(backend, { extraFamilies: 0 });
  });
  afterAll(async () => server?.close());

  it('an unknown username runs the password hash like a wrong password does (no enumeration by timing)', async () => {
    const before = passwordKdf.runs;
    expect((await login('nobody-by-this-name', 'guess', '10.1.0.2')).statusCode).toBe(401);
    expect(passwordKdf.runs - before).toBe(1);
    expect((await login('cex', 'wrong', '10.1.0.2')).statusCode).toBe(401);
    expect(passwordKdf.runs - before).toBe(2);
  }, 120_000);

  it('locks an account after 5 failures, even for the right password, without hashing; other accounts still sign in', async () => {
    for (let attempt = 0; attempt < 5; attempt += 1) expect((await login('mc', `guess-${attempt}`, `10.2.0.${attempt + 1}`)).statusCode).toBe(401);
    const before = passwordKdf.runs;
    const locked = await login('mc', password, '10.2.0.9');
    expect(locked.statusCode).toBe(429);
    expect(locked.json()).toMatchObject({ code: 'too-many-attempts' });
    expect(Number(locked.headers['retry-after'])).toBeGreaterThan(0);
    expect(passwordKdf.runs).toBe(before);
    expect((await login('ppd', password, '10.2.0.9')).statusCode).toBe(200);
  }, 120_000);

  it('locks an address past its limit of failures across usernames; another address still signs in', async () => {
    // The limit (30) lowered to 8 for this app: each failure costs a real N = 2^17 hash.
    const app = await buildApp({
      db: server.scratch.db,
      notifier: new ChangeNotifier(null),
      scheme: server.state.scheme,
      keys: server.state.keys,
      signInLimits: { ...signInLimits, perAddress: 8 },
    });
    const attempt = (username: string, secret: string, remoteAddress: string) =>
      app.inject({ method: 'POST', url: '/auth/login', payload: { username, password: secret }, remoteAddress });
    try {
      for (let index = 0; index < 8; index += 1) expect((await attempt(`spray-${index}`, 'Password1', '10.3.0.1')).statusCode).toBe(401);
      expect((await attempt('aco', password, '10.3.0.1')).statusCode).toBe(429);
      expect((await attempt('aco', password, '10.3.0.2')).statusCode).toBe(200);
    } finally {
      await app.close();
    }
  }, 120_000);

  it('audits sign-in, failure and sign-out without the password; a token is refused at once after sign-out, and its event stream ends', async () => {
    const signedIn = await login('ha', password, '10.4.0.1');
    expect(signedIn.statusCode).toBe(200);
    const token = String((signedIn.json() as { token: string }).token);
    expect((await server.get(token, '/reports/reconciliation')).status).toBe(200);

    await server.app.listen({ port: 0, host: '127.0.0.1' });
    const { port } = server.app.server.address() as AddressInfo;
    const stream = await fetch(`http://127.0.0.1:${port}/console/feed/stream`, { headers: { authorization: `Bearer ${token}` } });
    expect(stream.status).toBe(200);
    const reader = stream.body!.getReader();
    let received = '';
    const ended = (async () => {
      for (;;) {
        const chunk = await reader.read();
        if (chunk.done) return received;
        received += Buffer.from(chunk.value).toString('utf8');
      }
    })();
    while (!received.includes('connected')) await new Promise((resolve) => setTimeout(resolve, 20));

    const out = await server.app.inject({ method: 'POST', url: '/auth/logout', headers: { authorization: `Bearer ${token}` }, remoteAddress: '10.4.0.1' });
    expect(out.statusCode).toBe(200);
    expect((await server.get(token, '/reports/reconciliation')).status).toBe(401);
    expect(await ended).toContain('event: expired');

    const again = String(((await login('ha', password, '10.4.0.1')).json() as { token: string }).token);
    expect((await server.get(again, '/reports/reconciliation')).status).toBe(200);
    const audit = await server.scratch.db.query<{ action: string; text: string }>(
      "SELECT action, coalesce(after::text, '') AS text FROM audit_log WHERE action IN ('signed-in', 'sign-in-failed', 'sign-in-throttled', 'signed-out')",
    );
    const actions = new Set(audit.map((row) => row.action));
    for (const action of ['signed-in', 'sign-in-failed', 'sign-in-throttled', 'signed-out']) expect(actions.has(action)).toBe(true);
    expect(audit.some((row) => row.text.includes(password) || row.text.includes('guess'))).toBe(false);
  }, 120_000);

  it('a hash of the old cost (N = 2^14) is replaced at the next sign-in by one of N = 2^17', async () => {
    const salt = randomBytes(16);
    const old = `scrypt$16384$8$1$${salt.toString('base64')}$${scryptSync(password, salt, 32, { N: 16384, r: 8, p: 1 }).toString('base64')}`;
    await server.scratch.db.query("UPDATE operators SET password_hash = $1 WHERE username = 'cpd'", [old]);
    expect((await login('cpd', password, '10.5.0.1')).statusCode).toBe(200);
    const [row] = await server.scratch.db.query<{ password_hash: string }>("SELECT password_hash FROM operators WHERE username = 'cpd'");
    expect(row!.password_hash.startsWith('scrypt$131072$8$1$')).toBe(true);
    expect((await login('cpd', password, '10.5.0.1')).statusCode).toBe(200);
  }, 120_000);
});
