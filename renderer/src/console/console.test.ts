import { afterEach, describe, expect, it, vi } from 'vitest';
import { parseConsoleRoute } from './app/routes';
import { timeLeft, waitingAgainst } from './app/waiting';
import { ConsoleApi } from './data/api';
import type { ConsoleCase } from './data/documents';
import { toConsoleDocument } from './data/replication';
import { consoleDocumentProblem } from './data/schemas';
import { breachStages } from './data/stream';
import { unspecifiedQueue } from './committee/committee-queue';
import { ppdQueue } from './ppd/ppd-queue';
import { workspaces, workspacesFor } from './workspaces';

const baseCase = (id: string, overrides: Partial<ConsoleCase> = {}, preauth: Partial<NonNullable<ConsoleCase['preauth']>> = {}): ConsoleCase => ({
  id,
  caseId: id,
  status: 'admitted',
  isEmergency: false,
  identityMethod: 'fingerprint',
  admittedAt: '2026-01-01T08:00:00Z',
  dischargedAt: null,
  cancelledAt: null,
  hospitalCode: 'HSP-A',
  hospitalName: 'A',
  turnaroundMinutes: 360,
  member: { id: `m-${id}`, schemeMemberId: `S-${id}`, fullName: `Patient ${id}`, birthYear: 1980, gender: 'F', relation: 'head' },
  family: { id: 'f', familyNumber: 'F-1', cover: 1_000_000, committed: 0, available: 1_000_000, holds: [] },
  preauth: {
    id: `p-${id}`,
    packageCode: 'MG012A',
    packageName: 'Gastro',
    specialty: 'Medicine',
    isUnspecified: false,
    packageVersion: 1,
    packagePrice: 600_000,
    requestedAmount: 600_000,
    recommendedAmount: null,
    approvedAmount: null,
    status: 'pending',
    clinicalNote: null,
    queryReason: null,
    queryResponse: null,
    decisionReason: null,
    requestedAt: '2026-01-01T09:00:00Z',
    decidedAt: null,
    ...preauth,
  },
  hold: null,
  enhancements: [],
  bookings: [],
  claim: null,
  ...overrides,
});

describe('console queues', () => {
  it('PPD: emergency first, then oldest; queries waiting on the desk after; unspecified and decided cases left out', () => {
    const queue = ppdQueue([
      baseCase('old', {}, { requestedAt: '2026-01-01T07:00:00Z' }),
      baseCase('new', {}, { requestedAt: '2026-01-01T10:00:00Z' }),
      baseCase('emergency-new', { isEmergency: true }, { requestedAt: '2026-01-01T11:00:00Z' }),
      baseCase('queried', {}, { requestedAt: '2026-01-01T06:00:00Z', status: 'queried' }),
      baseCase('unspecified', {}, { isUnspecified: true, status: 'committee-review' }),
      baseCase('approved', {}, { status: 'approved' }),
      baseCase(
        'enhancement',
        {
          enhancements: [
            {
              id: 'e1',
              requestedAmount: 100,
              approvedAmount: null,
              grantedAmount: null,
              status: 'pending',
              reason: 'more',
              decisionReason: null,
              requestedAt: '2026-01-01T08:00:00Z',
              decidedAt: null,
            },
          ],
        },
        { status: 'approved' },
      ),
    ]);
    expect(queue.map((item) => `${item.kind}:${item.caseDoc.id}`)).toEqual([
      'preauth:emergency-new',
      'preauth:old',
      'enhancement:enhancement',
      'preauth:new',
      'preauth:queried',
    ]);
  });

  it('MC and Admin: only unspecified cases at their own step', () => {
    const cases = [
      baseCase('mc', {}, { isUnspecified: true, status: 'committee-review' }),
      baseCase('admin', {}, { isUnspecified: true, status: 'admin-review' }),
      baseCase('plain', {}, { status: 'pending' }),
    ];
    expect(unspecifiedQueue(cases, 'committee-review').map((c) => c.id)).toEqual(['mc']);
    expect(unspecifiedQueue(cases, 'admin-review').map((c) => c.id)).toEqual(['admin']);
  });

  it("a clock's time left: within, due soon, past, paused", () => {
    const clock = {
      stage: 'preauth-decision',
      ownerRole: 'PPD',
      caseId: 'c',
      claimId: null,
      enhancementId: null,
      hospitalCode: 'HSP-A',
      startAuditId: 1,
      startedAt: '2026-01-01T00:00:00Z',
      serviceLevelMinutes: 360,
      elapsedMinutes: 0,
      remainingMinutes: 360,
      dueAt: '2026-01-01T06:00:00Z',
      isPaused: false,
      isPastServiceLevel: false,
      breachNoticedAt: null,
    } as const;
    expect(timeLeft(clock, new Date('2026-01-01T01:00:00Z'))).toEqual({
      minutes: 300,
      label: 'Within service level',
      tone: 'good',
      text: '5 h left of 6 h',
    });
    expect(timeLeft(clock, new Date('2026-01-01T05:00:00Z'))).toMatchObject({ minutes: 60, label: 'Due soon', tone: 'warning' });
    expect(timeLeft(clock, new Date('2026-01-01T07:30:00Z'))).toEqual({
      minutes: -90,
      label: 'Past service level',
      tone: 'bad',
      text: 'over the 6 h service level by 1 h 30 min',
    });
    expect(timeLeft({ ...clock, isPaused: true, dueAt: null }, new Date('2026-01-01T07:30:00Z'))).toMatchObject({ minutes: null, label: 'Paused' });
  });

  it('time waiting against the target: within, due soon, overdue', () => {
    const from = '2026-01-01T00:00:00Z';
    expect(waitingAgainst(from, 360, new Date('2026-01-01T01:00:00Z'))).toMatchObject({
      minutes: 60,
      isOverdue: false,
      tone: 'good',
      text: '1 h of 6 h target',
    });
    expect(waitingAgainst(from, 360, new Date('2026-01-01T05:00:00Z'))).toMatchObject({ isOverdue: false, tone: 'warning' });
    expect(waitingAgainst(from, 360, new Date('2026-01-01T07:30:00Z'))).toMatchObject({
      isOverdue: true,
      tone: 'bad',
      text: '7 h 30 min, over the 6 h target by 1 h 30 min',
    });
  });
});

describe('console shell pieces', () => {
  it('routes: home, workspace, case', () => {
    expect(parseConsoleRoute('')).toEqual({ kind: 'home' });
    expect(parseConsoleRoute('#/ppd')).toEqual({ kind: 'workspace', path: 'ppd' });
    expect(parseConsoleRoute('#/case/0F2C8A10-0000-4000-8000-000000000001')).toEqual({ kind: 'case', caseId: '0f2c8a10-0000-4000-8000-000000000001' });
  });

  it('the registry gives each role only its workspaces', () => {
    for (const role of ['PPD', 'MC', 'ADMIN', 'CEX', 'CPD', 'ACO', 'HA'] as const) {
      for (const workspace of workspacesFor([role])) expect(workspace.roles).toContain(role);
    }
    expect(workspacesFor(['PPD']).map((w) => w.path)).toContain('ppd');
    expect(workspacesFor(['PPD']).map((w) => w.path)).not.toContain('committee');
    expect(workspacesFor(['MC']).map((w) => w.path)).toContain('committee');
    expect(workspacesFor(['ADMIN']).map((w) => w.path)).toContain('admin');
    expect(workspacesFor(['ADMIN']).map((w) => w.path)).not.toContain('ppd');
    expect(workspacesFor(['MEDCO'])).toEqual([]);
    expect(new Set(workspaces.map((w) => w.path)).size).toBe(workspaces.length);
  });

  it('the parse boundary refuses a document with a wrong field, naming the field', () => {
    const good = baseCase('x') as unknown as Record<string, unknown>;
    expect(consoleDocumentProblem('cases', good)).toBeNull();
    expect(toConsoleDocument('cases', good)).toMatchObject({ id: 'x', _deleted: false });
    expect(consoleDocumentProblem('cases', { ...good, isEmergency: 'yes' })).toBe('field isEmergency is string, expected boolean');
    expect(() => toConsoleDocument('cases', { ...good, preauth: undefined })).toThrow(/preauth is missing/);
  });
});

describe('ConsoleApi', () => {
  afterEach(() => vi.unstubAllGlobals());

  it('a network failure is a clear error and marks the server unreachable; the next answer marks it back', async () => {
    const api = new ConsoleApi('http://server.test');
    const reachability: boolean[] = [];
    api.onReachability((isReachable) => reachability.push(isReachable));
    vi.stubGlobal(
      'fetch',
      vi
        .fn()
        .mockRejectedValueOnce(new TypeError('Failed to fetch'))
        .mockResolvedValueOnce(new Response(JSON.stringify({ items: [] }), { status: 200 })),
    );
    const down = await api.get('/queues/preauths');
    expect(down).toMatchObject({ ok: false, error: { code: 'network' } });
    const up = await api.get('/queues/preauths');
    expect(up.ok).toBe(true);
    expect(reachability).toEqual([false, true]);
  });

  it('a 401 ends the session: listeners hear session-expired, and the token is dropped', async () => {
    const api = new ConsoleApi('http://server.test');
    const fetchMock = vi
      .fn()
      .mockResolvedValueOnce(new Response(JSON.stringify({ token: 't1', expiresAt: '2026-01-01T00:15:00Z' }), { status: 200 }))
      .mockResolvedValueOnce(
        new Response(
          JSON.stringify({
            operatorId: 'o',
            username: 'ppd',
            displayName: 'P',
            roles: ['PPD', 'NOT-A-ROLE'],
            collections: ['cases'],
            scheme: { name: 's', currency: 'INR', locale: 'en-IN', minorPerUnit: 100, preauthTurnaroundMinutes: 360 },
          }),
          { status: 200 },
        ),
      )
      .mockResolvedValueOnce(new Response(JSON.stringify({ code: 'unauthenticated', message: 'Your session has expired; sign in again.' }), { status: 401 }));
    vi.stubGlobal('fetch', fetchMock);
    const signedIn = await api.signIn('ppd', 'coverdesk-demo');
    expect(signedIn).toMatchObject({ ok: true, value: { token: 't1', roles: ['PPD'] } });
    expect((fetchMock.mock.calls[1]![1] as { headers: Record<string, string> }).headers.authorization).toBe('Bearer t1');
    const ended: string[] = [];
    api.onSessionEnded((error) => ended.push(`${error.code}: ${error.message}`));
    const answer = await api.pull('cases', null, 10);
    expect(answer).toMatchObject({ ok: false, error: { code: 'session-expired' } });
    expect(ended).toEqual(['session-expired: Your session has expired; sign in again.']);
    expect(api.currentToken()).toBeNull();
  });

  it("a wrong password is refused without ending anything, in the server's words", async () => {
    const api = new ConsoleApi('');
    vi.stubGlobal(
      'fetch',
      vi
        .fn()
        .mockResolvedValueOnce(
          new Response(JSON.stringify({ code: 'invalid-credentials', message: 'The username or password is not right.' }), { status: 401 }),
        ),
    );
    const ended = vi.fn();
    api.onSessionEnded(ended);
    expect(await api.signIn('ppd', 'wrong')).toMatchObject({
      ok: false,
      error: { code: 'invalid-credentials', message: 'The username or password is not right.' },
    });
    expect(ended).not.toHaveBeenCalled();
  });

  describe('a retry after an unknown outcome goes under the same command id', () => {
    const sentBodies = (fetchMock: ReturnType<typeof vi.fn>) =>
      fetchMock.mock.calls.map((call) => JSON.parse(String((call[1] as { body: string }).body)) as Record<string, unknown>);
    const ok = () => new Response(JSON.stringify({ result: {} }), { status: 200 });

    it('same decision after the network failed (or a 5xx, or an unreadable answer): same id; after an answer: a fresh one', async () => {
      const api = new ConsoleApi('');
      const fetchMock = vi
        .fn()
        .mockRejectedValueOnce(new TypeError('Failed to fetch'))
        .mockResolvedValueOnce(new Response('bad gateway', { status: 502 }))
        .mockResolvedValueOnce(new Response('{"result":', { status: 200 }))
        .mockResolvedValueOnce(ok())
        .mockResolvedValueOnce(ok());
      vi.stubGlobal('fetch', fetchMock);
      const decision = { caseId: 'c1', decision: 'approve' };
      expect((await api.command('decide-preauth', decision)).ok).toBe(false);
      expect((await api.command('decide-preauth', decision)).ok).toBe(false);
      expect((await api.command('decide-preauth', decision)).ok).toBe(false);
      expect((await api.command('decide-preauth', decision)).ok).toBe(true);
      expect((await api.command('decide-preauth', decision)).ok).toBe(true);
      const ids = sentBodies(fetchMock).map((body) => body.commandId);
      expect(new Set(ids.slice(0, 4)).size).toBe(1);
      expect(ids[4]).not.toBe(ids[0]);
      expect(sentBodies(fetchMock).every((body) => body.caseId === 'c1' && body.decision === 'approve')).toBe(true);
    });

    it('a different input, or a definite refusal before it, gets a fresh id', async () => {
      const api = new ConsoleApi('');
      const fetchMock = vi
        .fn()
        .mockRejectedValueOnce(new TypeError('Failed to fetch'))
        .mockResolvedValueOnce(new Response(JSON.stringify({ code: 'invalid-state', message: 'Already decided.' }), { status: 409 }))
        .mockResolvedValueOnce(ok());
      vi.stubGlobal('fetch', fetchMock);
      await api.command('decide-preauth', { caseId: 'c1', decision: 'approve' });
      await api.command('decide-preauth', { caseId: 'c1', decision: 'reject', reason: 'Not covered' });
      await api.command('decide-preauth', { caseId: 'c1', decision: 'reject', reason: 'Not covered' });
      const ids = sentBodies(fetchMock).map((body) => body.commandId);
      expect(new Set(ids).size).toBe(3);
    });

    it('a creating command keeps the id of what it creates: a retry cannot make a second hospital', async () => {
      const api = new ConsoleApi('');
      const fetchMock = vi.fn().mockRejectedValueOnce(new TypeError('Failed to fetch')).mockResolvedValueOnce(ok());
      vi.stubGlobal('fetch', fetchMock);
      const hospital = { code: 'HSP-C', name: 'Civil Hospital', district: 'Pune' };
      await api.command('register-hospital', { hospitalId: 'h-first', ...hospital }, { newIdField: 'hospitalId' });
      await api.command('register-hospital', { hospitalId: 'h-second', ...hospital }, { newIdField: 'hospitalId' });
      const [first, retry] = sentBodies(fetchMock);
      expect(retry).toEqual(first);
      expect(retry!.hospitalId).toBe('h-first');
    });
  });
});

describe('breach events of the change stream', () => {
  it('names the stages of the event, in stage order; anything else is dropped', () => {
    expect(breachStages('{"stages":["payment","preauth-decision"]}')).toEqual(['preauth-decision', 'payment']);
    expect(breachStages('{"stages":["triage","claim-processing"]}')).toEqual(['claim-processing']);
    expect(breachStages('{"stages":"payment"}')).toEqual([]);
    expect(breachStages('not json')).toEqual([]);
    expect(breachStages(undefined)).toEqual([]);
  });
});
