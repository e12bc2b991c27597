import type { Sql } from '../db/database';
import type { CaseRow, HoldRow } from '../commands/case-access';
import { appendLedger, releaseCover, reserveCover } from './family-cover';
import { recordBookingShortfall } from './patient-account';
import { planRoom } from '@domain/plan-design';
import { applyMovements, lockAccumulators, planOfAccount } from './accumulators';

interface MoneyContext {
  readonly sql: Sql;
  readonly commandId: string;
  readonly allowPartial: boolean;
}

/** Grow a hold by up to `amount` from the family's cover; returns what was granted. */
export async function extendHold(context: MoneyContext, caseRow: CaseRow, hold: HoldRow, amount: number, reason: string): Promise<number> {
  if (amount <= 0) return 0;
  const grant = await reserveCover(context.sql, caseRow.family_id, caseRow.policy_year, amount, context.allowPartial);
  const granted = grant?.granted ?? 0;
  if (granted > 0) {
    hold.amount += granted;
    await context.sql.query('UPDATE holds SET amount = $2, updated_at = now() WHERE id = $1', [hold.id, hold.amount]);
    await appendLedger(context.sql, {
      familyId: caseRow.family_id,
      policyYear: caseRow.policy_year,
      caseId: caseRow.id,
      component: 'hold',
      delta: granted,
      reason,
      commandId: context.commandId,
    });
  }
  return granted;
}

/**
 * Shrink a hold towards `target`, but never below what covered bookings already consumed:
 * a booking confirmed as covered must never turn into shortfall. Returns what was released.
 */
export async function reduceHold(context: MoneyContext, caseRow: CaseRow, hold: HoldRow, target: number, reason: string): Promise<number> {
  const floor = Math.max(target, hold.consumed);
  const release = hold.amount - floor;
  if (release <= 0) return 0;
  await releaseCover(context.sql, caseRow.family_id, caseRow.policy_year, release);
  hold.amount = floor;
  await context.sql.query('UPDATE holds SET amount = $2, updated_at = now() WHERE id = $1', [hold.id, hold.amount]);
  await appendLedger(context.sql, {
    familyId: caseRow.family_id,
    policyYear: caseRow.policy_year,
    caseId: caseRow.id,
    component: 'hold',
    delta: -release,
    reason,
    commandId: context.commandId,
  });
  return release;
}

/**
 * Set the authorized amount of a case and move its hold towards it (or towards `holdTarget`: the
 * plan's part of it under cost sharing): grow from the cover as far as it allows, or shrink (not
 * below consumed). Returns the new hold and the part of the
 * authorized amount that the cover could not hold (the patient's expected shortfall change).
 */
export async function setAuthorized(
  context: MoneyContext,
  caseRow: CaseRow,
  hold: HoldRow,
  authorized: number,
  reason: string,
  holdTarget: number = authorized,
): Promise<{ granted: number; released: number; uncovered: number }> {
  hold.authorized = authorized;
  await context.sql.query('UPDATE holds SET authorized = $2, updated_at = now() WHERE id = $1', [hold.id, authorized]);
  if (holdTarget > hold.amount) {
    const wanted = holdTarget - hold.amount;
    const granted = await extendHold(context, caseRow, hold, wanted, reason);
    return { granted, released: 0, uncovered: wanted - granted };
  }
  const released = await reduceHold(context, caseRow, hold, holdTarget, reason);
  return { granted: 0, released, uncovered: 0 };
}

/**
 * The case's plan year when it shares costs, with the family's accumulators locked (null on the
 * cashless cover). A command that may cover shortfall bookings later and also touches the
 * family's cover (an approval, an enhancement) calls this first, so that it takes its locks in
 * the money model's order, case → hold → accumulators → family_years (money/accumulators.ts),
 * as add-booking does.
 */
export async function lockCaseAccumulators(sql: Sql, caseRow: CaseRow) {
  const account = await planOfAccount(sql, caseRow.family_id, caseRow.policy_year);
  if (!account?.hasCostSharing) return null;
  return { plan: account.plan, state: await lockAccumulators(sql, caseRow.family_id, caseRow.member_id, account.plan) };
}

/**
 * After a hold gains free room (enhancement granted, booking voided), cover the case's shortfall
 * bookings oldest first. Shortfall may become covered; covered never becomes shortfall.
 * On a plan with cost sharing, what the plan now pays moves its plan-paid accumulators (`benefit`)
 * in this transaction, as the booking's own entries (source `booking`, so a later void or
 * cancel gives it back with the rest), and never past the plan's limits (planRoom): a shortfall
 * the plan may not pay stays the patient's.
 */
export async function coverShortfallBookings(context: MoneyContext, caseRow: CaseRow, hold: HoldRow): Promise<number> {
  let free = hold.amount - hold.consumed;
  if (free <= 0) return 0;
  const rows = await context.sql.query<{ id: string; shortfall_amount: number; plan_id: string | null }>(
    "SELECT id, shortfall_amount, plan_id FROM bookings WHERE case_id = $1 AND status = 'active' AND closed_at IS NULL AND shortfall_amount > 0 ORDER BY seq FOR UPDATE",
    [caseRow.id],
  );
  if (rows.length === 0) return 0;
  const costSharing = rows.some((row) => row.plan_id !== null) ? await lockCaseAccumulators(context.sql, caseRow) : null;
  let room = costSharing ? planRoom(costSharing.plan, costSharing.state, 'medical') : Number.POSITIVE_INFINITY;
  let moved = 0;
  for (const row of rows) {
    if (free <= 0) break;
    const take = Math.min(free, row.shortfall_amount, row.plan_id !== null ? room : Number.POSITIVE_INFINITY);
    if (take <= 0) continue;
    await context.sql.query('UPDATE bookings SET covered_amount = covered_amount + $2, shortfall_amount = shortfall_amount - $2 WHERE id = $1', [row.id, take]);
    await recordBookingShortfall(context.sql, caseRow, row.id, -take, { kind: 'shortfall-covered', id: context.commandId }, context.commandId);
    if (row.plan_id !== null) {
      room -= take;
      await applyMovements(
        context.sql,
        {
          familyId: caseRow.family_id,
          memberId: caseRow.member_id,
          policyYear: caseRow.policy_year,
          planId: row.plan_id,
          sourceKind: 'booking',
          sourceId: row.id,
          commandId: context.commandId,
        },
        [
          { level: 'family', kind: 'benefit', coverage: 'medical', delta: take },
          { level: 'member', kind: 'benefit', coverage: 'medical', delta: take },
        ],
      );
    }
    free -= take;
    moved += take;
  }
  if (moved > 0) {
    hold.consumed += moved;
    await context.sql.query('UPDATE holds SET consumed = $2, updated_at = now() WHERE id = $1', [hold.id, hold.consumed]);
  }
  return moved;
}
