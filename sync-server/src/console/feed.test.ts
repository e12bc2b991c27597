import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { buildApp } from '../app';
import { demoIds } from '../demo/seed';
import { ChangeNotifier } from '../sync/notifier';
import { describeEachBackend } from '../testing/backends';
import { resultOf, startTestServer, type TestServer } from '../testing/harness';
import { ManualClock } from '../testing/manual-clock';
import { settleAuditChain, snapshotDatabase } from '../testing/snapshot';

type Doc = Record<string, unknown> & { id: string; preauth: { status: string; packageCode: string } | null };
interface Page {
  documents: Doc[];
  checkpoint: Record<string, unknown>;
  hasMore: boolean;
}

const units = (n: number) => n * 100;

/**
 * The console pull feed: role-scoped documents by operator token, an xid-window checkpoint that
 * cannot skip an out-of-order commit, an SSE stream, refusals that write nothing, and the static
 * console page with its CSP.
 */
describeEachBackend('console feed (%s)', (backend) => {
  let server: TestServer;
  const tokens: Record<string, string> = {};
  let fatherCase = '',
    motherCase = '',
    sonCase = '';

  beforeAll(async () => {
    server = await startTestServer(backend);
    for (const user of ['medco.a', 'medco.b', 'ppd', 'mc', 'admin', 'cex', 'ha']) tokens[user] = await server.login(user);
    fatherCase = randomUUID();
    motherCase = randomUUID();
    sonCase = randomUUID();
    resultOf(await server.command(tokens['medco.a']!, 'admit', { caseId: fatherCase, memberId: demoIds.father, identityMethod: 'fingerprint' }));
    resultOf(await server.command(tokens['medco.a']!, 'request-preauth', { caseId: fatherCase, packageCode: 'MG012A' }));
    resultOf(await server.command(tokens['medco.b']!, 'admit', { caseId: motherCase, memberId: demoIds.mother, identityMethod: 'fingerprint' }));
    resultOf(await server.command(tokens['medco.b']!, 'request-preauth', { caseId: motherCase, packageCode: 'MG012A' }));
    resultOf(await server.command(tokens['medco.a']!, 'admit', { caseId: sonCase, memberId: demoIds.son, identityMethod: 'fingerprint' }));
    resultOf(
      await server.command(tokens['medco.a']!, 'request-preauth', {
        caseId: sonCase,
        packageCode: 'SG999U',
        estimatedAmount: units(2000),
        clinicalNote: 'Rare procedure',
      }),
    );
  });
  afterAll(async () => {
    await server?.close();
  });

  const pullPage = async (token: string, collection: string, checkpoint?: unknown, limit?: number) => {
    const query = new URLSearchParams({
      collection,
      ...(checkpoint ? { checkpoint: JSON.stringify(checkpoint) } : {}),
      ...(limit ? { limit: String(limit) } : {}),
    });
    return server.get(token, `/console/feed/pull?${query.toString()}`);
  };
  /** Pull until the window is done; returns every document and the final checkpoint. */
  const pullAll = async (token: string, collection: string, checkpoint?: unknown, limit?: number) => {
    const documents: Doc[] = [];
    let current = checkpoint;
    for (;;) {
      const answer = await pullPage(token, collection, current, limit);
      expect(answer.status, JSON.stringify(answer.body)).toBe(200);
      const page = answer.body as unknown as Page;
      documents.push(...page.documents);
      current = page.checkpoint;
      if (!page.hasMore) return { documents, checkpoint: current };
    }
  };

  /**
   * A checkpoint after which nothing is pending. A window starts at the oldest transaction still
   * running when the previous one began (the audit chainer, another test's session): rows written
   * since may be sent once more — at least once, never skipped — so "quiet" is reached by pulling on.
   */
  const settledCheckpoint = async (token: string, collection: string, checkpoint?: unknown) => {
    let current = (await pullAll(token, collection, checkpoint)).checkpoint;
    for (let attempt = 0; attempt < 50; attempt += 1) {
      await settleAuditChain(server.scratch.db);
      const next = await pullAll(token, collection, current);
      if (next.documents.length === 0) return current;
      current = next.checkpoint;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    throw new Error('the feed never went quiet');
  };

  it('PPD receives its pre-auth cases with package, hold and family balance; not the unspecified one', async () => {
    const { documents } = await pullAll(tokens.ppd!, 'cases');
    const ids = documents.map((d) => d.id).sort();
    expect(ids).toEqual([fatherCase, motherCase].sort());
    const father = documents.find((d) => d.id === fatherCase)!;
    expect(father).toMatchObject({
      status: 'admitted',
      hospitalCode: expect.any(String),
      turnaroundMinutes: expect.any(Number),
      preauth: { status: 'pending', packageCode: 'MG012A', requestedAmount: units(6000) },
      hold: { amount: units(6000) },
      family: { cover: units(10000), committed: units(10000), available: 0 },
    });
    expect((father.family as { holds: unknown[] }).holds).toHaveLength(3);
  });

  it('MC and ADMIN receive only the unspecified-package case; HA receives every case', async () => {
    for (const user of ['mc', 'admin']) {
      const { documents } = await pullAll(tokens[user]!, 'cases');
      expect(documents.map((d) => d.id)).toEqual([sonCase]);
      expect(documents[0]!.preauth).toMatchObject({ status: 'committee-review', isUnspecified: true });
    }
    const all = await pullAll(tokens.ha!, 'cases');
    expect(all.documents.map((d) => d.id).sort()).toEqual([fatherCase, motherCase, sonCase].sort());
  });

  it("role X cannot pull role Y's queue: PPD gets 403 for claims, a desk operator 403 for everything, no token 401", async () => {
    const claims = await pullPage(tokens.ppd!, 'claims');
    expect(claims.status).toBe(403);
    expect(claims.body.code).toBe('forbidden-role');
    expect(String(claims.body.message)).toMatch(/CEX/);
    const desk = await pullPage(tokens['medco.a']!, 'cases');
    expect(desk.status).toBe(403);
    expect(desk.body.code).toBe('forbidden-role');
    const anonymous = await server.raw('GET', '/console/feed/pull?collection=cases');
    expect(anonymous.status).toBe(401);
    const cex = await pullAll(tokens.cex!, 'claims');
    expect(cex.documents).toEqual([]);
    // CEX sees cases only once they have a claim: none yet.
    expect((await pullAll(tokens.cex!, 'cases')).documents).toEqual([]);
  });

  it('pages by id and resumes: a small page size yields the same documents', async () => {
    const whole = await pullAll(tokens.ha!, 'cases');
    const paged = await pullAll(tokens.ha!, 'cases', undefined, 1);
    expect(paged.documents.map((d) => d.id)).toEqual(whole.documents.map((d) => d.id));
  });

  it('after a checkpoint only changed cases come back; a decision reaches PPD and leaves MC untouched', async () => {
    const ppdStart = { checkpoint: await settledCheckpoint(tokens.ppd!, 'cases') };
    const mcStart = { checkpoint: await settledCheckpoint(tokens.mc!, 'cases') };
    const quiet = await pullAll(tokens.ppd!, 'cases', ppdStart.checkpoint);
    expect(quiet.documents).toEqual([]);
    resultOf(await server.command(tokens.ppd!, 'decide-preauth', { caseId: fatherCase, decision: 'query', reason: 'Send the X-ray report' }));
    const afterQuery = await pullAll(tokens.ppd!, 'cases', ppdStart.checkpoint);
    expect(afterQuery.documents.map((d) => d.id)).toContain(fatherCase);
    expect(afterQuery.documents.find((d) => d.id === fatherCase)!.preauth).toMatchObject({ status: 'queried', queryReason: 'Send the X-ray report' });
    // MC's feed does not carry PPD's case (a re-send of MC's own case is allowed, never PPD's).
    expect((await pullAll(tokens.mc!, 'cases', mcStart.checkpoint)).documents.map((d) => d.id)).not.toContain(fatherCase);
    resultOf(await server.command(tokens['medco.a']!, 'respond-query', { caseId: fatherCase, response: 'Report attached' }));
    const answered = await pullAll(tokens.ppd!, 'cases', afterQuery.checkpoint);
    expect(answered.documents.find((d) => d.id === fatherCase)!.preauth).toMatchObject({ status: 'pending', queryResponse: 'Report attached' });
    // A decision that moves the family's committed amount re-sends the family's other cases too.
    resultOf(
      await server.command(tokens.ppd!, 'decide-preauth', { caseId: fatherCase, decision: 'approve-lower', amount: units(5000), reason: 'Shorter stay' }),
    );
    const lowered = await pullAll(tokens.ppd!, 'cases', answered.checkpoint);
    expect(lowered.documents.find((d) => d.id === fatherCase)).toMatchObject({ hold: { amount: units(5000) }, family: { available: units(1000) } });
    expect(lowered.documents.find((d) => d.id === motherCase)).toMatchObject({ hold: { amount: units(4000) }, family: { available: units(1000) } });
    // HA changes the turnaround target: every case document comes back with it.
    const beforeChange = { checkpoint: await settledCheckpoint(tokens.ha!, 'cases') };
    expect((await pullAll(tokens.ha!, 'cases', beforeChange.checkpoint)).documents).toEqual([]);
    resultOf(await server.command(tokens.ha!, 'set-scheme-parameters', { preauthTurnaroundMinutes: 180, reason: 'Faster reviews this quarter' }));
    const changed = await pullAll(tokens.ha!, 'cases', beforeChange.checkpoint);
    expect(changed.documents.map((d) => d.id).sort()).toEqual([fatherCase, motherCase, sonCase].sort());
    expect(changed.documents.every((d) => d.turnaroundMinutes === 180)).toBe(true);
  });

  it('bad checkpoints and bad parameters → 400 with a code and a sentence, and nothing is written', async () => {
    const bad = [
      '/console/feed/pull?collection=cases&checkpoint=%7Bnot-json',
      `/console/feed/pull?collection=cases&checkpoint=${encodeURIComponent(JSON.stringify({ from: 'x', next: '1', afterId: null }))}`,
      `/console/feed/pull?collection=cases&checkpoint=${encodeURIComponent(JSON.stringify({ from: '1', next: '1', afterId: null, extra: 1 }))}`,
      `/console/feed/pull?collection=cases&checkpoint=${encodeURIComponent(JSON.stringify({ from: '9', next: '3', afterId: null }))}`,
      `/console/feed/pull?collection=cases&checkpoint=${encodeURIComponent(JSON.stringify({ from: '1', next: '99999999999999999999', afterId: null }))}`,
      `/console/feed/pull?collection=cases&checkpoint=${encodeURIComponent(JSON.stringify({ from: '1', next: '1', afterId: "'; DROP TABLE cases; --" }))}`,
      '/console/feed/pull?collection=payments',
      '/console/feed/pull?collection=cases&limit=0',
      '/console/feed/pull',
    ];
    for (const url of bad) {
      await settleAuditChain(server.scratch.db);
      const before = await snapshotDatabase(server.scratch.db);
      const answer = await server.get(tokens.ppd!, url);
      expect(answer.status, url).toBe(400);
      expect(['invalid-input']).toContain(answer.body.code);
      expect(String(answer.body.message).length).toBeGreaterThan(10);
      await settleAuditChain(server.scratch.db);
      expect(await snapshotDatabase(server.scratch.db)).toEqual(before);
    }
  });

  it.skipIf(backend === 'pglite')(
    'a transaction that began before a pull and commits after it is not skipped (PostgreSQL: PGlite has one connection)',
    async () => {
      const start = await pullAll(tokens.ppd!, 'cases');
      let releaseWriter!: () => void;
      const writerMayCommit = new Promise<void>((resolve) => {
        releaseWriter = resolve;
      });
      let writerStarted!: () => void;
      const started = new Promise<void>((resolve) => {
        writerStarted = resolve;
      });
      const writer = server.scratch.db.transaction(async (sql) => {
        await sql.query("UPDATE preauths SET clinical_note = 'late note' WHERE case_id = $1", [motherCase]);
        writerStarted();
        await writerMayCommit;
      });
      await started;
      // This pull runs while the writer is open: it cannot see the change yet.
      const during = await pullAll(tokens.ppd!, 'cases', start.checkpoint);
      const seenDuring = during.documents.find((d) => d.id === motherCase)?.preauth as { clinicalNote?: string | null } | null | undefined;
      expect(seenDuring?.clinicalNote ?? null).not.toBe('late note');
      releaseWriter();
      await writer;
      const after = await pullAll(tokens.ppd!, 'cases', during.checkpoint);
      expect(after.documents.find((d) => d.id === motherCase)?.preauth).toMatchObject({ clinicalNote: 'late note' });
    },
  );

  it('the session read names the operator, roles and the scheme; a desk operator is refused', async () => {
    const session = await server.get(tokens.ppd!, '/console/feed/session');
    expect(session.status).toBe(200);
    expect(session.body).toMatchObject({
      username: 'ppd',
      roles: ['PPD'],
      collections: ['cases'],
      scheme: { currency: expect.any(String), preauthTurnaroundMinutes: expect.any(Number) },
    });
    expect((await server.get(tokens['medco.a']!, '/console/feed/session')).status).toBe(403);
  });

  it('the stream pokes on connect and again when a command commits', async () => {
    await server.app.listen({ port: 0, host: '127.0.0.1' });
    const port = (server.app.server.address() as { port: number }).port;
    const controller = new AbortController();
    const response = await fetch(`http://127.0.0.1:${port}/console/feed/stream`, {
      headers: { authorization: `Bearer ${tokens.mc!}` },
      signal: controller.signal,
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/text\/event-stream/);
    const reader = response.body!.getReader();
    const decoder = new TextDecoder();
    let text = '';
    const readUntil = async (pattern: RegExp) => {
      while (!pattern.test(text)) {
        const { value, done } = await reader.read();
        if (done) throw new Error(`stream ended before ${String(pattern)}`);
        text += decoder.decode(value);
      }
    };
    await readUntil(/"reason":"connected"/);
    resultOf(await server.command(tokens.mc!, 'recommend-preauth', { caseId: sonCase, recommendedAmount: units(1800), reason: 'Comparable package' }));
    await readUntil(/"reason":"changed"/);
    controller.abort();
    const refused = await fetch(`http://127.0.0.1:${port}/console/feed/stream`, { headers: { authorization: `Bearer ${tokens['medco.a']!}` } });
    expect(refused.status).toBe(403);
  });

  it('the stream ends with an `expired` event when the token runs out, and an expired token is refused (401)', async () => {
    // The server runs on a manual clock: the token expires when the test moves the clock past its
    // expiry, not after a real-time window that a busy machine could overrun in either direction.
    const clock = new ManualClock();
    const app = await buildApp({
      db: server.scratch.db,
      notifier: new ChangeNotifier(null),
      scheme: server.state.scheme,
      keys: server.state.keys,
      now: clock.now,
      after: clock.after,
    });
    await app.listen({ port: 0, host: '127.0.0.1' });
    try {
      const port = (app.server.address() as { port: number }).port;
      const signedIn = await app.inject({ method: 'POST', url: '/auth/login', payload: { username: 'ppd', password: 'coverdesk-demo' } });
      const token = String((signedIn.json() as { token: string }).token);
      const claims = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as { exp: number };
      expect(claims.exp * 1000).toBeGreaterThan(clock.now());
      const response = await fetch(`http://127.0.0.1:${port}/console/feed/stream`, { headers: { authorization: `Bearer ${token}` } });
      expect(response.status).toBe(200);
      const reader = response.body!.getReader();
      const decoder = new TextDecoder();
      let text = '';
      for (;;) {
        const { value, done } = await reader.read();
        if (done) throw new Error('the stream ended before its first poke');
        text += decoder.decode(value);
        if (/event: poke/.test(text)) break;
      }
      // A second before the expiry the stream is still open and the token still works.
      expect(clock.pending).toBe(1);
      clock.advance(claims.exp * 1000 - clock.now() - 1_000);
      expect(clock.pending).toBe(1);
      expect((await app.inject({ method: 'GET', url: '/console/feed/pull?collection=cases', headers: { authorization: `Bearer ${token}` } })).statusCode).toBe(
        200,
      );
      clock.advance(1_000);
      for (;;) {
        const { value, done } = await reader.read(); // ends when the server closes the stream
        if (done) break;
        text += decoder.decode(value);
      }
      expect(text).toMatch(/event: expired\ndata: \{"message":"Your session has expired; sign in again\."\}/);
      const later = await fetch(`http://127.0.0.1:${port}/console/feed/pull?collection=cases`, { headers: { authorization: `Bearer ${token}` } });
      expect(later.status).toBe(401);
      expect(((await later.json()) as { message: string }).message).toMatch(/expired/);
    } finally {
      await app.close();
    }
  });

  it('old decided work is not sent to a console starting afresh (PPD, HA, CEX), open work always is', async () => {
    const oldCase = randomUUID();
    resultOf(await server.command(tokens['medco.a']!, 'admit', { caseId: oldCase, memberId: demoIds.daughter, identityMethod: 'fingerprint' }));
    resultOf(await server.command(tokens['medco.a']!, 'request-preauth', { caseId: oldCase, packageCode: 'MG012A' }));
    resultOf(await server.command(tokens.ppd!, 'decide-preauth', { caseId: oldCase, decision: 'reject', reason: 'Not covered' }));
    expect((await pullAll(tokens.ppd!, 'cases')).documents.map((d) => d.id)).toContain(oldCase);
    await server.scratch.db.query("UPDATE preauths SET requested_at = now() - interval '30 days', decided_at = now() - interval '29 days' WHERE case_id = $1", [
      oldCase,
    ]);
    expect((await pullAll(tokens.ppd!, 'cases')).documents.map((d) => d.id)).not.toContain(oldCase);
    expect((await pullAll(tokens.ha!, 'cases')).documents.map((d) => d.id)).toContain(oldCase);
    // Still-open work never ages out: the mother's pre-auth, requested long ago, stays while it waits.
    await server.scratch.db.query("UPDATE preauths SET requested_at = now() - interval '30 days' WHERE case_id = $1", [motherCase]);
    const mother = (await pullAll(tokens.ppd!, 'cases')).documents.find((d) => d.id === motherCase);
    expect(mother?.preauth?.status).toBe('pending');
    resultOf(await server.command(tokens['medco.a']!, 'cancel-case', { caseId: oldCase, reason: 'test over' }));
    // HA, CEX, CPD and ACO alike: open work and the last 14 days, not a year of history. A claim
    // denied a month ago on a case cancelled a month ago is history for every fresh console.
    expect((await pullAll(tokens.ha!, 'cases')).documents.map((d) => d.id)).toContain(oldCase);
    const claimId = randomUUID();
    await server.scratch.db.query(
      `INSERT INTO claims (id, case_id, family_id, hospital_id, amount, payer_amount, patient_amount, status, policy_year, submitted_at, processed_at, verified_at)
       SELECT $2, c.id, c.family_id, c.hospital_id, 500000, 500000, 0, 'denied', c.policy_year, now() - interval '40 days', now() - interval '35 days', now() - interval '30 days'
         FROM cases c WHERE c.id = $1`,
      [oldCase, claimId],
    );
    await server.scratch.db.query("UPDATE cases SET admitted_at = now() - interval '45 days', cancelled_at = now() - interval '30 days' WHERE id = $1", [
      oldCase,
    ]);
    const fresh = async (user: string, collection: string) => (await pullAll(tokens[user]!, collection)).documents.map((d) => d.id);
    expect(await fresh('ha', 'cases')).not.toContain(oldCase);
    expect(await fresh('cex', 'cases')).not.toContain(oldCase);
    expect(await fresh('cex', 'claims')).not.toContain(claimId);
    expect(await fresh('ha', 'cases')).toEqual(expect.arrayContaining([fatherCase, motherCase, sonCase]));
    // The same claim still waiting for the payer is open work, however old.
    await server.scratch.db.query("UPDATE claims SET status = 'submitted', processed_at = NULL, verified_at = NULL WHERE id = $1", [claimId]);
    expect(await fresh('cex', 'claims')).toContain(claimId);
    expect(await fresh('cex', 'cases')).toContain(oldCase);
    expect(await fresh('ha', 'cases')).toContain(oldCase);
    await server.scratch.db.query('DELETE FROM claims WHERE id = $1', [claimId]);
  });

  it('serves the console page with a strict CSP, says so when it is not built, and never leaves its folder', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'coverdesk-console-'));
    try {
      const app = await buildApp({
        db: server.scratch.db,
        notifier: new ChangeNotifier(null),
        scheme: server.state.scheme,
        keys: server.state.keys,
        consoleDir: dir,
      });
      const notBuilt = await app.inject({ method: 'GET', url: '/console/' });
      expect(notBuilt.statusCode).toBe(503);
      expect(notBuilt.body).toMatch(/not built/);
      writeFileSync(join(dir, 'console.html'), '<!doctype html><title>console</title>');
      mkdirSync(join(dir, 'assets'));
      writeFileSync(join(dir, 'assets', 'console-abc.js'), 'export {};');
      const redirect = await app.inject({ method: 'GET', url: '/console' });
      expect(redirect.statusCode).toBe(301);
      expect(redirect.headers.location).toBe('/console/');
      const page = await app.inject({ method: 'GET', url: '/console/' });
      expect(page.statusCode).toBe(200);
      expect(page.headers['content-security-policy']).toMatch(/script-src 'self';/);
      expect(page.headers['content-security-policy']).toMatch(/frame-ancestors 'none'/);
      const script = await app.inject({ method: 'GET', url: '/console/assets/console-abc.js' });
      expect(script.statusCode).toBe(200);
      expect(script.headers['content-type']).toMatch(/javascript/);
      for (const url of ['/console/assets/../../console.html', '/console/assets/%2e%2e/%2e%2e/etc/passwd', '/console/assets/missing.js']) {
        const answer = await app.inject({ method: 'GET', url });
        expect(answer.statusCode, url).toBe(404);
      }
      await app.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
