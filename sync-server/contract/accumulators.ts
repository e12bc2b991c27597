/**
 * Accumulators and pharmacy claims on the wire (issue 14): the real-time enquiry (allowed / used /
 * remaining per accumulator, the shape of FHIR's `benefitBalance`: category, unit, term, and per
 * financial type what is allowed and used), the pharmacy system's claim and reversal, and HA's
 * registration of a pharmacy. Bodies are closed: an unknown field is bad input (400), nothing written.
 */
import { Type, type Static } from 'typebox';
import { closed, Id, Minor, Nullable, Time } from './primitives';
import { uuidPattern } from './commands';
import { CostShare } from './results';

/** The most a single claim carries (domain/money.ts maxAmount), repeated here as a bound. */
const maxClaimAmount = 1_000_000_000_000;
const referencePattern = '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$';

export const AccumulatorBalance = Type.Object(
  {
    unit: Type.Enum(['family', 'individual'], { description: "FHIR benefitBalance.unit: the family's accumulator or the member's" }),
    memberId: Nullable(Id),
    type: Type.Enum(['deductible', 'out-of-pocket-maximum', 'benefit'], {
      description: 'What accumulates: deductible met, out of pocket paid (toward the maximum), what the plan paid (toward a sub-limit or category limit)',
    }),
    category: Type.Enum(['combined', 'medical', 'pharmacy'], { description: 'Coverage type the allowed amount applies to' }),
    term: Type.Literal('annual'),
    allowed: Nullable(Minor),
    used: Minor,
    remaining: Nullable(Minor),
    usedByCoverage: Type.Object({ medical: Minor, pharmacy: Minor }, closed),
  },
  { ...closed, description: 'allowed and remaining are null where the plan year sets no maximum' },
);

export const AccumulatorEnquiry = Type.Object(
  {
    familyId: Id,
    policyYear: Type.Integer(),
    planId: Nullable(Type.String({ description: "The plan of the family's account for the year; null: the cashless cover" })),
    hasCostSharing: Type.Boolean(),
    benefitBalance: Type.Array(AccumulatorBalance),
    computedAt: Time,
  },
  closed,
);
export type AccumulatorEnquiryValue = Static<typeof AccumulatorEnquiry>;

export const PharmacyClaimBody = Type.Object(
  {
    claimId: Type.String({ pattern: referencePattern, description: "The pharmacy's own claim id: the idempotency key" }),
    memberId: Type.String({ pattern: referencePattern, description: "The member's scheme id, as on the health card (e.g. PMJ-S5000001)" }),
    drugCode: Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$' }),
    quantity: Type.Integer({ minimum: 1, maximum: 100_000 }),
    unitPrice: Type.Integer({ minimum: 1, maximum: maxClaimAmount, description: 'Minor units' }),
  },
  closed,
);
export type PharmacyClaimBodyValue = Static<typeof PharmacyClaimBody>;

export const PharmacyClaimAnswer = Type.Object(
  {
    claimId: Type.String(),
    status: Type.Literal('paid'),
    memberId: Type.String(),
    policyYear: Type.Integer(),
    planId: Nullable(Type.String()),
    amount: Minor,
    planPays: Minor,
    memberPays: Minor,
    costShare: CostShare,
    notPaid: Type.Object(
      {
        amount: Minor,
        reason: Nullable(Type.Enum(['out-of-network', 'waiting-period', 'member-sub-limit', 'category-limit', 'cover-used-up'])),
      },
      { ...closed, description: 'What the plan does not pay at all (the member pays it, outside cost sharing)' },
    ),
    accumulators: AccumulatorEnquiry,
  },
  closed,
);
export type PharmacyClaimAnswerValue = Static<typeof PharmacyClaimAnswer>;

export const PharmacyReversalAnswer = Type.Object(
  {
    claimId: Type.String(),
    status: Type.Literal('reversed'),
    refund: Minor,
    planReturned: Minor,
    accumulators: AccumulatorEnquiry,
  },
  { ...closed, description: 'Exactly what the claim moved, given back; later claims are not re-adjudicated' },
);
export type PharmacyReversalAnswerValue = Static<typeof PharmacyReversalAnswer>;

export const PharmacyClaimParams = Type.Object({ claimId: Type.String({ pattern: referencePattern }) }, closed);

export const RegisterPharmacyBody = Type.Object(
  {
    pharmacyId: Type.String({ pattern: uuidPattern }),
    code: Type.String({ pattern: '^[A-Z0-9][A-Z0-9-]{0,31}$' }),
    name: Type.String({ minLength: 1, maxLength: 200 }),
    district: Type.String({ minLength: 1, maxLength: 100 }),
  },
  closed,
);
export type RegisterPharmacyBodyValue = Static<typeof RegisterPharmacyBody>;

export const RegisterPharmacyAnswer = Type.Object(
  {
    pharmacyId: Id,
    code: Type.String(),
    credential: Type.String({ description: 'Authorization: Pharmacy <credential>. Shown once; the server keeps only a verifier.' }),
  },
  closed,
);

export const MemberParams = Type.Object({ memberId: Type.String({ pattern: uuidPattern }) }, closed);
export const PolicyYearQuery = Type.Object(
  { policyYear: Type.Optional(Type.String({ pattern: '^[12][0-9]{3}$', description: 'A policy year, e.g. 2026; the open one if absent' })) },
  closed,
);

const NullableMinor = Nullable(Minor);

/** A plan year's design as decideCharge (domain/plan-design.ts) reads it: a desk estimates offline with it. */
export const PlanYearDesign = Type.Object(
  {
    planId: Nullable(Type.String()),
    policyYear: Type.Integer(),
    familyDeductible: Minor,
    memberDeductible: NullableMinor,
    coinsuranceBp: Type.Object({ medical: Type.Integer({ minimum: 0, maximum: 10_000 }), pharmacy: Type.Integer({ minimum: 0, maximum: 10_000 }) }, closed),
    copayAdmission: Minor,
    copayPrescription: Minor,
    memberOutOfPocketMax: NullableMinor,
    familyOutOfPocketMax: NullableMinor,
    memberSubLimit: NullableMinor,
    categoryLimit: Type.Object({ medical: NullableMinor, pharmacy: NullableMinor }, closed),
    isNetworkRestricted: Type.Boolean(),
  },
  closed,
);

/**
 * `GET /sync/benefits/:memberId` (issue 14): what a desk needs to tell a patient what they will
 * pay, online and — from its last copy — offline: the family's and every member's accumulators
 * (the enquiry, with the time computed), the plan year's design, whether the desk's hospital is in
 * the plan's network, the waiting periods still running for the family's members, and the
 * family's cases at the desk's hospital with what their patients have been charged so far.
 */
export const DeskBenefits = Type.Object(
  {
    memberId: Id,
    accumulators: AccumulatorEnquiry,
    plan: PlanYearDesign,
    isInNetwork: Type.Boolean({ description: "The desk's hospital is in the plan's network (always true on an unrestricted plan)" }),
    waitingPeriods: Type.Array(Type.Object({ memberId: Id, packageCode: Type.String(), endsAt: Time }, closed), {
      description: 'Waiting periods of the plan year that have not ended yet for a member of the family',
    }),
    cases: Type.Array(
      Type.Object(
        {
          caseId: Id,
          memberId: Id,
          status: Type.String(),
          packageCode: Nullable(Type.String()),
          requestedAmount: Nullable(Minor),
          booked: Type.Integer({ minimum: 0, description: 'Sum of the active bookings the server has placed' }),
          patientCharged: Type.Integer({ description: "What the case's patient account has been charged so far (all kinds)" }),
          isCopayDue: Type.Boolean({ description: 'No booking of the case has paid the admission co-pay yet' }),
        },
        closed,
      ),
      { description: "The family's admitted and discharged cases of the year at the desk's hospital" },
    ),
  },
  closed,
);
export type DeskBenefitsValue = Static<typeof DeskBenefits>;
