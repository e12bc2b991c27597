import type { CommandBody } from '@contract/commands';
import { maxAmount } from '@domain/money';
import { fail, reject } from '@domain/outcomes';
import { appendAudit } from '../audit/chain';
import { coverShortfallBookings, extendHold, lockCaseAccumulators, setAuthorized } from '../money/holds';
import { enhancementEstimate, noEstimateParts } from './cost-shared-booking';
import { familyBalance, lockCase, lockHold, lockPreauth, requireAdmitted, type CaseRow, type HoldRow, type PreauthRow } from './case-access';
import { formatMoney, yearParameters, type CommandContext, type CommandResult } from './context';

function requireReason(decision: string, reason: string | undefined): string {
  if (!reason) throw fail('invalid-input', `A ${decision.replace('-', ' ')} decision needs a reason.`);
  return reason;
}

function lowerAmount(amount: number | undefined, ceiling: number): number {
  if (amount === undefined) throw fail('invalid-input', 'approve-lower needs the approved amount.');
  if (amount >= ceiling) throw fail('invalid-input', `approve-lower needs an amount below ${ceiling}; use approve for the full amount.`);
  return amount;
}

async function loadForDecision(context: CommandContext, caseId: string): Promise<{ caseRow: CaseRow; preauth: PreauthRow; hold: HoldRow }> {
  const caseRow = await lockCase(context, caseId);
  // Decisions belong to an open case: after discharge the hold is on its way to a claim or back
  // to the cover, and a late decision stranded it (issue 24 items 8 and 14).
  requireAdmitted(caseRow);
  const hold = await lockHold(context.sql, caseRow.id);
  const preauth = await lockPreauth(context.sql, caseRow.id);
  if (!preauth || !hold) throw reject('preauth-not-requested', 'No pre-authorization was requested for this case.');
  return { caseRow, preauth, hold };
}

/**
 * Apply a final approval (PPD for catalogue packages, Admin for unspecified ones): the hold moves
 * to the approved amount as far as the cover allows; the rest is the patient's expected shortfall.
 */
async function approveAmount(
  context: CommandContext,
  loaded: { caseRow: CaseRow; preauth: PreauthRow; hold: HoldRow },
  approved: number,
  reason: string | null,
): Promise<CommandResult<'approve-unspecified'>> {
  const { caseRow, preauth, hold } = loaded;
  const before = { holdAmount: hold.amount, authorized: hold.authorized };
  const money = {
    sql: context.sql,
    commandId: context.commandId,
    allowPartial: (await yearParameters(context.sql, caseRow.policy_year)).shortfall_policy === 'partial-hold',
  };
  // Under cost sharing the hold is the plan's part: the approved amount less the patient's
  // estimate kept on the hold at the request (issue 14); on the cashless cover, all of it.
  const estimate = (await context.sql.query<{ cost_share_estimate: number }>('SELECT cost_share_estimate FROM holds WHERE id = $1', [hold.id]))[0];
  // The accumulators before the family's cover (the lock order), since freed room may then cover shortfall bookings.
  await lockCaseAccumulators(context.sql, caseRow);
  const patientPart = Math.min(approved, estimate?.cost_share_estimate ?? 0);
  const moved = await setAuthorized(money, caseRow, hold, approved, 'preauth-decision', approved - patientPart);
  // Under 'refuse' an approval the cover cannot hold whole is refused, as for an enhancement: the
  // authorized amount must not rise past what the cover holds (later bookings would extend
  // against it). The rejection rolls back every write above; the pre-auth stays undecided.
  if (!money.allowPartial && moved.uncovered > 0) {
    const family = await familyBalance(context.sql, caseRow.family_id, caseRow.policy_year);
    throw reject(
      'insufficient-cover',
      `The family has ${formatMoney(context, family.available)} available, less than the ${formatMoney(context, moved.uncovered)} this approval would add to the hold, and the scheme refuses partial holds: approve a lower amount or reject the pre-authorization.`,
      { available: family.available, requested: moved.uncovered },
    );
  }
  // No patient share here: an approved amount the cover cannot hold is an estimate (the answer's
  // shortfall); the patient owes only what bookings leave uncovered (issue 12 item 19).
  if (moved.granted > 0) await coverShortfallBookings(money, caseRow, hold);
  await context.sql.query(
    "UPDATE preauths SET status = 'approved', approved_amount = $2, decision_reason = $3, decided_at = now(), decided_by = $4 WHERE id = $1",
    [preauth.id, approved, reason, context.principal.operatorId],
  );
  await appendAudit(context.sql, {
    actorId: context.principal.operatorId,
    action: 'preauth-approved',
    entityType: 'case',
    entityId: caseRow.id,
    before: { ...before, status: preauth.status },
    after: { approved, holdAmount: hold.amount, status: 'approved' },
    commandId: context.commandId,
  });
  return {
    caseId: caseRow.id,
    preauthStatus: 'approved',
    approvedAmount: approved,
    holdAmount: hold.amount,
    shortfall: Math.max(0, approved - patientPart - hold.amount),
    family: await familyBalance(context.sql, caseRow.family_id, caseRow.policy_year),
  };
}

async function rejectPreauth(
  context: CommandContext,
  loaded: { caseRow: CaseRow; preauth: PreauthRow; hold: HoldRow },
  reason: string,
): Promise<CommandResult<'approve-unspecified'>> {
  const { caseRow, preauth, hold } = loaded;
  const before = hold.amount;
  // A booking the desk confirmed as covered stays covered (holds.ts), and a rejected pre-auth can
  // never be claimed: rejecting over covered bookings stranded their part of the hold for good
  // (issue 24 item 8). So the rejection waits until those bookings are voided; a lower amount
  // (not below what they consumed) can be approved instead.
  if (hold.consumed > 0) {
    throw reject(
      'bookings-covered',
      `${formatMoney(context, hold.consumed)} of this case's bookings are already covered by its hold, and covered bookings stay covered: approve a lower amount (at least ${formatMoney(context, hold.consumed)}), or ask the hospital to void those bookings before rejecting.`,
      { consumed: hold.consumed },
    );
  }
  const money = { sql: context.sql, commandId: context.commandId, allowPartial: true };
  // Rejection returns the whole hold, and the hold ends: released, not an active hold of 0.
  await setAuthorized(money, caseRow, hold, 0, 'preauth-rejected');
  await context.sql.query("UPDATE holds SET status = 'released', updated_at = now() WHERE id = $1", [hold.id]);
  await context.sql.query("UPDATE preauths SET status = 'rejected', decision_reason = $2, decided_at = now(), decided_by = $3 WHERE id = $1", [
    preauth.id,
    reason,
    context.principal.operatorId,
  ]);
  await appendAudit(context.sql, {
    actorId: context.principal.operatorId,
    action: 'preauth-rejected',
    entityType: 'case',
    entityId: caseRow.id,
    before: { holdAmount: before, status: preauth.status },
    after: { holdAmount: 0, holdStatus: 'released', status: 'rejected' },
    commandId: context.commandId,
  });
  const summary = `Rejected: the ${formatMoney(context, before)} hold went back to the family's cover; anything booked on this case is the patient's to pay.`;
  return {
    caseId: caseRow.id,
    preauthStatus: 'rejected',
    holdAmount: 0,
    holdStatus: 'released',
    released: before,
    summary,
    family: await familyBalance(context.sql, caseRow.family_id, caseRow.policy_year),
  };
}

export async function decidePreauth(context: CommandContext, body: CommandBody<'decide-preauth'>): Promise<CommandResult<'decide-preauth'>> {
  const loaded = await loadForDecision(context, body.caseId);
  const { caseRow, preauth } = loaded;
  if (preauth.status === 'committee-review' || preauth.status === 'admin-review') {
    throw reject('preauth-not-pending', 'This is an unspecified-package request: it is decided by the Medical Committee and Admin, not PPD.');
  }
  if (preauth.status !== 'pending') throw reject('preauth-not-pending', `The pre-authorization is already ${preauth.status}.`, { status: preauth.status });
  if (body.decision === 'query') {
    const reason = requireReason(body.decision, body.reason);
    await context.sql.query("UPDATE preauths SET status = 'queried', query_reason = $2, query_response = NULL WHERE id = $1", [preauth.id, reason]);
    await appendAudit(context.sql, {
      actorId: context.principal.operatorId,
      action: 'preauth-queried',
      entityType: 'case',
      entityId: caseRow.id,
      before: { status: 'pending' },
      after: { status: 'queried' },
      commandId: context.commandId,
    });
    return { caseId: caseRow.id, preauthStatus: 'queried', queryReason: reason };
  }
  return finalDecision(context, loaded, body.decision, body, preauth.requested_amount);
}

/**
 * The final word on a pre-auth (PPD on a catalogue package, Admin on an unspecified one): approve
 * `full` (what was requested, or what the committee recommended), approve a lower amount with a
 * reason, or reject with a reason.
 */
function finalDecision(
  context: CommandContext,
  loaded: { caseRow: CaseRow; preauth: PreauthRow; hold: HoldRow },
  decision: 'approve' | 'approve-lower' | 'reject',
  body: { readonly amount?: number; readonly reason?: string },
  full: number,
): Promise<CommandResult<'approve-unspecified'>> {
  switch (decision) {
    case 'approve':
      return approveAmount(context, loaded, full, body.reason ?? null);
    case 'approve-lower':
      return approveAmount(context, loaded, lowerAmount(body.amount, full), requireReason(decision, body.reason));
    case 'reject':
      return rejectPreauth(context, loaded, requireReason(decision, body.reason));
  }
}

export async function recommendPreauth(context: CommandContext, body: CommandBody<'recommend-preauth'>): Promise<CommandResult<'recommend-preauth'>> {
  const { caseRow, preauth } = await loadForDecision(context, body.caseId);
  if (preauth.status !== 'committee-review')
    throw reject('preauth-not-pending', `The request is ${preauth.status}, not awaiting the Medical Committee.`, { status: preauth.status });
  await context.sql.query("UPDATE preauths SET status = 'admin-review', recommended_amount = $2, decision_reason = $3 WHERE id = $1", [
    preauth.id,
    body.recommendedAmount,
    body.reason,
  ]);
  await appendAudit(context.sql, {
    actorId: context.principal.operatorId,
    action: 'preauth-recommended',
    entityType: 'case',
    entityId: caseRow.id,
    before: { status: 'committee-review' },
    after: { status: 'admin-review', recommendedAmount: body.recommendedAmount },
    commandId: context.commandId,
  });
  return { caseId: caseRow.id, preauthStatus: 'admin-review', recommendedAmount: body.recommendedAmount };
}

export async function approveUnspecified(context: CommandContext, body: CommandBody<'approve-unspecified'>): Promise<CommandResult<'approve-unspecified'>> {
  const loaded = await loadForDecision(context, body.caseId);
  const { preauth } = loaded;
  if (preauth.status !== 'admin-review' || preauth.recommended_amount === null) {
    throw reject('preauth-not-pending', `The request is ${preauth.status}; Admin decides after the Medical Committee has recommended.`, {
      status: preauth.status,
    });
  }
  return finalDecision(context, loaded, body.decision, body, preauth.recommended_amount);
}

export async function requestEnhancement(context: CommandContext, body: CommandBody<'request-enhancement'>): Promise<CommandResult<'request-enhancement'>> {
  const caseRow = await lockCase(context, body.caseId);
  requireAdmitted(caseRow);
  const preauth = await lockPreauth(context.sql, caseRow.id);
  if (!preauth || preauth.status !== 'approved')
    throw reject('preauth-not-approved', 'An enhancement can only extend an approved pre-authorization.', { status: preauth?.status ?? null });
  const [pending] = await context.sql.query<{ id: string }>("SELECT id FROM enhancements WHERE case_id = $1 AND status = 'pending'", [caseRow.id]);
  if (pending) throw reject('enhancement-already-pending', 'An enhancement request for this case is still waiting for a decision.');
  const [existing] = await context.sql.query<{ id: string }>('SELECT id FROM enhancements WHERE id = $1', [body.enhancementId]);
  if (existing) throw reject('already-registered', 'An enhancement with this id already exists; generate a new id.');
  // The authorized amount stays within maxAmount (one claim's limit), bounded where it grows.
  const [hold] = await context.sql.query<{ authorized: number }>('SELECT authorized FROM holds WHERE case_id = $1', [caseRow.id]);
  const authorized = hold?.authorized ?? 0;
  if (authorized + body.amount > maxAmount) {
    throw reject(
      'authorized-too-large',
      `This case is authorized for ${formatMoney(context, authorized)}; ${formatMoney(context, body.amount)} more would pass ${formatMoney(context, maxAmount)}, the largest amount one claim can carry.`,
      { authorized, requested: body.amount, maxAmount },
    );
  }
  await context.sql.query("INSERT INTO enhancements (id, case_id, requested_amount, status, reason) VALUES ($1, $2, $3, 'pending', $4)", [
    body.enhancementId,
    caseRow.id,
    body.amount,
    body.reason,
  ]);
  await appendAudit(context.sql, {
    actorId: context.principal.operatorId,
    action: 'enhancement-requested',
    entityType: 'case',
    entityId: caseRow.id,
    after: { enhancementId: body.enhancementId, amount: body.amount },
    commandId: context.commandId,
  });
  return { caseId: caseRow.id, enhancementId: body.enhancementId, status: 'pending', requestedAmount: body.amount };
}

export async function decideEnhancement(context: CommandContext, body: CommandBody<'decide-enhancement'>): Promise<CommandResult<'decide-enhancement'>> {
  const [found] = await context.sql.query<{ case_id: string }>('SELECT case_id FROM enhancements WHERE id = $1', [body.enhancementId]);
  if (!found) throw fail('not-found', `There is no enhancement request ${body.enhancementId}.`);
  const caseRow = await lockCase(context, found.case_id);
  requireAdmitted(caseRow);
  const hold = await lockHold(context.sql, caseRow.id);
  const [enhancement] = await context.sql.query<{ id: string; requested_amount: number; status: string }>(
    'SELECT id, requested_amount, status FROM enhancements WHERE id = $1 FOR UPDATE',
    [body.enhancementId],
  );
  if (!enhancement || !hold) throw fail('not-found', `There is no enhancement request ${body.enhancementId}.`);
  if (enhancement.status !== 'pending')
    throw reject('enhancement-not-pending', `The enhancement is already ${enhancement.status}.`, { status: enhancement.status });
  if (body.decision === 'reject') {
    const reason = requireReason(body.decision, body.reason);
    await context.sql.query("UPDATE enhancements SET status = 'rejected', decision_reason = $2, decided_at = now(), decided_by = $3 WHERE id = $1", [
      enhancement.id,
      reason,
      context.principal.operatorId,
    ]);
    await appendAudit(context.sql, {
      actorId: context.principal.operatorId,
      action: 'enhancement-rejected',
      entityType: 'case',
      entityId: caseRow.id,
      after: { enhancementId: enhancement.id },
      commandId: context.commandId,
    });
    return { caseId: caseRow.id, enhancementId: enhancement.id, status: 'rejected', holdAmount: hold.amount };
  }
  const approved = body.decision === 'approve' ? enhancement.requested_amount : lowerAmount(body.amount, enhancement.requested_amount);
  const reason = body.decision === 'approve-lower' ? requireReason(body.decision, body.reason) : (body.reason ?? null);
  const money = {
    sql: context.sql,
    commandId: context.commandId,
    allowPartial: (await yearParameters(context.sql, caseRow.policy_year)).shortfall_policy === 'partial-hold',
  };
  const before = { holdAmount: hold.amount, authorized: hold.authorized };
  // The accumulators before the family's cover (the lock order), since the new room may cover shortfall bookings.
  const costSharing = await lockCaseAccumulators(context.sql, caseRow);
  // Under cost sharing the hold grows by the plan's part of the enhancement only, and the
  // patient's part joins the estimate kept on the hold (issue 14), as at request-preauth.
  const { patientPart, planPart, parts } = costSharing
    ? await enhancementEstimate(context, caseRow, hold.package_code, costSharing, hold.authorized, approved)
    : { patientPart: 0, planPart: approved, parts: noEstimateParts };
  hold.authorized += approved;
  // The estimate's parts move with it (migration 044; NULL parts, on a hold placed before it, stay NULL).
  await context.sql.query(
    `UPDATE holds SET authorized = $2, cost_share_estimate = cost_share_estimate + $3,
            estimate_deductible = estimate_deductible + $4, estimate_coinsurance = estimate_coinsurance + $5,
            estimate_copay = estimate_copay + $6, estimate_not_covered = estimate_not_covered + $7, updated_at = now()
      WHERE id = $1`,
    [hold.id, hold.authorized, patientPart, parts.deductible, parts.coinsurance, parts.copay, parts.notCovered],
  );
  // The hold grows by the plan's part if the cover allows; whatever it cannot hold stays shortfall.
  const granted = await extendHold(money, caseRow, hold, planPart, 'enhancement');
  // Under 'refuse' the scheme refuses a hold the cover cannot take whole (001-initial.ts): an
  // approval of which nothing is granted must not raise the authorized amount either, or later
  // bookings would extend against an authorization the cover never held. Refused, and the
  // rejection rolls back every write above (runner.ts); the enhancement stays pending.
  if (!money.allowPartial && granted < planPart) {
    const family = await familyBalance(context.sql, caseRow.family_id, caseRow.policy_year);
    throw reject(
      'insufficient-cover',
      `The family has ${formatMoney(context, family.available)} available, less than the ${formatMoney(context, planPart)} this approval would hold, and the scheme refuses partial holds: approve a lower amount or reject the enhancement.`,
      { available: family.available, requested: planPart },
    );
  }
  const covered = await coverShortfallBookings(money, caseRow, hold);
  await context.sql.query(
    `UPDATE enhancements SET status = 'approved', approved_amount = $2, granted_amount = $3, decision_reason = $4, decided_at = now(), decided_by = $5,
            patient_deductible = $6, patient_coinsurance = $7, patient_copay = $8, patient_not_covered = $9
      WHERE id = $1`,
    [enhancement.id, approved, granted, reason, context.principal.operatorId, parts.deductible, parts.coinsurance, parts.copay, parts.notCovered],
  );
  await appendAudit(context.sql, {
    actorId: context.principal.operatorId,
    action: 'enhancement-approved',
    entityType: 'case',
    entityId: caseRow.id,
    before,
    after: {
      enhancementId: enhancement.id,
      approved,
      planPart,
      patientEstimate: patientPart,
      granted,
      holdAmount: hold.amount,
      authorized: hold.authorized,
      bookingsNowCovered: covered,
    },
    commandId: context.commandId,
  });
  return {
    caseId: caseRow.id,
    enhancementId: enhancement.id,
    status: 'approved',
    approvedAmount: approved,
    grantedAmount: granted,
    uncovered: planPart - granted,
    holdAmount: hold.amount,
    bookingsNowCovered: covered,
    family: await familyBalance(context.sql, caseRow.family_id, caseRow.policy_year),
  };
}
