/**
 * A desk host process for the chaos run: hosts one or more DeskBackends (each with its own data
 * directory, exactly as a desk app would run it in browser mode) and plays their operators at
 * random, driven over Node IPC by the harness (see desk-protocol.ts). The harness kills this
 * process with SIGKILL at random moments and starts it again on the same data directories.
 *
 * Run with `node --import tsx tests/chaos/desk-process.ts` as a forked child (needs an IPC channel).
 */
import type { CaseView, DeskResult } from '../../electron/desk-api/contract';
import { DeskBackend } from '../../electron/desk-backend/backend';
import type { ActResult, DeskSetup, DeskSnapshot, HostCall, HostCalls, HostReply, HostRequest, OpenResult, OutboxBooking } from './desk-protocol';

interface HostedDesk {
  readonly setup: DeskSetup;
  readonly backend: DeskBackend;
  /** Cases this desk's operator is working on (admitted or waiting for the server). */
  readonly openCases: Set<string>;
}

const desks = new Map<string, HostedDesk>();
const items = ['WARD', 'LAB', 'DRUG', 'XRAY', 'OT', 'ICU'] as const;

/**
 * Diagnostics only: remember requests that took over 3 s (the desk's own timeout is 15 s), so a
 * slow restart can be explained. The desk code is unchanged; this wraps the global fetch it uses.
 */
const slowRequests: string[] = [];
const realFetch = globalThis.fetch;
globalThis.fetch = async (input, init) => {
  const started = Date.now();
  const what = `${init?.method ?? 'GET'} ${
    String(input instanceof Request ? input.url : input)
      .replace(/^https?:\/\/[^/]+/, '')
      .split('?')[0]
  }`;
  try {
    const response = await realFetch(input, init);
    if (Date.now() - started > 3_000 && !what.includes('/sync/stream'))
      slowRequests.push(`${what} answered ${response.status} after ${Date.now() - started} ms`);
    return response;
  } catch (error) {
    if (Date.now() - started > 3_000)
      slowRequests.push(
        `${what} started ${new Date(started).toISOString().slice(17, 23)} failed after ${Date.now() - started} ms: ${error instanceof Error ? `${error.name} ${error.message} ${String((error as { cause?: unknown }).cause ?? '')}` : String(error)}`,
      );
    throw error;
  }
};

const pick = <T>(values: readonly T[]): T => values[Math.floor(Math.random() * values.length)]!;
const between = (low: number, high: number): number => low + Math.floor(Math.random() * (high - low + 1));
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function hosted(deskKey: string): HostedDesk {
  const desk = desks.get(deskKey);
  if (!desk) throw new Error(`desk ${deskKey} is not open in this process`);
  return desk;
}

function outcome<T>(op: ActResult['op'], result: DeskResult<T>, extra: { caseId?: string; bookingId?: string } = {}): ActResult {
  return result.ok ? { op, ok: true, ...extra } : { op, ok: false, code: result.error.code, ...extra };
}

async function open(setup: DeskSetup): Promise<OpenResult> {
  if (desks.has(setup.deskKey)) throw new Error(`desk ${setup.deskKey} is already open`);
  // Product defaults for the sync engine: the chaos run tests the desk as it ships. No devices.
  const backend = new DeskBackend({ dataDir: setup.dataDir, devices: {}, ...(setup.safetyPullMs ? { sync: { safetyPullMs: setup.safetyPullMs } } : {}) });
  const handlers = backend.handlers;
  const status = await handlers['enrollment.status']({});
  if (!status.ok) throw new Error(status.error.message);
  if (!status.value.isEnrolled) {
    if (!setup.enroll) throw new Error(`desk ${setup.deskKey} is not enrolled and no code was given`);
    const enrolled = await handlers['enrollment.enroll'](setup.enroll);
    if (!enrolled.ok) throw new Error(`enrollment failed: ${enrolled.error.code} ${enrolled.error.message}`);
  }
  const steps: string[] = [];
  let stepStarted = Date.now();
  const step = (name: string) => {
    steps.push(`${name} ${Date.now() - stepStarted} ms`);
    stepStarted = Date.now();
  };
  step('replica');
  const pendingAtOpen = backend.engine.current().pendingMutations;
  backend.start();
  // Online sign-in when the server answers, otherwise the cached offline verifier; a lost answer
  // (the proxy drops some) is retried like an operator pressing the button again.
  let signedIn: Awaited<ReturnType<(typeof handlers)['session.signIn']>> | null = null;
  const signInFailures: string[] = [];
  for (let attempt = 0; attempt < 8; attempt += 1) {
    signedIn = await handlers['session.signIn']({ username: setup.username, password: setup.password });
    step(`sign-in ${signedIn.ok ? (signedIn.value.isOfflineSession ? 'offline' : 'online') : signedIn.error.code}`);
    if (signedIn.ok) break;
    signInFailures.push(signedIn.error.code);
    await sleep(250);
  }
  if (!signedIn?.ok) throw new Error(`sign-in failed: ${signedIn ? `${signedIn.error.code} ${signedIn.error.message}` : 'no attempt'}`);
  const cases = await handlers['cases.list']({ status: 'all' });
  const openCases = new Set(cases.ok ? cases.value.filter((c) => c.status === 'admitted' || c.status === 'pending-sync').map((c) => c.caseId) : []);
  step('case list');
  if (slowRequests.length > 0) steps.push(`slow requests: ${slowRequests.splice(0).join(' | ')}`);
  desks.set(setup.deskKey, { setup, backend, openCases });
  return {
    deskId: signedIn.value.deskId,
    hospitalId: signedIn.value.hospitalId ?? '',
    isOfflineSession: signedIn.value.isOfflineSession,
    pendingAtOpen,
    signInFailures,
    steps,
  };
}

async function admit(desk: HostedDesk): Promise<ActResult> {
  let last: ActResult = { op: 'admit', ok: false, code: 'no-member' };
  for (let attempt = 0; attempt < 4; attempt += 1) {
    const member = pick(desk.setup.members);
    const result = await desk.backend.handlers['cases.admit']({ memberId: member.memberId, identityMethod: pick(['fingerprint', 'face', 'otp'] as const) });
    if (result.ok) {
      desk.openCases.add(result.value.caseId);
      return { op: 'admit', ok: true, caseId: result.value.caseId };
    }
    last = outcome('admit', result);
    if (result.error.code !== 'case-already-active') return last;
  }
  return last;
}

/** One thing an admission-desk operator might do next, chosen at random among what makes sense. */
async function act(desk: HostedDesk): Promise<ActResult> {
  const handlers = desk.backend.handlers;
  const roll = Math.random();
  if (desk.openCases.size < 2 || (desk.openCases.size < 4 && roll < 0.08)) return admit(desk);
  const caseId = pick([...desk.openCases]);
  const viewed = await handlers['cases.view']({ caseId });
  if (!viewed.ok || (viewed.value.status !== 'admitted' && viewed.value.status !== 'pending-sync')) {
    // Refused by the server (another desk admitted the patient first), or closed elsewhere.
    desk.openCases.delete(caseId);
    return { op: 'idle', ok: true, caseId };
  }
  const view: CaseView = viewed.value;
  if (view.preauth.status === 'not-requested') {
    return outcome('preauth', await handlers['cases.requestPreauth']({ caseId, packageCode: pick(desk.setup.packageCodes) }), { caseId });
  }
  if (roll < 0.04) {
    desk.openCases.delete(caseId);
    return outcome('cancel', await handlers['cases.cancel']({ caseId, reason: 'Chaos run: patient left against advice' }), { caseId });
  }
  const live = view.bookings.filter((b) => !b.isVoided && b.status !== 'rejected');
  if (roll < 0.12 && live.length >= 2) {
    desk.openCases.delete(caseId);
    const discharged = await handlers['cases.discharge']({ caseId });
    // A claim needs an approved pre-auth and must equal the booking sum: only when all is confirmed.
    if (!discharged.ok || view.preauth.status !== 'approved' || live.some((b) => b.status === 'pending')) return outcome('discharge', discharged, { caseId });
    return outcome('claim', await handlers['cases.submitClaim']({ caseId, amount: view.bookingSum }), { caseId });
  }
  if (roll < 0.17) {
    const confirmed = live.filter((b) => b.status !== 'pending');
    if (confirmed.length > 0) {
      const target = pick(confirmed);
      return outcome('void', await handlers['bookings.void']({ bookingId: target.bookingId, reason: 'Chaos run: entered twice' }), {
        caseId,
        bookingId: target.bookingId,
      });
    }
  }
  if (roll < 0.22 && !view.enhancements.some((e) => e.status === 'pending' || e.status === 'pending-sync')) {
    return outcome(
      'enhancement',
      await handlers['cases.requestEnhancement']({ caseId, amount: between(1_000, 5_000) * 100, reason: 'Chaos run: longer stay' }),
      { caseId },
    );
  }
  const added = await handlers['bookings.add']({
    caseId,
    itemCode: pick(items),
    description: 'Chaos run service',
    quantity: between(1, 3),
    unitPrice: between(200, 3_000) * 100,
  });
  return added.ok ? { op: 'booking', ok: true, caseId, bookingId: added.value.bookingId } : outcome('booking', added, { caseId });
}

function snapshot(desk: HostedDesk, withViews: boolean): DeskSnapshot {
  const db = desk.backend.db;
  const outbox = db
    .prepare(
      `SELECT command_id AS commandId, state, status, json_extract(body, '$.bookingId') AS bookingId, json_extract(answer, '$.code') AS code
       FROM outbox WHERE name = 'add-booking' ORDER BY sequence`,
    )
    .all() as OutboxBooking[];
  const bookings = db
    .prepare(
      `SELECT id, case_id AS caseId, json_extract(doc, '$.coveredAmount') AS coveredAmount, json_extract(doc, '$.shortfallAmount') AS shortfallAmount,
            json_extract(doc, '$.status') AS status FROM server_bookings`,
    )
    .all() as DeskSnapshot['bookings'][number][];
  const holds = db
    .prepare(
      "SELECT case_id AS caseId, json_extract(doc, '$.amount') AS amount, json_extract(doc, '$.consumed') AS consumed, json_extract(doc, '$.status') AS status FROM server_holds",
    )
    .all() as DeskSnapshot['holds'][number][];
  const families = db
    .prepare("SELECT id, json_extract(doc, '$.cover') AS cover, json_extract(doc, '$.committed') AS committed FROM server_families")
    .all() as DeskSnapshot['families'][number][];
  const status = desk.backend.engine.current();
  let views: DeskSnapshot['views'] = [];
  if (withViews) {
    const ids = db.prepare("SELECT id FROM server_bookings UNION SELECT id FROM pending_rows WHERE kind = 'bookings'").all() as { id: string }[];
    views = ids.flatMap(({ id }) => {
      const view = desk.backend.reads.booking(id);
      return view ? [{ bookingId: id, status: view.status }] : [];
    });
  }
  return {
    deskKey: desk.setup.deskKey,
    pendingMutations: status.pendingMutations,
    syncState: status.state,
    lastError: status.lastError ? `${status.lastError.code}: ${status.lastError.message}` : null,
    outboxBookings: outbox,
    bookings,
    holds,
    families,
    views,
  };
}

async function closeAll(): Promise<null> {
  for (const desk of desks.values()) await desk.backend.stop();
  desks.clear();
  return null;
}

async function dispatch(request: HostRequest): Promise<HostCalls[HostCall]['result']> {
  switch (request.call) {
    case 'open':
      return open(request.args as HostCalls['open']['args']);
    case 'act':
      return act(hosted((request.args as HostCalls['act']['args']).deskKey));
    case 'snapshot': {
      const args = request.args as HostCalls['snapshot']['args'];
      return snapshot(hosted(args.deskKey), args.withViews);
    }
    case 'close':
      return closeAll();
  }
}

function reply(message: HostReply, then?: () => void): void {
  if (!process.send) return;
  process.send(message, undefined, {}, () => then?.());
}

process.on('message', (message: HostRequest) => {
  // After a clean close, leave once the answer has been handed to the IPC channel.
  const after = message.call === 'close' ? () => process.exit(0) : undefined;
  dispatch(message).then(
    (value) => reply({ requestId: message.requestId, ok: true, value }, after),
    (error: unknown) =>
      reply({ requestId: message.requestId, ok: false, error: error instanceof Error ? `${error.message}\n${error.stack ?? ''}` : String(error) }, after),
  );
});
// The harness went away (or the host was closed): do not linger as an orphan.
process.on('disconnect', () => process.exit(0));
process.send?.({ requestId: 0, ok: true, value: 'ready' } satisfies HostReply);
