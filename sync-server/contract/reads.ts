/**
 * The answers of the server's read endpoints, exactly: every object closed (no field that is not
 * listed), every nullable field said so. The routes in src/app.ts use them as their 200 response
 * schemas, so the OpenAPI document at /docs/json describes what is really sent, and
 * src/openapi-answers.test.ts checks real answers of every read against that document.
 * Times are ISO 8601 strings; amounts are integers in minor units.
 */
import { Type, type Static, type TSchema } from 'typebox';
import { closed, Nullable, Id, Time, Minor, Count } from './primitives';
import { AccumulatorEnquiry } from './accumulators';
import { ServiceLevelsAnswer } from './turnaround';
import { roles } from '../domain/ids';

export const LoginAnswer = Type.Object(
  {
    token: Type.String(),
    expiresAt: Time,
    operatorId: Id,
    roles: Type.Array(Type.String()),
    hospitalId: Nullable(Id),
  },
  closed,
);
export type LoginAnswerValue = Static<typeof LoginAnswer>;

export const FamilyBalance = Type.Object(
  {
    familyId: Id,
    familyNumber: Type.String(),
    /** The policy year these figures are for (the cover is per family per year). */
    policyYear: Type.Integer(),
    cover: Minor,
    committed: Minor,
    available: Minor,
    holds: Type.Array(
      Type.Object(
        {
          caseId: Nullable(Id),
          memberId: Nullable(Id),
          hospitalCode: Type.String(),
          isOwnHospital: Type.Boolean({ description: "Another hospital's hold shows its amounts only: caseId and memberId are null" }),
          amount: Minor,
          consumed: Minor,
          authorized: Minor,
          preauthStatus: Nullable(Type.String()),
        },
        closed,
      ),
    ),
    claims: Type.Array(
      Type.Object(
        {
          claimId: Nullable(Id),
          caseId: Nullable(Id),
          status: Type.String(),
          isOwnHospital: Type.Boolean({ description: "Another hospital's claim shows its amount only: claimId and caseId are null" }),
          committedAmount: Minor,
        },
        closed,
      ),
    ),
    patientShares: Type.Array(Type.Object({ memberId: Id, kind: Type.String(), amount: Minor }, closed)),
    /** The family's and every member's accumulators of the year (issue 14), read in the same snapshot. */
    accumulators: AccumulatorEnquiry,
    computedAt: Time,
  },
  closed,
);

/** GET /cases/:caseId: the stored rows as they are named in the database. */
export const CaseDetails = Type.Object(
  {
    case: Type.Object(
      {
        id: Id,
        member_id: Id,
        family_id: Id,
        hospital_id: Id,
        status: Type.String(),
        identity_method: Type.String(),
        is_emergency: Type.Boolean(),
        admitted_at: Time,
        discharged_at: Nullable(Time),
        cancelled_at: Nullable(Time),
      },
      closed,
    ),
    preauth: Nullable(
      Type.Object(
        {
          package_code: Type.String(),
          package_version: Type.Integer(),
          package_price: Minor,
          requested_amount: Minor,
          recommended_amount: Nullable(Minor),
          approved_amount: Nullable(Minor),
          status: Type.String(),
          query_reason: Nullable(Type.String()),
          query_response: Nullable(Type.String()),
          decision_reason: Nullable(Type.String()),
          requested_at: Time,
          decided_at: Nullable(Time),
        },
        closed,
      ),
    ),
    hold: Nullable(
      Type.Object(
        {
          id: Id,
          amount: Minor,
          consumed: Minor,
          authorized: Minor,
          package_code: Type.String(),
          package_version: Type.Integer(),
          status: Type.String(),
        },
        closed,
      ),
    ),
    bookings: Type.Array(
      Type.Object(
        {
          id: Id,
          item_code: Type.String(),
          description: Type.String(),
          quantity: Type.Integer(),
          unit_price: Minor,
          amount: Minor,
          covered_amount: Minor,
          shortfall_amount: Minor,
          package_code: Type.String(),
          package_version: Type.Integer(),
          status: Type.String(),
          closed_at: Nullable(Time),
          created_at: Time,
        },
        closed,
      ),
    ),
    enhancements: Type.Array(
      Type.Object(
        {
          id: Id,
          requested_amount: Minor,
          approved_amount: Nullable(Minor),
          granted_amount: Nullable(Minor),
          status: Type.String(),
          reason: Type.String(),
          decision_reason: Nullable(Type.String()),
          requested_at: Time,
          decided_at: Nullable(Time),
        },
        closed,
      ),
    ),
    claim: Nullable(
      Type.Object(
        {
          id: Id,
          amount: Minor,
          payer_amount: Minor,
          patient_amount: Minor,
          approved_amount: Nullable(Minor),
          status: Type.String(),
          payment_id: Nullable(Id),
          submitted_at: Time,
          lines: Type.Array(
            Type.Object(
              {
                booking_id: Id,
                payer_amount: Minor,
                patient_amount: Minor,
                cex_decision: Nullable(Type.String()),
                cex_amount: Nullable(Minor),
                cex_reason_code: Nullable(Type.String()),
                cpd_decision: Nullable(Type.String()),
                approved_amount: Nullable(Minor),
                reason_code: Nullable(Type.String()),
              },
              closed,
            ),
          ),
        },
        closed,
      ),
    ),
  },
  closed,
);

export const PackageCatalogue = Type.Array(
  Type.Object(
    {
      code: Type.String(),
      name: Type.String(),
      specialty: Type.String(),
      isUnspecified: Type.Boolean(),
      version: Type.Integer(),
      price: Minor,
    },
    closed,
  ),
);

export const IdentityOverrides = Type.Object(
  {
    overrides: Type.Array(
      Type.Object(
        {
          caseId: Id,
          memberId: Id,
          hospitalCode: Type.String(),
          method: Type.Enum(['override', 'document', 'closed-year', 'unverified-evidence', 'sampled'], {
            description:
              'Why the case is listed: an override, a document alone, a closed policy year, biometric evidence missing or failed (issue 13 item 6), or a verified match sampled for review',
          }),
          reason: Type.String(),
          supervisorName: Nullable(Type.String()),
          createdAt: Time,
          reviewedAt: Nullable(Time),
          reviewNote: Nullable(Type.String()),
        },
        closed,
      ),
    ),
    unreviewed: Count,
  },
  closed,
);

/**
 * Every biometric enrolment and replacement request, for review by the health authority and
 * ADMIN (issue 13 item 5): who enrolled whom, when, at which hospital, for which case, on which
 * second factor, and what replaced what. Never a template, a descriptor or a seal.
 */
export const BiometricEnrolmentReview = Type.Object(
  {
    enrolments: Type.Array(
      Type.Object(
        {
          enrolmentId: Id,
          memberId: Id,
          schemeMemberId: Type.String(),
          modality: Type.Enum(['fingerprint', 'face']),
          enrolledBy: Type.String({ description: 'The username of the operator who captured it' }),
          enrolledAt: Time,
          hospitalCode: Nullable(Type.String()),
          caseId: Nullable(Id),
          secondFactor: Type.Enum(['otp', 'replacement-review', 'none-before-038'], {
            description:
              'otp: a code verified on the family phone; replacement-review: a reviewed replacement; none-before-038: enrolled before enrolment was scoped',
          }),
          otpChallengeId: Nullable(Id),
          replacementRequestId: Nullable(Id),
          revokedAt: Nullable(Time),
          revokedBy: Nullable(Type.String()),
          replacedBy: Nullable(Id),
        },
        closed,
      ),
    ),
    replacements: Type.Array(
      Type.Object(
        {
          requestId: Id,
          memberId: Id,
          schemeMemberId: Type.String(),
          modality: Type.Enum(['fingerprint', 'face']),
          replacesId: Id,
          hospitalCode: Type.String(),
          caseId: Id,
          reason: Type.String(),
          requestedBy: Type.String(),
          requestedAt: Time,
          status: Type.Enum(['pending', 'approved', 'rejected']),
          reviewedBy: Nullable(Type.String()),
          reviewedAt: Nullable(Time),
          reviewNote: Nullable(Type.String()),
          enrolmentId: Nullable(Id),
        },
        closed,
      ),
    ),
    pendingReplacements: Count,
    computedAt: Time,
  },
  closed,
);

/** A queue answer: its items and when it was read. */
const Queue = <T extends TSchema>(item: T) => Type.Object({ items: Type.Array(item), computedAt: Time }, closed);

const PreauthQueueItem = Type.Object(
  {
    caseId: Id,
    status: Type.String(),
    packageCode: Type.String(),
    packageName: Type.String(),
    specialty: Type.String(),
    isUnspecified: Type.Boolean(),
    requestedAmount: Minor,
    recommendedAmount: Nullable(Minor),
    clinicalNote: Nullable(Type.String()),
    queryReason: Nullable(Type.String()),
    queryResponse: Nullable(Type.String()),
    requestedAt: Time,
    isEmergency: Type.Boolean(),
    identityMethod: Type.String(),
    hospitalCode: Type.String(),
    hospitalName: Type.String(),
    schemeMemberId: Type.String(),
    memberName: Type.String(),
    birthYear: Type.Integer(),
    holdAmount: Minor,
    familyId: Id,
    cover: Minor,
    committed: Minor,
    available: Minor,
    waitingMinutes: Type.Integer(),
    turnaroundMinutes: Type.Integer(),
    isOverdue: Type.Boolean(),
  },
  closed,
);
export const PreauthQueue = Queue(PreauthQueueItem);

export const EnhancementQueue = Queue(
  Type.Object(
    {
      enhancementId: Id,
      caseId: Id,
      requestedAmount: Minor,
      reason: Type.String(),
      requestedAt: Time,
      isEmergency: Type.Boolean(),
      hospitalCode: Type.String(),
      memberName: Type.String(),
      packageCode: Type.String(),
      approvedAmount: Nullable(Minor),
      holdAmount: Minor,
      consumed: Minor,
      available: Minor,
      waitingMinutes: Type.Integer(),
    },
    closed,
  ),
);

export const ClaimQueue = Queue(
  Type.Object(
    {
      claimId: Id,
      caseId: Id,
      status: Type.String(),
      amount: Minor,
      payerAmount: Minor,
      patientAmount: Minor,
      submittedAt: Time,
      hospitalCode: Type.String(),
      memberName: Type.String(),
      packageCode: Type.String(),
      preauthApproved: Nullable(Minor),
      lines: Type.Array(
        Type.Object(
          {
            claimId: Id,
            bookingId: Id,
            itemCode: Type.String(),
            description: Type.String(),
            quantity: Type.Integer(),
            unitPrice: Minor,
            amount: Minor,
            payerAmount: Minor,
            patientAmount: Minor,
            cexDecision: Nullable(Type.String()),
            cexAmount: Nullable(Minor),
            cexReasonCode: Nullable(Type.String()),
            bookedAt: Time,
          },
          closed,
        ),
      ),
      documents: Type.Array(
        Type.Object(
          {
            claimId: Id,
            position: Type.Integer(),
            name: Type.String(),
            kind: Type.String(),
            sizeBytes: Type.Integer(),
            sha256: Type.String(),
          },
          closed,
        ),
      ),
    },
    closed,
  ),
);

export const PaymentQueue = Queue(
  Type.Object(
    {
      hospitalId: Id,
      hospitalCode: Type.String(),
      hospitalName: Type.String(),
      claims: Count,
      approved: Minor,
      claimIds: Type.Array(Id),
      governmentAmount: Minor,
      governmentShareBp: Type.Integer(),
    },
    closed,
  ),
);

const StatusCount = Type.Object({ status: Type.String(), count: Count }, closed);
const StatusCountAmount = Type.Object({ status: Type.String(), count: Count, amount: Minor }, closed);
/** GET /dashboard: counts by state (its `items` is one object, not a list). */
export const Dashboard = Type.Object(
  {
    items: Type.Object(
      { cases: Type.Array(StatusCount), holds: Type.Array(StatusCountAmount), claims: Type.Array(StatusCountAmount), computedAt: Time },
      closed,
    ),
    computedAt: Time,
  },
  closed,
);

export const CaseAuditTrail = Type.Object(
  {
    caseId: Id,
    entries: Type.Array(
      Type.Object(
        {
          id: Type.Integer(),
          chainSeq: Nullable(Type.Integer()),
          at: Time,
          action: Type.String(),
          entityType: Type.String(),
          entityId: Type.String(),
          actor: Nullable(Type.String()),
          // An entry's before and after are whatever its action recorded (src/audit/chain.ts: objects, or null).
          before: Nullable(Type.Record(Type.String(), Type.Unknown(), { description: 'The entity before (JSON), or null' })),
          after: Nullable(Type.Record(Type.String(), Type.Unknown(), { description: 'The entity after (JSON), or null' })),
        },
        closed,
      ),
    ),
    chain: Type.Union([
      Type.Object(
        {
          isIntact: Type.Literal(true),
          entries: Count,
          unlinked: Count,
          verifiedUpTo: Type.Integer({
            minimum: 0,
            description: 'Entries verified up to here (the verified-up-to checkpoint); the rest wait for the next read or the background check',
          }),
          anchor: Nullable(
            Type.Object(
              {
                file: Type.String({ description: 'The append-only file the chain head is anchored to, outside the database' }),
                intervalSeconds: Type.Integer({ minimum: 1 }),
                lastSeq: Nullable(Type.Integer({ minimum: 0, description: 'Chain position of the newest anchor this server wrote' })),
                lastAt: Nullable(Time),
              },
              closed,
            ),
          ),
        },
        closed,
      ),
      Type.Object({ isIntact: Type.Literal(false), firstBadSeq: Type.Integer(), problem: Type.String() }, closed),
    ]),
  },
  closed,
);

const ReconciliationProblemKind = Type.Enum(['paid-plus-deductions', 'split', 'ledger-vs-payment', 'ledger-split', 'ledger-vs-claims']);
const ReconciledPayment = Type.Object(
  {
    paymentId: Id,
    reference: Type.String(),
    hospitalCode: Type.String(),
    hospitalName: Type.String(),
    createdAt: Time,
    claims: Count,
    approved: Minor,
    amount: Minor,
    governmentAmount: Minor,
    insurerAmount: Minor,
    deductions: Minor,
    netPaid: Minor,
    ledgerEntries: Count,
    ledgerAmount: Minor,
    isBalanced: Type.Boolean(),
    problems: Type.Array(Type.Object({ kind: ReconciliationProblemKind, message: Type.String() }, closed)),
  },
  closed,
);
export const PaymentReconciliation = Type.Object(
  {
    payments: Type.Array(ReconciledPayment),
    unbalanced: Type.Array(ReconciledPayment),
    unmatchedClaims: Type.Array(
      Type.Object(
        {
          claimId: Id,
          paymentId: Nullable(Id),
          kind: Type.Union([Type.Literal('claim-without-ledger'), Type.Literal('ledger-without-paid-claim')]),
          message: Type.String(),
        },
        closed,
      ),
    ),
    totals: Type.Object({ approved: Minor, netPaid: Minor, deductions: Minor, governmentAmount: Minor, insurerAmount: Minor }, closed),
    isBalanced: Type.Boolean(),
    computedAt: Time,
  },
  closed,
);

/** The health authority's reads (src/queries/administration.ts), each `{ items, computedAt }`. */
export const AdministrationHospitals = Queue(
  Type.Object(
    {
      id: Id,
      code: Type.String(),
      name: Type.String(),
      district: Type.String(),
      desks: Type.Array(
        Type.Object(
          {
            id: Id,
            name: Type.String(),
            status: Type.Enum(['active', 'revoked']),
            enrolledAt: Nullable(Time),
            registryDistrict: Type.String(),
            pendingCodeExpiresAt: Nullable(Time),
          },
          closed,
        ),
      ),
    },
    closed,
  ),
);
export const AdministrationOperators = Queue(
  Type.Object(
    {
      id: Id,
      username: Type.String(),
      displayName: Type.String(),
      roles: Type.Array(Type.Enum([...roles])),
      hospitalId: Nullable(Id),
      hospitalCode: Nullable(Type.String()),
      isActive: Type.Boolean(),
    },
    closed,
  ),
);
export const AdministrationPackages = Queue(
  Type.Object(
    {
      code: Type.String(),
      name: Type.String(),
      specialty: Type.String(),
      isUnspecified: Type.Boolean(),
      versions: Type.Array(Type.Object({ version: Type.Integer(), price: Minor, effectiveFrom: Time }, closed)),
    },
    closed,
  ),
);
export const AdministrationScheme = Type.Object(
  {
    items: Type.Object(
      {
        id: Type.String(),
        name: Type.String(),
        policyYear: Type.Integer(),
        currency: Type.String(),
        locale: Type.String(),
        minorPerUnit: Type.Integer(),
        governmentShareBp: Type.Integer(),
        shortfallPolicy: Type.Enum(['partial-hold', 'refuse']),
        autoExtendBp: Type.Integer(),
        preauthTurnaroundMinutes: Type.Integer(),
        /** Every payer stage's service level in minutes (issue 15, migration 047). */
        serviceLevels: ServiceLevelsAnswer,
      },
      closed,
    ),
    computedAt: Time,
  },
  closed,
);

/** The types of the answers the payer console reads (renderer/src/console: type imports). */
export type AdministrationHospitalsValue = Static<typeof AdministrationHospitals>;
export type AdministrationOperatorsValue = Static<typeof AdministrationOperators>;
export type AdministrationPackagesValue = Static<typeof AdministrationPackages>;
export type AdministrationSchemeValue = Static<typeof AdministrationScheme>;
export type DashboardValue = Static<typeof Dashboard>;
export type PaymentReconciliationValue = Static<typeof PaymentReconciliation>;
export type CaseAuditTrailValue = Static<typeof CaseAuditTrail>;
