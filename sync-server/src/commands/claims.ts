import type { CommandBody } from '@contract/commands';
import { adjudicateLines, type LineDecisionInput } from '@domain/adjudication';
import { splitPayment } from '@domain/money';
import { localDay } from '@domain/policy-year';
import { fail, reject } from '@domain/outcomes';
import { appendAudit } from '../audit/chain';
import { appendLedger, releaseCover } from '../money/family-cover';
import { adjustForAdjudication } from '../money/claim-adjustment';
import { familyBalance, lockCase, lockHold, lockPreauth } from './case-access';
import { requireDocuments } from '../documents/requirements';
import { formatMoney, yearParameters, type CommandContext, type CommandResult } from './context';

/**
 * Discharge → claim. The claim must equal the case's booking sum; the bookings are then closed
 * (kept for audit) and the hold becomes a claim liability: the covered part moves from the hold
 * component of committed to the claim component, and the unused rest of the hold is released.
 */
export async function submitClaim(context: CommandContext, body: CommandBody<'submit-claim'>): Promise<CommandResult<'submit-claim'>> {
  const hashes = (body.documents ?? []).map((d) => d.sha256);
  if (new Set(hashes).size !== hashes.length)
    throw fail('invalid-input', 'The same document (same SHA-256) is listed twice; list each supporting document once.');
  const caseRow = await lockCase(context, body.caseId);
  const [sums] = await context.sql.query<{ total: number; covered: number; shortfall: number; lines: number }>(
    `SELECT COALESCE(sum(amount), 0)::bigint AS total, COALESCE(sum(covered_amount), 0)::bigint AS covered,
            COALESCE(sum(shortfall_amount + cost_share_amount), 0)::bigint AS shortfall, count(*)::int AS lines
       FROM bookings WHERE case_id = $1 AND status = 'active'`,
    [caseRow.id],
  );
  const bookingSum = sums?.total ?? 0;
  if (body.amount !== bookingSum) {
    const difference = body.amount - bookingSum;
    throw reject(
      'claim-amount-mismatch',
      `The claim is ${formatMoney(context, body.amount)} but the case's bookings add up to ${formatMoney(context, bookingSum)}: the difference is ${formatMoney(context, Math.abs(difference))}.`,
      { claimed: body.amount, bookingSum, difference },
    );
  }
  const [existing] = await context.sql.query<{ id: string }>('SELECT id FROM claims WHERE case_id = $1 OR id = $2', [caseRow.id, body.claimId]);
  if (existing) throw reject('claim-already-submitted', 'A claim was already submitted for this case.');
  if (caseRow.status !== 'discharged') throw reject('claim-not-discharged', `The case is ${caseRow.status}; discharge the patient before raising the claim.`);
  const preauth = await lockPreauth(context.sql, caseRow.id);
  if (!preauth || preauth.status !== 'approved')
    throw reject('preauth-not-approved', `The pre-authorization is ${preauth?.status ?? 'not requested'}; a claim needs an approved pre-authorization.`);
  // A claim asks the scheme for its covered part. With none (a partial hold of 0: the family's cover
  // was used up, so every booking is the patient's) there is nothing to claim: a claim of 0 would
  // sit in the receivables as an open claim of 0 until CPD "denied" it, and count as a denial. The
  // discharge released such a hold, so this comes before the hold's check: the reason, not the symptom.
  if ((sums?.covered ?? 0) === 0)
    throw reject(
      'claim-nothing-covered',
      `Nothing of the ${formatMoney(context, bookingSum)} booked is covered by the scheme (the family's cover held nothing for this case): the patient pays it, and there is no claim to submit.`,
      { bookingSum },
    );
  const hold = await lockHold(context.sql, caseRow.id);
  if (!hold || hold.status !== 'active') throw reject('claim-state-invalid', 'The case has no active hold to claim against.');
  // The package's claim checklist (issue 19): the last check, right before the hold becomes a claim.
  await requireDocuments(context.sql, caseRow.id, preauth.package_code, 'claim');

  const payer = sums?.covered ?? 0;
  const patient = sums?.shortfall ?? 0;
  const unused = hold.amount - payer;
  await context.sql.query(
    "INSERT INTO claims (id, case_id, family_id, hospital_id, policy_year, amount, payer_amount, patient_amount, status) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'submitted')",
    [body.claimId, caseRow.id, caseRow.family_id, caseRow.hospital_id, caseRow.policy_year, body.amount, payer, patient],
  );
  await context.sql.query(
    "INSERT INTO claim_lines (claim_id, booking_id, payer_amount, patient_amount) SELECT $1, id, covered_amount, shortfall_amount + cost_share_amount FROM bookings WHERE case_id = $2 AND status = 'active'",
    [body.claimId, caseRow.id],
  );
  const documents = body.documents ?? [];
  for (const [index, document] of documents.entries()) {
    await context.sql.query('INSERT INTO claim_documents (claim_id, position, name, kind, size_bytes, sha256) VALUES ($1, $2, $3, $4, $5, $6)', [
      body.claimId,
      index + 1,
      document.name,
      document.kind,
      document.sizeBytes,
      document.sha256,
    ]);
  }
  await context.sql.query("UPDATE bookings SET closed_at = now() WHERE case_id = $1 AND status = 'active'", [caseRow.id]);
  await context.sql.query("UPDATE holds SET status = 'claimed', updated_at = now() WHERE id = $1", [hold.id]);
  await appendLedger(context.sql, {
    familyId: caseRow.family_id,
    policyYear: caseRow.policy_year,
    caseId: caseRow.id,
    component: 'hold',
    delta: -hold.amount,
    reason: 'hold-to-claim',
    commandId: context.commandId,
  });
  await appendLedger(context.sql, {
    familyId: caseRow.family_id,
    policyYear: caseRow.policy_year,
    caseId: caseRow.id,
    component: 'claim',
    delta: payer,
    reason: 'claim-submitted',
    commandId: context.commandId,
  });
  if (unused > 0) await releaseCover(context.sql, caseRow.family_id, caseRow.policy_year, unused);
  await appendAudit(context.sql, {
    actorId: context.principal.operatorId,
    action: 'claim-submitted',
    entityType: 'claim',
    entityId: body.claimId,
    before: { holdAmount: hold.amount },
    after: { caseId: caseRow.id, amount: body.amount, payer, patient, released: unused, documents: hashes.length },
    commandId: context.commandId,
  });
  return {
    claimId: body.claimId,
    caseId: caseRow.id,
    status: 'submitted',
    amount: body.amount,
    payerAmount: payer,
    patientAmount: patient,
    lines: sums?.lines ?? 0,
    documents: hashes.length,
    released: unused,
    family: await familyBalance(context.sql, caseRow.family_id, caseRow.policy_year),
  };
}

interface ClaimRow {
  id: string;
  case_id: string;
  family_id: string;
  hospital_id: string;
  /** The policy year of the case: its cover account and the scheme parameters its payment is split by. */
  policy_year: number;
  amount: number;
  payer_amount: number;
  approved_amount: number | null;
  status: 'submitted' | 'processed' | 'approved' | 'denied' | 'paid';
  payment_id: string | null;
}

async function lockClaim(context: CommandContext, claimId: string): Promise<{ claim: ClaimRow; lines: { bookingId: string; payerAmount: number }[] }> {
  const [found] = await context.sql.query<{ case_id: string }>('SELECT case_id FROM claims WHERE id = $1', [claimId]);
  if (!found) throw fail('not-found', `There is no claim ${claimId}.`);
  await lockCase(context, found.case_id);
  const [claim] = await context.sql.query<ClaimRow>('SELECT * FROM claims WHERE id = $1 FOR UPDATE', [claimId]);
  if (!claim) throw fail('not-found', `There is no claim ${claimId}.`);
  const lines = await context.sql.query<{ booking_id: string; payer_amount: number }>(
    'SELECT booking_id, payer_amount FROM claim_lines WHERE claim_id = $1 ORDER BY booking_id',
    [claimId],
  );
  return { claim, lines: lines.map((l) => ({ bookingId: l.booking_id, payerAmount: l.payer_amount })) };
}

/**
 * A partial amount at or above its line's payer amount is a typing error, not a decision: it is
 * refused as bad input (400, nothing written or stored against the command id) before any state
 * rule, in the reviewer's money, naming the line (issue 12: 3,500 typed on a 3,000 line). The
 * domain's adjudicateLines keeps its own check as the last word.
 */
function refusePartialAboveLine(
  context: CommandContext,
  lines: readonly { bookingId: string; payerAmount: number }[],
  decisions: CommandBody<'process-claim'>['lines'],
): void {
  const lineAmounts = new Map(lines.map((line) => [line.bookingId, line.payerAmount]));
  for (const decision of decisions) {
    const lineAmount = lineAmounts.get(decision.bookingId);
    if (decision.decision !== 'partial' || decision.approvedAmount === undefined || lineAmount === undefined || decision.approvedAmount < lineAmount) continue;
    const details = { bookingId: decision.bookingId, lineAmount, approvedAmount: decision.approvedAmount };
    throw fail(
      'invalid-input',
      decision.approvedAmount === lineAmount
        ? `The partial amount ${formatMoney(context, decision.approvedAmount)} equals the whole line (${formatMoney(context, lineAmount)}): approve the line in full instead.`
        : `The partial amount ${formatMoney(context, decision.approvedAmount)} is more than the line's ${formatMoney(context, lineAmount)} by ${formatMoney(context, decision.approvedAmount - lineAmount)}: a partial approval must be less than the line.`,
      details,
    );
  }
}

function toDecisions(lines: CommandBody<'process-claim'>['lines']): LineDecisionInput[] {
  return lines.map((l) => ({ bookingId: l.bookingId, decision: l.decision, approvedAmount: l.approvedAmount, reasonCode: l.reasonCode }));
}

/** CEX: line-level processing; a recommendation that CPD then verifies. No money moves yet. */
export async function processClaim(context: CommandContext, body: CommandBody<'process-claim'>): Promise<CommandResult<'process-claim'>> {
  const { claim, lines } = await lockClaim(context, body.claimId);
  refusePartialAboveLine(context, lines, body.lines);
  if (claim.status !== 'submitted')
    throw reject('claim-state-invalid', `The claim is ${claim.status}; CEX processes submitted claims.`, { status: claim.status });
  const decided = adjudicateLines(lines, toDecisions(body.lines));
  for (const line of decided) {
    await context.sql.query('UPDATE claim_lines SET cex_decision = $3, cex_amount = $4, cex_reason_code = $5 WHERE claim_id = $1 AND booking_id = $2', [
      claim.id,
      line.bookingId,
      line.decision,
      line.approvedAmount,
      line.reasonCode,
    ]);
  }
  const recommended = decided.reduce((sum, line) => sum + line.approvedAmount, 0);
  await context.sql.query("UPDATE claims SET status = 'processed', processed_at = now(), processed_by = $2 WHERE id = $1", [
    claim.id,
    context.principal.operatorId,
  ]);
  await appendAudit(context.sql, {
    actorId: context.principal.operatorId,
    action: 'claim-processed',
    entityType: 'claim',
    entityId: claim.id,
    before: { status: 'submitted' },
    after: { status: 'processed', recommended },
    commandId: context.commandId,
  });
  return { claimId: claim.id, status: 'processed', payerAmount: claim.payer_amount, recommendedAmount: recommended };
}

/** CPD: final line decisions. What is not approved goes back to the family cover. */
export async function verifyClaim(context: CommandContext, body: CommandBody<'verify-claim'>): Promise<CommandResult<'verify-claim'>> {
  const { claim, lines } = await lockClaim(context, body.claimId);
  refusePartialAboveLine(context, lines, body.lines);
  if (claim.status !== 'processed')
    throw reject('claim-state-invalid', `The claim is ${claim.status}; CPD verifies claims that CEX has processed.`, { status: claim.status });
  const decided = adjudicateLines(lines, toDecisions(body.lines));
  for (const line of decided) {
    await context.sql.query('UPDATE claim_lines SET cpd_decision = $3, approved_amount = $4, reason_code = $5 WHERE claim_id = $1 AND booking_id = $2', [
      claim.id,
      line.bookingId,
      line.decision,
      line.approvedAmount,
      line.reasonCode,
    ]);
  }
  const approved = decided.reduce((sum, line) => sum + line.approvedAmount, 0);
  const returned = claim.payer_amount - approved;
  const status = approved === 0 ? 'denied' : 'approved';
  await context.sql.query('UPDATE claims SET status = $2, approved_amount = $3, verified_at = now(), verified_by = $4 WHERE id = $1', [
    claim.id,
    status,
    approved,
    context.principal.operatorId,
  ]);
  // The patient's part and the accumulators follow the decisions (money/claim-adjustment.ts),
  // before the family's cover moves (the lock order).
  const payerAmounts = new Map(lines.map((line) => [line.bookingId, line.payerAmount]));
  const patientLowered = await adjustForAdjudication(
    context.sql,
    claim,
    decided.map((line) => ({ ...line, payerAmount: payerAmounts.get(line.bookingId) ?? 0 })),
    context.commandId,
  );
  if (returned > 0) {
    await releaseCover(context.sql, claim.family_id, claim.policy_year, returned);
    await appendLedger(context.sql, {
      familyId: claim.family_id,
      policyYear: claim.policy_year,
      caseId: claim.case_id,
      component: 'claim',
      delta: -returned,
      reason: 'claim-adjudicated',
      commandId: context.commandId,
    });
  }
  await appendAudit(context.sql, {
    actorId: context.principal.operatorId,
    action: 'claim-verified',
    entityType: 'claim',
    entityId: claim.id,
    before: { status: 'processed', payerAmount: claim.payer_amount },
    after: { status, approved, returnedToCover: returned, patientLowered },
    commandId: context.commandId,
  });
  return {
    claimId: claim.id,
    status,
    payerAmount: claim.payer_amount,
    approvedAmount: approved,
    returnedToCover: returned,
    family: await familyBalance(context.sql, claim.family_id, claim.policy_year),
  };
}

/**
 * The government part of each claim in a payment, by cumulative share: claim i gets
 * floor(G × runningTotal_i / A) − floor(G × runningTotal_{i−1} / A). The parts telescope to exactly
 * G, so the payment ledger's entries add up to the payment's split with no rounding remainder.
 */
export function allocateGovernmentShare(approvedAmounts: readonly number[], governmentTotal: number): number[] {
  const total = approvedAmounts.reduce((sum, amount) => sum + amount, 0);
  if (total === 0) return approvedAmounts.map(() => 0);
  let running = 0;
  let allocated = 0;
  return approvedAmounts.map((amount) => {
    running += amount;
    // BigInt: G × running can exceed 2^53 for large batches of large claims.
    const upTo = Number((BigInt(governmentTotal) * BigInt(running)) / BigInt(total));
    const part = upTo - allocated;
    allocated = upTo;
    return part;
  });
}

/**
 * A payment's reference: PAY-<hospital>-<date>-<payment id>. The date is the scheme's local date
 * (Asia/Kolkata for the demo: a payment at 01:00 IST carried the previous day in UTC), and the
 * whole payment id is kept (its first 8 hex digits, 32 bits, could collide between two payments of
 * a hospital on one day, and the reference is unique).
 */
export function paymentReference(hospitalCode: string, at: Date, timeZone: string, paymentId: string): string {
  return `PAY-${hospitalCode}-${localDay(at, timeZone).replace(/-/g, '')}-${paymentId.replace(/-/g, '').toUpperCase()}`;
}

/**
 * ACO: approved claims of one hospital become one payment with one reference, split
 * government/insurer by the scheme's share. Each claim gets an append-only payment-ledger entry
 * with its part of the split; the payment stores what is paid net of deductions. By construction
 * net paid + deductions = Σ approved = Σ ledger entries, and government + insurer = amount;
 * reconciliation lists anything that does not hold.
 */
export async function approvePayment(context: CommandContext, body: CommandBody<'approve-payment'>): Promise<CommandResult<'approve-payment'>> {
  const ids = [...body.claimIds].sort();
  const claims = await context.sql.query<ClaimRow>('SELECT * FROM claims WHERE id = ANY($1::uuid[]) ORDER BY id FOR UPDATE', [ids]);
  if (claims.length !== ids.length) {
    const found = new Set(claims.map((c) => c.id));
    throw fail('not-found', `Unknown claim(s): ${ids.filter((id) => !found.has(id)).join(', ')}.`);
  }
  const notApproved = claims.filter((c) => c.status !== 'approved').map((c) => ({ claimId: c.id, status: c.status }));
  if (notApproved.length > 0) throw reject('claim-not-approved', 'Only claims approved by CPD and not yet paid can be paid.', { claims: notApproved });
  const hospitals = new Set(claims.map((c) => c.hospital_id));
  if (hospitals.size !== 1) throw reject('payment-hospital-mixed', 'One payment pays one hospital: split the claims by hospital.');
  const [hospitalId] = [...hospitals];
  const [hospital] = await context.sql.query<{ code: string }>('SELECT code FROM hospitals WHERE id = $1', [hospitalId!]);
  const approvedAmounts = claims.map((c) => c.approved_amount ?? 0);
  const amount = approvedAmounts.reduce((sum, value) => sum + value, 0);
  const deductions = body.deductions ?? 0;
  if (deductions > amount)
    throw fail('invalid-input', `Deductions (${formatMoney(context, deductions)}) cannot exceed the approved amount (${formatMoney(context, amount)}).`);
  // Each claim is split by the government share of its own policy year (a new year's scheme must
  // not split old claims at the new rate), as stored now: the open year's from the scheme row read
  // in this transaction, a closed year's as frozen at its roll-over. Claims of one year are split
  // together (rounded down once), then allocated to claims.
  const years = [...new Set(claims.map((claim) => claim.policy_year))].sort((a, b) => a - b);
  const shares = new Map<number, number>();
  for (const year of years) shares.set(year, (await yearParameters(context.sql, year)).government_share_bp);
  const governmentParts = new Array<number>(claims.length).fill(0);
  for (const year of years) {
    const indexes = claims.flatMap((claim, index) => (claim.policy_year === year ? [index] : []));
    const yearAmounts = indexes.map((index) => approvedAmounts[index]!);
    const yearSplit = splitPayment(
      yearAmounts.reduce((sum, value) => sum + value, 0),
      shares.get(year)!,
    );
    allocateGovernmentShare(yearAmounts, yearSplit.government).forEach((part, position) => {
      governmentParts[indexes[position]!] = part;
    });
  }
  const government = governmentParts.reduce((sum, value) => sum + value, 0);
  const split = { government, insurer: amount - government };
  const governmentShareBp = years.length === 1 ? shares.get(years[0]!)! : Object.fromEntries(years.map((year) => [String(year), shares.get(year)!]));
  const [existing] = await context.sql.query<{ id: string }>('SELECT id FROM payments WHERE id = $1', [body.paymentId]);
  if (existing) throw reject('already-registered', 'A payment with this id already exists; generate a new id.');
  const reference = paymentReference(hospital?.code ?? 'H', context.services.now(), context.scheme.time_zone, body.paymentId);
  const netPaid = amount - deductions;
  await context.sql.query(
    'INSERT INTO payments (id, hospital_id, reference, amount, government_amount, insurer_amount, deductions, net_paid, approved_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)',
    [body.paymentId, hospitalId!, reference, amount, split.government, split.insurer, deductions, netPaid, context.principal.operatorId],
  );
  // One statement for all the claims' ledger entries, in claim order.
  await context.sql.query(
    `INSERT INTO payment_ledger (payment_id, claim_id, hospital_id, approved_amount, government_amount, insurer_amount, command_id)
       SELECT $1, entry.claim_id, $2, entry.approved, entry.government, entry.approved - entry.government, $3
         FROM unnest($4::uuid[], $5::bigint[], $6::bigint[]) WITH ORDINALITY AS entry (claim_id, approved, government, position)
        ORDER BY entry.position`,
    [body.paymentId, hospitalId!, context.commandId, claims.map((claim) => claim.id), approvedAmounts, governmentParts],
  );
  await context.sql.query("UPDATE claims SET status = 'paid', payment_id = $2 WHERE id = ANY($1::uuid[])", [ids, body.paymentId]);
  await appendAudit(context.sql, {
    actorId: context.principal.operatorId,
    action: 'payment-approved',
    entityType: 'payment',
    entityId: body.paymentId,
    after: { reference, claims: ids.length, amount, government: split.government, insurer: split.insurer, deductions, netPaid, governmentShareBp },
    commandId: context.commandId,
  });
  for (const claim of claims) {
    await appendAudit(context.sql, {
      actorId: context.principal.operatorId,
      action: 'claim-paid',
      entityType: 'claim',
      entityId: claim.id,
      before: { status: 'approved' },
      after: { status: 'paid', paymentId: body.paymentId, reference },
      commandId: context.commandId,
    });
  }
  return {
    paymentId: body.paymentId,
    reference,
    hospitalId: hospitalId!,
    claims: ids.length,
    amount,
    governmentAmount: split.government,
    insurerAmount: split.insurer,
    deductions,
    netPaid,
  };
}
