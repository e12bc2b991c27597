import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoIds } from '../demo/seed';
import { hasPostgres } from '../testing/databases';
import { resultOf, startTestServer, type TestServer } from '../testing/harness';
import { registerOperatorKey } from '../testing/operator-keys';
import { ServerMetrics } from './metrics';
import { startMetricsServer } from './metrics-server';

/**
 * Issue 23: the figures an operations team scrapes. The server is driven through the real routes
 * (commands, a desk's pull, push and event stream, the console's stream, a one-time code), then
 * scraped; the text is checked by Prometheus's own `promtool check metrics` (the reference parser
 * and linter, from Debian's prometheus package) and each metric by name, type and value.
 * PostgreSQL only: the pool figures exist only there (PGlite has one connection and no pool).
 */
describe.skipIf(!hasPostgres)('the metrics an operations team scrapes (postgres)', () => {
  let server: TestServer;
  let base = '';
  let desk: { authorization: string; deskId: string };

  beforeAll(async () => {
    server = await startTestServer('postgres', { extraFamilies: 0 });
    // Streams need a real socket (inject waits for an answer that an event stream never ends).
    await server.app.listen({ port: 0, host: '127.0.0.1' });
    base = `http://127.0.0.1:${(server.app.server.address() as AddressInfo).port}`;
    const ha = await server.login('ha');
    const issued = await server.raw('POST', `/desks/${demoIds.deskB}/enrollment-codes`, { token: ha, payload: {} });
    const enrolled = await server.raw('POST', '/desks/enroll', { payload: { code: String(issued.body.code) } });
    desk = { authorization: `Desk ${String(enrolled.body.credential)}`, deskId: demoIds.deskB };
  });
  afterAll(async () => server?.close());

  /** One sample's value from the text format, or undefined when the series is absent. */
  const sample = (text: string, series: string): number | undefined => {
    const line = text.split('\n').find((l) => l.startsWith(`${series} `));
    return line === undefined ? undefined : Number(line.slice(series.length + 1));
  };
  const typeOf = (text: string, name: string) => new RegExp(`^# TYPE ${name} (\\w+)$`, 'm').exec(text)?.[1];

  /** Open an event stream and resolve once its first event arrived; `close` ends it from the client side. */
  const openStream = (path: string, headers: Record<string, string>) =>
    new Promise<{ close: () => void }>((resolve, reject) => {
      const req = httpRequest(`${base}${path}`, { headers }, (response: IncomingMessage) => {
        if (response.statusCode !== 200) reject(new Error(`${path} answered ${response.statusCode}`));
        response.once('data', () => resolve({ close: () => req.destroy() }));
      });
      req.on('error', () => undefined);
      req.end();
    });

  it('counts commands by name and result, desk pulls and pushes, one-time codes, open streams and the pool', async () => {
    const medcoA = await server.login('medco.a');
    const admit = { commandId: randomUUID(), caseId: randomUUID(), memberId: demoIds.father, identityMethod: 'fingerprint' as const };
    resultOf(await server.command(medcoA, 'admit', admit));
    expect((await server.command(medcoA, 'admit', admit)).isReplay).toBe(true);
    // The father is already admitted: a rejection (409, stored); an unknown package: a refusal (404, nothing stored).
    expect((await server.command(medcoA, 'admit', { ...admit, commandId: randomUUID(), caseId: randomUUID() })).status).toBe(409);
    expect((await server.command(medcoA, 'request-preauth', { caseId: admit.caseId, packageCode: 'NO-SUCH-PACKAGE' })).status).toBe(404);
    expect((await server.command(medcoA, 'admit', { caseId: 'not-a-uuid', memberId: demoIds.father, identityMethod: 'fingerprint' })).status).toBe(400);
    resultOf(await server.command(medcoA, 'send-otp', { challengeId: randomUUID(), memberId: demoIds.mother }));

    // A desk: a pull to the end of its scope, and a push of one admission signed by its operator.
    const signer = await registerOperatorKey(server, desk.authorization, 'medco.b');
    const [medcoB] = await server.scratch.db.query<{ id: string }>("SELECT id FROM operators WHERE username = 'medco.b'");
    let pages = 0;
    let documents = 0;
    for (let checkpoint: unknown = null; ; pages += 1) {
      const query = `limit=50${checkpoint ? `&checkpoint=${encodeURIComponent(JSON.stringify(checkpoint))}` : ''}`;
      const page = await server.raw('GET', `/sync/pull?${query}`, { headers: { authorization: desk.authorization } });
      expect(page.status).toBe(200);
      documents += (page.body.documents as unknown[]).length;
      checkpoint = page.body.checkpoint;
      if (!page.body.hasMore) {
        pages += 1;
        break;
      }
    }
    const mutation = signer.sign({
      sequence: 1,
      commandId: randomUUID(),
      name: 'admit',
      operatorId: medcoB!.id,
      body: { caseId: randomUUID(), memberId: demoIds.mother, identityMethod: 'fingerprint' },
    });
    // With the desk's report (issue 23, the fleet): one command queued two minutes ago, its clock 1.5 s behind.
    // Both times are read off the desk's own clock, as a desk would: the server moves the queue time onto its clock by
    // the offset it measures on arrival, so the gauge reads two minutes plus however long the scrape came after the push.
    const deskNow = Date.now() - 1_500;
    const report = {
      appVersion: '0.1.0',
      outboxDepth: 1,
      oldestUnsentAt: new Date(deskNow - 120_000).toISOString(),
      replicaBytes: 4096,
      deskTime: new Date(deskNow).toISOString(),
    };
    const pushed = await server.raw('POST', '/sync/push', {
      headers: { authorization: desk.authorization, 'x-coverdesk-desk-report': Buffer.from(JSON.stringify(report)).toString('base64url') },
      payload: { protocolVersion: 1, mutations: [mutation] },
    });
    expect((pushed.body.answers as { status: number }[]).map((a) => a.status)).toEqual([200]);

    const deskStream = await openStream('/sync/stream', { authorization: desk.authorization });
    const consoleStream = await openStream('/console/feed/stream', { authorization: `Bearer ${await server.login('ppd')}` });
    const open = await server.app.metrics.text();
    deskStream.close();
    consoleStream.close();

    // The reference parser reads it all, and its linter has nothing to say.
    const checked = spawnSync('promtool', ['check', 'metrics'], { input: open, encoding: 'utf8' });
    expect(checked.error, 'promtool (Debian package prometheus) must be installed; .ci/run installs it').toBeUndefined();
    expect({ status: checked.status, out: checked.stdout + checked.stderr }).toEqual({ status: 0, out: '' });

    expect(typeOf(open, 'coverdesk_commands_total')).toBe('counter');
    // admit: the first, and the desk's push; its replay; the bad id is refused before the runner.
    expect(sample(open, 'coverdesk_commands_total{command="admit",result="accepted"}')).toBe(2);
    expect(sample(open, 'coverdesk_commands_total{command="admit",result="replayed"}')).toBe(1);
    expect(sample(open, 'coverdesk_commands_total{command="admit",result="rejected"}')).toBe(1);
    expect(sample(open, 'coverdesk_commands_total{command="request-preauth",result="refused"}')).toBe(1);
    expect(typeOf(open, 'coverdesk_command_duration_seconds')).toBe('histogram');
    expect(sample(open, 'coverdesk_command_duration_seconds_count{command="admit"}')).toBe(4);
    expect(typeOf(open, 'coverdesk_http_request_duration_seconds')).toBe('histogram');
    expect(sample(open, 'coverdesk_http_request_duration_seconds_count{route="/commands/admit",method="POST",status="400"}')).toBe(1);
    expect(typeOf(open, 'coverdesk_otp_messages_total')).toBe('counter');
    expect(sample(open, 'coverdesk_otp_messages_total{result="sent"}')).toBe(1);
    expect(sample(open, 'coverdesk_pull_pages_total')).toBe(pages);
    expect(sample(open, 'coverdesk_pull_documents_total')).toBe(documents);
    expect(documents).toBeGreaterThan(0);
    expect(sample(open, 'coverdesk_push_batches_total')).toBe(1);
    expect(sample(open, 'coverdesk_push_mutations_total{status="200"}')).toBe(1);
    expect(typeOf(open, 'coverdesk_event_streams_open')).toBe('gauge');
    expect(sample(open, 'coverdesk_event_streams_open{kind="desk"}')).toBe(1);
    expect(sample(open, 'coverdesk_event_streams_open{kind="console"}')).toBe(1);
    expect(typeOf(open, 'coverdesk_desk_sync_lag_seconds')).toBe('gauge');
    expect(sample(open, `coverdesk_desk_sync_lag_seconds{desk="${desk.deskId}"}`)).toBeGreaterThanOrEqual(0);
    expect(typeOf(open, 'coverdesk_desk_outbox_depth')).toBe('gauge');
    expect(sample(open, `coverdesk_desk_outbox_depth{desk="${desk.deskId}"}`)).toBe(1);
    expect(typeOf(open, 'coverdesk_desk_oldest_unsent_seconds')).toBe('gauge');
    expect(sample(open, `coverdesk_desk_oldest_unsent_seconds{desk="${desk.deskId}"}`)).toBeGreaterThanOrEqual(120);
    expect(typeOf(open, 'coverdesk_desk_clock_offset_seconds')).toBe('gauge');
    expect(sample(open, `coverdesk_desk_clock_offset_seconds{desk="${desk.deskId}"}`)).toBeLessThan(0);
    expect(typeOf(open, 'coverdesk_db_pool_connections')).toBe('gauge');
    expect(sample(open, 'coverdesk_db_pool_connections{state="total"}')).toBeGreaterThan(0);
    expect(sample(open, 'coverdesk_db_pool_wait_seconds_count')).toBeGreaterThan(0);
    expect(typeOf(open, 'coverdesk_process_cpu_seconds_total')).toBe('counter');

    // Streams closed by their clients are no longer counted (the server sees the close shortly after).
    for (let i = 0; ; i += 1) {
      const after = await server.app.metrics.text();
      if (sample(after, 'coverdesk_event_streams_open{kind="desk"}') === 0 && sample(after, 'coverdesk_event_streams_open{kind="console"}') === 0) break;
      if (i > 300) throw new Error('the closed streams are still counted as open');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  });

  it('labels hold ids and closed sets only: no name, phone number or scheme number of a member', async () => {
    const text = await server.app.metrics.text();
    const [family] = await server.scratch.db.query<{ registered_phone: string }>('SELECT registered_phone FROM families WHERE id = $1', [demoIds.seedFamily]);
    const members = await server.scratch.db.query<{ full_name: string; scheme_member_id: string }>('SELECT full_name, scheme_member_id FROM members');
    expect(members.length).toBeGreaterThan(0);
    for (const m of members) {
      expect(text).not.toContain(m.full_name);
      expect(text).not.toContain(m.scheme_member_id);
    }
    expect(text).not.toContain(family!.registered_phone);
  });

  it("the README's list is the registry's: every metric of ours is listed, with its type, and nothing listed is missing", async () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const section = readme.slice(readme.indexOf('## Metrics'), readme.indexOf('\n## ', readme.indexOf('## Metrics') + 3));
    const listed = [...section.matchAll(/^\| `(coverdesk_\w+)` \| (\w+) \|/gm)].map((m) => `${m[1]} ${m[2]}`);
    const ours = (await new ServerMetrics().registry.getMetricsAsJSON())
      .filter((m) => !/^coverdesk_(process|nodejs)_/.test(m.name))
      .map((m) => `${m.name} ${m.type}`);
    expect(listed.length).toBeGreaterThan(10);
    expect([...listed].sort()).toEqual([...ours].sort());
  });

  it('serves GET /metrics on its own port, and nothing else there', async () => {
    const metricsServer = await startMetricsServer(server.app.metrics, { host: '127.0.0.1', port: 0 });
    try {
      const scraped = await fetch(metricsServer.url);
      expect(scraped.status).toBe(200);
      expect(scraped.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
      expect(await scraped.text()).toContain('# TYPE coverdesk_commands_total counter');
      const other = await fetch(metricsServer.url.replace('/metrics', '/commands/admit'), { method: 'POST' });
      expect(other.status).toBe(404);
      expect(await other.json()).toMatchObject({ code: 'not-found' });
    } finally {
      await metricsServer.close();
    }
  });
});
