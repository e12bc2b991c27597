import { randomUUID } from 'node:crypto';
import { parse, type DefaultTreeAdapterMap } from 'parse5';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { demoIds } from '../demo/seed';
import { DevelopmentSmsSink } from '../identity/sms';
import { describeEachBackend } from '../testing/backends';
import { verifiedCode } from '../testing/enrolment';
import { resultOf, startTestServer, type TestServer } from '../testing/harness';

type Node = DefaultTreeAdapterMap['node'];
type Element = DefaultTreeAdapterMap['element'];

/** Every element of `tag` in document order (parse5's spec-conformant tree, as a browser builds it). */
function elements(root: Node, tag: string): Element[] {
  const found: Element[] = [];
  const walk = (node: Node) => {
    if ('tagName' in node && node.tagName === tag) found.push(node);
    const children = 'childNodes' in node ? node.childNodes : [];
    for (const child of children) walk(child);
    if ('content' in node && node.content) walk(node.content);
  };
  walk(root);
  return found;
}
function text(node: Node): string {
  if (node.nodeName === '#text') return (node as DefaultTreeAdapterMap['textNode']).value;
  return 'childNodes' in node ? node.childNodes.map(text).join('') : '';
}
const attribute = (element: Element, name: string) => element.attrs.find((attr) => attr.name === name)?.value ?? null;
const rowsOf = (html: string, label: string) => {
  const table = elements(parse(html), 'table').find((candidate) => attribute(candidate, 'aria-label') === label);
  return table ? elements(table, 'tr').map((row) => [...elements(row, 'td'), ...elements(row, 'th')].map((cell) => text(cell).trim())) : null;
};

/**
 * Issue 16, the beneficiary page over real HTTP (fetch against a listening server), its HTML read
 * back by parse5: nothing before the code, the same answer for an unknown scheme id and a wrong
 * code, the family's record after it, the e-card, one family per session, replay and rate limits.
 */
describeEachBackend('the beneficiary page /me (%s)', (backend) => {
  let server: TestServer;
  let base = '';
  const sms = new DevelopmentSmsSink();
  const lastCode = () => /record is (\d{6})/.exec(sms.recent()[0]?.text ?? '')?.[1] ?? '';

  const get = (path: string, cookie?: string) => fetch(`${base}${path}`, { headers: cookie ? { cookie } : {}, redirect: 'manual' });
  const post = (path: string, fields: Record<string, string>, cookie?: string) =>
    fetch(`${base}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...(cookie ? { cookie } : {}) },
      body: new URLSearchParams(fields).toString(),
      redirect: 'manual',
    });
  /** The same form posted from another address (inject: the listening socket is always loopback). */
  const postFrom = async (address: string, path: string, fields: Record<string, string>) => {
    const answer = await server.app.inject({
      method: 'POST',
      url: path,
      remoteAddress: address,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams(fields).toString(),
    });
    return { status: answer.statusCode, body: answer.body };
  };
  const signIn = async (schemeId: string): Promise<string> => {
    expect((await post('/me/code', { schemeId })).status).toBe(200);
    const answer = await post('/me/sign-in', { schemeId, code: lastCode() });
    expect(answer.status).toBe(303);
    const cookie = answer.headers.get('set-cookie') ?? '';
    return cookie.split(';')[0]!;
  };

  beforeAll(async () => {
    server = await startTestServer(backend, { extraFamilies: 0, sms });
    await server.app.listen({ port: 0, host: '127.0.0.1' });
    base = `http://127.0.0.1:${(server.app.server.address() as { port: number }).port}`;
    const [ha, medcoA, medcoB] = [await server.login('ha'), await server.login('medco.a'), await server.login('medco.b')];
    resultOf(await server.command(ha, 'issue-e-card', { memberId: demoIds.father }));
    // The son's stay at B, his admission at A, his consent there and one look at his past treatment.
    const caseAtB = randomUUID();
    resultOf(await server.command(medcoB, 'admit', { caseId: caseAtB, memberId: demoIds.son, identityMethod: 'fingerprint' }));
    resultOf(await server.command(medcoB, 'request-preauth', { caseId: caseAtB, packageCode: 'MG012A' }));
    const caseAtA = randomUUID();
    resultOf(await server.command(medcoB, 'cancel-case', { caseId: caseAtB, reason: 'Referred to hospital A' }));
    resultOf(await server.command(medcoA, 'admit', { caseId: caseAtA, memberId: demoIds.son, identityMethod: 'fingerprint' }));
    const otpChallengeId = await verifiedCode(server.scratch.db, demoIds.son, 'medco.a');
    resultOf(await server.command(medcoA, 'grant-history-consent', { caseId: caseAtA, method: 'otp', otpChallengeId }));
    expect((await server.get(medcoA, `/cases/${caseAtA}/history`)).status).toBe(200);
  });
  afterAll(async () => server?.close());

  it('shows nothing before the code: the sign-in form, no record, no card', async () => {
    const page = await get('/me');
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(page.headers.get('content-security-policy')).toContain("default-src 'none'");
    const html = await page.text();
    const forms = elements(parse(html), 'form');
    expect(forms.map((form) => attribute(form, 'action'))).toEqual(['/me/code']);
    expect(html).not.toMatch(/Patil|Cover|Committed/);
    expect(elements(parse(html), 'meta').some((meta) => attribute(meta, 'name') === 'viewport')).toBe(true);
    expect(elements(parse(html), 'script')).toEqual([]);
    const css = await get('/me/style.css');
    expect(css.headers.get('content-type')).toMatch(/^text\/css/);
    expect(await css.text()).toContain('@media');
    expect((await get('/me/e-card.pdf')).status).toBe(401);
    expect((await get('/me/e-card.png')).status).toBe(401);
  });

  it('an unknown scheme id gets the same answers as a known one: code sent, then a wrong code', async () => {
    const known = await post('/me/code', { schemeId: 'PMJ-S1000003' });
    const unknown = await post('/me/code', { schemeId: 'PMJ-S9999999' });
    expect([known.status, unknown.status]).toEqual([200, 200]);
    expect((await known.text()).replaceAll('PMJ-S1000003', 'ID')).toBe((await unknown.text()).replaceAll('PMJ-S9999999', 'ID'));
    const codeSent = lastCode();
    const wrong = codeSent === '000000' ? '111111' : '000000';
    const knownWrong = await post('/me/sign-in', { schemeId: 'PMJ-S1000003', code: wrong });
    const unknownWrong = await post('/me/sign-in', { schemeId: 'PMJ-S9999999', code: codeSent });
    expect([knownWrong.status, unknownWrong.status]).toEqual([401, 401]);
    const knownHtml = (await knownWrong.text()).replaceAll('PMJ-S1000003', 'ID');
    expect(knownHtml).toBe((await unknownWrong.text()).replaceAll('PMJ-S9999999', 'ID'));
    expect(knownHtml).not.toMatch(/Patil/);
    // Malformed input is a 400 with a sentence, and sends nothing.
    const before = sms.recent().length;
    expect((await post('/me/code', { schemeId: '<script>' })).status).toBe(400);
    expect((await post('/me/sign-in', { schemeId: 'PMJ-S1000003', code: '12' })).status).toBe(400);
    expect(sms.recent().length).toBe(before);
  });

  it("after the code: the family's cover, cases, who looked, the e-card; the cookie is HttpOnly, Strict, short", async () => {
    expect((await post('/me/code', { schemeId: 'PMJ-S1000001' })).status).toBe(200);
    const code = lastCode();
    const signedIn = await post('/me/sign-in', { schemeId: 'pmj-s1000001 ', code });
    expect(signedIn.status).toBe(303);
    expect(signedIn.headers.get('location')).toBe('/me');
    const setCookie = signedIn.headers.get('set-cookie') ?? '';
    expect(setCookie).toMatch(/^coverdesk_member=[A-Za-z0-9_-]{43}; Path=\/me; Max-Age=900; HttpOnly; SameSite=Strict$/);
    const cookie = setCookie.split(';')[0]!;

    const page = await get('/me', cookie);
    expect(page.status).toBe(200);
    const html = await page.text();
    const tree = parse(html);
    expect(text(elements(tree, 'h2')[0]!)).toBe('Ramesh Patil');
    const figures = Object.fromEntries(
      elements(tree, 'dl')[0]!
        .childNodes.filter((node): node is Element => 'tagName' in node)
        .map((div) => [text(elements(div, 'dt')[0]!), text(elements(div, 'dd')[0]!)]),
    );
    expect(Object.keys(figures)).toEqual(['Cover', 'Committed', 'Available']);
    expect(figures.Cover).toMatch(/₹/);
    // The son's case at A (admitted) and at B (cancelled), and the one look at his past treatment.
    const cases = rowsOf(html, 'Cases')!;
    expect(cases.slice(1).map((row) => [row[1], row[4]])).toEqual([
      ['Arjun Patil', 'admitted'],
      ['Arjun Patil', 'cancelled'],
    ]);
    const looks = rowsOf(html, 'Who looked at our record')!;
    expect(looks.slice(1).map((row) => row.slice(2))).toEqual([['Desk A operator', 'Arjun Patil']]);
    expect(html).toContain('nothing accumulates');
    expect(elements(tree, 'a').map((link) => attribute(link, 'href'))).toEqual(expect.arrayContaining(['/me/e-card.pdf', '/me/e-card.png']));

    const pdf = await get('/me/e-card.pdf', cookie);
    expect(pdf.status).toBe(200);
    expect(pdf.headers.get('content-type')).toBe('application/pdf');
    expect(
      Buffer.from(await pdf.arrayBuffer())
        .subarray(0, 5)
        .toString(),
    ).toBe('%PDF-');
    const png = await get('/me/e-card.png', cookie);
    expect(
      Buffer.from(await png.arrayBuffer())
        .subarray(1, 4)
        .toString(),
    ).toBe('PNG');

    // The code again (replay): refused, whoever sends it.
    const replay = await post('/me/sign-in', { schemeId: 'PMJ-S1000001', code });
    expect(replay.status).toBe(401);
    expect(replay.headers.get('set-cookie')).toBeNull();

    // Sign-out ends the session on the server: the old cookie opens nothing.
    expect((await post('/me/sign-out', {}, cookie)).status).toBe(200);
    const after = await (await get('/me', cookie)).text();
    expect(after).not.toMatch(/Ramesh|Cover/);
    expect((await get('/me/e-card.pdf', cookie)).status).toBe(401);
  });

  it("a session reads its own family only: S5's session shows S5 and its accumulators, never S1; nothing in the address chooses", async () => {
    const cookie = await signIn('PMJ-S5000001');
    const html = await (await get('/me', cookie)).text();
    expect(html).toContain('Mahesh Kulkarni');
    expect(html).not.toMatch(/Patil/);
    const accumulators = rowsOf(html, 'Accumulators')!;
    expect(accumulators.some((row) => row[0]?.startsWith('Deductible'))).toBe(true);
    expect(accumulators.some((row) => row[0]?.startsWith('Out of pocket'))).toBe(true);
    // No parameter names another family or card.
    expect((await get(`/me?familyId=${demoIds.seedFamily}`, cookie)).status).toBe(400);
    expect((await get(`/me/e-card.pdf?memberId=${demoIds.father}`, cookie)).status).toBe(400);
    // S5's father has no card: his session does not fall back to anyone else's.
    expect((await get('/me/e-card.pdf', cookie)).status).toBe(404);
    // A forged or altered cookie is no session.
    expect(await (await get('/me', `${cookie.slice(0, -2)}AA`)).text()).not.toContain('Mahesh');
    // An expired session is no session either.
    await server.scratch.db.query(
      "UPDATE beneficiary_sessions SET created_at = now() - interval '1 hour', expires_at = now() - interval '1 second' WHERE ended_at IS NULL",
    );
    expect(await (await get('/me', cookie)).text()).not.toContain('Mahesh');
  });

  it('rate limits: codes per scheme id (unknown ids too), wrong codes per scheme id, failures per address', async () => {
    // Three codes per scheme id in 15 minutes, a known and an unknown one alike.
    for (const schemeId of ['PMJ-S1000004', 'PMJ-S8888888']) {
      for (let n = 0; n < 3; n += 1) expect((await postFrom('10.0.0.1', '/me/code', { schemeId })).status).toBe(200);
      const limited = await postFrom('10.0.0.1', '/me/code', { schemeId });
      expect(limited.status).toBe(429);
      expect(limited.body).toContain('Try again in');
    }
    // Five wrong codes lock the scheme id: then even the right code is refused.
    await postFrom('10.0.0.2', '/me/code', { schemeId: 'PMJ-S1000002' });
    const right = lastCode();
    const wrong = right === '000000' ? '111111' : '000000';
    for (let n = 0; n < 5; n += 1) expect((await postFrom('10.0.0.2', '/me/sign-in', { schemeId: 'PMJ-S1000002', code: wrong })).status).toBe(401);
    expect((await postFrom('10.0.0.3', '/me/sign-in', { schemeId: 'PMJ-S1000002', code: right })).status).toBe(429);
    // Twenty failures from one address lock the address, whatever scheme ids it tries.
    for (let n = 0; n < 20; n += 1)
      expect((await postFrom('10.0.0.4', '/me/sign-in', { schemeId: `PMJ-T${String(n).padStart(7, '0')}`, code: '123456' })).status).toBe(401);
    expect((await postFrom('10.0.0.4', '/me/sign-in', { schemeId: 'PMJ-T9999999', code: '123456' })).status).toBe(429);
    // Ten codes an hour from one address.
    for (let n = 0; n < 10; n += 1) expect((await postFrom('10.0.0.5', '/me/code', { schemeId: `PMJ-U${String(n).padStart(7, '0')}` })).status).toBe(200);
    expect((await postFrom('10.0.0.5', '/me/code', { schemeId: 'PMJ-U9999999' })).status).toBe(429);
  });
});
