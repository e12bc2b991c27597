import { createElement } from 'react';
import { describe, expect, it } from 'vitest';
import { markupOf, textOf, unlabelledControls } from '../../testing/markup';
import type { ReviewClaim } from '../claims/claim-review';
import type { TimeLeft } from '../app/waiting';
import { approvedBatches, batchesByTimeLeft, paidPayments, previewBatch, type ReconciliationReport } from './payment-batches';
import { PaymentBatchPanel, PaymentConfirmation, ReconciliationView } from './PaymentViews';

const scheme = { currency: 'INR', locale: 'en-IN', minorPerUnit: 100 };
/** A send that never settles: these tests only render. */
const never = () => new Promise<never>(() => undefined);

const claimOf = (id: string, hospital: 'A' | 'B', status: ReviewClaim['status'], approved: number | null, extra: Partial<ReviewClaim> = {}): ReviewClaim => ({
  id,
  claimId: id,
  caseId: `00000000-0000-4000-8000-00000000${id.padStart(4, '0')}`,
  status,
  isEmergency: false,
  amount: approved ?? 1000,
  payerAmount: approved ?? 1000,
  patientAmount: 0,
  approvedAmount: approved,
  paymentId: null,
  submittedAt: '2026-11-23T09:00:00.000Z',
  processedAt: null,
  verifiedAt: `2026-11-23T1${id.length}:00:00.000Z`,
  hospitalId: `h${hospital}`,
  hospitalCode: `HSP-${hospital}`,
  hospitalName: `Hospital ${hospital}`,
  memberName: `Member ${id}`,
  schemeMemberId: 'PMJ-S1000001',
  packageCode: 'MG012A',
  preauthApproved: null,
  lines: [],
  documents: [],
  paymentReference: null,
  ...extra,
});

describe('ACO payments', () => {
  const claims = [
    claimOf('1', 'A', 'approved', 550_000),
    claimOf('2', 'B', 'approved', 100_000),
    claimOf('3', 'A', 'approved', 133_300),
    claimOf('4', 'A', 'processed', null),
    claimOf('5', 'A', 'paid', 1000, { paymentReference: 'PAY-HSP-A-20261123-ABCDEF12' }),
  ];

  it("batches approved claims per hospital and previews the server's split to the paisa", () => {
    const batches = approvedBatches(claims);
    expect(batches.map((b) => [b.hospitalCode, b.claims.map((c) => c.id)])).toEqual([
      ['HSP-A', ['1', '3']],
      ['HSP-B', ['2']],
    ]);
    expect(previewBatch(batches[0]!.claims, 6000, 10_000)).toEqual({
      amount: 683_300,
      governmentAmount: 409_980,
      insurerAmount: 273_320,
      deductions: 10_000,
      netPaid: 673_300,
    });
    expect(previewBatch(batches[0]!.claims, 6000, 700_000)).toBeNull();
    expect(paidPayments(claims)).toEqual([expect.objectContaining({ reference: 'PAY-HSP-A-20261123-ABCDEF12', approved: 1000 })]);
  });

  it("ACO's queue order (issue 15): emergency first, then least time left; batches by their most urgent claim; past due flagged in words", () => {
    // Minutes left against the payment service level; claim 3 (A) is past it, claim 2 (B) an emergency.
    const left: Record<string, TimeLeft> = {
      '1': { minutes: 600, label: 'Within service level', tone: 'good', text: '10 h left of 15 days 0 h' },
      '2': { minutes: 9_000, label: 'Within service level', tone: 'good', text: '6 days 6 h left of 15 days 0 h' },
      '3': { minutes: -30, label: 'Past service level', tone: 'bad', text: 'over the 15 days 0 h service level by 30 min' },
    };
    const queue = claims.map((c) => (c.id === '2' ? { ...c, isEmergency: true } : c));
    const batches = batchesByTimeLeft(approvedBatches(queue), (c) => left[c.id] ?? null);
    expect(batches.map((b) => [b.hospitalCode, b.claims.map((c) => c.id)])).toEqual([
      ['HSP-B', ['2']],
      ['HSP-A', ['3', '1']],
    ]);
    // Without an emergency, the batch holding the claim most past due comes first.
    expect(batchesByTimeLeft(approvedBatches(claims), (c) => left[c.id] ?? null).map((b) => b.hospitalCode)).toEqual(['HSP-A', 'HSP-B']);
    const html = markupOf(
      createElement(PaymentBatchPanel, {
        batch: batches[1]!,
        scheme,
        governmentShareBp: 6000,
        onPay: never,
        leftOf: (c) => left[c.id] ?? null,
        now: new Date('2026-11-23T12:00:00.000Z'),
      }),
    );
    const text = textOf(html);
    expect(text).toContain('Hospital A (HSP-A): 2 approved claims, 1 past the service level');
    expect(text).toMatch(/Member 3 .*Past service level over the 15 days 0 h service level by 30 min.*Member 1 .*Within service level 10 h left/);
    expect(unlabelledControls(html)).toEqual([]);
  });

  it('the batch panel: a labelled checkbox per claim, deductions, the split and net paid', () => {
    const [batch] = approvedBatches(claims);
    const html = markupOf(
      createElement(PaymentBatchPanel, {
        batch: batch!,
        scheme,
        governmentShareBp: 6000,
        onPay: never,
        leftOf: () => null,
        now: new Date('2026-11-23T12:00:00.000Z'),
      }),
    );
    expect(unlabelledControls(html)).toEqual([]);
    const text = textOf(html);
    expect(text).toContain('Hospital A (HSP-A): 2 approved claims');
    expect(text).toContain('Approved total ₹6,833.00 Government (60%) ₹4,099.80 Insurer (40%) ₹2,733.20 Deductions ₹0.00 Paid to the hospital ₹6,833.00');
    expect(text).toContain('Approve payment to HSP-A…');
    // The approval is a confirm step, not the click: the dialog is closed until ACO asks.
    expect(html).toMatch(/<dialog class="confirm-dialog"[^>]*>/);
    expect(html).not.toMatch(/<dialog[^>]* open/);
  });

  it('the confirm step repeats the amount, the government/insurer split, the deductions and the hospital', () => {
    const [batch] = approvedBatches(claims);
    const preview = previewBatch(batch!.claims, 6000, 10_000)!;
    const html = markupOf(
      createElement(PaymentConfirmation, { batch: batch!, payment: { claimIds: ['1', '3'], claimCount: 2, preview, governmentShareBp: 6000 }, scheme }),
    );
    expect(textOf(html)).toBe(
      '2 approved claims of Hospital A (HSP-A) , one payment with one reference: Approved total ₹6,833.00 Government (60%) ₹4,099.80 Insurer (40%) ₹2,733.20 Deductions ₹100.00 Paid to HSP-A ₹6,733.00 The money leaves the scheme and the claims are marked paid. This cannot be undone.',
    );
  });
});

describe('reconciliation view', () => {
  const balanced: ReconciliationReport = {
    payments: [
      {
        paymentId: 'p1',
        reference: 'PAY-HSP-A-20261123-0000AAAA',
        hospitalCode: 'HSP-A',
        hospitalName: 'Hospital A',
        createdAt: '2026-11-23T12:00:00.000Z',
        claims: 1,
        approved: 550_000,
        amount: 550_000,
        governmentAmount: 330_000,
        insurerAmount: 220_000,
        deductions: 0,
        netPaid: 550_000,
        ledgerEntries: 1,
        ledgerAmount: 550_000,
        isBalanced: true,
        problems: [],
      },
    ],
    unbalanced: [],
    unmatchedClaims: [],
    totals: { approved: 550_000, netPaid: 550_000, deductions: 0, governmentAmount: 330_000, insurerAmount: 220_000 },
    isBalanced: true,
    computedAt: '2026-11-23T12:00:00.000Z',
  };

  it('says paid + deductions = approved when everything reconciles', () => {
    const text = textOf(markupOf(createElement(ReconciliationView, { report: balanced, scheme })));
    expect(text).toContain('Everything reconciles: paid ₹5,500.00 + deductions ₹0.00 = approved ₹5,500.00.');
    expect(text).toContain('PAY-HSP-A-20261123-0000AAAA HSP-A 1 ₹5,500.00 ₹5,500.00 ₹0.00 ₹5,500.00 ₹3,300.00 ₹2,200.00 Balanced');
    expect(text).not.toContain('What does not add up');
  });

  it("lists every payment and claim that does not add up, in the server's words", () => {
    const broken: ReconciliationReport = {
      ...balanced,
      isBalanced: false,
      payments: [
        {
          ...balanced.payments[0]!,
          netPaid: 549_999,
          isBalanced: false,
          problems: [{ kind: 'paid-plus-deductions', message: 'Paid 549999 + deductions 0 = 549999, but the claims approved 550000.' }],
        },
      ],
      unmatchedClaims: [
        {
          claimId: '00000000-0000-4000-8000-000000000009',
          paymentId: null,
          kind: 'claim-without-ledger',
          message: 'The claim is marked paid but has no payment-ledger entry.',
        },
      ],
    };
    const text = textOf(markupOf(createElement(ReconciliationView, { report: broken, scheme })));
    expect(text).toContain('Not reconciled: 1 payment and 1 claim do not add up.');
    expect(text).toContain('Mismatch');
    expect(text).toContain('PAY-HSP-A-20261123-0000AAAA : Paid 549999 + deductions 0 = 549999, but the claims approved 550000.');
    expect(text).toContain('Claim 00000000 : The claim is marked paid but has no payment-ledger entry.');
  });
});
