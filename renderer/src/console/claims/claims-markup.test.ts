import { createElement } from 'react';
import { describe, expect, it } from 'vitest';
import { markupOf, textOf, unlabelledControls } from '../../testing/markup';
import { checkDrafts, claimsReviewed, claimsToReview, initialDrafts, partialAmountProblem, type ReviewClaim } from './claim-review';
import { ClaimQueue, ClaimReview } from './ClaimReview';
import type { OpenClockValue } from '@contract/turnaround';
import { timeLeft } from '../app/waiting';

const scheme = { currency: 'INR', locale: 'en-IN', minorPerUnit: 100 };
/** A send that never settles: these tests only render. */
const never = () => new Promise<never>(() => undefined);

const line = (n: number, amount: number, extra: Partial<ReviewClaim['lines'][number]> = {}): ReviewClaim['lines'][number] => ({
  bookingId: `00000000-0000-4000-8000-00000000000${n}`,
  itemCode: `SVC-${n}`,
  description: `Service ${n}`,
  quantity: 1,
  unitPrice: amount,
  amount,
  payerAmount: amount,
  patientAmount: 0,
  cexDecision: null,
  cexAmount: null,
  cexReasonCode: null,
  cpdDecision: null,
  approvedAmount: null,
  reasonCode: null,
  bookedAt: '2026-11-23T10:00:00.000Z',
  ...extra,
});

const claim: ReviewClaim = {
  id: 'c1',
  claimId: 'c1',
  caseId: '00000000-0000-4000-8000-0000000000c1',
  status: 'submitted',
  isEmergency: false,
  amount: 600_000,
  payerAmount: 600_000,
  patientAmount: 0,
  approvedAmount: null,
  paymentId: null,
  submittedAt: '2026-11-23T11:00:00.000Z',
  processedAt: null,
  verifiedAt: null,
  hospitalId: 'h1',
  hospitalCode: 'HSP-A',
  hospitalName: 'City General Hospital',
  memberName: 'Ramesh Patil',
  schemeMemberId: 'PMJ-S1000001',
  packageCode: 'MG012A',
  preauthApproved: 600_000,
  lines: [line(1, 250_000), line(2, 300_000), line(3, 50_000)],
  documents: [{ position: 1, name: 'discharge-summary.pdf', kind: 'discharge-summary', sizeBytes: 182_044, sha256: 'ab'.repeat(32) }],
  paymentReference: null,
};

describe('CEX and CPD claim review', () => {
  it('CEX sees every line with the booking behind it, the documents, and a labelled decision per line', () => {
    const html = markupOf(createElement(ClaimReview, { claim, stage: 'cex', scheme, onSend: never }));
    expect(unlabelledControls(html)).toEqual([]);
    const text = textOf(html);
    expect(text).toContain('SVC-2 · Service 2');
    expect(text).toContain('1 × ₹3,000.00');
    expect(text).toContain('discharge-summary.pdf Discharge summary 178 KB');
    expect(text).toContain('Approving ₹6,000.00 of ₹6,000.00; ₹0.00 would return to the family cover.');
    expect(html.match(/aria-label="Decision for SVC-/g)).toHaveLength(3);
    expect(text).toContain('Send processing to CPD');
    expect(text).not.toContain('CEX recommendation');
  });

  it('a claim without documents says so', () => {
    const text = textOf(markupOf(createElement(ClaimReview, { claim: { ...claim, documents: [] }, stage: 'cex', scheme, onSend: never })));
    expect(text).toContain('No supporting documents were declared with this claim.');
  });

  it("CPD sees CEX's recommendation and starts from it", () => {
    const processed: ReviewClaim = {
      ...claim,
      status: 'processed',
      lines: [
        line(1, 250_000, { cexDecision: 'full' }),
        line(2, 300_000, { cexDecision: 'partial', cexAmount: 250_000, cexReasonCode: 'tariff-exceeded' }),
        line(3, 50_000, { cexDecision: 'full' }),
      ],
    };
    const html = markupOf(createElement(ClaimReview, { claim: processed, stage: 'cpd', scheme, onSend: never }));
    expect(unlabelledControls(html)).toEqual([]);
    const text = textOf(html);
    expect(text).toContain('Partial ₹2,500.00 Above the package tariff');
    expect(text).toContain('Approving ₹5,500.00 of ₹6,000.00; ₹500.00 would return to the family cover.');
    expect(html).toMatch(/<option value="partial" selected="">/);
    expect(html).toMatch(/value="2500.00"/);
    expect(text).toContain('Verify the claim');
  });

  it('checkDrafts: partial needs an amount below the line and a reason; deny needs a reason', () => {
    const drafts = initialDrafts(claim, 'cex', 100);
    expect(checkDrafts(claim.lines, drafts, scheme)).toMatchObject({ ok: true, approvedTotal: 600_000 });
    const partialNoReason = drafts.map((d, i) => (i === 1 ? { ...d, decision: 'partial' as const, amountText: '2500' } : d));
    expect(checkDrafts(claim.lines, partialNoReason, scheme)).toEqual({
      ok: false,
      problems: { [claim.lines[1]!.bookingId]: 'Choose the reason code for the partial approval.' },
    });
    const tooMuch = partialNoReason.map((d, i) => (i === 1 ? { ...d, amountText: '3000', reasonCode: 'tariff-exceeded' as const } : d));
    expect(checkDrafts(claim.lines, tooMuch, scheme).ok).toBe(false);
    const good = partialNoReason.map((d, i) => (i === 1 ? { ...d, reasonCode: 'tariff-exceeded' as const } : d));
    expect(checkDrafts(claim.lines, good, scheme)).toEqual({
      ok: true,
      approvedTotal: 550_000,
      lines: [
        { bookingId: claim.lines[0]!.bookingId, decision: 'full' },
        { bookingId: claim.lines[1]!.bookingId, decision: 'partial', approvedAmount: 250_000, reasonCode: 'tariff-exceeded' },
        { bookingId: claim.lines[2]!.bookingId, decision: 'full' },
      ],
    });
    const denied = drafts.map((d, i) => (i === 2 ? { ...d, decision: 'deny' as const } : d));
    expect(checkDrafts(claim.lines, denied, scheme).ok).toBe(false);
    expect(
      checkDrafts(
        claim.lines,
        denied.map((d, i) => (i === 2 ? { ...d, reasonCode: 'not-covered' as const } : d)),
        scheme,
      ),
    ).toMatchObject({ ok: true, approvedTotal: 550_000 });
  });

  it('a partial amount above the line is named as it is typed, with both amounts, and together with a missing reason code at send', () => {
    const threeThousand = claim.lines[1]!;
    const typed = (amountText: string) => ({ decision: 'partial' as const, amountText });
    expect(partialAmountProblem(threeThousand, typed('3500'), scheme)).toBe(
      "₹3,500.00 is more than this line's ₹3,000.00 by ₹500.00: a partial approval must be less than the line.",
    );
    expect(partialAmountProblem(threeThousand, typed('3000'), scheme)).toBe('₹3,000.00 is the whole line: choose "Approve in full" instead.');
    expect(partialAmountProblem(threeThousand, typed('0'), scheme)).toBe('Approve more than zero, or deny the line.');
    expect(partialAmountProblem(threeThousand, typed('25x'), scheme)).toMatch(/^Approved amount: Use digits only/);
    expect(partialAmountProblem(threeThousand, typed(''), scheme)).toBeNull();
    expect(partialAmountProblem(threeThousand, typed('2999.99'), scheme)).toBeNull();
    expect(partialAmountProblem(threeThousand, { decision: 'full', amountText: '3500' }, scheme)).toBeNull();
    const drafts = initialDrafts(claim, 'cex', 100).map((d, i) => (i === 1 ? { ...d, decision: 'partial' as const, amountText: '3500' } : d));
    expect(checkDrafts(claim.lines, drafts, scheme)).toEqual({
      ok: false,
      problems: {
        [threeThousand.bookingId]:
          "₹3,500.00 is more than this line's ₹3,000.00 by ₹500.00: a partial approval must be less than the line. Choose the reason code for the partial approval.",
      },
    });
    const withReason = drafts.map((d, i) => (i === 1 ? { ...d, reasonCode: 'tariff-exceeded' as const } : d));
    expect(checkDrafts(claim.lines, withReason, scheme)).toEqual({
      ok: false,
      problems: { [threeThousand.bookingId]: "₹3,500.00 is more than this line's ₹3,000.00 by ₹500.00: a partial approval must be less than the line." },
    });
    expect(
      checkDrafts(
        claim.lines,
        withReason.map((d, i) => (i === 1 ? { ...d, amountText: '' } : d)),
        scheme,
      ),
    ).toEqual({ ok: false, problems: { [threeThousand.bookingId]: 'Enter the approved amount.' } });
  });

  it('queues: CEX works submitted claims, CPD processed ones; each lists what left it', () => {
    const processed = { ...claim, id: 'c2', claimId: 'c2', status: 'processed' as const, processedAt: '2026-11-23T12:00:00.000Z' };
    expect(claimsToReview([claim, processed], 'cex').map((c) => c.id)).toEqual(['c1']);
    expect(claimsToReview([claim, processed], 'cpd').map((c) => c.id)).toEqual(['c2']);
    expect(claimsReviewed([claim, processed], 'cex').map((c) => c.id)).toEqual(['c2']);
    const html = markupOf(
      createElement(ClaimQueue, {
        claims: [claim],
        stage: 'cex',
        scheme,
        selectedId: null,
        onSelect: () => undefined,
        now: new Date('2026-11-23T12:00:00.000Z'),
        leftOf: () => null,
      }),
    );
    expect(textOf(html)).toContain('Ramesh Patil PMJ-S1000001 HSP-A MG012A 3 ₹6,000.00');
    expect(textOf(html)).toContain('Process the claim of Ramesh Patil');
    expect(
      textOf(
        markupOf(
          createElement(ClaimQueue, { claims: [], stage: 'cpd', scheme, selectedId: null, onSelect: () => undefined, now: new Date(), leftOf: () => null }),
        ),
      ),
    ).toBe('No processed claim is waiting for verification.');
  });

  it("the queue's order and flags: emergency first, then least time left; a claim past its service level says so in words", () => {
    const now = new Date('2026-11-30T12:00:00.000Z');
    const of = (id: string, name: string, extra: Partial<ReviewClaim> = {}): ReviewClaim => ({ ...claim, id, claimId: id, memberName: name, ...extra });
    const queue = [of('c1', 'Within Level'), of('c2', 'Past Due'), of('c3', 'Emergency Case', { isEmergency: true }), of('c4', 'Not Read')];
    // Minutes left per claim against CEX's 7-day level (claim-processing: 10,080 min); c4 has no clock read yet.
    const remaining: Record<string, number> = { c1: 3 * 24 * 60, c2: -90, c3: 5 * 24 * 60 };
    const leftOf = (c: ReviewClaim) => {
      const minutes = remaining[c.id];
      return minutes === undefined ? null : timeLeft(clockOf('claim-processing', 10_080, minutes, now), now);
    };
    const text = textOf(markupOf(createElement(ClaimQueue, { claims: queue, stage: 'cex', scheme, selectedId: null, onSelect: () => undefined, now, leftOf })));
    expect(text).toContain('Submitted claims, emergency first, then least time left');
    const order = ['Emergency Case', 'Past Due', 'Within Level', 'Not Read'].map((name) => text.indexOf(`${name} `));
    expect(order.every((at, i) => at >= 0 && (i === 0 || at > order[i - 1]!))).toBe(true);
    expect(text).toContain('Past Due PMJ-S1000001 HSP-A MG012A 3 ₹6,000.00 23 Nov');
    expect(text).toMatch(/Past Due .*Past service level over the 7 days 0 h service level by 1 h 30 min/);
    expect(text).toMatch(/Within Level .*Within service level 3 days 0 h left of 7 days 0 h/);
    expect(text).toMatch(/Emergency Case Emergency .*Within service level 5 days 0 h left/);
    expect(text).toMatch(/Not Read .*waiting \d+ days/);
  });
});

/** An open clock (contract/turnaround.ts OpenClock) with `remaining` minutes left at `now`. */
function clockOf(stage: OpenClockValue['stage'], level: number, remaining: number, now: Date): OpenClockValue {
  const startedAt = new Date(now.getTime() - (level - remaining) * 60_000);
  return {
    stage,
    ownerRole: 'CEX',
    caseId: claim.caseId,
    claimId: claim.claimId,
    enhancementId: null,
    hospitalCode: 'HSP-A',
    startAuditId: 1,
    startedAt: startedAt.toISOString(),
    serviceLevelMinutes: level,
    elapsedMinutes: level - remaining,
    remainingMinutes: remaining,
    dueAt: new Date(startedAt.getTime() + level * 60_000).toISOString(),
    isPaused: false,
    isPastServiceLevel: remaining < 0,
    breachNoticedAt: null,
  };
}
