import type { CommandBody } from '@contract/commands';
import { admissionTime, localDay } from '@domain/policy-year';
import { paymentInputProblem } from '@domain/payment-input';
import { fail, reject } from '@domain/outcomes';
import { appendAudit } from '../audit/chain';
import { nextReceiptNumber, readAccount, refundCredit, settleOwed } from '../money/patient-payments';
import { decideSecondaryClaim, lockAccountOfClaim } from '../money/secondary-claims';
import { readSecondaryBalance, recordSecondaryMovement, type SecondaryBalanceRow } from '../money/secondary-remittances';
import { caseNotFound } from './case-access';
import { formatMoney, type CommandContext, type CommandResult } from './context';

/**
 * Settling the patient's account of a case (issue 14): take-payment (cash, card, UPI, or the
 * remainder sent to a secondary payer) and refund-payment. Both are desk commands like any other,
 * so cash taken offline waits in the desk's outbox and is applied exactly once (the runner's
 * command id); `takenAt` keeps when the operator took it, which is the shift it counts in.
 * The arbitration is one conditional UPDATE each (money/patient-payments.ts).
 */
interface CaseOfPayment {
  id: string;
  member_id: string;
  family_id: string;
  hospital_id: string;
  hospital_code: string;
}

/** The case, scoped like lockCase, without locking it: the account row is the payments' mutex. */
async function caseOfPayment(context: CommandContext, caseId: string): Promise<CaseOfPayment> {
  const [row] = await context.sql.query<CaseOfPayment>(
    'SELECT c.id, c.member_id, c.family_id, c.hospital_id, h.code AS hospital_code FROM cases c JOIN hospitals h ON h.id = c.hospital_id WHERE c.id = $1',
    [caseId],
  );
  if (!row || (context.principal.hospitalId !== null && row.hospital_id !== context.principal.hospitalId)) throw caseNotFound(caseId);
  return row;
}

/** The operator's time, within the same window as an admission's (5 minutes ahead, 7 days back). */
function takenAtOf(context: CommandContext, takenAt: string | undefined): Date {
  const receivedAt = context.services.now();
  const when = admissionTime(takenAt === undefined ? undefined : new Date(takenAt), receivedAt);
  if (when.ok) return when.admittedAt;
  throw fail(
    'invalid-input',
    when.reason === 'in-the-future'
      ? `The payment time ${takenAt} is more than 5 minutes ahead of the server's clock (${receivedAt.toISOString()}): check the desk's date and time.`
      : `The payment time ${takenAt} is more than 7 days before the server heard of it: take the payment again with the current time.`,
  );
}

async function refuseExistingId(context: CommandContext, id: string): Promise<void> {
  const [existing] = await context.sql.query('SELECT 1 FROM patient_payments WHERE id = $1', [id]);
  if (existing) throw reject('payment-exists', 'A payment or refund with this id already exists; generate a new id for a new payment.');
}

export async function takePayment(context: CommandContext, body: CommandBody<'take-payment'>): Promise<CommandResult<'take-payment'>> {
  const isSecondary = body.method === 'secondary';
  const problem = paymentInputProblem(body);
  if (problem) throw fail('invalid-input', problem.message);
  const takenAt = takenAtOf(context, body.takenAt);
  const caseRow = await caseOfPayment(context, body.caseId);
  await refuseExistingId(context, body.paymentId);
  const account = await settleOwed(context.sql, caseRow.id, body.amount, isSecondary);
  if (!account) {
    const now = await readAccount(context.sql, caseRow.id);
    throw reject(
      'payment-exceeds-balance',
      now.owed === 0
        ? `The patient owes nothing on this case: ${formatMoney(context, body.amount)} was not taken.`
        : `The patient owes ${formatMoney(context, now.owed)}: ${formatMoney(context, body.amount)} is more than that, and nothing was taken.`,
      { owed: now.owed, requested: body.amount },
    );
  }
  const receiptNumber = await nextReceiptNumber(context.sql, caseRow.hospital_id, caseRow.hospital_code);
  await context.sql.query(
    `INSERT INTO patient_payments (id, case_id, hospital_id, family_id, member_id, direction, method, amount, reference, secondary_payer, receipt_number, operator_id, taken_at, command_id)
     VALUES ($1, $2, $3, $4, $5, 'payment', $6, $7, $8, $9, $10, $11, $12, $13)`,
    [
      body.paymentId,
      caseRow.id,
      caseRow.hospital_id,
      caseRow.family_id,
      caseRow.member_id,
      body.method,
      body.amount,
      body.reference ?? null,
      body.secondaryPayer ?? null,
      receiptNumber,
      context.principal.operatorId,
      takenAt,
      context.commandId,
    ],
  );
  let secondaryClaim: CommandResult<'take-payment'>['secondaryClaim'] = null;
  if (isSecondary && body.secondaryPayer !== undefined && body.reference !== undefined) {
    // Coordination of benefits: the secondary payer sees what the primary plan covered and what the patient was charged.
    // Sent at the server's clock, not the database's: record-secondary-remittance compares its value
    // date with this day and with today, and both must be read off one clock.
    await context.sql.query(
      `INSERT INTO secondary_claims (id, case_id, payer, member_reference, amount, primary_paid, patient_charged, submitted_at)
       SELECT $1, $2, $3, $4, $5, COALESCE((SELECT sum(covered_amount) FROM bookings WHERE case_id = $2 AND status = 'active'), 0), $6, $7`,
      [body.paymentId, caseRow.id, body.secondaryPayer, body.reference, body.amount, account.charged, context.services.now()],
    );
    secondaryClaim = { claimId: body.paymentId, payer: body.secondaryPayer, amount: body.amount };
  }
  await appendAudit(context.sql, {
    actorId: context.principal.operatorId,
    action: 'patient-payment-taken',
    entityType: 'case',
    entityId: caseRow.id,
    after: { paymentId: body.paymentId, receiptNumber, method: body.method, amount: body.amount, owed: account.owed },
    commandId: context.commandId,
  });
  const summary = isSecondary
    ? `${formatMoney(context, body.amount)} sent to the ${body.secondaryPayer === 'serious-illness-fund' ? 'serious-illness fund' : 'commercial top-up'} as a claim (receipt ${receiptNumber}); the patient owes ${formatMoney(context, account.owed)}.`
    : `${formatMoney(context, body.amount)} taken by ${body.method} (receipt ${receiptNumber}); the patient owes ${formatMoney(context, account.owed)}.`;
  return {
    paymentId: body.paymentId,
    caseId: caseRow.id,
    receiptNumber,
    method: body.method,
    amount: body.amount,
    takenAt: takenAt.toISOString(),
    account,
    secondaryClaim,
    summary,
  };
}

export async function refundPayment(context: CommandContext, body: CommandBody<'refund-payment'>): Promise<CommandResult<'refund-payment'>> {
  if (body.method !== 'cash' && body.reference === undefined) throw fail('invalid-input', `A ${body.method} refund needs its refund reference.`);
  if (body.method === 'cash' && body.reference !== undefined) throw fail('invalid-input', 'A cash refund has no reference: leave it out.');
  const takenAt = takenAtOf(context, body.takenAt);
  const caseRow = await caseOfPayment(context, body.caseId);
  await refuseExistingId(context, body.refundId);
  const account = await refundCredit(context.sql, caseRow.id, body.amount);
  if (!account) {
    const now = await readAccount(context.sql, caseRow.id);
    throw reject(
      'refund-exceeds-credit',
      now.credit === 0
        ? `The patient has no credit on this case: nothing was given back.`
        : `The patient's credit is ${formatMoney(context, now.credit)}: ${formatMoney(context, body.amount)} is more than that, and nothing was given back.`,
      { credit: now.credit, requested: body.amount },
    );
  }
  const receiptNumber = await nextReceiptNumber(context.sql, caseRow.hospital_id, caseRow.hospital_code);
  await context.sql.query(
    `INSERT INTO patient_payments (id, case_id, hospital_id, family_id, member_id, direction, method, amount, reference, reason, receipt_number, operator_id, taken_at, command_id)
     VALUES ($1, $2, $3, $4, $5, 'refund', $6, $7, $8, $9, $10, $11, $12, $13)`,
    [
      body.refundId,
      caseRow.id,
      caseRow.hospital_id,
      caseRow.family_id,
      caseRow.member_id,
      body.method,
      body.amount,
      body.reference ?? null,
      body.reason,
      receiptNumber,
      context.principal.operatorId,
      takenAt,
      context.commandId,
    ],
  );
  await appendAudit(context.sql, {
    actorId: context.principal.operatorId,
    action: 'patient-refund-given',
    entityType: 'case',
    entityId: caseRow.id,
    after: { refundId: body.refundId, receiptNumber, method: body.method, amount: body.amount, credit: account.credit },
    commandId: context.commandId,
  });
  return {
    refundId: body.refundId,
    caseId: caseRow.id,
    receiptNumber,
    method: body.method,
    amount: body.amount,
    takenAt: takenAt.toISOString(),
    account,
    summary: `${formatMoney(context, body.amount)} given back by ${body.method} (receipt ${receiptNumber}); credit left ${formatMoney(context, account.credit)}.`,
  };
}

const payerNames = { 'serious-illness-fund': 'serious-illness fund', 'commercial-top-up': 'commercial top-up' } as const;
const decisionOf = { accept: 'accepted', partial: 'partial', reject: 'rejected' } as const;

/** What each decision needs (a partial amount, a reason), checked before anything is read or written: 400. */
function secondaryDecisionProblem(body: CommandBody<'decide-secondary-claim'>): string | null {
  switch (body.decision) {
    case 'accept':
      if (body.acceptedAmount !== undefined) return 'An accepted claim is accepted whole: leave acceptedAmount out, or decide partial.';
      if (body.reasonCode !== undefined) return 'An accepted claim has no reason code: leave it out.';
      return null;
    case 'partial':
      if (body.acceptedAmount === undefined) return 'A partial decision needs acceptedAmount, what the secondary payer accepts.';
      if (body.reasonCode === undefined) return 'A partial decision needs the reason code the secondary payer gave for the rest.';
      return null;
    case 'reject':
      if (body.acceptedAmount !== undefined) return 'A rejected claim accepts nothing: leave acceptedAmount out, or decide partial.';
      if (body.reasonCode === undefined) return 'A rejection needs the reason code the secondary payer gave.';
      return null;
  }
}

interface SecondaryClaimRow {
  id: string;
  case_id: string;
  hospital_id: string;
  payer: 'serious-illness-fund' | 'commercial-top-up';
  /** What the claim asks for now: its amount less what reversals withdrew (migration 043). */
  amount: number;
  decision: 'accepted' | 'partial' | 'rejected' | null;
  accepted_amount: number | null;
  rejected_amount: number | null;
}

/**
 * decide-secondary-claim (issue 14, migration 040): the secondary payer's answer to a
 * coordination-of-benefits claim, recorded by ACO — the scheme's payer-side finance role, which
 * already approves payments and reconciles them. The funds and top-up insurers have no system
 * link to the scheme yet: their decisions arrive as remittance advice or letters, which the
 * payer-side office enters with the payer's reference; a desk (MEDCO) never records it, since the
 * hospital would be deciding what its own patient owes. What is rejected goes back on the
 * patient's account in the same statement (money/secondary-claims.ts). Idempotent by command id;
 * a claim is decided once (a second decision is 409 secondary-claim-decided, nothing moved), and
 * as it stands: a reversal of the charges it covered may have reduced it, or withdrawn it whole
 * (409 secondary-claim-withdrawn).
 */
export async function decideSecondaryClaimCommand(
  context: CommandContext,
  body: CommandBody<'decide-secondary-claim'>,
): Promise<CommandResult<'decide-secondary-claim'>> {
  const problem = secondaryDecisionProblem(body);
  if (problem) throw fail('invalid-input', problem);
  // The account row first: a reversal withdrawing from this claim (migration 043) commits before we read it.
  await lockAccountOfClaim(context.sql, body.claimId);
  const [claim] = await context.sql.query<SecondaryClaimRow>(
    `SELECT s.id, s.case_id, c.hospital_id, s.payer,
t.open_amount AS amount, d.decision, d.accepted_amount, d.rejected_amount
       FROM secondary_claims s JOIN cases c ON c.id = s.case_id JOIN secondary_claim_standing t ON t.claim_id = s.id
       LEFT JOIN secondary_claim_decisions d ON d.claim_id = s.id
      WHERE s.id = $1`,
    [body.claimId],
  );
  if (!claim || (context.principal.hospitalId !== null && claim.hospital_id !== context.principal.hospitalId))
    throw fail('not-found', `There is no secondary claim ${body.claimId}.`);
  if (claim.decision === null && claim.amount === 0)
    throw reject(
      'secondary-claim-withdrawn',
      `This claim to the ${payerNames[claim.payer]} was withdrawn: the charges it covered were reversed, so there is nothing left for the payer to decide, and nothing was changed.`,
    );
  const acceptedAmount = body.decision === 'accept' ? claim.amount : body.decision === 'reject' ? 0 : (body.acceptedAmount ?? 0);
  if (body.decision === 'partial' && acceptedAmount >= claim.amount)
    throw fail(
      'invalid-input',
      `The accepted amount ${formatMoney(context, acceptedAmount)} is not less than the claim's ${formatMoney(context, claim.amount)}: a partial decision accepts less; decide accept for the whole claim.`,
    );
  const alreadyDecided = (row: Pick<SecondaryClaimRow, 'decision' | 'accepted_amount' | 'rejected_amount'>) =>
    reject(
      'secondary-claim-decided',
      `This claim was already ${row.decision} by the ${payerNames[claim.payer]}: a secondary payer decides a claim once, and nothing was changed.`,
      { decision: row.decision, acceptedAmount: row.accepted_amount, rejectedAmount: row.rejected_amount },
    );
  if (claim.decision !== null) throw alreadyDecided(claim);
  const decided = await decideSecondaryClaim(context.sql, {
    claimId: claim.id,
    decision: decisionOf[body.decision],
    acceptedAmount,
    reasonCode: body.reasonCode ?? null,
    payerReference: body.payerReference,
    operatorId: context.principal.operatorId,
    commandId: context.commandId,
  });
  if (!decided) {
    // Decided by another command between the read above and the statement: its decision stands.
    const [now] = await context.sql.query<Pick<SecondaryClaimRow, 'decision' | 'accepted_amount' | 'rejected_amount'>>(
      'SELECT decision, accepted_amount, rejected_amount FROM secondary_claim_decisions WHERE claim_id = $1',
      [claim.id],
    );
    if (!now) throw new Error(`secondary claim ${claim.id} was neither decided nor left undecided`);
    throw alreadyDecided(now);
  }
  const decision = decisionOf[body.decision];
  await appendAudit(context.sql, {
    actorId: context.principal.operatorId,
    action: 'secondary-claim-decided',
    entityType: 'case',
    entityId: claim.case_id,
    after: { claimId: claim.id, decision, amount: claim.amount, acceptedAmount, rejectedAmount: decided.rejectedAmount, owed: decided.account.owed },
    commandId: context.commandId,
  });
  const payer = `The ${payerNames[claim.payer]}`;
  const summary =
    decision === 'accepted'
      ? `${payer} accepted the whole ${formatMoney(context, claim.amount)}; the patient owes ${formatMoney(context, decided.account.owed)}.`
      : `${payer} ${decision === 'partial' ? `accepted ${formatMoney(context, acceptedAmount)} and rejected` : 'rejected'} ${formatMoney(context, decided.rejectedAmount)}: that is back on the patient's account, who now owes ${formatMoney(context, decided.account.owed)}.`;
  return {
    claimId: claim.id,
    caseId: claim.case_id,
    payer: claim.payer,
    decision,
    amount: claim.amount,
    acceptedAmount,
    rejectedAmount: decided.rejectedAmount,
    account: decided.account,
    summary,
  };
}

interface RemittanceClaimRow extends SecondaryBalanceRow {
  id: string;
  case_id: string;
  hospital_id: string;
  payer: 'serious-illness-fund' | 'commercial-top-up';
  is_decided: boolean;
  submitted_at: Date;
}

/**
 * record-secondary-remittance (issue 14, migration 051): the money a secondary payer sends for a
 * claim it decided, or the money the scheme sends back to it when a reversal after its payment
 * left it overpaid (043's refund-due). ACO records both, from the bank statement or the payer's
 * remittance advice, as it records the decision. One conditional statement under the account
 * row's lock (money/secondary-remittances.ts): a remittance is at most what the payer still owes
 * (409 remittance-exceeds-owed), a refund at most what it overpaid (409 refund-exceeds-overpaid);
 * an undecided claim takes no money yet (409 secondary-claim-undecided). The patient's account
 * does not move: the patient stopped owing this amount when it was sent to the payer.
 */
export async function recordSecondaryRemittanceCommand(
  context: CommandContext,
  body: CommandBody<'record-secondary-remittance'>,
): Promise<CommandResult<'record-secondary-remittance'>> {
  const valueDay = Date.parse(`${body.valueDate}T00:00:00Z`);
  if (!Number.isFinite(valueDay) || new Date(valueDay).toISOString().slice(0, 10) !== body.valueDate)
    throw fail('invalid-input', `The value date ${body.valueDate} is not a day of the calendar: give the day the money moved as YYYY-MM-DD.`);
  const today = localDay(context.services.now(), context.scheme.time_zone);
  if (body.valueDate > today) throw fail('invalid-input', `The value date ${body.valueDate} is after today (${today}): record money once it has moved.`);
  // The account row first: a reversal making part of this claim refundable (migration 043) commits before we read it.
  await lockAccountOfClaim(context.sql, body.claimId);
  const [claim] = await context.sql.query<RemittanceClaimRow>(
    `SELECT s.id, s.case_id, c.hospital_id, s.payer, b.is_decided, s.submitted_at, b.owed_total, b.remitted, b.refunded, b.payer_owes, b.refund_owed
       FROM secondary_claims s JOIN cases c ON c.id = s.case_id JOIN secondary_claim_balance b ON b.claim_id = s.id
      WHERE s.id = $1`,
    [body.claimId],
  );
  if (!claim || (context.principal.hospitalId !== null && claim.hospital_id !== context.principal.hospitalId))
    throw fail('not-found', `There is no secondary claim ${body.claimId}.`);
  const payerName = payerNames[claim.payer];
  const submittedDay = localDay(new Date(claim.submitted_at), context.scheme.time_zone);
  if (body.valueDate < submittedDay)
    throw fail('invalid-input', `The value date ${body.valueDate} is before the claim was sent to the ${payerName} (${submittedDay}).`);
  if (!claim.is_decided)
    throw reject(
      'secondary-claim-undecided',
      `The ${payerName} has not decided this claim yet: record its decision first (decide-secondary-claim), then the money it sends. Nothing was recorded.`,
    );
  const recorded = await recordSecondaryMovement(context.sql, {
    claimId: claim.id,
    movement: body.movement,
    amount: body.amount,
    reference: body.reference,
    valueDate: body.valueDate,
    operatorId: context.principal.operatorId,
    commandId: context.commandId,
  });
  if (!recorded) {
    // The lock is held: the balance read above is the balance now.
    if (body.movement === 'remittance')
      throw reject(
        'remittance-exceeds-owed',
        claim.payer_owes === 0
          ? `The ${payerName} owes nothing more on this claim, so ${formatMoney(context, body.amount)} cannot be recorded as its payment. Nothing was recorded.`
          : `The ${payerName} owes ${formatMoney(context, claim.payer_owes)} on this claim, less than the ${formatMoney(context, body.amount)} recorded as its payment. Nothing was recorded.`,
        { owed: claim.payer_owes, requested: body.amount },
      );
    throw reject(
      'refund-exceeds-overpaid',
      claim.refund_owed === 0
        ? `The ${payerName} has not paid more than it owes on this claim, so there is nothing to refund to it. Nothing was recorded.`
        : `The ${payerName} overpaid ${formatMoney(context, claim.refund_owed)} on this claim, less than the ${formatMoney(context, body.amount)} refund. Nothing was recorded.`,
      { overpaid: claim.refund_owed, requested: body.amount },
    );
  }
  const balance = await readSecondaryBalance(context.sql, claim.id);
  if (!balance) throw new Error(`secondary claim ${claim.id} has no balance after a movement`);
  await appendAudit(context.sql, {
    actorId: context.principal.operatorId,
    action: body.movement === 'remittance' ? 'secondary-remittance-recorded' : 'secondary-refund-recorded',
    entityType: 'case',
    entityId: claim.case_id,
    before: { claimId: claim.id, payerOwes: claim.payer_owes, refundOwed: claim.refund_owed },
    after: { claimId: claim.id, amount: body.amount, reference: body.reference, valueDate: body.valueDate, ...balance },
    commandId: context.commandId,
  });
  const left =
    balance.payerOwes > 0
      ? `it still owes ${formatMoney(context, balance.payerOwes)}`
      : balance.refundOwed > 0
        ? `${formatMoney(context, balance.refundOwed)} is still to go back to it`
        : 'the claim is settled';
  const summary =
    body.movement === 'remittance'
      ? `${formatMoney(context, body.amount)} received from the ${payerName} (value ${body.valueDate}); ${left}.`
      : `${formatMoney(context, body.amount)} refunded to the ${payerName} (value ${body.valueDate}); ${left}.`;
  return {
    claimId: claim.id,
    caseId: claim.case_id,
    payer: claim.payer,
    movement: body.movement,
    amount: body.amount,
    valueDate: body.valueDate,
    balance,
    summary,
  };
}
