import type { CommandBody } from '@contract/commands';
import type { Refusal } from '@domain/outcomes';
import type { Principal } from '../auth/tokens';
import { isRetryable, pgErrorCode, pgErrorDetail, type Database } from '../db/database';
import { addBookingRejections } from './bookings';
import { caseNotAdmitted, caseNotFound } from './case-access';
import { formatMoney, type SchemeRow } from './context';

/**
 * add-booking in ONE round trip: the add_booking_decision function (migration 015-scheme-in-transaction.ts, first 004 and 011)
 * claims the command id, locks the case, allocates against the hold, arbitrates any extension on
 * the family row and writes the booking, ledger, patient share, audit entry and stored answer,
 * all in the implicit transaction of a single autocommit statement. No BEGIN, no COMMIT, no lock
 * held across a round trip. The handler `addBooking` (bookings.ts) is the specification it mirrors.
 */

/** The SQLSTATEs add_booking_decision raises. Raising rolls the statement back: nothing is written. */
const raised = { notFound: 'CD404', rejected: 'CD409', costSharing: 'CD307' } as const;

/** The first answer to a command id, as stored by whichever command claimed it. */
export interface StoredCommand {
  operator_id: string;
  /** Null for a row from before migration 014, whose unkeyed hash was erased. */
  request_hash: string | null;
  http_status: number;
  answer: Record<string, unknown>;
}

export type BookingDecision =
  | { readonly kind: 'decided'; readonly answer: Record<string, unknown> }
  /** The id was claimed before: the runner compares request and operator and replays the answer. */
  | { readonly kind: 'claimed-before'; readonly prior: StoredCommand }
  /**
   * The case's plan year shares costs: the TypeScript handler decides (migration 031, one
   * implementation of cost sharing). Nothing was written, the command id is not claimed.
   */
  | { readonly kind: 'needs-handler' }
  /** A business rejection: the runner stores it as it stores every rejection. */
  | { readonly kind: 'rejected'; readonly refusal: Extract<Refusal, { kind: 'rejection' }> };

export interface BookingDecisionInput {
  readonly body: CommandBody<'add-booking'>;
  readonly principal: Principal;
  readonly requestHash: string;
  /** From bookingAmount(): quantity × unit price, already within maxAmount. */
  readonly amount: number;
}

interface DecisionRow {
  is_replay: boolean;
  claim_operator_id: string;
  claim_request_hash: string | null;
  answer_status: number;
  answer_body: Record<string, unknown>;
}

const call =
  'SELECT is_replay, claim_operator_id, claim_request_hash, answer_status, answer_body FROM add_booking_decision($1::text, $2::uuid, $3::uuid, $4::text, $5::text, $6::uuid, $7::text, $8::text, $9::integer, $10::bigint, $11::bigint)';

/** The exact statement and parameters of one decision (the benchmark's raw phase sends the same). */
export function bookingDecisionStatement(input: BookingDecisionInput): { text: string; params: (string | number | null)[] } {
  const { body, principal } = input;
  return {
    text: call,
    params: [
      body.commandId,
      principal.operatorId,
      principal.hospitalId,
      input.requestHash,
      body.bookingId,
      body.caseId,
      body.itemCode,
      body.description,
      body.quantity,
      body.unitPrice,
      input.amount,
    ],
  };
}

/**
 * Decide one add-booking in the database. Throws the handler's own not-found refusal (nothing
 * written) and lets any other database error through (a booking id created by another request at
 * the same moment is a unique violation, which the runner answers as it always has). Deadlocks
 * are retried like the runner's transactions.
 */
export async function decideBookingInDatabase(db: Database, input: BookingDecisionInput): Promise<BookingDecision> {
  const { text, params } = bookingDecisionStatement(input);
  for (let attempt = 1; ; attempt += 1) {
    try {
      const [row] = await db.query<DecisionRow>(text, params);
      if (!row) throw new Error('add_booking_decision returned no row');
      if (row.is_replay) {
        return {
          kind: 'claimed-before',
          prior: { operator_id: row.claim_operator_id, request_hash: row.claim_request_hash, http_status: row.answer_status, answer: row.answer_body },
        };
      }
      return { kind: 'decided', answer: row.answer_body };
    } catch (error) {
      const code = pgErrorCode(error);
      if (code === raised.notFound) throw caseNotFound(input.body.caseId);
      if (code === raised.costSharing) return { kind: 'needs-handler' };
      if (code === raised.rejected) return { kind: 'rejected', refusal: await rejectionOf(db, error, input.amount) };
      if (isRetryable(error) && attempt < 5) continue;
      throw error;
    }
  }
}

/** Word a rejection raised by the function with the handler's own refusal builders. */
async function rejectionOf(db: Database, error: unknown, amount: number): Promise<Extract<Refusal, { kind: 'rejection' }>> {
  const code = error instanceof Error ? error.message : '';
  const refused =
    code === 'case-not-admitted'
      ? caseNotAdmitted(pgErrorDetail(error) ?? 'not admitted')
      : code === 'preauth-not-requested'
        ? addBookingRejections.preauthNotRequested()
        : code === 'booking-exists'
          ? addBookingRejections.bookingExists()
          : code === 'case-total-too-large'
            ? addBookingRejections.caseTotalTooLarge(Number(pgErrorDetail(error)), amount, await schemeMoney(db))
            : null;
  if (refused?.refusal.kind !== 'rejection') throw new Error(`add_booking_decision raised an unknown rejection: ${code}`);
  return refused.refusal;
}

/**
 * Amounts worded as the handler's formatMoney words them, for the one rejection that names
 * amounts. Read here, on that rare path, so the hot path's inputs stay what the runner sends.
 */
async function schemeMoney(db: Database): Promise<(minor: number) => string> {
  const [scheme] = await db.query<Pick<SchemeRow, 'currency' | 'locale' | 'minor_per_unit'>>(
    'SELECT currency, locale, minor_per_unit FROM schemes WHERE is_current',
  );
  if (!scheme) throw new Error('There is no current scheme to word the amounts in.');
  return (minor) => formatMoney({ scheme }, minor);
}
