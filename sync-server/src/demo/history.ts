/**
 * A year (or any number of months) of realistic scheme history, made by the real commands (issue 15,
 * "Data and speed"): hospitals, desk operators and families are registered the way the demo seed
 * registers its own (plain inserts, no command exists for a registry load), and then every case is
 * admitted, pre-authorized, queried, enhanced, booked, discharged, claimed, adjudicated, paid and
 * settled with the patient through `runCommand`, the runner the HTTP routes call, so every hold,
 * ledger entry, accumulator and audit entry is written by the code that writes them in production.
 *
 * Time. The commands run now, but the history happened over the past months. Each command is given
 * its simulated time as the server clock (`services.now`: admission and receipt times, payment
 * references, the policy year's roll-over), and the commands run in waves, one wave per simulated
 * instant on a grid (`gridMinutes`). The database's own `now()` stamps (decisions, discharges,
 * audit entries) fall in the wave's real interval; once every wave has run, one transaction maps
 * each real interval onto its simulated instant (order kept, squeezed into the instant's first
 * minute) in every timestamp column, before the audit chain is linked, so the chain hashes the
 * simulated times and `npm run audit:verify` holds. Nothing else is rewritten: amounts, statuses
 * and ids are exactly what the commands wrote. The mapping needs the table owner (a superuser or
 * the migration role); no server may link the audit chain on the database while it fills.
 *
 * Determinism: every choice is drawn from a generator seeded by (seed, case), ids are derived from
 * the seed, commands of one family run in a fixed order inside a wave, and a hospital's receipts too,
 * so the same seed writes the same history (row ids of serial columns and the audit chain's order
 * aside).
 */
import { createHash } from 'node:crypto';
import type { CommandBody, CommandName } from '@contract/commands';
import type { ReasonCode } from '@domain/adjudication';
import type { HospitalId, OperatorId } from '@domain/ids';
import type { Principal } from '../auth/tokens';
import type { ServerKeys } from '../auth/keyring';
import { linkPending } from '../audit/chain';
import { handlers } from '../commands';
import { runCommand, type CommandOutcome, type RunnerDependencies } from '../commands/runner';
import { currentScheme } from '../commands/context';
import type { Database } from '../db/database';
import { DevelopmentSmsSink } from '../identity/sms';
import { defaultOtpPolicy } from '../identity/otp';
import { hashPassword } from '../auth/passwords';
import { demoCatalogue, unspecifiedPackages } from './catalogue';
import { demoIds, demoPassword, demoPlans, nationalIdHashFor, seedDemo } from './seed';

const minuteMs = 60_000;
const hourMs = 60 * minuteMs;
const dayMs = 24 * hourMs;

export interface HistoryOptions {
  /** How many months of history, ending at `end`. */
  readonly months: number;
  /** Days instead of months (a test's week). */
  readonly days?: number;
  /** Hospitals in all: the demo's A and B, then generated ones (the first seed: 50). */
  readonly hospitals: number;
  /** New admissions per month (the first seed: 10,000). */
  readonly patientsPerMonth: number;
  readonly seed: number;
  /** The history's last instant (default: now). Admissions stop `quietDays` before it. */
  readonly end?: Date;
  /** Days before `end` with no new admission, so that most cases have ended (default 0). */
  readonly quietDays?: number;
  /** The simulated clock's step: every event falls on this grid (default 10 minutes). */
  readonly gridMinutes?: number;
  /** Commands run at once (different families); PGlite has one connection (default 8, PGlite 1). */
  readonly concurrency?: number;
  readonly keys: ServerKeys;
  readonly onProgress?: (progress: HistoryProgress) => void;
}

export interface HistoryProgress {
  readonly phase: 'registry' | 'cases' | 'clock' | 'audit' | 'done';
  readonly simulatedAt: string;
  readonly casesAdmitted: number;
  readonly casesPlanned: number;
  readonly commands: number;
  readonly elapsedMs: number;
  readonly message?: string;
}

export interface HistorySummary {
  readonly from: string;
  readonly to: string;
  readonly hospitals: number;
  readonly families: number;
  readonly cases: number;
  readonly commands: number;
  /** Answers by command and status, e.g. `decide-preauth 200`. */
  readonly answers: Readonly<Record<string, number>>;
  /** Answers the generator did not expect (anything but 200, and the 409s it plans for): each one is a finding. */
  readonly unexpected: readonly string[];
  readonly auditEntriesLinked: number;
  readonly elapsedMs: number;
}

/** Refusals of the generator itself: a sentence for the person who ran it, nothing written. */
export class HistoryRefusal extends Error {
  constructor(
    readonly code: 'database-not-empty' | 'invalid-options' | 'scheme-year-ahead',
    message: string,
  ) {
    super(message);
  }
}

// ---------------------------------------------------------------------------------------------
// Deterministic randomness and ids

function digest(...parts: readonly (string | number)[]): Buffer {
  return createHash('sha256').update(parts.join(':')).digest();
}

/** A UUID (version 4 layout) derived from the seed and a name: the same history has the same ids. */
export function historyUuid(seed: number, ...parts: readonly (string | number)[]): string {
  const hex = digest('coverdesk-history', seed, ...parts).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-8${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/** mulberry32: small, fast, good enough for choosing demo events. */
function generator(seed: number, ...parts: readonly (string | number)[]): () => number {
  let state = digest('coverdesk-history-rng', seed, ...parts).readUInt32LE(0);
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

function pick<T>(random: () => number, items: readonly T[]): T {
  return items[Math.floor(random() * items.length)]!;
}

/** A positive duration with a long right tail (turnaround times): median `medianMs`. */
function logNormal(random: () => number, medianMs: number, spread = 0.8): number {
  const u = Math.max(random(), 1e-9);
  const v = random();
  const normal = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  return medianMs * Math.exp(spread * normal);
}

// ---------------------------------------------------------------------------------------------
// The registry: hospitals, desk operators, families

const districts = ['Pune', 'Satara', 'Sangli', 'Kolhapur', 'Solapur', 'Nashik', 'Ahmednagar', 'Aurangabad', 'Nagpur', 'Thane', 'Raigad', 'Ratnagiri'];
const hospitalKinds = ['District Hospital', 'Civil Hospital', 'Medical College Hospital', 'Multispeciality Hospital', 'Charitable Hospital', 'Nursing Home'];
const givenNames = ['Ramesh', 'Sunita', 'Arjun', 'Priya', 'Mahesh', 'Lakshmi', 'Vikram', 'Anita', 'Suresh', 'Kavita', 'Rahul', 'Pooja', 'Ganesh', 'Meena'];
const familyNames = ['Patil', 'Jadhav', 'Shinde', 'Pawar', 'Kulkarni', 'Deshmukh', 'More', 'Gaikwad', 'Kale', 'Salunkhe', 'Chavan', 'Bhosale'];

interface HospitalRef {
  readonly id: string;
  readonly medco: Principal;
  /** Share of the scheme's admissions (bigger hospitals admit more). */
  readonly weight: number;
}

interface MemberRef {
  readonly id: string;
  readonly familyId: string;
}

async function registerHospitals(db: Database, options: HistoryOptions, registeredAt: Date): Promise<HospitalRef[]> {
  const random = generator(options.seed, 'hospitals');
  const passwordHash = await hashPassword(demoPassword);
  const rows = await db.query<{ id: string; username: string; hospital_id: string }>(
    "SELECT id, username, hospital_id FROM operators WHERE username IN ('medco.a', 'medco.b') ORDER BY username",
  );
  const hospitals: HospitalRef[] = rows.map((row) => ({
    id: row.hospital_id,
    medco: { operatorId: row.id as OperatorId, roles: ['MEDCO'], hospitalId: row.hospital_id as HospitalId },
    weight: 1.5,
  }));
  for (let index = hospitals.length + 1; index <= options.hospitals; index += 1) {
    const id = historyUuid(options.seed, 'hospital', index);
    const operatorId = historyUuid(options.seed, 'medco', index);
    const code = `HSP-${String(index).padStart(3, '0')}`;
    const district = pick(random, districts);
    await db.transaction(async (sql) => {
      await sql.query('INSERT INTO hospitals (id, code, name, district, created_at) VALUES ($1, $2, $3, $4, $5)', [
        id,
        code,
        `${pick(random, hospitalKinds)} ${district} ${index}`,
        district,
        registeredAt,
      ]);
      await sql.query("INSERT INTO desks (id, hospital_id, name, created_at) VALUES ($1, $2, 'Admission desk', $3)", [
        historyUuid(options.seed, 'desk', index),
        id,
        registeredAt,
      ]);
      await sql.query('INSERT INTO operators (id, username, display_name, password_hash, roles, hospital_id, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)', [
        operatorId,
        `medco.${code.toLowerCase()}`,
        `Desk operator ${code}`,
        passwordHash,
        ['MEDCO'],
        id,
        registeredAt,
      ]);
    });
    hospitals.push({ id, medco: { operatorId: operatorId as OperatorId, roles: ['MEDCO'], hospitalId: id as HospitalId }, weight: 0.4 + random() * 1.6 });
  }
  return hospitals.slice(0, options.hospitals);
}

/**
 * Enough families that no member is admitted twice (each case takes the next member of a fixed
 * permutation): a tenth of the families have a small cover (₹30,000) so that holds meet the cover
 * and shortfalls appear; a tenth are on S5's State top-up plan (deductible, co-insurance).
 */
async function registerFamilies(db: Database, options: HistoryOptions, cases: number, registeredAt: Date, policyYear: number): Promise<MemberRef[]> {
  const random = generator(options.seed, 'families');
  const members: MemberRef[] = [];
  const nationalIdKey = options.keys.nationalId.current.key;
  let familyIndex = 0;
  const wanted = Math.ceil(cases * 1.1) + 8;
  while (members.length < wanted) {
    const batch = { families: [] as unknown[][], members: [] as unknown[][] };
    for (let n = 0; n < 2_000 && members.length < wanted; n += 1) {
      familyIndex += 1;
      const familyId = historyUuid(options.seed, 'family', familyIndex);
      const roll = random();
      const planId = roll < 0.1 ? demoPlans.stateTopUp.id : demoPlans.cashless.id;
      const cover = roll < 0.1 ? 200_000_00 : roll < 0.2 ? 30_000_00 : 500_000_00;
      const surname = pick(random, familyNames);
      batch.families.push([
        familyId,
        `FAM-H${String(familyIndex).padStart(7, '0')}`,
        cover,
        `+9197${String(10_000_000 + familyIndex).slice(-8)}`,
        pick(random, districts),
        planId,
      ]);
      const size = 2 + Math.floor(random() * 4);
      for (let m = 0; m < size; m += 1) {
        const memberIndex = familyIndex * 8 + m;
        const memberId = historyUuid(options.seed, 'member', familyIndex, m);
        batch.members.push([
          memberId,
          familyId,
          `PMJ-H${memberIndex.toString(36).toUpperCase().padStart(8, '0')}`,
          `${pick(random, givenNames)} ${surname}`,
          1945 + Math.floor(random() * 78),
          random() < 0.5 ? 'F' : 'M',
          m === 0 ? 'head' : m === 1 ? 'spouse' : 'other',
          nationalIdHashFor(nationalIdKey, `H${options.seed}-${memberIndex}`),
          `HC-H${String(memberIndex).padStart(9, '0')}`,
        ]);
        members.push({ id: memberId, familyId });
      }
    }
    const column = (rows: unknown[][], index: number) => rows.map((row) => row[index]) as string[];
    await db.transaction(async (sql) => {
      await sql.query(
        `INSERT INTO families (id, scheme_id, family_number, cover, registered_phone, district, plan_id, created_at, updated_at)
         SELECT id, $1, number, cover, phone, district, plan, $8, $8
           FROM unnest($2::uuid[], $3::text[], $4::bigint[], $5::text[], $6::text[], $7::text[]) AS f(id, number, cover, phone, district, plan)`,
        [
          demoIds.schemeId,
          column(batch.families, 0),
          column(batch.families, 1),
          column(batch.families, 2),
          column(batch.families, 3),
          column(batch.families, 4),
          column(batch.families, 5),
          registeredAt,
        ],
      );
      await sql.query(
        `INSERT INTO members (id, family_id, scheme_member_id, full_name, birth_year, gender, relation, national_id_hash, health_card_number, created_at)
         SELECT *, $10::timestamptz FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[], $5::int[], $6::text[], $7::text[], $8::text[], $9::text[])`,
        [...Array.from({ length: 9 }, (_, index) => column(batch.members, index)), registeredAt],
      );
      // The open year's account of each family, as the demo seed opens its own (migration 023).
      await sql.query(
        'INSERT INTO family_years (family_id, policy_year, cover) SELECT id, $2, cover FROM families WHERE id = ANY($1::uuid[]) ON CONFLICT DO NOTHING',
        [column(batch.families, 0), policyYear],
      );
    });
  }
  return members;
}

// ---------------------------------------------------------------------------------------------
// One case's story, chosen up front from its own generator

const catalogue = demoCatalogue.map((item) => ({ code: item.code, price: item.rupees * 100 }));
const unspecified = unspecifiedPackages.map((item) => item.code);
const denialReasons: readonly ReasonCode[] = ['not-medically-necessary', 'not-covered', 'insufficient-documents', 'duplicate-billing', 'length-of-stay-excess'];

interface CasePlan {
  readonly index: number;
  readonly caseId: string;
  readonly member: MemberRef;
  readonly hospital: HospitalRef;
  readonly random: () => number;
  readonly packageCode: string;
  /** Catalogue price, or the estimate of an unspecified package. */
  readonly amount: number;
  readonly isUnspecified: boolean;
  readonly preauth: 'approve' | 'approve-lower' | 'reject' | 'query';
  readonly enhancement: 'none' | 'approve' | 'approve-lower' | 'reject';
  readonly extras: number;
  readonly stayDays: number;
  readonly adjudication: 'full' | 'partial-line' | 'deny-line' | 'deny-all';
  readonly patientPays: 'all' | 'part' | 'none';
  readonly method: 'cash' | 'upi' | 'card';
}

function planCase(seed: number, index: number, member: MemberRef, hospitals: readonly HospitalRef[], totalWeight: number): CasePlan {
  const random = generator(seed, 'case', index);
  let roll = random() * totalWeight;
  let hospital = hospitals[hospitals.length - 1]!;
  for (const candidate of hospitals) {
    roll -= candidate.weight;
    if (roll <= 0) {
      hospital = candidate;
      break;
    }
  }
  const isUnspecified = random() < 0.04;
  const item = pick(random, catalogue);
  const packageCode = isUnspecified ? pick(random, unspecified) : item.code;
  const amount = isUnspecified ? (30_000 + Math.floor(random() * 120_000)) * 100 : item.price;
  const p = random();
  const preauth = p < 0.84 ? 'approve' : p < 0.9 ? 'approve-lower' : p < 0.94 ? 'reject' : 'query';
  const e = random();
  const enhancement = e < 0.06 ? 'approve' : e < 0.08 ? 'approve-lower' : e < 0.1 ? 'reject' : 'none';
  const x = random();
  const extras = x < 0.65 ? 0 : x < 0.9 ? 1 : 2;
  const stayDays = 1 + Math.floor(random() * random() * 9);
  const a = random();
  const adjudication = a < 0.86 ? 'full' : a < 0.92 ? 'partial-line' : a < 0.96 ? 'deny-line' : 'deny-all';
  const q = random();
  const patientPays = q < 0.82 ? 'all' : q < 0.93 ? 'part' : 'none';
  const method = pick(random, ['cash', 'upi', 'upi', 'card'] as const);
  return {
    index,
    caseId: historyUuid(seed, 'case', index),
    member,
    hospital,
    random,
    packageCode,
    amount,
    isUnspecified,
    preauth,
    enhancement,
    extras,
    stayDays,
    adjudication,
    patientPays,
    method,
  };
}

// ---------------------------------------------------------------------------------------------
// The simulation: events on a grid, run in waves

interface PendingEvent {
  readonly at: number;
  /** Commands with the same key run one after another inside a wave, in `order`. */
  readonly key: string;
  readonly order: number;
  readonly run: () => Promise<void>;
}

/** A binary heap of events by time. */
class EventQueue {
  private readonly items: PendingEvent[] = [];
  get size(): number {
    return this.items.length;
  }
  peek(): PendingEvent | undefined {
    return this.items[0];
  }
  push(event: PendingEvent): void {
    const items = this.items;
    items.push(event);
    let i = items.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (items[parent]!.at <= items[i]!.at) break;
      [items[parent], items[i]] = [items[i]!, items[parent]!];
      i = parent;
    }
  }
  pop(): PendingEvent | undefined {
    const items = this.items;
    const top = items[0];
    const last = items.pop();
    if (items.length > 0 && last) {
      items[0] = last;
      let i = 0;
      for (;;) {
        const left = 2 * i + 1;
        const right = left + 1;
        let smallest = i;
        if (left < items.length && items[left]!.at < items[smallest]!.at) smallest = left;
        if (right < items.length && items[right]!.at < items[smallest]!.at) smallest = right;
        if (smallest === i) break;
        [items[smallest], items[i]] = [items[i]!, items[smallest]!];
        i = smallest;
      }
    }
    return top;
  }
}

interface PayerPrincipals {
  readonly ppd: Principal;
  readonly mc: Principal;
  readonly admin: Principal;
  readonly cex: Principal;
  readonly cpd: Principal;
  readonly aco: Principal;
  readonly ha: Principal;
}

async function payerPrincipals(db: Database): Promise<PayerPrincipals> {
  const rows = await db.query<{ id: string; username: string; roles: string[] }>(
    "SELECT id, username, roles FROM operators WHERE username IN ('ppd', 'mc', 'admin', 'cex', 'cpd', 'aco', 'ha')",
  );
  const of = (username: string): Principal => {
    const row = rows.find((r) => r.username === username);
    if (!row) throw new Error(`The demo operator ${username} is missing: history needs the demo scheme's payer operators.`);
    return { operatorId: row.id as OperatorId, roles: row.roles as Principal['roles'], hospitalId: null };
  };
  return { ppd: of('ppd'), mc: of('mc'), admin: of('admin'), cex: of('cex'), cpd: of('cpd'), aco: of('aco'), ha: of('ha') };
}

/** Run `tasks` with at most `limit` at once. */
async function runLimited(tasks: readonly (() => Promise<void>)[], limit: number): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < tasks.length) {
      const task = tasks[next]!;
      next += 1;
      await task();
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, tasks.length) }, worker));
}

/**
 * Fill the database with `months` of history. The demo scheme is seeded first when the database
 * has none (its policy year that of the history's first day). Refuses a database that already
 * holds cases: run it on a fresh database (or drop the embedded one's folder).
 */
export async function generateHistory(db: Database, options: HistoryOptions): Promise<HistorySummary> {
  const started = Date.now();
  if (!(Number.isInteger(options.months) && options.months >= 0 && options.months <= 60))
    throw new HistoryRefusal('invalid-options', `--months must be a whole number from 0 to 60, not ${options.months}.`);
  if (!(Number.isInteger(options.hospitals) && options.hospitals >= 1 && options.hospitals <= 1000))
    throw new HistoryRefusal('invalid-options', `--hospitals must be a whole number from 1 to 1000, not ${options.hospitals}.`);
  if (!(Number.isInteger(options.patientsPerMonth) && options.patientsPerMonth >= 0 && options.patientsPerMonth <= 1_000_000))
    throw new HistoryRefusal('invalid-options', `--patients must be a whole number from 0 to 1,000,000 a month, not ${options.patientsPerMonth}.`);
  const gridMinutes = options.gridMinutes ?? 10;
  if (!(Number.isInteger(gridMinutes) && gridMinutes >= 1 && gridMinutes <= 60))
    throw new HistoryRefusal('invalid-options', `--grid-minutes must be a whole number from 1 to 60, not ${gridMinutes}.`);
  if (options.concurrency !== undefined && !(Number.isInteger(options.concurrency) && options.concurrency >= 1 && options.concurrency <= 64))
    throw new HistoryRefusal('invalid-options', `--concurrency must be a whole number from 1 to 64, not ${options.concurrency}.`);
  if (options.quietDays !== undefined && !(Number.isInteger(options.quietDays) && options.quietDays >= 0))
    throw new HistoryRefusal('invalid-options', `--quiet-days must be a whole number of days, 0 or more, not ${options.quietDays}.`);
  const gridMs = gridMinutes * minuteMs;
  const end = options.end ?? new Date();
  const endMs = Math.floor(end.getTime() / gridMs) * gridMs;
  const startDate = new Date(end);
  if (options.days !== undefined) {
    if (!(Number.isInteger(options.days) && options.days >= 1 && options.days <= 1_900))
      throw new HistoryRefusal('invalid-options', `days must be a whole number from 1 to 1,900, not ${options.days}.`);
    startDate.setTime(end.getTime() - options.days * dayMs);
  } else startDate.setUTCMonth(startDate.getUTCMonth() - options.months);
  let startMs = Math.ceil(startDate.getTime() / gridMs) * gridMs;

  const [anyCase] = await db.query('SELECT 1 FROM cases LIMIT 1');
  if (anyCase)
    throw new HistoryRefusal(
      'database-not-empty',
      'This database already holds cases: history is generated only into a database without any (create a fresh database, or remove the embedded one in .data/server), so that nothing of it mixes with real or earlier demo work.',
    );
  const [scheme] = await db.query('SELECT 1 FROM schemes WHERE id = $1', [demoIds.schemeId]);
  if (!scheme) await seedDemo(db, { nationalIdKey: options.keys.nationalId.current.key, now: () => new Date(startMs) });
  const schemeRow = await currentScheme(db);
  // The scheme keeps accounts from its open year on: history cannot start in a year before it.
  const yearStart = Date.parse(`${schemeRow.policy_year}-${String(schemeRow.year_start_month).padStart(2, '0')}-01T00:00:00+05:30`);
  if (startMs < yearStart) startMs = Math.ceil(yearStart / gridMs) * gridMs;
  if (startMs >= endMs)
    throw new HistoryRefusal(
      'scheme-year-ahead',
      `The scheme's open policy year (${schemeRow.policy_year}) starts after the history would end: nothing to generate.`,
    );
  const admitUntil = endMs - (options.quietDays ?? 0) * dayMs;
  const casesPlanned = Math.max(0, Math.round((options.patientsPerMonth * Math.max(0, admitUntil - startMs)) / (30.44 * dayMs)));
  const registeredAt = new Date(startMs - 400 * dayMs);

  const report = (phase: HistoryProgress['phase'], extra: Partial<HistoryProgress> = {}) =>
    options.onProgress?.({
      phase,
      simulatedAt: new Date(simNow).toISOString(),
      casesAdmitted,
      casesPlanned,
      commands,
      elapsedMs: Date.now() - started,
      ...extra,
    });
  let simNow = startMs;
  let casesAdmitted = 0;
  let commands = 0;
  report('registry', { message: `registering ${options.hospitals} hospitals and families for ${casesPlanned} cases` });
  const hospitals = await registerHospitals(db, options, registeredAt);
  const members = await registerFamilies(db, options, casesPlanned, registeredAt, schemeRow.policy_year);
  const payers = await payerPrincipals(db);
  const totalWeight = hospitals.reduce((sum, h) => sum + h.weight, 0);

  const runner: RunnerDependencies = {
    db,
    handlers,
    scheme: () => schemeRow,
    nationalIdKey: options.keys.nationalId.current.key,
    nationalIdLegacy: options.keys.nationalIdLegacy,
    biometricKeys: options.keys.biometric,
    services: { now: () => new Date(simNow), sms: new DevelopmentSmsSink(), otp: defaultOtpPolicy },
  };
  const answers: Record<string, number> = {};
  const unexpected: string[] = [];
  const send = async <N extends CommandName>(principal: Principal, name: N, body: Omit<CommandBody<N>, 'commandId'>, tag: string): Promise<CommandOutcome> => {
    const commandId = historyUuid(options.seed, 'command', name, tag);
    const outcome = await runCommand(runner, name, { commandId, ...body } as CommandBody<N>, principal);
    commands += 1;
    const key = `${name} ${outcome.status}`;
    answers[key] = (answers[key] ?? 0) + 1;
    return outcome;
  };
  const expectOk = (outcome: CommandOutcome, what: string): Record<string, unknown> | null => {
    if (outcome.status === 200) return (outcome.answer.result ?? {}) as Record<string, unknown>;
    if (unexpected.length < 50) unexpected.push(`${what}: ${outcome.status} ${JSON.stringify(outcome.answer).slice(0, 300)}`);
    else unexpected.push('…');
    return null;
  };

  const queue = new EventQueue();
  const at = (ms: number) => Math.max(simNow + gridMs, Math.ceil(ms / gridMs) * gridMs);
  /** Approved claims waiting for the hospital's weekly payment run. */
  const payable = new Map<string, Map<string, number>>();

  // Each case is a chain of events; every step schedules the next at a later grid instant.
  // Events of one case keep the order they were scheduled in (the case's own generator is drawn
  // in that order), whatever order concurrent families finished in.
  const scheduled = new Map<number, number>();
  const caseEvent = (plan: CasePlan, when: number, run: () => Promise<void>, key = `family:${plan.member.familyId}`) => {
    if (when > endMs) return;
    const sequence = (scheduled.get(plan.index) ?? 0) + 1;
    scheduled.set(plan.index, sequence);
    queue.push({ at: when, key, order: plan.index * 1_000 + sequence, run });
  };

  const startCase = (plan: CasePlan) => async () => {
    const admitted = expectOk(
      await send(plan.hospital.medco, 'admit', { caseId: plan.caseId, memberId: plan.member.id, identityMethod: 'fingerprint' }, plan.caseId),
      `admit case ${plan.index}`,
    );
    casesAdmitted += 1;
    if (!admitted) return;
    // No signed match evidence (it needs a desk's operator key): the case goes to identity review,
    // which the health authority clears the next working day.
    if (admitted.flaggedForReview === true)
      caseEvent(plan, at(simNow + dayMs + plan.random() * 6 * hourMs), async () => {
        expectOk(
          await send(payers.ha, 'review-override', { caseId: plan.caseId, note: 'Identity checked against the health card on file.' }, plan.caseId),
          'review-override',
        );
      });
    caseEvent(plan, at(simNow + 10 * minuteMs + plan.random() * hourMs), requestPreauth(plan));
  };

  const requestPreauth = (plan: CasePlan) => async () => {
    const body = plan.isUnspecified
      ? {
          caseId: plan.caseId,
          packageCode: plan.packageCode,
          estimatedAmount: plan.amount,
          clinicalNote: 'Procedure outside the catalogue; estimate attached.',
        }
      : { caseId: plan.caseId, packageCode: plan.packageCode };
    if (!expectOk(await send(plan.hospital.medco, 'request-preauth', body, plan.caseId), 'request-preauth')) return;
    if (plan.isUnspecified) {
      caseEvent(plan, at(simNow + logNormal(plan.random, 20 * hourMs)), async () => {
        const recommended = Math.round((plan.amount * (80 + Math.floor(plan.random() * 21))) / 100);
        if (
          !expectOk(
            await send(
              payers.mc,
              'recommend-preauth',
              { caseId: plan.caseId, recommendedAmount: recommended, reason: 'Committee reviewed the estimate.' },
              plan.caseId,
            ),
            'recommend-preauth',
          )
        )
          return;
        caseEvent(plan, at(simNow + logNormal(plan.random, 5 * hourMs)), async () => {
          if (!expectOk(await send(payers.admin, 'approve-unspecified', { caseId: plan.caseId, decision: 'approve' }, plan.caseId), 'approve-unspecified'))
            return;
          caseEvent(plan, at(simNow + hourMs), treat(plan));
        });
      });
    } else caseEvent(plan, at(simNow + logNormal(plan.random, 2 * hourMs)), decidePreauth(plan, false));
  };

  const decidePreauth = (plan: CasePlan, wasQueried: boolean) => async () => {
    const decision = wasQueried ? 'approve' : plan.preauth;
    const body =
      decision === 'approve-lower'
        ? { caseId: plan.caseId, decision, amount: Math.round((plan.amount * 85) / 100), reason: 'Approved at the lower rate for this stay.' }
        : decision === 'reject'
          ? { caseId: plan.caseId, decision, reason: 'Not covered under the package conditions.' }
          : decision === 'query'
            ? { caseId: plan.caseId, decision, reason: 'Please attach the investigation reports.' }
            : { caseId: plan.caseId, decision };
    if (!expectOk(await send(payers.ppd, 'decide-preauth', body, `${plan.caseId}:${wasQueried ? 2 : 1}`), 'decide-preauth')) return;
    if (decision === 'query') {
      caseEvent(plan, at(simNow + logNormal(plan.random, 4 * hourMs)), async () => {
        if (!expectOk(await send(plan.hospital.medco, 'respond-query', { caseId: plan.caseId, response: 'Reports attached.' }, plan.caseId), 'respond-query'))
          return;
        caseEvent(plan, at(simNow + logNormal(plan.random, 2 * hourMs)), decidePreauth(plan, true));
      });
    } else if (decision === 'reject') {
      caseEvent(plan, at(simNow + logNormal(plan.random, 3 * hourMs)), async () => {
        expectOk(
          await send(
            plan.hospital.medco,
            'cancel-case',
            { caseId: plan.caseId, reason: 'Pre-authorization rejected; patient moved to general ward.' },
            plan.caseId,
          ),
          'cancel-case',
        );
      });
    } else caseEvent(plan, at(simNow + 30 * minuteMs), treat(plan));
  };

  /** The stay: the package booked, extras, an enhancement perhaps, then discharge. */
  const treat = (plan: CasePlan) => async () => {
    const [hold] = await db.query<{ authorized: number }>('SELECT authorized FROM holds WHERE case_id = $1', [plan.caseId]);
    const packageAmount = Math.max(100, Number(hold?.authorized ?? plan.amount));
    const bookings: { id: string; amount: number }[] = [];
    const book = async (n: number, itemCode: string, description: string, unitPrice: number, quantity = 1) => {
      const bookingId = historyUuid(options.seed, 'booking', plan.index, n);
      if (
        expectOk(
          await send(plan.hospital.medco, 'add-booking', { bookingId, caseId: plan.caseId, itemCode, description, quantity, unitPrice }, bookingId),
          'add-booking',
        )
      )
        bookings.push({ id: bookingId, amount: unitPrice * quantity });
    };
    await book(1, plan.packageCode, 'Package as pre-authorized', packageAmount);
    const stayMs = plan.stayDays * dayMs + plan.random() * 8 * hourMs;
    const admittedAt = simNow;
    let isDischarged = false;
    let step = 2;
    const extra = () => async () => {
      const price = (200 + Math.floor(plan.random() * 4_800)) * 100;
      await book(step, pick(plan.random, ['PH-CONS', 'LAB-ADD', 'IMPLANT', 'ICU-DAY']), 'Consumables and services beyond the package', price);
      step += 1;
    };
    for (let n = 0; n < plan.extras; n += 1) caseEvent(plan, at(admittedAt + ((n + 1) * stayMs) / (plan.extras + 2)), extra());
    if (plan.enhancement !== 'none') {
      const enhancementId = historyUuid(options.seed, 'enhancement', plan.index);
      const requested = (5_000 + Math.floor(plan.random() * 25_000)) * 100;
      caseEvent(plan, at(admittedAt + stayMs / 4), async () => {
        if (
          !expectOk(
            await send(
              plan.hospital.medco,
              'request-enhancement',
              { enhancementId, caseId: plan.caseId, amount: requested, reason: 'Complication needing a longer stay.' },
              enhancementId,
            ),
            'request-enhancement',
          )
        )
          return;
        // Decided before the discharge (a discharge cancels a pending enhancement).
        caseEvent(plan, at(simNow + Math.min(logNormal(plan.random, 3 * hourMs), stayMs / 4)), async () => {
          const decision = plan.enhancement;
          const body =
            decision === 'approve-lower'
              ? { enhancementId, decision, amount: Math.round(requested / 2), reason: 'Half of the request is justified.' }
              : decision === 'reject'
                ? { enhancementId, decision, reason: 'Not justified by the notes.' }
                : { enhancementId, decision: 'approve' as const };
          if (!expectOk(await send(payers.ppd, 'decide-enhancement', body, enhancementId), 'decide-enhancement')) return;
          if (decision === 'reject') return;
          caseEvent(plan, at(simNow + Math.min(hourMs, stayMs / 8)), async () => {
            if (isDischarged) return;
            await book(9, 'ENH-STAY', 'Extended stay after enhancement', decision === 'approve-lower' ? Math.round(requested / 2) : requested);
          });
        });
      });
    }
    caseEvent(
      plan,
      at(admittedAt + stayMs + 2 * hourMs),
      discharge(plan, bookings, () => {
        isDischarged = true;
      }),
    );
  };

  const discharge = (plan: CasePlan, bookings: { id: string; amount: number }[], onDischarged: () => void) => async () => {
    onDischarged();
    const discharged = expectOk(await send(plan.hospital.medco, 'discharge', { caseId: plan.caseId }, plan.caseId), 'discharge');
    if (!discharged) return;
    caseEvent(plan, at(simNow + 30 * minuteMs), settlePatient(plan), `receipts:${plan.hospital.id}`);
    // A family whose cover was used up got a hold of 0: the patient pays the whole bill, no claim.
    if (discharged.nextStep !== 'submit-claim') return;
    caseEvent(plan, at(simNow + logNormal(plan.random, 20 * hourMs, 1)), async () => {
      const claimId = historyUuid(options.seed, 'claim', plan.index);
      const amount = bookings.reduce((sum, b) => sum + b.amount, 0);
      if (!expectOk(await send(plan.hospital.medco, 'submit-claim', { claimId, caseId: plan.caseId, amount }, claimId), 'submit-claim')) return;
      caseEvent(plan, at(simNow + logNormal(plan.random, 2 * dayMs, 0.7)), adjudicate(plan, claimId, 'process-claim'));
    });
  };

  const settlePatient = (plan: CasePlan) => async () => {
    const [account] = await db.query<{ due: number }>(
      'SELECT (charged - (paid - refunded) - secondary)::bigint AS due FROM patient_accounts WHERE case_id = $1',
      [plan.caseId],
    );
    const due = Number(account?.due ?? 0);
    if (due <= 0 || plan.patientPays === 'none') return;
    const amount = plan.patientPays === 'all' ? due : Math.max(1, Math.floor(due / 2));
    const paymentId = historyUuid(options.seed, 'patient-payment', plan.index);
    const reference = plan.method === 'card' ? `AP${paymentId.slice(0, 6).toUpperCase()}` : plan.method === 'upi' ? `UPI${paymentId.slice(0, 10)}` : undefined;
    expectOk(
      await send(
        plan.hospital.medco,
        'take-payment',
        { paymentId, caseId: plan.caseId, amount, method: plan.method, ...(reference ? { reference } : {}) },
        paymentId,
      ),
      'take-payment',
    );
  };

  const adjudicate = (plan: CasePlan, claimId: string, name: 'process-claim' | 'verify-claim') => async () => {
    const lines = await db.query<{ booking_id: string; payer_amount: number }>(
      'SELECT booking_id, payer_amount FROM claim_lines WHERE claim_id = $1 ORDER BY booking_id',
      [claimId],
    );
    const reason = denialReasons[plan.index % denialReasons.length]!;
    const decisions = lines.map((line, n) => {
      const payer = Number(line.payer_amount);
      if (plan.adjudication === 'deny-all') return { bookingId: line.booking_id, decision: 'deny' as const, reasonCode: reason };
      if (plan.adjudication === 'deny-line' && n === lines.length - 1 && lines.length > 1)
        return { bookingId: line.booking_id, decision: 'deny' as const, reasonCode: reason };
      if (plan.adjudication === 'partial-line' && n === 0 && payer > 100)
        return {
          bookingId: line.booking_id,
          decision: 'partial' as const,
          approvedAmount: Math.floor((payer * 8) / 10),
          reasonCode: 'tariff-exceeded' as const,
        };
      return { bookingId: line.booking_id, decision: 'full' as const };
    });
    const principal = name === 'process-claim' ? payers.cex : payers.cpd;
    const result = expectOk(await send(principal, name, { claimId, lines: decisions }, claimId), name);
    if (!result) return;
    if (name === 'process-claim') {
      caseEvent(plan, at(simNow + logNormal(plan.random, 1.5 * dayMs, 0.7)), adjudicate(plan, claimId, 'verify-claim'));
      return;
    }
    if (result.status === 'approved') {
      const waiting = payable.get(plan.hospital.id) ?? new Map<string, number>();
      waiting.set(claimId, plan.index);
      payable.set(plan.hospital.id, waiting);
    }
    // A denied line takes its charge off the patient's account (money/claim-adjustment.ts): what the
    // patient paid for it at discharge is now a credit, given back at the desk within hours. Without
    // this the history kept every such credit, and the patient collection rate passed 100 %.
    if (plan.adjudication === 'deny-all' || plan.adjudication === 'deny-line')
      caseEvent(plan, at(simNow + 2 * hourMs), refundCredit(plan), `receipts:${plan.hospital.id}`);
  };

  const refundCredit = (plan: CasePlan) => async () => {
    const [account] = await db.query<{ credit: number }>(
      'SELECT LEAST(paid - refunded, (paid - refunded + secondary) - charged)::bigint AS credit FROM patient_accounts WHERE case_id = $1',
      [plan.caseId],
    );
    const credit = Number(account?.credit ?? 0);
    if (credit <= 0) return;
    const refundId = historyUuid(options.seed, 'patient-refund', plan.index);
    const reference = plan.method === 'card' ? `RF${refundId.slice(0, 6).toUpperCase()}` : plan.method === 'upi' ? `UPI${refundId.slice(0, 10)}` : undefined;
    expectOk(
      await send(
        plan.hospital.medco,
        'refund-payment',
        {
          refundId,
          caseId: plan.caseId,
          amount: credit,
          method: plan.method,
          ...(reference ? { reference } : {}),
          reason: 'Claim line denied: its charge is off the bill.',
        },
        refundId,
      ),
      'refund-payment',
    );
  };

  // The accounts officer pays each hospital's approved claims every Monday and Thursday morning.
  const schedulePayments = (from: number) => {
    for (let day = Math.floor(from / dayMs) * dayMs; day <= endMs; day += dayMs) {
      const weekday = new Date(day).getUTCDay();
      if (weekday !== 1 && weekday !== 4) continue;
      const when = day + 5 * hourMs; // 10:30 in India
      if (when <= from || when > endMs) continue;
      for (const [n, hospital] of hospitals.entries()) {
        queue.push({
          at: Math.ceil((when + n * minuteMs) / gridMs) * gridMs,
          key: `payments:${hospital.id}`,
          order: n,
          run: async () => {
            const waiting = payable.get(hospital.id);
            if (!waiting || waiting.size === 0) return;
            const claimIds = [...waiting.keys()].sort().slice(0, 1000);
            for (const id of claimIds) waiting.delete(id);
            const paymentId = historyUuid(options.seed, 'payment', hospital.id, when);
            const deductions = digest(paymentId)[0]! < 26 ? 1 : 0; // about one run in ten withholds tax
            const [sum] = await db.query<{ approved: number }>(
              'SELECT COALESCE(sum(approved_amount), 0)::bigint AS approved FROM claims WHERE id = ANY($1::uuid[])',
              [claimIds],
            );
            const body = { paymentId, claimIds, ...(deductions ? { deductions: Math.floor(Number(sum?.approved ?? 0) / 50) } : {}) };
            expectOk(await send(payers.aco, 'approve-payment', body, paymentId), 'approve-payment');
          },
        });
      }
    }
  };
  schedulePayments(startMs);

  // Admissions through the day (fewer at night), spread evenly over the history's days.
  const caseTimes: number[] = [];
  const arrivals = generator(options.seed, 'arrivals');
  for (let index = 0; index < casesPlanned; index += 1) {
    const day = startMs + Math.floor(((index / casesPlanned) * (admitUntil - startMs)) / dayMs) * dayMs;
    const hour = 3 + arrivals() * 14 + (arrivals() < 0.15 ? 6 : 0); // mostly 08:30-22:30 in India
    caseTimes.push(Math.max(startMs, Math.min(admitUntil, Math.ceil((day + hour * hourMs) / gridMs) * gridMs)));
  }
  // Member i of a fixed permutation (a stride coprime with the count): nobody is admitted twice.
  const memberCount = members.length;
  let stride = Math.floor(memberCount * 0.618) | 1;
  while (gcd(stride, memberCount) !== 1) stride += 2;
  for (let index = 0; index < casesPlanned; index += 1) {
    const member = members[(index * stride) % memberCount]!;
    const plan = planCase(options.seed, index, member, hospitals, totalWeight);
    queue.push({ at: caseTimes[index]!, key: `family:${member.familyId}`, order: index * 1_000, run: startCase(plan) });
  }

  // The waves. Each records its real interval, as the database's clock reads it, for the mapping.
  const concurrency = options.concurrency ?? (db.kind === 'pglite' ? 1 : 8);
  const clockMap: { realFrom: string; simAt: number }[] = [];
  const dbClock = async () =>
    (await db.query<{ at: string }>('SELECT to_char(clock_timestamp() AT TIME ZONE \'UTC\', \'YYYY-MM-DD"T"HH24:MI:SS.US"Z"\') AS at'))[0]!.at;
  // A wave's boundary is read after its last command has committed. PGlite's clock ticks in whole
  // milliseconds: wait for it to move on, so that no stamp of a wave equals the next one's start.
  const boundary = async () => {
    const reading = await dbClock();
    if (db.kind !== 'pglite') return reading;
    for (;;) {
      await new Promise((resolve) => setTimeout(resolve, 1));
      const next = await dbClock();
      if (next > reading) return next;
    }
  };
  const runStart = await boundary();
  let lastReport = 0;
  while (queue.size > 0) {
    const first = queue.peek()!;
    if (first.at > endMs) break;
    simNow = first.at;
    const wave: PendingEvent[] = [];
    while (queue.size > 0 && queue.peek()!.at === simNow) wave.push(queue.pop()!);
    const groups = new Map<string, PendingEvent[]>();
    for (const event of wave) {
      const group = groups.get(event.key) ?? [];
      group.push(event);
      groups.set(event.key, group);
    }
    const tasks = [...groups.entries()]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([, events]) => async () => {
        for (const event of events.sort((a, b) => a.order - b.order)) await event.run();
      });
    clockMap.push({ realFrom: clockMap.length === 0 ? runStart : await boundary(), simAt: simNow });
    await runLimited(tasks, concurrency);
    if (Date.now() - lastReport > 2_000) {
      lastReport = Date.now();
      report('cases');
    }
  }
  const runEnd = await boundary();
  report('cases');

  // Map the database's stamps of each wave onto its simulated instant (see the file's comment).
  report('clock', { message: `moving ${clockMap.length} waves' timestamps onto the simulated clock` });
  await db.transaction(async (sql) => {
    // The owner's session, for this transaction only: the append-only and change-tracking
    // triggers stay out of a change that only puts the history's own stamps on its clock.
    await sql.query("SET LOCAL session_replication_role = 'replica'");
    await sql.query('SET LOCAL statement_timeout = 0');
    await sql.query(
      'CREATE TEMP TABLE history_clock (real_from timestamptz NOT NULL, real_to timestamptz NOT NULL, sim_at timestamptz NOT NULL) ON COMMIT DROP',
    );
    const realTo = clockMap.map((_, n) => clockMap[n + 1]?.realFrom ?? runEnd);
    await sql.query('INSERT INTO history_clock SELECT * FROM unnest($1::timestamptz[], $2::timestamptz[], $3::timestamptz[])', [
      clockMap.map((w) => w.realFrom),
      realTo,
      clockMap.map((w) => new Date(w.simAt).toISOString()),
    ]);
    await sql.query('CREATE INDEX ON history_clock (real_from)');
    const columns = await sql.query<{ table_name: string; column_name: string }>(
      `SELECT c.table_name, c.column_name FROM information_schema.columns c
         JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name AND t.table_type = 'BASE TABLE'
        WHERE c.table_schema = 'public' AND c.data_type = 'timestamp with time zone' ORDER BY c.table_name, c.column_name`,
    );
    const byTable = new Map<string, string[]>();
    for (const { table_name: table, column_name: column } of columns) byTable.set(table, [...(byTable.get(table) ?? []), column]);
    const mapped = (column: string) =>
      `CASE WHEN "${column}" >= $1::timestamptz AND "${column}" <= $2::timestamptz THEN (SELECT m.sim_at + least(1, extract(epoch FROM "${column}" - m.real_from) / greatest(extract(epoch FROM m.real_to - m.real_from), 0.000001)) * interval '59 seconds' FROM history_clock m WHERE m.real_from <= "${column}" ORDER BY m.real_from DESC LIMIT 1) ELSE "${column}" END`;
    for (const [table, tableColumns] of byTable) {
      const inRun = tableColumns.map((column) => `("${column}" >= $1::timestamptz AND "${column}" <= $2::timestamptz)`).join(' OR ');
      // A linked audit entry is never changed (its hash covers its time); history's are not linked yet.
      const linked = table === 'audit_log' ? ' AND chain_seq IS NULL' : '';
      await sql.query(`UPDATE "${table}" SET ${tableColumns.map((column) => `"${column}" = ${mapped(column)}`).join(', ')} WHERE (${inRun})${linked}`, [
        clockMap[0]?.realFrom ?? runStart,
        runEnd,
      ]);
    }
  });

  // The revenue-cycle aggregates (migration 045) were kept by triggers with the stamps as they were
  // written: rebuild them from the money rows, now on the history's clock (the function folds too).
  // The rebuilds run as scripts (no statement time limit): at the seed's scale each takes minutes.
  const [aggregates] = await db.query<{ present: boolean }>("SELECT to_regproc('kpi_rebuild') IS NOT NULL AS present");
  if (aggregates?.present) {
    report('clock', { message: 'rebuilding the revenue-cycle aggregates' });
    await db.script('SELECT kpi_rebuild()');
  }
  // So were the turnaround clocks (migration 049): their pauses are differences of the old stamps.
  const [clocks] = await db.query<{ present: boolean }>("SELECT to_regproc('turnaround_clocks_rebuild') IS NOT NULL AS present");
  if (clocks?.present) {
    report('clock', { message: 'rebuilding the turnaround clocks' });
    await db.script('SELECT turnaround_clocks_rebuild()');
  }
  // And the facts of turnaround by day and duration (migration 057) from those clocks: the
  // rebuild's deltas (every clock out, every clock in) are replaced by the facts themselves.
  const [days] = await db.query<{ present: boolean }>("SELECT to_regproc('turnaround_days_rebuild') IS NOT NULL AS present");
  if (days?.present) {
    report('clock', { message: 'rebuilding turnaround by day and duration' });
    await db.script('SELECT turnaround_days_rebuild()');
  }

  report('audit', { message: 'linking the audit chain' });
  let linked = 0;
  for (;;) {
    const count = await linkPending(db, options.keys.audit);
    linked += count;
    if (count === 0) break;
  }
  const [familyCount] = await db.query<{ count: number }>('SELECT count(*)::int AS count FROM families');
  const summary: HistorySummary = {
    from: new Date(startMs).toISOString(),
    to: new Date(endMs).toISOString(),
    hospitals: hospitals.length,
    families: familyCount?.count ?? 0,
    cases: casesAdmitted,
    commands,
    answers,
    unexpected,
    auditEntriesLinked: linked,
    elapsedMs: Date.now() - started,
  };
  report('done');
  return summary;
}

/**
 * The slice `npm start` loads with the demo scheme on its first start, so the dashboards have
 * months to chart: 45 days ending now, admissions stopping 14 days before (so nearly every case
 * has ended and the work queues hold the demo's own cases, not history's), hospitals A and B and
 * two more, on a one-hour grid (fewer waves on the embedded database). Not before the demo's
 * policy year: the demo is seeded with the year of the slice's first day.
 */
export const demoSlice = { days: 45, hospitals: 4, patientsPerMonth: 60, quietDays: 14, gridMinutes: 60, seed: 2026 } as const;

/**
 * The slice's length in days: `COVERDESK_DEMO_HISTORY_DAYS` (0 for none, at most 366), else 45. A
 * slice of 14 days or fewer keeps its last third quiet instead of the last 14 days.
 */
export function demoSliceDays(env: NodeJS.ProcessEnv = process.env): number {
  const text = env.COVERDESK_DEMO_HISTORY_DAYS;
  if (text === undefined || text === '') return demoSlice.days;
  const days = Number(text);
  if (!Number.isInteger(days) || days < 0 || days > 366)
    throw new Error(`COVERDESK_DEMO_HISTORY_DAYS is "${text}": give a whole number of days from 0 (no history) to 366.`);
  return days;
}

/** The first instant of the demo slice for a start at `now`. */
export function demoSliceStart(now: Date, days: number = demoSlice.days): number {
  return now.getTime() - days * dayMs;
}

export async function generateDemoSlice(db: Database, keys: ServerKeys, days: number = demoSlice.days): Promise<HistorySummary> {
  return generateHistory(db, { ...demoSlice, days, quietDays: days > demoSlice.quietDays ? demoSlice.quietDays : Math.floor(days / 3), months: 0, keys });
}

/**
 * The money invariants of every family-year, in one statement (the same relations as the chaos run
 * and the scenario tests check): committed = Σ ledger, active holds = the ledger's hold part,
 * claims (not denied) = its claim part, pharmacy = its pharmacy part, committed ≤ cover.
 * Returns the family-years that break one (none, when history is sound).
 */
export async function moneyInvariantViolations(db: Database): Promise<{ family_id: string; policy_year: number; problem: string }[]> {
  return db.query(
    `WITH l AS (SELECT family_id, policy_year, sum(delta)::bigint AS total,
                       sum(delta) FILTER (WHERE component = 'hold')::bigint AS holds,
                       sum(delta) FILTER (WHERE component = 'claim')::bigint AS claims,
                       sum(delta) FILTER (WHERE component = 'pharmacy')::bigint AS pharmacy
                  FROM ledger GROUP BY family_id, policy_year),
          h AS (SELECT family_id, policy_year, sum(amount)::bigint AS holds FROM holds WHERE status = 'active' GROUP BY 1, 2),
          c AS (SELECT family_id, policy_year, sum(COALESCE(approved_amount, payer_amount))::bigint AS claims FROM claims WHERE status <> 'denied' GROUP BY 1, 2),
          p AS (SELECT family_id, policy_year, sum(plan_paid)::bigint AS pharmacy FROM pharmacy_claims WHERE status = 'paid' GROUP BY 1, 2)
     SELECT y.family_id, y.policy_year,
            concat_ws('; ',
              CASE WHEN y.committed > y.cover THEN 'committed ' || y.committed || ' > cover ' || y.cover END,
              CASE WHEN y.committed <> COALESCE(l.total, 0) THEN 'committed ' || y.committed || ' <> ledger ' || COALESCE(l.total, 0) END,
              CASE WHEN COALESCE(h.holds, 0) <> COALESCE(l.holds, 0) THEN 'holds ' || COALESCE(h.holds, 0) || ' <> ledger holds ' || COALESCE(l.holds, 0) END,
              CASE WHEN COALESCE(c.claims, 0) <> COALESCE(l.claims, 0) THEN 'claims ' || COALESCE(c.claims, 0) || ' <> ledger claims ' || COALESCE(l.claims, 0) END,
              CASE WHEN COALESCE(p.pharmacy, 0) <> COALESCE(l.pharmacy, 0) THEN 'pharmacy ' || COALESCE(p.pharmacy, 0) || ' <> ledger pharmacy ' || COALESCE(l.pharmacy, 0) END) AS problem
       FROM family_years y
       LEFT JOIN l USING (family_id, policy_year) LEFT JOIN h USING (family_id, policy_year)
       LEFT JOIN c USING (family_id, policy_year) LEFT JOIN p USING (family_id, policy_year)
      WHERE y.committed > y.cover OR y.committed <> COALESCE(l.total, 0) OR COALESCE(h.holds, 0) <> COALESCE(l.holds, 0)
         OR COALESCE(c.claims, 0) <> COALESCE(l.claims, 0) OR COALESCE(p.pharmacy, 0) <> COALESCE(l.pharmacy, 0)
      ORDER BY 1, 2 LIMIT 100`,
  );
}

function gcd(a: number, b: number): number {
  return b === 0 ? a : gcd(b, a % b);
}
