import { reject } from './outcomes';

export const reasonCodes = [
  'not-medically-necessary',
  'tariff-exceeded',
  'not-covered',
  'duplicate-billing',
  'insufficient-documents',
  'length-of-stay-excess',
  'other',
] as const;
export type ReasonCode = (typeof reasonCodes)[number];

export type LineDecision = 'full' | 'partial' | 'deny';

export interface LineDecisionInput {
  readonly bookingId: string;
  readonly decision: LineDecision;
  readonly approvedAmount?: number | undefined;
  readonly reasonCode?: ReasonCode | undefined;
}

export interface ClaimLine {
  readonly bookingId: string;
  /** What the payer was asked for on this line (the covered part of the booking). */
  readonly payerAmount: number;
}

/**
 * Turn reviewer decisions into approved amounts per line. Full approves the line's payer amount;
 * partial approves less than that (a reason is required); deny approves nothing (a reason is
 * required). Every line of the claim must be decided exactly once.
 */
export function adjudicateLines(
  lines: readonly ClaimLine[],
  decisions: readonly LineDecisionInput[],
): { bookingId: string; decision: LineDecision; approvedAmount: number; reasonCode: ReasonCode | null }[] {
  const byBooking = new Map(decisions.map((d) => [d.bookingId, d]));
  if (byBooking.size !== decisions.length) throw reject('claim-lines-mismatch', 'Each claim line may be decided only once.');
  const known = new Set(lines.map((l) => l.bookingId));
  const unknown = decisions.filter((d) => !known.has(d.bookingId)).map((d) => d.bookingId);
  const missing = lines.filter((l) => !byBooking.has(l.bookingId)).map((l) => l.bookingId);
  if (unknown.length > 0 || missing.length > 0) {
    throw reject('claim-lines-mismatch', 'Decide every line of the claim and only its lines.', { missing, unknown });
  }
  return lines.map((line) => {
    const input = byBooking.get(line.bookingId)!;
    switch (input.decision) {
      case 'full':
        return { bookingId: line.bookingId, decision: 'full' as const, approvedAmount: line.payerAmount, reasonCode: input.reasonCode ?? null };
      case 'partial': {
        const approved = input.approvedAmount;
        if (approved === undefined || approved <= 0 || approved >= line.payerAmount) {
          throw reject('line-amount-invalid', `A partial approval must be more than 0 and less than the line amount ${line.payerAmount}.`, {
            bookingId: line.bookingId,
          });
        }
        if (!input.reasonCode) throw reject('line-amount-invalid', 'A partial approval needs a reason code.', { bookingId: line.bookingId });
        return { bookingId: line.bookingId, decision: 'partial' as const, approvedAmount: approved, reasonCode: input.reasonCode };
      }
      case 'deny':
        if (!input.reasonCode) throw reject('line-amount-invalid', 'A denied line needs a reason code.', { bookingId: line.bookingId });
        return { bookingId: line.bookingId, decision: 'deny' as const, approvedAmount: 0, reasonCode: input.reasonCode };
    }
  });
}
