/**
 * The patient's bill and settlement (issue 14): the account of a case, its receipts, the cash
 * drawer and the patients' receivables. Answers of `take-payment`/`refund-payment` (results.ts)
 * and of the settlement reads (src/settlement/routes.ts) are built from these.
 */
import { Type, type Static } from 'typebox';
import { closed, Count, Id, Minor, Nullable, Time } from './primitives';
import { patientChargeKinds } from '../domain/patient-account';

/**
 * A case's patient account as the arbitration row left it. owed = charged − (paid − refunded) −
 * secondary, never below 0; credit = what may be given back (a charge reversed after it was paid).
 */
export const PatientAccountTotals = Type.Object(
  {
    charged: Minor,
    paid: Type.Integer({ minimum: 0, description: 'Taken from the patient: cash, card, UPI' }),
    refunded: Type.Integer({ minimum: 0 }),
    secondary: Type.Integer({ minimum: 0, description: 'Sent to a secondary payer as coordination-of-benefits claims' }),
    owed: Type.Integer({ minimum: 0 }),
    credit: Type.Integer({ minimum: 0, description: 'Refundable to the patient now' }),
  },
  closed,
);
export type PatientAccountTotalsValue = Static<typeof PatientAccountTotals>;

/**
 * Where a decided secondary claim stands between the scheme's office and its payer (migration
 * 051): what the payer owes on it now, what it remitted and what was refunded to it, and the
 * balance either way (at most one of payerOwes and refundOwed is above 0).
 */
export const SecondaryClaimBalance = Type.Object(
  {
    owedTotal: Type.Integer({
      minimum: 0,
      description: 'What the payer owes on the claim: what it accepted less what reversals made refundable; 0 while undecided',
    }),
    remitted: Minor,
    refunded: Minor,
    payerOwes: Type.Integer({ minimum: 0, description: 'Still to come from the payer' }),
    refundOwed: Type.Integer({ minimum: 0, description: 'To go back to the payer: it paid for charges later reversed' }),
  },
  closed,
);
export type SecondaryClaimBalanceValue = Static<typeof SecondaryClaimBalance>;

const Method = Type.Enum(['cash', 'card', 'upi', 'secondary']);

export const PaymentReceipt = Type.Object(
  {
    paymentId: Id,
    caseId: Id,
    receiptNumber: Type.String({ description: 'Numbered per hospital without gaps: <hospital code>-R<number>' }),
    direction: Type.Enum(['payment', 'refund']),
    method: Method,
    amount: Minor,
    reference: Nullable(Type.String()),
    secondaryPayer: Nullable(Type.Enum(['serious-illness-fund', 'commercial-top-up'])),
    operatorId: Id,
    takenAt: Time,
    receivedAt: Time,
  },
  closed,
);
export type PaymentReceiptValue = Static<typeof PaymentReceipt>;

/**
 * One line of the itemised bill: a booking with the plan's and the patient's part, and the charges
 * behind it. Once CPD has decided the claim, the plan's part is what the plan pays after that
 * decision (nothing on a denied line, the approved amount on a cut one), and what neither the plan
 * nor the patient pays is `writtenOff`: the hospital's, because a denied or cut amount may not be
 * billed to the patient (money/claim-adjustment.ts). amount = planPart + patientPart + writtenOff.
 */
const BillLine = Type.Object(
  {
    bookingId: Id,
    itemCode: Type.String(),
    description: Type.String(),
    quantity: Count,
    unitPrice: Minor,
    amount: Minor,
    planPart: Minor,
    patientPart: Minor,
    writtenOff: Minor,
    /** CPD's final decision on the line; null until the claim is verified. */
    claimDecision: Nullable(Type.Enum(['full', 'partial', 'deny'])),
    status: Type.Enum(['active', 'voided']),
    bookedAt: Time,
  },
  closed,
);

/** The patient's bill of a case: every line, the account by kind, every payment and refund. */
export const PatientBill = Type.Object(
  {
    caseId: Id,
    caseStatus: Type.String(),
    hospitalCode: Type.String(),
    hospitalName: Type.String(),
    memberId: Id,
    memberName: Type.String(),
    schemeMemberId: Type.String(),
    packageCode: Nullable(Type.String()),
    admittedAt: Time,
    dischargedAt: Nullable(Time),
    currency: Type.String(),
    locale: Type.String(),
    minorPerUnit: Type.Integer({ minimum: 1 }),
    lines: Type.Array(BillLine),
    totals: Type.Object({ amount: Minor, planPart: Minor, patientPart: Minor, writtenOff: Minor }, closed),
    charges: Type.Array(Type.Object({ kind: Type.Enum([...patientChargeKinds]), amount: Minor }, closed)),
    account: PatientAccountTotals,
    payments: Type.Array(PaymentReceipt),
    secondaryClaims: Type.Array(
      Type.Object(
        {
          claimId: Id,
          payer: Type.Enum(['serious-illness-fund', 'commercial-top-up']),
          memberReference: Type.String(),
          amount: Minor,
          /**
           * submitted until the secondary payer decides (migration 040): accepted, partial or
           * rejected; withdrawn when reversals took all of it off before a decision (043).
           */
          status: Type.Enum(['submitted', 'accepted', 'partial', 'rejected', 'withdrawn']),
          /** What the payer accepted; null while undecided. The rest went back on the patient's account. */
          acceptedAmount: Nullable(Minor),
          /** Taken off the claim before its decision because the charges it covered were reversed. */
          withdrawnAmount: Minor,
          /** Reversed after the payer accepted: owed back to the payer. */
          refundDue: Minor,
          submittedAt: Time,
        },
        closed,
      ),
    ),
    computedAt: Time,
  },
  closed,
);
export type PatientBillValue = Static<typeof PatientBill>;

/** Cash taken and given back by one operator in one shift (a time window), by method. */
export const CashDrawer = Type.Object(
  {
    operatorId: Id,
    from: Time,
    to: Time,
    methods: Type.Array(Type.Object({ method: Method, payments: Count, taken: Minor, refunds: Count, givenBack: Minor, net: Minor }, closed)),
    cash: Type.Object({ taken: Minor, givenBack: Minor, net: Minor }, closed),
    receipts: Type.Array(PaymentReceipt),
    computedAt: Time,
  },
  closed,
);
export type CashDrawerValue = Static<typeof CashDrawer>;

export const agingBuckets = ['0-30', '31-60', '61-90', '90+'] as const;

/** Open patient balances, aged from discharge (or admission while the patient is in), for the revenue-cycle reports. */
export const PatientReceivables = Type.Object(
  {
    asOf: Time,
    items: Type.Array(
      Type.Object(
        {
          caseId: Id,
          hospitalCode: Type.String(),
          memberId: Id,
          caseStatus: Type.String(),
          since: Time,
          ageDays: Count,
          bucket: Type.Enum([...agingBuckets]),
          account: PatientAccountTotals,
        },
        closed,
      ),
    ),
    buckets: Type.Array(Type.Object({ bucket: Type.Enum([...agingBuckets]), cases: Count, owed: Minor }, closed)),
    totalOwed: Minor,
    /**
     * Still to come from secondary payers: undecided claims as they stand, and what payers accepted
     * less what reversals made refundable and less what they already remitted (migration 051).
     */
    secondaryOutstanding: Minor,
    /** To go back to secondary payers that remitted for charges later reversed. */
    secondaryRefundsOwed: Minor,
  },
  closed,
);
export type PatientReceivablesValue = Static<typeof PatientReceivables>;

/** The payer side's worklist of coordination-of-benefits claims (ACO, HA): decided or not, with their money. */
export const SecondaryClaimsReport = Type.Object(
  {
    items: Type.Array(
      Type.Object(
        {
          claimId: Id,
          caseId: Id,
          hospitalCode: Type.String(),
          payer: Type.Enum(['serious-illness-fund', 'commercial-top-up']),
          memberReference: Type.String(),
          status: Type.Enum(['submitted', 'accepted', 'partial', 'rejected', 'withdrawn']),
          /** What the claim asks for now: its amount less what reversals withdrew before its decision. */
          amount: Minor,
          acceptedAmount: Nullable(Minor),
          balance: SecondaryClaimBalance,
          movements: Type.Array(
            Type.Object(
              { movement: Type.Enum(['remittance', 'refund']), amount: Minor, reference: Type.String(), valueDate: Type.String(), recordedAt: Time },
              closed,
            ),
          ),
          submittedAt: Time,
        },
        closed,
      ),
    ),
    totals: Type.Object({ claims: Count, payerOwes: Minor, refundOwed: Minor, remitted: Minor, refunded: Minor }, closed),
    computedAt: Time,
  },
  closed,
);
export type SecondaryClaimsReportValue = Static<typeof SecondaryClaimsReport>;
