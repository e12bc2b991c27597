import type { CommandBody } from '@contract/commands';
import { allocateBooking, bookingExtension, extensionCeiling, maxAmount } from '@domain/money';
import { fail, reject, type RefusedError } from '@domain/outcomes';
import { appendAudit } from '../audit/chain';
import { appendLedger, releaseCover, reserveCover } from '../money/family-cover';
import { recordBookingShortfall } from '../money/patient-account';
import { coverShortfallBookings } from '../money/holds';
import { writeBooking } from './booking-write';
import { planOfAccount } from '../money/accumulators';
import { addCostSharedBooking, reverseBookingAccumulators, type BookingState } from './cost-shared-booking';
import { familyBalance, lockCase, lockHold, lockPreauth, requireAdmitted } from './case-access';
import { formatMoney, yearParameters, type CommandContext, type CommandResult } from './context';

export type BookingCoverage = 'covered' | 'partly-covered' | 'shortfall';

export function coverageOf(covered: number, shortfall: number): BookingCoverage {
  if (shortfall === 0) return 'covered';
  return covered > 0 ? 'partly-covered' : 'shortfall';
}

/** add-booking's own rejections, worded once for this handler and for add_booking_decision (booking-decision.ts). */
export const addBookingRejections = {
  preauthNotRequested: () => reject('preauth-not-requested', 'Request pre-authorization for this case before booking services.'),
  bookingExists: () => reject('booking-exists', 'A booking with this id already exists; generate a new id for a new booking.'),
  /** `booked`: the case's active bookings so far; `money` words amounts in the scheme's currency. */
  caseTotalTooLarge: (booked: number, amount: number, money: (minor: number) => string) =>
    reject(
      'case-total-too-large',
      `This booking of ${money(amount)} would take the case's bookings from ${money(booked)} above ${money(maxAmount)}, the largest amount one claim can carry; check the quantity and unit price.`,
      { booked, amount, maxAmount },
    ),
};

/**
 * The amount of a booking, or the refusal for one above the largest amount accepted. Checked
 * after the command claim like every refusal (the hot path leaves these to this handler).
 */
export function bookingAmount(quantity: number, unitPrice: number): number | RefusedError {
  const amount = quantity * unitPrice;
  return amount > maxAmount ? fail('invalid-input', `quantity × unitPrice is ${amount}, above the largest amount accepted (${maxAmount}).`) : amount;
}

/**
 * A booking consumes the case's hold. Past the hold it may extend the hold within policy (up to
 * the authorized amount plus the scheme's auto-extension tolerance, and only as far as the cover
 * allows, through the same conditional statement as every hold; under the 'refuse' policy the
 * whole excess or nothing, see bookingExtension); the rest is shortfall. The scheme's parameters
 * are the row read in this command's transaction (runner.ts, currentScheme).
 *
 * MIRRORED: the server decides add-booking in one statement, add_booking_decision (migration
 * 015-scheme-in-transaction.ts, called from booking-decision.ts), which repeats this handler step by step.
 * This handler stays the readable specification (and still runs for amounts above maxAmount and
 * with addBookingVia 'handler'); booking-decision.test.ts requires both to answer and write the
 * same. Change one, change the other.
 */
export async function addBooking(context: CommandContext, body: CommandBody<'add-booking'>): Promise<CommandResult<'add-booking'>> {
  const amount = bookingAmount(body.quantity, body.unitPrice);
  if (typeof amount !== 'number') throw amount;
  const caseRow = await lockCase(context, body.caseId);
  requireAdmitted(caseRow);
  // Hold, pre-auth and family in one read: the case lock taken above is the mutex for all of the
  // case's rows (every writer locks the case first), so this fresh read cannot go stale.
  const [state] = await context.sql.query<BookingState & { booking_exists: boolean; booked: number }>(
    `SELECT h.id AS hold_id, h.amount, h.consumed, h.authorized, h.cost_share_estimate, h.package_code, h.package_version, p.status AS preauth_status, f.cover, f.committed,
            EXISTS (SELECT 1 FROM bookings b WHERE b.id = $2) AS booking_exists,
            (SELECT COALESCE(sum(b.amount), 0) FROM bookings b WHERE b.case_id = h.case_id AND b.status = 'active')::bigint AS booked
       FROM holds h JOIN preauths p ON p.case_id = h.case_id JOIN family_years f ON f.family_id = h.family_id AND f.policy_year = h.policy_year
      WHERE h.case_id = $1`,
    [caseRow.id, body.bookingId],
  );
  if (!state) throw addBookingRejections.preauthNotRequested();
  if (state.booking_exists) throw addBookingRejections.bookingExists();
  // The case's total is bounded where it is created: a claim must equal it and carries at most maxAmount.
  if (state.booked + amount > maxAmount) throw addBookingRejections.caseTotalTooLarge(state.booked, amount, (minor) => formatMoney(context, minor));
  // A plan year with cost sharing splits the charge first (issue 14); add_booking_decision hands these here.
  const account = await planOfAccount(context.sql, caseRow.family_id, caseRow.policy_year);
  if (account?.hasCostSharing) return addCostSharedBooking(context, body, caseRow, state, amount, account);

  const { fromHold, excess } = allocateBooking(amount, state.amount - state.consumed);
  let extended = 0;
  let family = { cover: state.cover, committed: state.committed };
  if (excess > 0 && state.preauth_status !== 'rejected') {
    // The parameters of the case's policy year, as committed now.
    const parameters = await yearParameters(context.sql, caseRow.policy_year);
    const room = Math.max(0, extensionCeiling(state.authorized, parameters.auto_extend_bp) - state.amount);
    // Under 'refuse' the whole excess or nothing, never a partial hold (issue 24 item 11).
    const { requested, allowPartial } = bookingExtension(excess, room, parameters.shortfall_policy);
    if (requested > 0) {
      // Past the hold: grow it within policy through the same conditional arbitration statement.
      const grant = await reserveCover(context.sql, caseRow.family_id, caseRow.policy_year, requested, allowPartial);
      if (grant) {
        extended = grant.granted;
        family = { cover: grant.cover, committed: grant.committed };
      }
    }
  }
  const covered = fromHold + extended;
  const shortfall = amount - covered;
  const hold = { amount: state.amount + extended, consumed: state.consumed + covered };
  await writeBooking(context, caseRow, state, body, { amount, covered, shortfall, extended, hold }, null);
  await appendAudit(context.sql, {
    actorId: context.principal.operatorId,
    action: 'booking-added',
    entityType: 'booking',
    entityId: body.bookingId,
    after: { caseId: caseRow.id, amount, covered, shortfall, extended, holdAmount: hold.amount, consumed: hold.consumed },
    commandId: context.commandId,
  });
  return {
    bookingId: body.bookingId,
    caseId: caseRow.id,
    amount,
    coveredAmount: covered,
    shortfallAmount: shortfall,
    costShare: { deductible: 0, coinsurance: 0, copay: 0, total: 0 },
    coverage: coverageOf(covered, shortfall),
    packageCode: state.package_code,
    packageVersion: state.package_version,
    hold: { amount: hold.amount, consumed: hold.consumed, free: hold.amount - hold.consumed, extended },
    family: { ...family, available: family.cover - family.committed },
  };
}

export async function voidBooking(context: CommandContext, body: CommandBody<'void-booking'>): Promise<CommandResult<'void-booking'>> {
  const [found] = await context.sql.query<{ case_id: string }>('SELECT case_id FROM bookings WHERE id = $1', [body.bookingId]);
  if (!found) throw fail('not-found', `There is no booking ${body.bookingId}.`);
  const caseRow = await lockCase(context, found.case_id);
  const hold = await lockHold(context.sql, caseRow.id);
  const [booking] = await context.sql.query<{
    id: string;
    status: string;
    closed_at: Date | null;
    covered_amount: number;
    shortfall_amount: number;
    amount: number;
  }>('SELECT id, status, closed_at, covered_amount, shortfall_amount, amount FROM bookings WHERE id = $1 FOR UPDATE', [body.bookingId]);
  if (!booking || !hold) throw fail('not-found', `There is no booking ${body.bookingId}.`);
  if (booking.status === 'voided') throw reject('booking-already-voided', 'This booking was already voided.');
  if (booking.closed_at) throw reject('booking-closed', 'This booking is closed: its claim was submitted.');
  // Discharge closes the bookings (its booking sum is what the claim must equal). It takes the
  // same case lock as this command, so whichever comes second sees the other's outcome.
  if (caseRow.status !== 'admitted')
    throw reject('booking-closed', `The case is ${caseRow.status}: its bookings were closed when it ended, so this booking can no longer be voided.`, {
      status: caseRow.status,
    });
  await context.sql.query("UPDATE bookings SET status = 'voided', void_reason = $2 WHERE id = $1", [booking.id, body.reason]);
  await reverseBookingAccumulators(context, caseRow, booking.id);
  hold.consumed -= booking.covered_amount;
  await context.sql.query('UPDATE holds SET consumed = $2, updated_at = now() WHERE id = $1', [hold.id, hold.consumed]);
  await recordBookingShortfall(context.sql, caseRow, booking.id, -booking.shortfall_amount, { kind: 'booking-void', id: booking.id }, context.commandId);
  // The freed part of the hold first covers this case's shortfall bookings.
  const nowCovered = await coverShortfallBookings({ sql: context.sql, commandId: context.commandId, allowPartial: true }, caseRow, hold);
  await appendAudit(context.sql, {
    actorId: context.principal.operatorId,
    action: 'booking-voided',
    entityType: 'booking',
    entityId: booking.id,
    before: { status: 'active', covered: booking.covered_amount, shortfall: booking.shortfall_amount },
    after: { status: 'voided', holdConsumed: hold.consumed, bookingsNowCovered: nowCovered },
    commandId: context.commandId,
  });
  return {
    bookingId: booking.id,
    status: 'voided',
    hold: { amount: hold.amount, consumed: hold.consumed, free: hold.amount - hold.consumed },
    bookingsNowCovered: nowCovered,
  };
}

/** Pre-auth states still waiting for a reviewer: the claim would need their decision. */
const undecidedPreauth: ReadonlySet<string> = new Set(['pending', 'queried', 'committee-review', 'admin-review']);

/**
 * Discharge closes the case to new bookings and voids. Every hold must end released or claimed
 * (issue 12 item 16, issue 24 items 8 and 14), so discharge decides which:
 * - nothing booked: there is nothing to claim, so the hold goes back to the family's cover now and
 *   an undecided pre-auth is cancelled (a claim of 0 would be a claim of nothing);
 * - bookings and an approved pre-auth: the hold stays until the claim of exactly the booking sum;
 * - bookings and a rejected pre-auth: its hold was released at the rejection; the patient pays;
 * - bookings and an undecided pre-auth: refused, since after discharge no decision is taken and
 *   the claim needs one: discharge after the decision, or void the bookings first.
 */
export async function discharge(context: CommandContext, body: CommandBody<'discharge'>): Promise<CommandResult<'discharge'>> {
  const caseRow = await lockCase(context, body.caseId);
  requireAdmitted(caseRow);
  const hold = await lockHold(context.sql, caseRow.id);
  const preauth = await lockPreauth(context.sql, caseRow.id);
  const [sum] = await context.sql.query<{ total: number; covered: number }>(
    "SELECT COALESCE(sum(amount), 0)::bigint AS total, COALESCE(sum(covered_amount), 0)::bigint AS covered FROM bookings WHERE case_id = $1 AND status = 'active'",
    [caseRow.id],
  );
  const bookingSum = sum?.total ?? 0;
  const coveredSum = sum?.covered ?? 0;
  const isUndecided = preauth !== null && undecidedPreauth.has(preauth.status);
  if (bookingSum > 0 && isUndecided) {
    throw reject(
      'preauth-not-decided',
      `The pre-authorization is still ${preauth.status} and ${formatMoney(context, bookingSum)} is booked: the claim needs its decision. Discharge once it is decided, or void the bookings first.`,
      { preauthStatus: preauth.status, bookingSum },
    );
  }
  await context.sql.query("UPDATE cases SET status = 'discharged', discharged_at = now() WHERE id = $1", [caseRow.id]);
  await context.sql.query("UPDATE enhancements SET status = 'cancelled' WHERE case_id = $1 AND status = 'pending'", [caseRow.id]);
  let released = 0;
  // Booked but none of it covered (a hold of 0: the family's cover was used up): nothing to claim
  // (submit-claim refuses a claim of 0), so the hold ends here, as with nothing booked.
  const isNothingCovered = bookingSum > 0 && coveredSum === 0 && preauth?.status === 'approved' && hold?.status === 'active';
  if (bookingSum === 0 || isNothingCovered) {
    if (bookingSum === 0 && isUndecided) await context.sql.query("UPDATE preauths SET status = 'cancelled' WHERE id = $1", [preauth.id]);
    if (hold && hold.status === 'active') {
      released = hold.amount;
      await context.sql.query("UPDATE holds SET consumed = 0, amount = 0, status = 'released', updated_at = now() WHERE id = $1", [hold.id]);
      if (released > 0) {
        await releaseCover(context.sql, caseRow.family_id, caseRow.policy_year, released);
        await appendLedger(context.sql, {
          familyId: caseRow.family_id,
          policyYear: caseRow.policy_year,
          caseId: caseRow.id,
          component: 'hold',
          delta: -released,
          reason: bookingSum === 0 ? 'discharged-nothing-booked' : 'discharged-nothing-covered',
          commandId: context.commandId,
        });
      }
    }
  }
  // releaseCover touches the family row itself; otherwise touch it so its replicated summary moves.
  if (released === 0) await context.sql.defer('UPDATE families SET updated_at = now() WHERE id = $1', [caseRow.family_id]);
  const holdStatus = hold === null ? null : bookingSum === 0 || isNothingCovered ? 'released' : hold.status;
  const isClaimable = bookingSum > 0 && !isNothingCovered && preauth?.status === 'approved' && hold?.status === 'active';
  const summary = isClaimable
    ? `Discharged with ${formatMoney(context, bookingSum)} booked: submit the claim for exactly that amount.`
    : isNothingCovered
      ? `Discharged with ${formatMoney(context, bookingSum)} booked and none of it covered (the family's cover held nothing for this case): the patient pays it, and there is nothing to claim.`
      : bookingSum > 0
        ? `Discharged with ${formatMoney(context, bookingSum)} booked against a pre-authorization that is ${preauth?.status ?? 'missing'}: the patient pays it, and there is nothing to claim.`
        : released > 0
          ? `Discharged with nothing booked: the ${formatMoney(context, released)} hold went back to the family's cover, and there is nothing to claim.`
          : 'Discharged with nothing booked and nothing held: there is nothing to claim.';
  await appendAudit(context.sql, {
    actorId: context.principal.operatorId,
    action: 'case-discharged',
    entityType: 'case',
    entityId: caseRow.id,
    before: { status: 'admitted' },
    after: { status: 'discharged', bookingSum, holdStatus, released },
    commandId: context.commandId,
  });
  return { caseId: caseRow.id, status: 'discharged', bookingSum, holdStatus, released, nextStep: isClaimable ? 'submit-claim' : 'none', summary };
}

export async function cancelCase(context: CommandContext, body: CommandBody<'cancel-case'>): Promise<CommandResult<'cancel-case'>> {
  const caseRow = await lockCase(context, body.caseId);
  if (caseRow.status === 'discharged') throw reject('case-already-discharged', 'A discharged case cannot be cancelled; submit its claim instead.');
  requireAdmitted(caseRow);
  const hold = await lockHold(context.sql, caseRow.id);
  const voided = await context.sql.query<{ id: string; shortfall_amount: number }>(
    "UPDATE bookings SET status = 'voided', void_reason = 'case cancelled' WHERE case_id = $1 AND status = 'active' RETURNING id, shortfall_amount",
    [caseRow.id],
  );
  for (const booking of voided) {
    await reverseBookingAccumulators(context, caseRow, booking.id);
    await recordBookingShortfall(context.sql, caseRow, booking.id, -booking.shortfall_amount, { kind: 'booking-void', id: booking.id }, context.commandId);
  }
  let released = 0;
  if (hold) {
    released = hold.amount;
    await context.sql.query("UPDATE holds SET consumed = 0, amount = 0, status = 'released', updated_at = now() WHERE id = $1", [hold.id]);
    if (released > 0) {
      await releaseCover(context.sql, caseRow.family_id, caseRow.policy_year, released);
      await appendLedger(context.sql, {
        familyId: caseRow.family_id,
        policyYear: caseRow.policy_year,
        caseId: caseRow.id,
        component: 'hold',
        delta: -released,
        reason: 'case-cancelled',
        commandId: context.commandId,
      });
    }
  }
  await context.sql.query("UPDATE preauths SET status = 'cancelled' WHERE case_id = $1", [caseRow.id]);
  await context.sql.query("UPDATE enhancements SET status = 'cancelled' WHERE case_id = $1 AND status = 'pending'", [caseRow.id]);
  await context.sql.query("UPDATE cases SET status = 'cancelled', cancelled_at = now(), cancel_reason = $2 WHERE id = $1", [caseRow.id, body.reason]);
  if (released === 0) await context.sql.defer('UPDATE families SET updated_at = now() WHERE id = $1', [caseRow.family_id]);
  await appendAudit(context.sql, {
    actorId: context.principal.operatorId,
    action: 'case-cancelled',
    entityType: 'case',
    entityId: caseRow.id,
    before: { status: 'admitted', holdAmount: released },
    after: { status: 'cancelled', released, bookingsVoided: voided.length },
    commandId: context.commandId,
  });
  return {
    caseId: caseRow.id,
    status: 'cancelled',
    released,
    bookingsVoided: voided.length,
    family: await familyBalance(context.sql, caseRow.family_id, caseRow.policy_year),
  };
}
