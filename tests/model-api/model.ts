/**
 * The reference model of CoverDesk's command API (issue 22): one family's cover per policy year,
 * its members' cases at two hospitals, pre-auths (catalogue and unspecified), holds, bookings,
 * enhancements, discharge, claims, CEX/CPD decisions, payments, cancellation and the policy year's
 * roll-over; and (issue 14) the family's plan: the cashless cover, or the "State top-up" plan of
 * scenario S5 whose bookings and pharmacy claims share costs (family deductible, co-insurance,
 * member and family out-of-pocket maximums) and move the accumulators; and (issue 14) secondary
 * payers: part of what a patient owes sent to a serious-illness fund or a commercial top-up as a
 * coordination-of-benefits claim, the payer's decision, reversals withdrawing from those claims
 * first (migration 043), and the payer's remittances and the scheme's refunds to it (migration
 * 051). Pure and synchronous: it is
 * written from the rules (sync-server/README.md, SCENARIOS.md S5, docs/cost-sharing-decision.md,
 * the handlers' documented behaviour, domain/money.ts), never from the handlers' code, and it
 * imports only pure domain rules (not cost-sharing.ts or plan-design.ts: the split is computed here
 * again, from S5's words). `apply` takes a concrete request (who, which command, which body) and
 * says what the server must answer, changing the model's state as the server must change its own.
 */
import { maxAmount } from '@domain/money';
import { policyYearOf } from '@domain/policy-year';

export type Actor = 'medco.a' | 'medco.b' | 'ppd' | 'mc' | 'admin' | 'cex' | 'cpd' | 'aco' | 'pharmacy';
export type Hospital = 'A' | 'B';

/** The demo scheme as the test sets it up (seed.ts, catalogue.ts; auto-extension set by the test). */
export const scheme = {
  timeZone: 'Asia/Kolkata',
  yearStartMonth: 1,
  autoExtendBp: 1_000,
  governmentShareBp: 6_000,
  packages: { MG012A: 600_000, SB001A: 750_000, MG001A: 900_000 } as Record<string, number>,
  unspecified: new Set(['SG999U']),
} as const;

/** The family's plan: the cashless cover (families.plan_id NULL) or S5's "State top-up". */
export type PlanKind = 'cashless' | 'state-topup';
/**
 * "State top-up" as S5 states it (SCENARIOS.md), in minor units: a family deductible of 5,000
 * shared by medical and pharmacy, then co-insurance 10 % medical and 20 % pharmacy, all of it
 * capped by the out-of-pocket maximums of 12,000 per member (embedded) and 20,000 per family.
 * No member deductible, co-pays, sub-limits, category limits, network or waiting periods.
 */
export const stateTopUp = {
  id: 'STATE-TOPUP',
  familyDeductible: 500_000,
  coinsuranceBp: { medical: 1_000, pharmacy: 2_000 },
  memberOutOfPocketMax: 1_200_000,
  familyOutOfPocketMax: 2_000_000,
} as const;
export type Coverage = 'medical' | 'pharmacy';
export type AccumulatorKind = 'deductible' | 'out-of-pocket' | 'benefit';
/** One accumulator of one holder (the family, or a member by index) in one year, by coverage type. */
export interface Accumulator {
  medical: number;
  pharmacy: number;
}
/** The patient's part of one charge, by kind, and the plan's part (before the cover is asked). */
export interface Share {
  deductible: number;
  coinsurance: number;
  costShare: number;
  plan: number;
}

const roleOf: Record<Actor, string> = {
  'medco.a': 'MEDCO',
  'medco.b': 'MEDCO',
  ppd: 'PPD',
  mc: 'MC',
  admin: 'ADMIN',
  cex: 'CEX',
  cpd: 'CPD',
  aco: 'ACO',
  pharmacy: 'PHARMACY',
};
const hospitalOf: Record<Actor, Hospital | null> = {
  'medco.a': 'A',
  'medco.b': 'B',
  ppd: null,
  mc: null,
  admin: null,
  cex: null,
  cpd: null,
  aco: null,
  pharmacy: null,
};
const commandRole: Record<string, string> = {
  admit: 'MEDCO',
  'request-preauth': 'MEDCO',
  'respond-query': 'MEDCO',
  'decide-preauth': 'PPD',
  'recommend-preauth': 'MC',
  'approve-unspecified': 'ADMIN',
  'request-enhancement': 'MEDCO',
  'decide-enhancement': 'PPD',
  'add-booking': 'MEDCO',
  'void-booking': 'MEDCO',
  discharge: 'MEDCO',
  'submit-claim': 'MEDCO',
  'process-claim': 'CEX',
  'verify-claim': 'CPD',
  'approve-payment': 'ACO',
  'cancel-case': 'MEDCO',
  'take-payment': 'MEDCO',
  'refund-payment': 'MEDCO',
  'decide-secondary-claim': 'ACO',
  'record-secondary-remittance': 'ACO',
  'pharmacy-claim': 'PHARMACY',
  'pharmacy-reversal': 'PHARMACY',
};

type PreauthStatus = 'pending' | 'queried' | 'committee-review' | 'admin-review' | 'approved' | 'rejected' | 'cancelled';
const undecided: ReadonlySet<PreauthStatus> = new Set(['pending', 'queried', 'committee-review', 'admin-review']);

export interface Booking {
  id: string;
  caseId: string;
  amount: number;
  covered: number;
  shortfall: number;
  status: 'active' | 'voided';
  closed: boolean;
  /** CPD denied its claim line: the patient's part of it is no longer owed (issue 14). */
  waived: boolean;
  /** The patient's cost sharing on it (State top-up; 0 on the cashless cover): amount = covered + shortfall + costShare. */
  deductible: number;
  coinsurance: number;
  costShare: number;
}
/** A real-time pharmacy claim (issue 14): charged to the open policy year when it arrives. */
export interface PharmacyClaim {
  ref: string;
  member: number;
  year: number;
  amount: number;
  deductible: number;
  costShare: number;
  /** What the family's cover paid (the plan's part as far as the cover allowed). */
  paid: number;
  status: 'paid' | 'reversed';
}
export type SecondaryPayer = 'serious-illness-fund' | 'commercial-top-up';
/**
 * A coordination-of-benefits claim (issue 14): part of what the patient owed, sent to a secondary
 * payer by take-payment (its id is the payment's). Reversals withdraw from it before its decision
 * (`withdrawn`: the payer decides the rest) and make part of what it accepted refundable after it
 * (`refundDue`); the payer's money and the scheme's refunds to it are `remitted` and `repaid`.
 */
export interface SecondaryClaim {
  id: string;
  caseId: string;
  payer: SecondaryPayer;
  amount: number;
  /** The server's clock when it was sent: reversals take the newest first; no value date before its day. */
  submittedAt: number;
  withdrawn: number;
  decision: { decision: 'accepted' | 'partial' | 'rejected'; accepted: number; rejected: number } | null;
  refundDue: number;
  remitted: number;
  repaid: number;
  /** How many movements (remittances and refunds) were recorded on it. */
  movements: number;
}
export interface Enhancement {
  id: string;
  caseId: string;
  requested: number;
  status: 'pending' | 'approved' | 'rejected' | 'cancelled';
}
export interface Hold {
  amount: number;
  consumed: number;
  authorized: number;
  status: 'active' | 'released' | 'claimed';
}
export interface Case {
  id: string;
  member: number;
  hospital: Hospital;
  year: number;
  status: 'admitted' | 'discharged' | 'cancelled';
  preauth: { status: PreauthStatus; requested: number; recommended: number | null; unspecified: boolean } | null;
  hold: Hold | null;
  bookings: string[];
  claimId: string | null;
  /** The patient's money on the case (issue 14): taken at the desk and given back. */
  paid: number;
  refunded: number;
  /** The patient's estimated part kept on the hold (State top-up): the hold asks the cover for the rest. */
  estimate: number;
}
export interface ClaimLine {
  bookingId: string;
  payer: number;
}
export interface Claim {
  id: string;
  caseId: string;
  hospital: Hospital;
  year: number;
  amount: number;
  payer: number;
  patient: number;
  lines: ClaimLine[];
  status: 'submitted' | 'processed' | 'approved' | 'denied' | 'paid';
  approved: number | null;
}

export interface ModelState {
  /** The server's clock (ms) and the policy years the scheme has cover for. */
  now: number;
  firstYear: number;
  memberIds: string[];
  cover: number;
  /** committed per policy year (a year with no account is 0). */
  committed: Record<number, number>;
  cases: Record<string, Case>;
  caseOrder: string[];
  bookings: Record<string, Booking>;
  bookingOrder: string[];
  enhancements: Record<string, Enhancement>;
  enhancementOrder: string[];
  claims: Record<string, Claim>;
  claimOrder: string[];
  payments: string[];
  rollovers: number;
  plan: PlanKind;
  /** Scheme member ids (what a pharmacy names a member by), by member index. */
  schemeMemberIds: string[];
  /** Policy years whose family account is open (a pre-auth or a pharmacy claim opened it): the plan of the year is fixed then. */
  accounts: number[];
  /** `${year}|${holder}|${kind}`, holder 'family' or the member's index; absent is 0. */
  accumulators: Record<string, Accumulator>;
  pharmacyClaims: Record<string, PharmacyClaim>;
  pharmacyOrder: string[];
  secondaryClaims: Record<string, SecondaryClaim>;
  secondaryOrder: string[];
}

export interface Request {
  actor: Actor;
  name: string;
  body: Record<string, unknown>;
}
/** What the server must answer: the status, the refusal code, and key fields of the result. */
export interface Expected {
  status: number;
  code?: string;
  result?: Record<string, unknown>;
  /** A refusal's details (e.g. what is owed and what was asked), compared whole. */
  details?: Record<string, unknown>;
}

export function initialState(options: {
  now: number;
  firstYear: number;
  memberIds: string[];
  cover: number;
  plan?: PlanKind;
  schemeMemberIds?: string[];
}): ModelState {
  return {
    now: options.now,
    firstYear: options.firstYear,
    memberIds: [...options.memberIds],
    cover: options.cover,
    committed: {},
    cases: {},
    caseOrder: [],
    bookings: {},
    bookingOrder: [],
    enhancements: {},
    enhancementOrder: [],
    claims: {},
    claimOrder: [],
    payments: [],
    rollovers: 0,
    plan: options.plan ?? 'cashless',
    schemeMemberIds: [...(options.schemeMemberIds ?? options.memberIds)],
    accounts: [],
    accumulators: {},
    pharmacyClaims: {},
    pharmacyOrder: [],
    secondaryClaims: {},
    secondaryOrder: [],
  };
}

/** An accumulator's value (both coverage types), as the enquiry states it. */
export function accumulatorOf(state: ModelState, year: number, holder: 'family' | number, kind: AccumulatorKind): Accumulator {
  const found = state.accumulators[`${year}|${holder}|${kind}`];
  return { medical: found?.medical ?? 0, pharmacy: found?.pharmacy ?? 0 };
}
const combined = (a: Accumulator): number => a.medical + a.pharmacy;
/** Move one accumulator of the family and the same of the member (every charge moves both levels). */
function move(state: ModelState, year: number, member: number, kind: AccumulatorKind, coverage: Coverage, delta: number): void {
  if (delta === 0) return;
  for (const holder of ['family', member] as const) {
    const key = `${year}|${holder}|${kind}`;
    const row = state.accumulators[key] ?? { medical: 0, pharmacy: 0 };
    row[coverage] += delta;
    state.accumulators[key] = row;
  }
}
/** A charge's movements: deductible, out of pocket (the whole cost share) and what the plan paid; sign −1 reverses them. */
function moveCharge(
  state: ModelState,
  year: number,
  member: number,
  coverage: Coverage,
  charge: { deductible: number; costShare: number },
  paid: number,
  sign: 1 | -1,
): void {
  move(state, year, member, 'deductible', coverage, sign * charge.deductible);
  move(state, year, member, 'out-of-pocket', coverage, sign * charge.costShare);
  move(state, year, member, 'benefit', coverage, sign * paid);
}
const noShare = (amount: number): Share => ({ deductible: 0, coinsurance: 0, costShare: 0, plan: amount });

/** What the accumulators of a year say before a charge: met deductible, member's and family's out of pocket. */
export interface Standing {
  deductibleMet: number;
  memberOutOfPocket: number;
  familyOutOfPocket: number;
}
const standingOf = (state: ModelState, year: number, member: number): Standing => ({
  deductibleMet: combined(accumulatorOf(state, year, 'family', 'deductible')),
  memberOutOfPocket: combined(accumulatorOf(state, year, member, 'out-of-pocket')),
  familyOutOfPocket: combined(accumulatorOf(state, year, 'family', 'out-of-pocket')),
});

/**
 * S5's split of a charge on the State top-up plan, from its words: the patient pays until the
 * family deductible is met, then the coverage type's co-insurance of the rest (rounded down), and
 * never more than is left of the member's maximum or the family's (embedded: whichever is
 * nearer), the deductible counting toward both. The plan pays the rest.
 */
export function topUpShare(standing: Standing, coverage: Coverage, amount: number): Share {
  const maximumLeft = Math.max(
    0,
    Math.min(stateTopUp.memberOutOfPocketMax - standing.memberOutOfPocket, stateTopUp.familyOutOfPocketMax - standing.familyOutOfPocket),
  );
  const deductibleLeft = Math.max(0, stateTopUp.familyDeductible - standing.deductibleMet);
  const toDeductible = Math.min(amount, deductibleLeft);
  const deductible = Math.min(toDeductible, maximumLeft);
  const coinsurance = Math.min(Math.floor(((amount - toDeductible) * stateTopUp.coinsuranceBp[coverage]) / 10_000), maximumLeft - deductible);
  return { deductible, coinsurance, costShare: deductible + coinsurance, plan: amount - deductible - coinsurance };
}

const isTopUp = (state: ModelState): boolean => state.plan === 'state-topup';
/** The share of a charge on the family's plan now (the cashless cover: no share). */
function shareNow(state: ModelState, year: number, member: number, coverage: Coverage, amount: number): Share {
  return isTopUp(state) ? topUpShare(standingOf(state, year, member), coverage, amount) : noShare(amount);
}
/** A year's account takes the family's plan when it opens (a pre-auth, a pharmacy claim). */
function openAccountOf(state: ModelState, year: number): void {
  if (!state.accounts.includes(year)) state.accounts.push(year);
}
/** Whether the enquiry names the State top-up for a year: the family's plan once the year's account is open. */
export const isTopUpYear = (state: ModelState, year: number): boolean => isTopUp(state) && state.accounts.includes(year);

export const clone = (state: ModelState): ModelState => structuredClone(state);
export const openYear = (state: ModelState): number => policyYearOf(new Date(state.now), scheme.timeZone, scheme.yearStartMonth);
export const yearsOf = (state: ModelState): number[] => Array.from({ length: openYear(state) - state.firstYear + 1 }, (_, i) => state.firstYear + i);

/** The policy year's roll-over as the test drives it: the clock moves to 00:10 on 1 January of the next year (IST). */
export function rollOver(state: ModelState): void {
  const next = openYear(state) + 1;
  state.now = Date.parse(`${next}-01-01T00:10:00+05:30`);
  state.rollovers += 1;
}

export const committedOf = (state: ModelState, year: number): number => state.committed[year] ?? 0;
const available = (state: ModelState, year: number): number => state.cover - committedOf(state, year);
const family = (state: ModelState, year: number) => ({ cover: state.cover, committed: committedOf(state, year), available: available(state, year) });
/** The one arbitration rule: reserve up to `requested`, as much as the year's cover has left (partial-hold). */
function reserve(state: ModelState, year: number, requested: number): number {
  const granted = Math.max(0, Math.min(requested, available(state, year)));
  state.committed[year] = committedOf(state, year) + granted;
  return granted;
}
function release(state: ModelState, year: number, amount: number): void {
  state.committed[year] = committedOf(state, year) - amount;
}
/** The ceiling a hold may grow to by bookings alone: authorized plus the tolerance, rounded down. */
const ceiling = (authorized: number): number => authorized + Math.floor((authorized * scheme.autoExtendBp) / 10_000);

const ok = (result: Record<string, unknown>): Expected => ({ status: 200, result });
const rejected = (code: string, details?: Record<string, unknown>): Expected => ({ status: 409, code, ...(details ? { details } : {}) });
const error = (status: number, code: string): Expected => ({ status, code });
const notFound = (): Expected => error(404, 'not-found');

/** Answers that the server stores against the command id: a repeat of the id answers them again. */
export const isStored = (expected: { status: number; code?: string }): boolean =>
  expected.status === 200 || (expected.status === 409 && expected.code !== 'command-id-reused');

/** A case as the actor can see it: another hospital's case does not exist for a desk. */
function visibleCase(state: ModelState, actor: Actor, caseId: unknown): Case | null {
  const found = state.cases[String(caseId)];
  if (!found) return null;
  const hospital = hospitalOf[actor];
  return hospital !== null && found.hospital !== hospital ? null : found;
}

function activeBookings(state: ModelState, found: Case): Booking[] {
  return found.bookings.map((id) => state.bookings[id]!).filter((b) => b.status === 'active');
}
const bookingSum = (state: ModelState, found: Case): number => activeBookings(state, found).reduce((sum, b) => sum + b.amount, 0);

/**
 * The patient's account of a case: what the patient owes is the shortfall and the cost sharing
 * (State top-up) of its active bookings whose claim line CPD did not deny, less what the patient
 * paid net of refunds and what stands on secondary payers' claims; owed and credit as the server
 * states them (accountTotals in src/money/patient-payments.ts): only money the patient paid goes
 * back to the patient.
 */
export function patientAccount(state: ModelState, found: Case) {
  const charged = found.bookings
    .map((id) => state.bookings[id]!)
    .filter((b) => b.status === 'active' && !b.waived)
    .reduce((sum, b) => sum + b.shortfall + b.costShare, 0);
  const net = found.paid - found.refunded;
  const secondary = secondaryClaimsOf(state, found).reduce((sum, claim) => sum + standingOfClaim(claim), 0);
  const settled = net + secondary;
  return {
    charged,
    paid: found.paid,
    refunded: found.refunded,
    secondary,
    owed: Math.max(0, charged - settled),
    credit: Math.max(0, Math.min(net, settled - charged)),
  };
}

const secondaryClaimsOf = (state: ModelState, found: Case): SecondaryClaim[] =>
  state.secondaryOrder.map((id) => state.secondaryClaims[id]!).filter((claim) => claim.caseId === found.id);
/** What the payer decides on: the claim less what reversals withdrew before its decision. */
export const openAmountOf = (claim: SecondaryClaim): number => claim.amount - claim.withdrawn;
/** What stands on the claim now (migration 043's view): its open amount, or once decided what was accepted less what became refundable. */
export const standingOfClaim = (claim: SecondaryClaim): number => (claim.decision ? claim.decision.accepted - claim.refundDue : openAmountOf(claim));
/** The claim's money either way (migration 051's view): only a decided claim is owed; at most one side is above 0. */
export function secondaryBalanceOf(claim: SecondaryClaim) {
  const owedTotal = claim.decision ? standingOfClaim(claim) : 0;
  const net = claim.remitted - claim.repaid;
  return {
    owedTotal,
    remitted: claim.remitted,
    refunded: claim.repaid,
    payerOwes: Math.max(0, owedTotal - net),
    refundOwed: Math.max(0, net - owedTotal),
  };
}
/** The claim's status as the payer side's report names it. */
export const secondaryStatusOf = (claim: SecondaryClaim): string =>
  claim.decision ? claim.decision.decision : openAmountOf(claim) === 0 ? 'withdrawn' : 'submitted';

/**
 * Migration 043: when a reversal leaves more settled on a case (paid − refunded + secondary) than
 * it is charged, the excess, up to what stands on secondary claims, comes off them first:
 * undecided ones (newest first: withdrawn from what the payer will decide), then decided ones
 * (newest first: refundable to the payer). Only the rest is the patient's credit. The server does
 * it per reversing charge entry; each entry leaves either nothing on secondary claims or nothing
 * in excess, so doing it once after a command comes to the same amounts.
 */
function withdrawSecondaryExcess(state: ModelState, found: Case): void {
  const account = patientAccount(state, found);
  let left = Math.min(account.secondary, account.paid - account.refunded + account.secondary - account.charged);
  if (left <= 0) return;
  // Newest first by the server's clock, then by id (uuids compare as their lowercase text).
  const order = secondaryClaimsOf(state, found).sort(
    (a, b) => Number(a.decision !== null) - Number(b.decision !== null) || b.submittedAt - a.submittedAt || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0),
  );
  for (const claim of order) {
    if (left === 0) break;
    const take = Math.min(left, standingOfClaim(claim));
    if (take <= 0) continue;
    if (claim.decision) claim.refundDue += take;
    else claim.withdrawn += take;
    left -= take;
  }
}

/** The scheme's calendar day of an instant, YYYY-MM-DD. */
export const schemeDayOf = (at: number): string =>
  new Intl.DateTimeFormat('en-CA', { timeZone: scheme.timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date(at));

/** Free room in a hold first covers the case's shortfall bookings, oldest first. Returns what moved. */
function coverShortfall(state: ModelState, found: Case): number {
  const hold = found.hold!;
  let free = hold.amount - hold.consumed;
  let moved = 0;
  for (const booking of activeBookings(state, found)) {
    if (free <= 0) break;
    if (booking.closed || booking.shortfall === 0) continue;
    const take = Math.min(free, booking.shortfall);
    booking.covered += take;
    booking.shortfall -= take;
    // What the plan now pays moves its plan-paid accumulator, as the booking's own (a void gives it back).
    if (isTopUp(state)) move(state, found.year, found.member, 'benefit', 'medical', take);
    free -= take;
    moved += take;
  }
  hold.consumed += moved;
  return moved;
}

/**
 * Move a case's authorized amount, and its hold towards `target` (the plan's part of it: the
 * authorized amount less the patient's estimate), never below what bookings consumed.
 */
function setAuthorized(state: ModelState, found: Case, authorized: number, target = authorized): { granted: number } {
  const hold = found.hold!;
  hold.authorized = authorized;
  if (target > hold.amount) {
    const granted = reserve(state, found.year, target - hold.amount);
    hold.amount += granted;
    return { granted };
  }
  const floor = Math.max(target, hold.consumed);
  if (hold.amount > floor) {
    release(state, found.year, hold.amount - floor);
    hold.amount = floor;
  }
  return { granted: 0 };
}

/** A final decision on a pre-auth: approve `full`, a lower amount, or reject. */
function finalDecision(state: ModelState, found: Case, decision: unknown, body: Record<string, unknown>, full: number): Expected {
  const hold = found.hold!;
  const preauth = found.preauth!;
  if (decision === 'reject') {
    if (!body.reason) return error(400, 'invalid-input');
    if (hold.consumed > 0) return rejected('bookings-covered');
    const released = hold.amount;
    setAuthorized(state, found, 0);
    hold.status = 'released';
    preauth.status = 'rejected';
    return ok({ preauthStatus: 'rejected', holdAmount: 0, holdStatus: 'released', released, family: family(state, found.year) });
  }
  let approved = full;
  if (decision === 'approve-lower') {
    const amount = body.amount;
    if (typeof amount !== 'number' || amount >= full || !body.reason) return error(400, 'invalid-input');
    approved = amount;
  }
  // The hold is the plan's part: the approved amount less the patient's estimate kept on it.
  const patientPart = Math.min(approved, found.estimate);
  const { granted } = setAuthorized(state, found, approved, approved - patientPart);
  if (granted > 0) coverShortfall(state, found);
  preauth.status = 'approved';
  return ok({
    preauthStatus: 'approved',
    approvedAmount: approved,
    holdAmount: hold.amount,
    shortfall: Math.max(0, approved - patientPart - hold.amount),
    family: family(state, found.year),
  });
}

/** Look up a case for a reviewer's decision: admitted, with a pre-auth and its hold. */
function forDecision(state: ModelState, actor: Actor, caseId: unknown): Case | Expected {
  const found = visibleCase(state, actor, caseId);
  if (!found) return notFound();
  if (found.status !== 'admitted') return rejected('case-not-admitted');
  if (!found.preauth || !found.hold) return rejected('preauth-not-requested');
  return found;
}
const isExpected = (value: Case | Expected): value is Expected => 'status' in value && typeof value.status === 'number';

/** Per-claim government parts of one payment: each year's total split once, then allocated by running share. */
function governmentOf(claims: Claim[]): number {
  let total = 0;
  for (const year of new Set(claims.map((c) => c.year))) {
    const amount = claims.filter((c) => c.year === year).reduce((sum, c) => sum + (c.approved ?? 0), 0);
    total += Math.floor((amount * scheme.governmentShareBp) / 10_000);
  }
  return total;
}

/** A partial amount at or above its line is a typing error: bad input, before any state rule. */
function partialAboveLine(lines: ClaimLine[], decisions: unknown): Expected | null {
  const list = decisions as { bookingId: string; decision: string; approvedAmount?: number }[];
  for (const d of list) {
    const line = lines.find((l) => l.bookingId === d.bookingId);
    if (line && d.decision === 'partial' && d.approvedAmount !== undefined && d.approvedAmount >= line.payer) return error(400, 'invalid-input');
  }
  return null;
}

/** Line decisions of a reviewer, turned into the approved total; or the refusal they earn. */
function adjudicateAmounts(lines: ClaimLine[], decisions: unknown): { approved: number } | Expected {
  const list = decisions as { bookingId: string; decision: string; approvedAmount?: number; reasonCode?: string }[];
  if (new Set(list.map((d) => d.bookingId)).size !== list.length) return rejected('claim-lines-mismatch');
  if (list.length !== lines.length || lines.some((l) => !list.some((d) => d.bookingId === l.bookingId))) return rejected('claim-lines-mismatch');
  let approved = 0;
  for (const line of lines) {
    const d = list.find((x) => x.bookingId === line.bookingId)!;
    if (d.decision === 'full') approved += line.payer;
    else if (d.decision === 'partial') {
      if (d.approvedAmount === undefined || d.approvedAmount <= 0 || d.approvedAmount >= line.payer || !d.reasonCode) return rejected('line-amount-invalid');
      approved += d.approvedAmount;
    } else if (!d.reasonCode) return rejected('line-amount-invalid');
  }
  return { approved };
}

/**
 * What the server must answer to `request`, applied to `state` (changed only by a success).
 * A refusal leaves the state as it was: a business rejection is 409 with a code, bad input 400,
 * another hospital's or an unknown record 404, a role that may not 403.
 */
export function apply(state: ModelState, request: Request): Expected {
  const expected = applyCommand(state, request);
  // Whatever reversed a charge (a void, a cancellation, CPD's denied line, a shortfall later
  // covered) withdrew from the secondary claims in the same transaction (migration 043's trigger).
  if (expected.status === 200) for (const id of state.caseOrder) withdrawSecondaryExcess(state, state.cases[id]!);
  return expected;
}

function applyCommand(state: ModelState, request: Request): Expected {
  const { actor, name, body } = request;
  if (roleOf[actor] !== commandRole[name]) return error(403, 'forbidden-role');
  const desk = hospitalOf[actor];
  switch (name) {
    case 'admit': {
      const member = state.memberIds.indexOf(String(body.memberId));
      if (member < 0) return notFound();
      if (state.cases[String(body.caseId)]) return rejected('already-registered');
      let at = state.now;
      if (body.admittedAt !== undefined) {
        const stamp = Date.parse(String(body.admittedAt));
        if (stamp - state.now > 5 * 60_000 || state.now - stamp > 7 * 24 * 3_600_000) return error(400, 'invalid-input');
        at = Math.min(stamp, state.now);
      }
      const year = policyYearOf(new Date(at), scheme.timeZone, scheme.yearStartMonth);
      if (year < state.firstYear || year > openYear(state)) return error(400, 'invalid-input');
      if (Object.values(state.cases).some((c) => c.member === member && c.status === 'admitted')) return rejected('case-already-active');
      const id = String(body.caseId);
      state.cases[id] = {
        id,
        member,
        hospital: desk!,
        year,
        status: 'admitted',
        preauth: null,
        hold: null,
        bookings: [],
        claimId: null,
        paid: 0,
        refunded: 0,
        estimate: 0,
      };
      state.caseOrder.push(id);
      // Listed for identity review: a closed year's stamp, or an identity not proven — a fingerprint or
      // face claimed without match evidence (issue 13 item 6; the walk sends none), a document, an override.
      const method = String(body.identityMethod);
      const isUnproven = method === 'fingerprint' || method === 'face' ? body.evidence === undefined : method !== 'otp';
      return ok({ caseId: id, status: 'admitted', policyYear: year, flaggedForReview: year < openYear(state) || isUnproven });
    }
    case 'request-preauth': {
      const found = visibleCase(state, actor, body.caseId);
      if (!found) return notFound();
      const code = String(body.packageCode);
      const isUnspecified = scheme.unspecified.has(code);
      if (isUnspecified !== (body.estimatedAmount !== undefined)) return error(400, 'invalid-input');
      if (found.status !== 'admitted') return rejected('case-not-admitted');
      if (found.preauth) return rejected('preauth-already-requested');
      const requested = isUnspecified ? Number(body.estimatedAmount) : scheme.packages[code]!;
      openAccountOf(state, found.year);
      // S5 step 2: the request decided as one charge now, moving nothing; the hold asks for the plan's part.
      const estimate = shareNow(state, found.year, found.member, 'medical', requested);
      const granted = reserve(state, found.year, estimate.plan);
      found.hold = { amount: granted, consumed: 0, authorized: requested, status: 'active' };
      found.estimate = estimate.costShare;
      const status = isUnspecified ? 'committee-review' : 'pending';
      found.preauth = { status, requested, recommended: null, unspecified: isUnspecified };
      return ok({
        preauthStatus: status,
        requestedAmount: requested,
        holdAmount: granted,
        shortfall: estimate.plan - granted,
        patientEstimate: { deductible: estimate.deductible, coinsurance: estimate.coinsurance, copay: 0, notPaid: 0, total: estimate.costShare },
        family: family(state, found.year),
      });
    }
    case 'respond-query': {
      const found = visibleCase(state, actor, body.caseId);
      if (!found) return notFound();
      if (found.status !== 'admitted') return rejected('case-not-admitted');
      if (!found.preauth) return rejected('preauth-not-requested');
      if (found.preauth.status !== 'queried') return rejected('preauth-not-pending');
      found.preauth.status = 'pending';
      return ok({ preauthStatus: 'pending' });
    }
    case 'decide-preauth': {
      const found = forDecision(state, actor, body.caseId);
      if (isExpected(found)) return found;
      if (found.preauth!.status !== 'pending') return rejected('preauth-not-pending');
      if (body.decision === 'query') {
        if (!body.reason) return error(400, 'invalid-input');
        found.preauth!.status = 'queried';
        return ok({ preauthStatus: 'queried' });
      }
      return finalDecision(state, found, body.decision, body, found.preauth!.requested);
    }
    case 'recommend-preauth': {
      const found = forDecision(state, actor, body.caseId);
      if (isExpected(found)) return found;
      if (found.preauth!.status !== 'committee-review') return rejected('preauth-not-pending');
      found.preauth!.status = 'admin-review';
      found.preauth!.recommended = Number(body.recommendedAmount);
      return ok({ preauthStatus: 'admin-review', recommendedAmount: body.recommendedAmount });
    }
    case 'approve-unspecified': {
      const found = forDecision(state, actor, body.caseId);
      if (isExpected(found)) return found;
      if (found.preauth!.status !== 'admin-review') return rejected('preauth-not-pending');
      return finalDecision(state, found, body.decision, body, found.preauth!.recommended!);
    }
    case 'add-booking': {
      const amount = Number(body.quantity) * Number(body.unitPrice);
      const found = visibleCase(state, actor, body.caseId);
      if (!found) return notFound();
      if (found.status !== 'admitted') return rejected('case-not-admitted');
      if (!found.hold || !found.preauth) return rejected('preauth-not-requested');
      if (state.bookings[String(body.bookingId)]) return rejected('booking-exists');
      if (bookingSum(state, found) + amount > maxAmount) return rejected('case-total-too-large');
      const hold = found.hold;
      // The patient's cost sharing first (State top-up); the plan's part consumes the hold and past it
      // extends the hold within the tolerance of the plan's authorized amount (authorized less the estimate).
      const share = shareNow(state, found.year, found.member, 'medical', amount);
      const fromHold = Math.max(0, Math.min(share.plan, hold.amount - hold.consumed));
      const excess = share.plan - fromHold;
      let extended = 0;
      if (excess > 0 && found.preauth.status !== 'rejected') {
        const room = Math.max(0, ceiling(Math.max(0, hold.authorized - found.estimate)) - hold.amount);
        extended = reserve(state, found.year, Math.max(0, Math.min(excess, room)));
      }
      const covered = fromHold + extended;
      const shortfall = amount - share.costShare - covered;
      hold.amount += extended;
      hold.consumed += covered;
      if (isTopUp(state)) moveCharge(state, found.year, found.member, 'medical', share, covered, 1);
      const id = String(body.bookingId);
      state.bookings[id] = {
        id,
        caseId: found.id,
        amount,
        covered,
        shortfall,
        status: 'active',
        closed: false,
        waived: false,
        deductible: share.deductible,
        coinsurance: share.coinsurance,
        costShare: share.costShare,
      };
      state.bookingOrder.push(id);
      found.bookings.push(id);
      return ok({
        amount,
        coveredAmount: covered,
        shortfallAmount: shortfall,
        ...(isTopUp(state) ? { costShare: { deductible: share.deductible, coinsurance: share.coinsurance, copay: 0, total: share.costShare } } : {}),
        coverage: shortfall === 0 ? 'covered' : covered > 0 ? 'partly-covered' : 'shortfall',
        hold: { amount: hold.amount, consumed: hold.consumed, free: hold.amount - hold.consumed, extended },
        family: family(state, found.year),
      });
    }
    case 'void-booking': {
      const booking = state.bookings[String(body.bookingId)];
      if (!booking) return notFound();
      const found = visibleCase(state, actor, booking.caseId);
      if (!found || !found.hold) return notFound();
      if (booking.status === 'voided') return rejected('booking-already-voided');
      if (booking.closed || found.status !== 'admitted') return rejected('booking-closed');
      booking.status = 'voided';
      found.hold.consumed -= booking.covered;
      // Exactly what the booking moved goes back (its plan-paid part is its covered amount); later charges stand.
      if (isTopUp(state)) moveCharge(state, found.year, found.member, 'medical', booking, booking.covered, -1);
      const moved = coverShortfall(state, found);
      return ok({
        status: 'voided',
        hold: { amount: found.hold.amount, consumed: found.hold.consumed, free: found.hold.amount - found.hold.consumed },
        bookingsNowCovered: moved,
      });
    }
    case 'request-enhancement': {
      const found = visibleCase(state, actor, body.caseId);
      if (!found) return notFound();
      if (found.status !== 'admitted') return rejected('case-not-admitted');
      if (found.preauth?.status !== 'approved') return rejected('preauth-not-approved');
      if (Object.values(state.enhancements).some((e) => e.caseId === found.id && e.status === 'pending')) return rejected('enhancement-already-pending');
      if (state.enhancements[String(body.enhancementId)]) return rejected('already-registered');
      if (found.hold!.authorized + Number(body.amount) > maxAmount) return rejected('authorized-too-large');
      const id = String(body.enhancementId);
      state.enhancements[id] = { id, caseId: found.id, requested: Number(body.amount), status: 'pending' };
      state.enhancementOrder.push(id);
      return ok({ status: 'pending', requestedAmount: body.amount });
    }
    case 'decide-enhancement': {
      const enhancement = state.enhancements[String(body.enhancementId)];
      if (!enhancement) return notFound();
      const found = state.cases[enhancement.caseId]!;
      if (found.status !== 'admitted') return rejected('case-not-admitted');
      if (enhancement.status !== 'pending') return rejected('enhancement-not-pending');
      const hold = found.hold!;
      if (body.decision === 'reject') {
        if (!body.reason) return error(400, 'invalid-input');
        enhancement.status = 'rejected';
        return ok({ status: 'rejected', holdAmount: hold.amount });
      }
      let approved = enhancement.requested;
      if (body.decision === 'approve-lower') {
        if (typeof body.amount !== 'number' || body.amount >= enhancement.requested || !body.reason) return error(400, 'invalid-input');
        approved = body.amount;
      }
      // State top-up: the authorized amount before and after, each decided as the case's one charge
      // against the accumulators less what this case's own bookings moved; the patient's part is the
      // difference and joins the estimate, the hold grows by the plan's part only.
      let patientPart = 0;
      if (isTopUp(state)) {
        const own = activeBookings(state, found);
        const standing = standingOf(state, found.year, found.member);
        const ownDeductible = own.reduce((sum, b) => sum + b.deductible, 0);
        const ownShare = own.reduce((sum, b) => sum + b.costShare, 0);
        const base: Standing = {
          deductibleMet: Math.max(0, standing.deductibleMet - ownDeductible),
          memberOutOfPocket: Math.max(0, standing.memberOutOfPocket - ownShare),
          familyOutOfPocket: Math.max(0, standing.familyOutOfPocket - ownShare),
        };
        const before = topUpShare(base, 'medical', hold.authorized).costShare;
        const after = topUpShare(base, 'medical', hold.authorized + approved).costShare;
        patientPart = Math.min(approved, Math.max(0, after - before));
      }
      const planPart = approved - patientPart;
      hold.authorized += approved;
      found.estimate += patientPart;
      const granted = reserve(state, found.year, planPart);
      hold.amount += granted;
      const moved = coverShortfall(state, found);
      enhancement.status = 'approved';
      return ok({
        status: 'approved',
        approvedAmount: approved,
        grantedAmount: granted,
        uncovered: planPart - granted,
        holdAmount: hold.amount,
        bookingsNowCovered: moved,
        family: family(state, found.year),
      });
    }
    case 'discharge': {
      const found = visibleCase(state, actor, body.caseId);
      if (!found) return notFound();
      if (found.status !== 'admitted') return rejected('case-not-admitted');
      const sum = bookingSum(state, found);
      const isUndecided = found.preauth !== null && undecided.has(found.preauth.status);
      if (sum > 0 && isUndecided) return rejected('preauth-not-decided');
      found.status = 'discharged';
      for (const e of Object.values(state.enhancements)) if (e.caseId === found.id && e.status === 'pending') e.status = 'cancelled';
      let released = 0;
      const covered = activeBookings(state, found).reduce((s, b) => s + b.covered, 0);
      const isNothingCovered = sum > 0 && covered === 0 && found.preauth?.status === 'approved' && found.hold?.status === 'active';
      if (sum === 0 || isNothingCovered) {
        if (sum === 0 && isUndecided) found.preauth!.status = 'cancelled';
        if (found.hold?.status === 'active') {
          released = found.hold.amount;
          release(state, found.year, released);
          found.hold = { ...found.hold, amount: 0, consumed: 0, status: 'released' };
        }
      }
      const isClaimable = sum > 0 && found.preauth?.status === 'approved' && found.hold?.status === 'active';
      return ok({
        status: 'discharged',
        bookingSum: sum,
        holdStatus: found.hold === null ? null : found.hold.status,
        released,
        nextStep: isClaimable ? 'submit-claim' : 'none',
      });
    }
    case 'cancel-case': {
      const found = visibleCase(state, actor, body.caseId);
      if (!found) return notFound();
      if (found.status === 'discharged') return rejected('case-already-discharged');
      if (found.status !== 'admitted') return rejected('case-not-admitted');
      const voided = activeBookings(state, found);
      for (const b of voided) {
        b.status = 'voided';
        if (isTopUp(state)) moveCharge(state, found.year, found.member, 'medical', b, b.covered, -1);
      }
      let released = 0;
      if (found.hold) {
        released = found.hold.amount;
        release(state, found.year, released);
        found.hold = { ...found.hold, amount: 0, consumed: 0, status: 'released' };
      }
      if (found.preauth) found.preauth.status = 'cancelled';
      for (const e of Object.values(state.enhancements)) if (e.caseId === found.id && e.status === 'pending') e.status = 'cancelled';
      found.status = 'cancelled';
      return ok({ status: 'cancelled', released, bookingsVoided: voided.length, family: family(state, found.year) });
    }
    case 'submit-claim': {
      const found = visibleCase(state, actor, body.caseId);
      if (!found) return notFound();
      const lines = activeBookings(state, found);
      const sum = lines.reduce((s, b) => s + b.amount, 0);
      if (body.amount !== sum) return rejected('claim-amount-mismatch');
      if (found.claimId || state.claims[String(body.claimId)]) return rejected('claim-already-submitted');
      if (found.status !== 'discharged') return rejected('claim-not-discharged');
      if (found.preauth?.status !== 'approved') return rejected('preauth-not-approved');
      const payer = lines.reduce((s, b) => s + b.covered, 0);
      if (payer === 0) return rejected('claim-nothing-covered');
      if (found.hold?.status !== 'active') return rejected('claim-state-invalid');
      const patient = lines.reduce((s, b) => s + b.shortfall + b.costShare, 0);
      const unused = found.hold.amount - payer;
      release(state, found.year, unused);
      found.hold.status = 'claimed';
      for (const b of lines) b.closed = true;
      const id = String(body.claimId);
      state.claims[id] = {
        id,
        caseId: found.id,
        hospital: found.hospital,
        year: found.year,
        amount: sum,
        payer,
        patient,
        lines: lines.map((b) => ({ bookingId: b.id, payer: b.covered })),
        status: 'submitted',
        approved: null,
      };
      state.claimOrder.push(id);
      found.claimId = id;
      return ok({
        status: 'submitted',
        amount: sum,
        payerAmount: payer,
        patientAmount: patient,
        lines: lines.length,
        released: unused,
        family: family(state, found.year),
      });
    }
    case 'process-claim':
    case 'verify-claim': {
      const claim = state.claims[String(body.claimId)];
      if (!claim) return notFound();
      const tooHigh = partialAboveLine(claim.lines, body.lines);
      if (tooHigh) return tooHigh;
      const wanted = name === 'process-claim' ? 'submitted' : 'processed';
      if (claim.status !== wanted) return rejected('claim-state-invalid');
      const decided = adjudicateAmounts(claim.lines, body.lines);
      if ('status' in decided) return decided;
      if (name === 'process-claim') {
        claim.status = 'processed';
        return ok({ status: 'processed', payerAmount: claim.payer, recommendedAmount: decided.approved });
      }
      const returned = claim.payer - decided.approved;
      // A denied line is disallowed: the patient's part of it is reversed, and on the State top-up its
      // deductible and out of pocket too; what the plan does not approve leaves its plan-paid accumulator.
      const found = state.cases[claim.caseId]!;
      for (const d of body.lines as { bookingId: string; decision: string; approvedAmount?: number }[]) {
        const booking = state.bookings[d.bookingId]!;
        const line = claim.lines.find((l) => l.bookingId === d.bookingId)!;
        if (d.decision === 'deny') booking.waived = true;
        if (!isTopUp(state)) continue;
        const notApproved = d.decision === 'deny' ? line.payer : d.decision === 'partial' ? line.payer - (d.approvedAmount ?? 0) : 0;
        moveCharge(state, claim.year, found.member, 'medical', d.decision === 'deny' ? booking : { deductible: 0, costShare: 0 }, notApproved, -1);
      }
      claim.status = decided.approved === 0 ? 'denied' : 'approved';
      claim.approved = decided.approved;
      release(state, claim.year, returned);
      return ok({
        status: claim.status,
        payerAmount: claim.payer,
        approvedAmount: decided.approved,
        returnedToCover: returned,
        family: family(state, claim.year),
      });
    }
    case 'take-payment': {
      // Cash at the desk, or the remainder sent to a secondary payer as a coordination-of-benefits
      // claim (its id the payment's): never more than the patient owes (one conditional UPDATE).
      const isSecondary = body.method === 'secondary';
      if (isSecondary !== (body.secondaryPayer !== undefined) || (body.method !== 'cash') !== (body.reference !== undefined))
        return error(400, 'invalid-input');
      const found = visibleCase(state, actor, body.caseId);
      if (!found) return notFound();
      const amount = Number(body.amount);
      const { owed } = patientAccount(state, found);
      if (amount > owed) return rejected('payment-exceeds-balance', { owed, requested: amount });
      const id = String(body.paymentId);
      if (isSecondary) {
        const payer = body.secondaryPayer as SecondaryPayer;
        state.secondaryClaims[id] = {
          id,
          caseId: found.id,
          payer,
          amount,
          submittedAt: state.now,
          withdrawn: 0,
          decision: null,
          refundDue: 0,
          remitted: 0,
          repaid: 0,
          movements: 0,
        };
        state.secondaryOrder.push(id);
      } else found.paid += amount;
      return ok({
        caseId: found.id,
        method: body.method,
        amount,
        account: patientAccount(state, found),
        secondaryClaim: isSecondary ? { claimId: id, payer: body.secondaryPayer, amount } : null,
      });
    }
    case 'refund-payment': {
      // Only out of a credit, and only money the patient paid.
      const found = visibleCase(state, actor, body.caseId);
      if (!found) return notFound();
      const amount = Number(body.amount);
      const { credit } = patientAccount(state, found);
      if (amount > credit) return rejected('refund-exceeds-credit', { credit, requested: amount });
      found.refunded += amount;
      return ok({ caseId: found.id, method: 'cash', amount, account: patientAccount(state, found) });
    }
    case 'decide-secondary-claim': {
      // The payer's answer, recorded by ACO: what it rejects is back on the patient's account.
      const decision = body.decision;
      const hasAmount = body.acceptedAmount !== undefined;
      const hasReason = body.reasonCode !== undefined;
      if (decision === 'accept' ? hasAmount || hasReason : decision === 'partial' ? !hasAmount || !hasReason : hasAmount || !hasReason)
        return error(400, 'invalid-input');
      const claim = state.secondaryClaims[String(body.claimId)];
      if (!claim) return notFound();
      const open = openAmountOf(claim);
      if (!claim.decision && open === 0) return rejected('secondary-claim-withdrawn');
      const accepted = decision === 'accept' ? open : decision === 'reject' ? 0 : Number(body.acceptedAmount);
      // A partial decision accepts less than the claim as it stands: bad input, before the claim's state.
      if (decision === 'partial' && accepted >= open) return error(400, 'invalid-input');
      if (claim.decision)
        return rejected('secondary-claim-decided', {
          decision: claim.decision.decision,
          acceptedAmount: claim.decision.accepted,
          rejectedAmount: claim.decision.rejected,
        });
      const named = decision === 'accept' ? 'accepted' : decision === 'partial' ? 'partial' : 'rejected';
      claim.decision = { decision: named, accepted, rejected: open - accepted };
      return ok({
        claimId: claim.id,
        caseId: claim.caseId,
        payer: claim.payer,
        decision: named,
        amount: open,
        acceptedAmount: accepted,
        rejectedAmount: open - accepted,
        account: patientAccount(state, state.cases[claim.caseId]!),
      });
    }
    case 'record-secondary-remittance': {
      // Money from the payer (at most what it owes) or back to it (at most what it overpaid), on a
      // decided claim, dated no later than the scheme's today and no earlier than the claim's day.
      const valueDate = String(body.valueDate);
      if (valueDate > schemeDayOf(state.now)) return error(400, 'invalid-input');
      const claim = state.secondaryClaims[String(body.claimId)];
      if (!claim) return notFound();
      if (valueDate < schemeDayOf(claim.submittedAt)) return error(400, 'invalid-input');
      if (!claim.decision) return rejected('secondary-claim-undecided');
      const amount = Number(body.amount);
      const before = secondaryBalanceOf(claim);
      if (body.movement === 'remittance') {
        if (amount > before.payerOwes) return rejected('remittance-exceeds-owed', { owed: before.payerOwes, requested: amount });
        claim.remitted += amount;
      } else {
        if (amount > before.refundOwed) return rejected('refund-exceeds-overpaid', { overpaid: before.refundOwed, requested: amount });
        claim.repaid += amount;
      }
      claim.movements += 1;
      return ok({
        claimId: claim.id,
        caseId: claim.caseId,
        payer: claim.payer,
        movement: body.movement,
        amount,
        valueDate,
        balance: secondaryBalanceOf(claim),
      });
    }
    case 'pharmacy-claim': {
      // A real-time pharmacy claim, charged to the open year: the split, then the plan's part drawn
      // from the family's cover as far as it allows (the rest is the member's); the accumulators
      // move by the cost share and by what the cover paid. Idempotent on the pharmacy's claim id.
      const ref = String(body.claimId);
      const prior = state.pharmacyClaims[ref];
      if (prior) return ok(pharmacyAnswer(prior));
      const member = state.schemeMemberIds.indexOf(String(body.memberId));
      if (member < 0) return notFound();
      const amount = Number(body.quantity) * Number(body.unitPrice);
      const year = openYear(state);
      openAccountOf(state, year);
      const share = shareNow(state, year, member, 'pharmacy', amount);
      const paid = share.plan > 0 ? reserve(state, year, share.plan) : 0;
      moveCharge(state, year, member, 'pharmacy', share, paid, 1);
      const claim: PharmacyClaim = { ref, member, year, amount, deductible: share.deductible, costShare: share.costShare, paid, status: 'paid' };
      state.pharmacyClaims[ref] = claim;
      state.pharmacyOrder.push(ref);
      return ok({ ...pharmacyAnswer(claim), costShare: { deductible: share.deductible, coinsurance: share.coinsurance, copay: 0, total: share.costShare } });
    }
    case 'pharmacy-reversal': {
      // Exactly what the claim moved goes back, whatever was claimed since (S5 step 8); again: the same answer.
      const claim = state.pharmacyClaims[String(body.claimId)];
      if (!claim) return notFound();
      if (claim.status === 'paid') {
        moveCharge(state, claim.year, claim.member, 'pharmacy', claim, claim.paid, -1);
        release(state, claim.year, claim.paid);
        claim.status = 'reversed';
      }
      return ok({ status: 'reversed', refund: claim.amount - claim.paid, planReturned: claim.paid });
    }
    case 'approve-payment': {
      const ids = body.claimIds as string[];
      const claims = ids.map((id) => state.claims[id]);
      if (claims.some((c) => c === undefined)) return notFound();
      const known = claims as Claim[];
      if (known.some((c) => c.status !== 'approved')) return rejected('claim-not-approved');
      if (new Set(known.map((c) => c.hospital)).size !== 1) return rejected('payment-hospital-mixed');
      if (state.payments.includes(String(body.paymentId))) return rejected('already-registered');
      const amount = known.reduce((s, c) => s + (c.approved ?? 0), 0);
      const government = governmentOf(known);
      for (const c of known) c.status = 'paid';
      state.payments.push(String(body.paymentId));
      return ok({ claims: known.length, amount, governmentAmount: government, insurerAmount: amount - government, deductions: 0, netPaid: amount });
    }
    default:
      throw new Error(`the model has no command ${name}`);
  }
}

/** A pharmacy claim's answer as first given (a repeat of its claim id answers it again). */
function pharmacyAnswer(claim: PharmacyClaim): Record<string, unknown> {
  return { status: 'paid', policyYear: claim.year, amount: claim.amount, planPays: claim.paid, memberPays: claim.amount - claim.paid };
}

/** Cases whose hold still holds money of the family: neither released nor claimed. */
export const openHolds = (state: ModelState): Case[] => state.caseOrder.map((id) => state.cases[id]!).filter((c) => c.hold?.status === 'active');
