import { randomUUID } from 'node:crypto';
import { Ajv, type ValidateFunction } from 'ajv';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from './app';
import { demoIds } from './demo/seed';
import { openPostgres } from './db/postgres';
import { ChangeNotifier } from './sync/notifier';
import { occupyConnection } from './testing/busy-pool';
import { availableBackends } from './testing/databases';
import { verifiedCode } from './testing/enrolment';
import { resultOf, startTestServer, type TestServer } from './testing/harness';

/** The parts of an OpenAPI 3 document this test reads. */
interface OpenApiDocument {
  paths: Record<string, Record<string, { responses?: Record<string, { content?: Record<string, { schema?: object }> }> }>>;
}

/**
 * Issue 12 item 22: every read endpoint's answers, and the error statuses the server really
 * sends, hold to the schemas of the document served at /docs/json (closed objects: a field the
 * document does not list fails). Each list is checked while it holds items.
 */
describe('real answers hold to the served OpenAPI document', () => {
  let server: TestServer;
  let document: OpenApiDocument;
  const tokens: Record<string, string> = {};
  const ajv = new Ajv({ strict: false, allErrors: true });
  // RFC 3339 date-time, as Date#toISOString and PostgreSQL's JSON write it.
  ajv.addFormat('date-time', /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/);
  const validators = new Map<string, ValidateFunction>();
  /** Endpoints whose list (or object) was seen with content, by path template. */
  const seenWithItems = new Set<string>();

  beforeAll(async () => {
    server = await startTestServer(availableBackends[0]!, { extraFamilies: 0 });
    for (const user of ['medco.a', 'ppd', 'mc', 'admin', 'cex', 'cpd', 'aco', 'ha']) tokens[user] = await server.login(user);
    const served = await server.app.inject({ method: 'GET', url: '/docs/json' });
    document = JSON.parse(served.body) as OpenApiDocument;
  });
  afterAll(async () => server?.close());

  const schemaOf = (template: string, method: string, status: number): ValidateFunction => {
    const key = `${method} ${template} ${status}`;
    let validate = validators.get(key);
    if (!validate) {
      const schema = document.paths[template]?.[method]?.responses?.[String(status)]?.content?.['application/json']?.schema;
      if (!schema) throw new Error(`the document lists no ${status} answer for ${method.toUpperCase()} ${template}`);
      validate = ajv.compile(schema);
      validators.set(key, validate);
    }
    return validate;
  };

  /** GET `url` (matching `template`) as `user`, and hold the answer to the document. */
  const holds = async (user: string, template: string, url: string, status = 200): Promise<unknown> => {
    const response = await server.app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${tokens[user]!}` } });
    expect(response.statusCode, `${url}: ${response.body}`).toBe(status);
    const body: unknown = JSON.parse(response.body);
    const validate = schemaOf(template, 'get', status);
    expect(validate(body), `${url}: ${ajv.errorsText(validate.errors)}`).toBe(true);
    // The schema says something: the same answer with one field more is refused (an open object
    // would let anything through and prove nothing).
    const widened: unknown = Array.isArray(body)
      ? body.map((item: unknown) => Object.assign({}, item, { unlisted: true }))
      : Object.assign({}, body, { unlisted: true });
    if (!Array.isArray(body) || body.length > 0) expect(validate(widened), `${url}: an unlisted field passes the document's schema`).toBe(false);
    const items = typeof body === 'object' && body !== null && 'items' in body ? body.items : body;
    if (Array.isArray(items) ? items.length > 0 : items !== null) seenWithItems.add(template);
    return body;
  };

  const reads: [string, string, string][] = [
    ['medco.a', '/families/{familyId}/balance', `/families/${demoIds.seedFamily}/balance`],
    ['medco.a', '/packages', '/packages'],
    ['ha', '/reviews/identity-overrides', '/reviews/identity-overrides'],
    ['ha', '/reviews/biometric-enrolments', '/reviews/biometric-enrolments'],
    ['ppd', '/queues/preauths', '/queues/preauths'],
    ['ppd', '/queues/enhancements', '/queues/enhancements'],
    ['mc', '/queues/committee', '/queues/committee'],
    ['admin', '/queues/admin', '/queues/admin'],
    ['cex', '/queues/claims/submitted', '/queues/claims/submitted'],
    ['cpd', '/queues/claims/processed', '/queues/claims/processed'],
    ['aco', '/queues/payments', '/queues/payments'],
    ['ha', '/dashboard', '/dashboard'],
    ['ha', '/reports/reconciliation', '/reports/reconciliation'],
    ['ha', '/admin/hospitals', '/admin/hospitals'],
    ['ha', '/admin/operators', '/admin/operators'],
    ['ha', '/admin/packages', '/admin/packages'],
    ['ha', '/admin/scheme', '/admin/scheme'],
    ['aco', '/reports/patient-receivables', '/reports/patient-receivables'],
    // Turnaround clocks (issue 15): HA's queue holds every open stage; the report, the scheme's.
    ['ha', '/queues/clocks', '/queues/clocks'],
    ['ppd', '/reports/turnaround', '/reports/turnaround'],
    ['medco.a', '/reports/turnaround', '/reports/turnaround?hospital=HSP-A'],
    ['aco', '/reports/bank-reconciliation', '/reports/bank-reconciliation'],
    ['ha', '/reports/kpis', '/reports/kpis'],
    ['medco.a', '/reports/kpis', '/reports/kpis?package=SB001A'],
    ['aco', '/reports/kpis/claims', '/reports/kpis/claims?set=submitted'],
    ['aco', '/reports/kpis/filters', '/reports/kpis/filters'],
    // medco.a's own drawer over two days around the run.
    [
      'medco.a',
      '/reports/cash-drawer',
      `/reports/cash-drawer?from=${new Date(Date.now() - 86_400_000).toISOString()}&to=${new Date(Date.now() + 86_400_000).toISOString()}`,
    ],
  ];
  const everyRead = async (caseIds: readonly string[]) => {
    for (const [user, template, url] of reads) await holds(user, template, url);
    for (const caseId of caseIds) {
      await holds('medco.a', '/cases/{caseId}', `/cases/${caseId}`);
      await holds('medco.a', '/cases/{caseId}/audit', `/cases/${caseId}/audit`);
      await holds('medco.a', '/cases/{caseId}/patient-bill', `/cases/${caseId}/patient-bill`);
    }
  };

  it('every read endpoint, along a scenario that fills every queue', async () => {
    const medco = tokens['medco.a']!;
    // Father: covered bookings, then the whole claim and payment path.
    const paid = randomUUID();
    resultOf(await server.command(medco, 'admit', { caseId: paid, memberId: demoIds.father, identityMethod: 'fingerprint' }));
    // His finger, enrolled on a verified code while he is admitted (issue 13 item 5): a row for the enrolment review.
    const otpChallengeId = await verifiedCode(server.scratch.db, demoIds.father, 'medco.a');
    resultOf(
      await server.command(medco, 'enroll-fingerprint', {
        memberId: demoIds.father,
        caseId: paid,
        otpChallengeId,
        template: Buffer.alloc(512, 5).toString('base64'),
      }),
    );
    resultOf(await server.command(medco, 'request-preauth', { caseId: paid, packageCode: 'SB001A', clinicalNote: 'Fracture' }));
    resultOf(await server.command(tokens.ppd!, 'decide-preauth', { caseId: paid, decision: 'approve' }));
    const bookingIds = [randomUUID(), randomUUID()];
    resultOf(
      await server.command(medco, 'add-booking', {
        bookingId: bookingIds[0]!,
        caseId: paid,
        itemCode: 'CAST',
        description: 'Cast',
        quantity: 1,
        unitPrice: 300_000,
      }),
    );
    resultOf(
      await server.command(medco, 'add-booking', {
        bookingId: bookingIds[1]!,
        caseId: paid,
        itemCode: 'XRAY',
        description: 'X-ray',
        quantity: 2,
        unitPrice: 50_000,
      }),
    );
    resultOf(await server.command(medco, 'discharge', { caseId: paid }));
    const claimId = randomUUID();
    resultOf(
      await server.command(medco, 'submit-claim', {
        claimId,
        caseId: paid,
        amount: 400_000,
        documents: [{ name: 'summary.pdf', kind: 'discharge-summary', sizeBytes: 1_000, sha256: 'a'.repeat(64) }],
      }),
    );
    // Mother: admitted by override, pre-auth waiting for PPD. Son: an unspecified package before the committee.
    const waiting = randomUUID();
    resultOf(
      await server.command(medco, 'admit', {
        caseId: waiting,
        memberId: demoIds.mother,
        identityMethod: 'override',
        overrideReason: 'Unconscious after a road accident; no relative present',
        supervisorName: 'Dr. Kale',
      }),
    );
    resultOf(await server.command(medco, 'request-preauth', { caseId: waiting, packageCode: 'SB001A' }));
    const committee = randomUUID();
    resultOf(await server.command(medco, 'admit', { caseId: committee, memberId: demoIds.son, identityMethod: 'fingerprint' }));
    resultOf(
      await server.command(medco, 'request-preauth', { caseId: committee, packageCode: 'SG999U', estimatedAmount: 200_000, clinicalNote: 'Rare procedure' }),
    );
    // Daughter: approved, with an enhancement waiting.
    const enhanced = randomUUID();
    resultOf(await server.command(medco, 'admit', { caseId: enhanced, memberId: demoIds.daughter, identityMethod: 'fingerprint' }));
    resultOf(await server.command(medco, 'request-preauth', { caseId: enhanced, packageCode: 'SB001A' }));
    resultOf(await server.command(tokens.ppd!, 'decide-preauth', { caseId: enhanced, decision: 'approve' }));
    resultOf(await server.command(medco, 'request-enhancement', { enhancementId: randomUUID(), caseId: enhanced, amount: 10_000, reason: 'Longer stay' }));
    // A booking past the cover: the daughter owes its rest, pays 100 of it in cash and sends 200 to the fund.
    resultOf(
      await server.command(medco, 'add-booking', {
        bookingId: randomUUID(),
        caseId: enhanced,
        itemCode: 'ICU',
        description: 'ICU',
        quantity: 1,
        unitPrice: 5_000_000,
      }),
    );
    resultOf(await server.command(medco, 'take-payment', { paymentId: randomUUID(), caseId: enhanced, amount: 10_000, method: 'cash' }));
    const topUpClaim = randomUUID();
    resultOf(
      await server.command(medco, 'take-payment', {
        paymentId: topUpClaim,
        caseId: enhanced,
        amount: 20_000,
        method: 'secondary',
        secondaryPayer: 'commercial-top-up',
        reference: 'TOPUP-77',
      }),
    );
    // The top-up accepts half: the bill shows a decided claim and the rest owed again.
    resultOf(
      await server.command(tokens.aco!, 'decide-secondary-claim', {
        claimId: topUpClaim,
        decision: 'partial',
        acceptedAmount: 10_000,
        reasonCode: 'limit-reached',
        payerReference: 'TOPUP-RA-1',
      }),
    );
    const caseIds = [paid, waiting, committee, enhanced];
    await everyRead(caseIds);

    resultOf(await server.command(tokens.mc!, 'recommend-preauth', { caseId: committee, recommendedAmount: 150_000, reason: 'Reasonable' }));
    const lines = bookingIds.map((bookingId) => ({ bookingId, decision: 'full' as const }));
    resultOf(await server.command(tokens.cex!, 'process-claim', { claimId, lines }));
    await everyRead(caseIds);
    resultOf(await server.command(tokens.cpd!, 'verify-claim', { claimId, lines }));
    await everyRead(caseIds);
    resultOf(await server.command(tokens.aco!, 'approve-payment', { paymentId: randomUUID(), claimIds: [claimId], deductions: 1_000 }));
    await everyRead(caseIds);
    for (const [, template] of reads) expect(seenWithItems, template).toContain(template);
  });

  it('error answers hold to the document too, with every status the server sends', async () => {
    const holdsError = async (
      method: 'GET' | 'POST',
      template: string,
      url: string,
      status: number,
      options: { token?: string; payload?: string | Buffer; contentType?: string } = {},
    ) => {
      const headers: Record<string, string> = {};
      if (options.token) headers.authorization = `Bearer ${options.token}`;
      if (options.payload !== undefined) headers['content-type'] = options.contentType ?? 'application/json';
      const response = await server.app.inject({ method, url, headers, ...(options.payload !== undefined ? { payload: options.payload } : {}) });
      expect(response.statusCode, `${url}: ${response.body}`).toBe(status);
      const validate = schemaOf(template, method.toLowerCase(), status);
      expect(validate(JSON.parse(response.body)), ajv.errorsText(validate.errors)).toBe(true);
    };
    const medco = tokens['medco.a']!;
    const login = await server.app.inject({
      method: 'POST',
      url: '/auth/login',
      headers: { 'content-type': 'application/json' },
      payload: JSON.stringify({ username: 'ppd', password: 'coverdesk-demo' }),
    });
    const validLogin = schemaOf('/auth/login', 'post', 200);
    expect(validLogin(JSON.parse(login.body)), ajv.errorsText(validLogin.errors)).toBe(true);
    await holdsError('POST', '/auth/login', '/auth/login', 401, { payload: JSON.stringify({ username: 'ppd', password: 'wrong' }) });
    await holdsError('GET', '/cases/{caseId}', `/cases/${randomUUID()}`, 404, { token: medco });
    await holdsError('GET', '/cases/{caseId}', '/cases/not-a-uuid', 400, { token: medco });
    await holdsError('GET', '/packages', '/packages', 401);
    await holdsError('GET', '/queues/payments', '/queues/payments', 403, { token: medco });
    await holdsError('GET', '/cases/{caseId}', `/cases/${'a'.repeat(200)}`, 414, { token: medco });
    await holdsError('POST', '/commands/add-booking', '/commands/add-booking', 415, { token: medco, payload: 'x', contentType: 'text/plain' });
    await holdsError('POST', '/commands/add-booking', '/commands/add-booking', 413, { token: medco, payload: `{"description":"${'x'.repeat(1024 * 1024)}"}` });
    await holdsError('POST', '/commands/add-booking', '/commands/add-booking', 400, { token: medco, payload: '{"a":1,"a":2}' });
    // 503: a second server process whose only connection is taken.
    if (server.scratch.url) {
      const db = openPostgres(server.scratch.url, { maxConnections: 1, poolWaitMs: 1_000 });
      const app = await buildApp({ db, notifier: new ChangeNotifier(null), scheme: server.state.scheme, keys: server.state.keys });
      const occupied = await occupyConnection(db);
      try {
        const response = await app.inject({ method: 'GET', url: '/packages', headers: { authorization: `Bearer ${medco}` } });
        expect(response.statusCode).toBe(503);
        const validate = schemaOf('/packages', 'get', 503);
        expect(validate(JSON.parse(response.body)), ajv.errorsText(validate.errors)).toBe(true);
      } finally {
        await occupied.release();
        await app.close();
        await db.close();
      }
    }
  });
});
