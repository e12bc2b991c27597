/**
 * The answers of every command, exactly (issue 12 item 22, issue 21 item 2): one closed TypeBox
 * schema per command's `result`, and the refusals a command route sends. The handlers return
 * `CommandResultOf<name>` (src/commands/context.ts), so a field added to an answer without its
 * schema does not compile; the routes in src/app.ts list these as their response schemas, so the
 * OpenAPI document at /docs/json describes what is really sent; the desk and the console read
 * answers through these types (and check them with these schemas where an answer enters the desk).
 * src/openapi-answers.test.ts holds real answers of every command to the served document.
 * Times are ISO 8601 strings; amounts are integers in minor units.
 */
import { Type, type Static, type TSchema } from 'typebox';
import { closed, Nullable, Id, Time, Minor, Count } from './primitives';
import type { ErrorCode, RejectionCode } from '../domain/outcomes';
import { roles } from '../domain/ids';
import { identifierKinds } from '../domain/identifiers';
import { evidenceOutcomes } from '../domain/identity-evidence';
import { documentStages } from '../domain/documents';
import { familyChangeKinds, familyDocumentKinds } from '../domain/family-changes';
import { commandNames, type CommandName } from './commands';
import { syncProtocolVersion } from './sync';
import { PatientAccountTotals, SecondaryClaimBalance } from './settlement';
import { ServiceLevelsAnswer } from './turnaround';

const Sentence = Type.String({ description: "For the operator, in the scheme's currency and words" });
const RoleList = Type.Array(Type.Enum([...roles]));

/** The patient's cost sharing of one charge under the plan year (issue 14); all 0 on the cashless cover. */
export const CostShare = Type.Object({ deductible: Minor, coinsurance: Minor, copay: Minor, total: Minor }, closed);

/**
 * A member e-card as issued (issue 16): what is printed on it and the exact QR text the scheme
 * signed (sync-server/node-shared/e-card.ts). `replaces`: the card a reissue revoked.
 */
export const ECardIssued = Type.Object(
  {
    serial: Type.String(),
    memberId: Id,
    schemeMemberId: Type.String(),
    familyNumber: Type.String(),
    name: Type.String(),
    validFrom: Type.String({ description: 'YYYY-MM-DD, in the scheme time zone' }),
    validTo: Type.String({ description: 'YYYY-MM-DD, inclusive' }),
    keyId: Type.String(),
    qrText: Type.String(),
    replaces: Nullable(Type.String()),
  },
  closed,
);

/**
 * A member's linked identifier (issue 16, migration 058): `verification` says what vouches for it —
 * `issuer-signature` (a national ID QR whose issuer's configured key verified it), `unverified` (a
 * national ID QR whose issuer has no configured key: kept as an unverified document, `note` says
 * so), `check-digit` (a health account number), `none` (a hospital or state card number).
 */
export const IdentifierLinked = Type.Object(
  {
    linkId: Id,
    memberId: Id,
    kind: Type.Enum([...identifierKinds]),
    issuer: Type.String({ description: "The QR's issuer, the hospital's code (MRN), the state code, or '' (health account)" }),
    value: Type.String({ description: 'The identifier as stored (the reference of a national ID QR)' }),
    verification: Type.Enum(['issuer-signature', 'unverified', 'check-digit', 'none']),
    note: Nullable(Sentence),
    linkedAt: Time,
  },
  closed,
);

/** The family's cover after the command, as the arbitration statement left it. */
const FamilyMoney = Type.Object({ cover: Minor, committed: Minor, available: Minor }, closed);

const PreauthApproved = Type.Object(
  {
    caseId: Id,
    preauthStatus: Type.Literal('approved'),
    approvedAmount: Minor,
    holdAmount: Minor,
    shortfall: Type.Integer({ minimum: 0, description: 'Approved but not held: the cover could not take it (an estimate, not a patient share)' }),
    family: FamilyMoney,
  },
  closed,
);
const PreauthRejected = Type.Object(
  {
    caseId: Id,
    preauthStatus: Type.Literal('rejected'),
    holdAmount: Type.Literal(0),
    holdStatus: Type.Literal('released'),
    released: Minor,
    summary: Sentence,
    family: FamilyMoney,
  },
  closed,
);

/** An enrolment as made (issue 13 item 5): its case at the operator's hospital and its second factor; never the biometric. */
const Enrolled = (modality: 'fingerprint' | 'face') =>
  Type.Object(
    { enrolmentId: Id, memberId: Id, modality: Type.Literal(modality), caseId: Id, hospitalId: Id, secondFactor: Type.Literal('otp'), enrolledAt: Time },
    closed,
  );
const Modality = Type.Enum(['fingerprint', 'face']);

export const commandResults = {
  'identify-member': Type.Object(
    {
      member: Type.Object(
        { memberId: Id, schemeMemberId: Type.String(), fullName: Type.String(), birthYear: Type.Integer(), gender: Type.String(), relation: Type.String() },
        closed,
      ),
      family: Type.Object(
        {
          familyId: Id,
          familyNumber: Nullable(Type.String()),
          registeredPhoneEnding: Nullable(Type.String({ description: 'The last four digits only' })),
          cover: Minor,
          committed: Minor,
          available: Minor,
          members: Type.Array(
            Type.Object(
              {
                memberId: Id,
                schemeMemberId: Type.String(),
                fullName: Type.String(),
                birthYear: Type.Integer(),
                relation: Type.String(),
                activeCase: Nullable(Type.Object({ hospitalCode: Nullable(Type.String()) }, closed)),
              },
              closed,
            ),
          ),
        },
        closed,
      ),
    },
    closed,
  ),
  admit: Type.Object(
    {
      caseId: Id,
      status: Type.Literal('admitted'),
      familyId: Id,
      identityMethod: Type.Enum(['fingerprint', 'face', 'otp', 'override', 'document']),
      flaggedForReview: Type.Boolean({
        description:
          'Listed for HA/ADMIN identity review: identity not proven by the patient (override, document), biometric match evidence missing or failed, a verified match sampled for review, or an admission stamped in a closed policy year',
      }),
      identityEvidence: Nullable(
        Type.Enum([...evidenceOutcomes], {
          description:
            "What the server found of the admission's evidence (issue 13 item 6): verified (a biometric match), attested (a document, signed by the operator), or the problem; null for otp and override",
        }),
      ),
      admittedAt: Type.String({
        format: 'date-time',
        description: "When the operator admitted the patient (the desk's stamp, or the receipt time when none was sent or it was a little ahead)",
      }),
      policyYear: Type.Integer({ description: "The policy year of the admission: the case's hold, bookings and claim draw on that year's cover" }),
    },
    closed,
  ),
  'admit-emergency': Type.Object(
    {
      caseId: Id,
      status: Type.Literal('unidentified'),
      hospitalId: Id,
      admittedAt: Time,
      identifyBy: Type.String({ format: 'date-time', description: "Identify the member and raise the pre-auth by then (the scheme's window from admission)" }),
      windowMinutes: Type.Integer({ description: "The scheme's window when the patient was admitted" }),
      hasPhoto: Type.Boolean(),
    },
    closed,
  ),
  'merge-emergency-case': Type.Object(
    {
      caseId: Id,
      status: Type.Literal('merged'),
      memberId: Id,
      familyId: Id,
      identityMethod: Type.Enum(['fingerprint', 'face', 'otp', 'override', 'document']),
      flaggedForReview: Type.Boolean({ description: "As admit's: identity by override, document, or evidence missing or failed goes to the review list" }),
      identityEvidence: Nullable(Type.Enum([...evidenceOutcomes])),
      isLate: Type.Boolean({ description: 'Merged after the window to identify had passed: the case stays flagged overdue' }),
      admittedAt: Time,
      mergedAt: Time,
      policyYear: Type.Integer(),
    },
    closed,
  ),
  'register-family-member': Type.Object(
    {
      changeId: Id,
      familyId: Id,
      memberId: Id,
      kind: Type.Enum([...familyChangeKinds]),
      relation: Type.Enum(['son', 'daughter', 'spouse', 'other']),
      status: Type.Literal('pending'),
      documentId: Id,
      requestedAt: Time,
    },
    closed,
  ),
  'admit-pending-enrolment': Type.Object(
    {
      caseId: Id,
      changeId: Id,
      status: Type.Literal('unidentified'),
      hospitalId: Id,
      admittedAt: Time,
      identifyBy: Type.String({ format: 'date-time', description: "The emergency window, as admit-emergency's: the decision is expected before it" }),
    },
    closed,
  ),
  'decide-family-change': Type.Object(
    {
      changeId: Id,
      familyId: Id,
      memberId: Id,
      status: Type.Enum(['approved', 'rejected']),
      schemeMemberId: Nullable(Type.String({ description: 'The scheme id the member got (approved only)' })),
      effectiveDate: Nullable(Type.String({ description: "YYYY-MM-DD: the member's cover starts (approved only)" })),
      decidedAt: Time,
      /** The family's cover and what is committed on it, unchanged by the decision. */
      cover: Minor,
      committed: Minor,
      /**
       * The pending-enrolment admission, if any: `merged` (approved: now the member's case, a
       * pre-auth holds on the family's cover as usual), `stays-emergency` (rejected: an emergency
       * case with no member and no cover), `already-merged` (the desk identified the patient as
       * someone else before the decision).
       */
      pendingCase: Nullable(Type.Object({ caseId: Id, outcome: Type.Enum(['merged', 'stays-emergency', 'already-merged']) }, closed)),
    },
    closed,
  ),
  'request-preauth': Type.Object(
    {
      caseId: Id,
      preauthStatus: Type.Enum(['pending', 'committee-review']),
      packageCode: Type.String(),
      packageVersion: Type.Integer(),
      requestedAmount: Minor,
      holdId: Id,
      holdAmount: Minor,
      shortfall: Type.Integer({ minimum: 0, description: 'Requested but not held (an estimate, not a patient share)' }),
      patientEstimate: Type.Object(
        { deductible: Minor, coinsurance: Minor, copay: Minor, notPaid: Minor, total: Minor },
        {
          ...closed,
          description:
            "What the patient is estimated to pay of the requested amount under the plan year, from the accumulators as committed now: cost sharing, and what the plan does not pay at all (network, waiting period, limits). All 0 on the cashless cover. The hold is the rest (the plan's part), or what the cover had left.",
        },
      ),
      summary: Sentence,
      family: FamilyMoney,
    },
    closed,
  ),
  'respond-query': Type.Object({ caseId: Id, preauthStatus: Type.Literal('pending') }, closed),
  'decide-preauth': Type.Union([
    PreauthApproved,
    PreauthRejected,
    Type.Object({ caseId: Id, preauthStatus: Type.Literal('queried'), queryReason: Type.String() }, closed),
  ]),
  'recommend-preauth': Type.Object({ caseId: Id, preauthStatus: Type.Literal('admin-review'), recommendedAmount: Minor }, closed),
  'approve-unspecified': Type.Union([PreauthApproved, PreauthRejected]),
  'request-enhancement': Type.Object({ caseId: Id, enhancementId: Id, status: Type.Literal('pending'), requestedAmount: Minor }, closed),
  'decide-enhancement': Type.Union([
    Type.Object({ caseId: Id, enhancementId: Id, status: Type.Literal('rejected'), holdAmount: Minor }, closed),
    Type.Object(
      {
        caseId: Id,
        enhancementId: Id,
        status: Type.Literal('approved'),
        approvedAmount: Minor,
        grantedAmount: Minor,
        uncovered: Type.Integer({
          minimum: 0,
          description: "The plan's part of the approval beyond what the cover could hold (under cost sharing the patient's estimated part is never held)",
        }),
        holdAmount: Minor,
        bookingsNowCovered: Count,
        family: FamilyMoney,
      },
      closed,
    ),
  ]),
  'add-booking': Type.Object(
    {
      bookingId: Id,
      caseId: Id,
      amount: Minor,
      coveredAmount: Minor,
      shortfallAmount: Minor,
      costShare: CostShare,
      coverage: Type.Enum(['covered', 'partly-covered', 'shortfall']),
      packageCode: Type.String(),
      packageVersion: Type.Integer(),
      hold: Type.Object({ amount: Minor, consumed: Minor, free: Minor, extended: Minor }, closed),
      family: FamilyMoney,
    },
    closed,
  ),
  'void-booking': Type.Object(
    {
      bookingId: Id,
      status: Type.Literal('voided'),
      hold: Type.Object({ amount: Minor, consumed: Minor, free: Minor }, closed),
      bookingsNowCovered: Count,
    },
    closed,
  ),
  discharge: Type.Object(
    {
      caseId: Id,
      status: Type.Literal('discharged'),
      bookingSum: Minor,
      holdStatus: Nullable(Type.Enum(['active', 'claimed', 'released'])),
      released: Minor,
      nextStep: Type.Enum(['submit-claim', 'none']),
      summary: Sentence,
    },
    closed,
  ),
  'submit-claim': Type.Object(
    {
      claimId: Id,
      caseId: Id,
      status: Type.Literal('submitted'),
      amount: Minor,
      payerAmount: Minor,
      patientAmount: Minor,
      lines: Count,
      documents: Count,
      released: Minor,
      family: FamilyMoney,
    },
    closed,
  ),
  'process-claim': Type.Object({ claimId: Id, status: Type.Literal('processed'), payerAmount: Minor, recommendedAmount: Minor }, closed),
  'verify-claim': Type.Object(
    {
      claimId: Id,
      status: Type.Enum(['approved', 'denied']),
      payerAmount: Minor,
      approvedAmount: Minor,
      returnedToCover: Minor,
      family: FamilyMoney,
    },
    closed,
  ),
  'approve-payment': Type.Object(
    {
      paymentId: Id,
      reference: Type.String(),
      hospitalId: Id,
      claims: Count,
      amount: Minor,
      governmentAmount: Minor,
      insurerAmount: Minor,
      deductions: Minor,
      netPaid: Minor,
    },
    closed,
  ),
  'cancel-case': Type.Object({ caseId: Id, status: Type.Literal('cancelled'), released: Minor, bookingsVoided: Count, family: FamilyMoney }, closed),
  'register-family': Type.Object({ familyId: Id, cover: Minor, members: Count }, closed),
  'grant-history-consent': Type.Object(
    {
      consentId: Id,
      caseId: Id,
      memberId: Id,
      hospitalId: Id,
      method: Type.Enum(['otp', 'fingerprint', 'face']),
      grantedAt: Time,
      expiresAt: Type.String({ format: 'date-time', description: 'The latest end; the consent also ends when the case is discharged or cancelled' }),
    },
    closed,
  ),
  'issue-e-card': ECardIssued,
  'revoke-e-card': Type.Object({ serial: Type.String(), memberId: Id, revokedAt: Time }, closed),
  'reissue-e-card': ECardIssued,
  'link-identifier': IdentifierLinked,
  'unlink-identifier': Type.Object({ linkId: Id, memberId: Id, unlinkedAt: Time }, closed),
  'set-package-price': Type.Object(
    {
      packageCode: Type.String(),
      version: Type.Integer(),
      price: Minor,
      previous: Type.Object({ version: Type.Integer(), price: Minor }, closed),
    },
    closed,
  ),
  'set-document-requirements': Type.Object(
    { packageCode: Type.String(), stage: Type.Enum([...documentStages]), kinds: Type.Array(Type.String()), previous: Type.Array(Type.String()) },
    closed,
  ),
  'create-operator': Type.Object({ operatorId: Id, username: Type.String(), roles: RoleList, hospitalId: Nullable(Id) }, closed),
  'configure-desk': Type.Object({ deskId: Id, registryDistrict: Nullable(Type.String()), status: Type.Enum(['active', 'revoked']) }, closed),
  'send-otp': Type.Object(
    { challengeId: Id, phoneEnding: Type.String({ description: 'The last four digits of the registered phone' }), expiresAt: Time },
    closed,
  ),
  'verify-otp': Type.Union([
    Type.Object({ verified: Type.Literal(true), memberId: Id }, closed),
    Type.Object({ verified: Type.Literal(false), reason: Type.Literal('locked'), lockedUntil: Time, message: Sentence }, closed),
    Type.Object({ verified: Type.Literal(false), reason: Type.Enum(['already-used', 'expired', 'too-many-attempts']), message: Sentence }, closed),
    Type.Object({ verified: Type.Literal(false), reason: Type.Literal('wrong-code'), attemptsLeft: Type.Integer({ minimum: 1 }), message: Sentence }, closed),
  ]),
  'review-override': Type.Object({ caseId: Id, reviewed: Type.Literal(true) }, closed),
  'enroll-fingerprint': Enrolled('fingerprint'),
  'enroll-face': Enrolled('face'),
  'request-enrolment-replacement': Type.Object(
    { requestId: Id, memberId: Id, modality: Modality, replacesId: Id, caseId: Id, status: Type.Literal('pending'), requestedAt: Time },
    closed,
  ),
  'review-enrolment-replacement': Type.Union([
    Type.Object(
      {
        requestId: Id,
        memberId: Id,
        modality: Modality,
        status: Type.Literal('approved'),
        enrolmentId: Id,
        revokedId: Id,
        reviewedAt: Time,
      },
      closed,
    ),
    Type.Object({ requestId: Id, memberId: Id, modality: Modality, status: Type.Literal('rejected'), reviewedAt: Time }, closed),
  ]),
  'register-hospital': Type.Object({ hospitalId: Id, code: Type.String(), name: Type.String(), district: Type.String() }, closed),
  'register-desk': Type.Object(
    { deskId: Id, hospitalId: Id, hospitalCode: Type.String(), name: Type.String(), status: Type.Literal('active'), isEnrolled: Type.Literal(false) },
    closed,
  ),
  'revoke-desk': Type.Object({ deskId: Id, status: Type.Literal('revoked'), enrollmentCodesSpent: Count }, closed),
  'update-operator': Type.Object(
    { operatorId: Id, username: Type.String(), displayName: Type.String(), roles: RoleList, hospitalId: Nullable(Id), isActive: Type.Boolean() },
    closed,
  ),
  'set-scheme-parameters': Type.Object(
    {
      schemeId: Type.String(),
      parameters: Type.Object(
        {
          governmentShareBp: Type.Integer(),
          shortfallPolicy: Type.Enum(['partial-hold', 'refuse']),
          autoExtendBp: Type.Integer(),
          preauthTurnaroundMinutes: Type.Integer(),
          /** Every stage's service level in minutes (issue 15; preauth-decision is preauthTurnaroundMinutes). */
          serviceLevels: ServiceLevelsAnswer,
          /** Emergencies (issue 19): the window to identify, and the emergency pre-auth's service level. */
          emergencyIdentifyWindowMinutes: Type.Integer(),
          emergencyPreauthTurnaroundMinutes: Type.Integer(),
        },
        closed,
      ),
      /** Only the parameters this command changed, at their values before it. */
      previous: Type.Object(
        {
          governmentShareBp: Type.Optional(Type.Integer()),
          shortfallPolicy: Type.Optional(Type.Enum(['partial-hold', 'refuse'])),
          autoExtendBp: Type.Optional(Type.Integer()),
          preauthTurnaroundMinutes: Type.Optional(Type.Integer()),
          serviceLevels: Type.Optional(Type.Partial(ServiceLevelsAnswer)),
          emergencyIdentifyWindowMinutes: Type.Optional(Type.Integer()),
          emergencyPreauthTurnaroundMinutes: Type.Optional(Type.Integer()),
        },
        closed,
      ),
    },
    closed,
  ),
  'take-payment': Type.Object(
    {
      paymentId: Id,
      caseId: Id,
      receiptNumber: Type.String(),
      method: Type.Enum(['cash', 'card', 'upi', 'secondary']),
      amount: Minor,
      takenAt: Time,
      account: PatientAccountTotals,
      /** method secondary: the coordination-of-benefits claim the amount was sent as. */
      secondaryClaim: Nullable(Type.Object({ claimId: Id, payer: Type.Enum(['serious-illness-fund', 'commercial-top-up']), amount: Minor }, closed)),
      summary: Sentence,
    },
    closed,
  ),
  'refund-payment': Type.Object(
    {
      refundId: Id,
      caseId: Id,
      receiptNumber: Type.String(),
      method: Type.Enum(['cash', 'card', 'upi']),
      amount: Minor,
      takenAt: Time,
      account: PatientAccountTotals,
      summary: Sentence,
    },
    closed,
  ),
  'decide-secondary-claim': Type.Object(
    {
      claimId: Id,
      caseId: Id,
      payer: Type.Enum(['serious-illness-fund', 'commercial-top-up']),
      decision: Type.Enum(['accepted', 'partial', 'rejected']),
      amount: Minor,
      acceptedAmount: Minor,
      /** Back on the patient's account: the patient owes it again. */
      rejectedAmount: Minor,
      account: PatientAccountTotals,
      summary: Sentence,
    },
    closed,
  ),
  'record-secondary-remittance': Type.Object(
    {
      claimId: Id,
      caseId: Id,
      payer: Type.Enum(['serious-illness-fund', 'commercial-top-up']),
      movement: Type.Enum(['remittance', 'refund']),
      amount: Minor,
      valueDate: Type.String({ description: 'YYYY-MM-DD' }),
      /** The claim after this movement (migration 051's secondary_claim_balance). */
      balance: SecondaryClaimBalance,
      summary: Sentence,
    },
    closed,
  ),
} satisfies Record<CommandName, TSchema>;

export type CommandResultOf<N extends CommandName> = Static<(typeof commandResults)[N]>;

/** The 200 answer of `POST /commands/<name>` (and of a desk's mutation in `/sync/push`). */
export function commandAnswerSchema<N extends CommandName>(name: N) {
  return Type.Object({ commandId: Id, command: Type.Literal(name), result: commandResults[name] }, closed);
}
export type CommandAnswerOf<N extends CommandName> = { readonly commandId: string; readonly command: N; readonly result: CommandResultOf<N> };

/** Every command's 200 answer, by name: built once, used by the routes and the tests. */
export const commandAnswers = Object.fromEntries(commandNames.map((name) => [name, commandAnswerSchema(name)])) as {
  [N in CommandName]: ReturnType<typeof commandAnswerSchema<N>>;
};

/**
 * What each business rejection (409, stored: a retry gets the same) carries in `details`, by
 * code; null for a code that carries none. A Record over the domain's RejectionCode, so a new
 * code without its entry here does not compile.
 */
const rejectionDetails: Record<RejectionCode, TSchema | null> = {
  'case-already-active': Type.Object({ hospitalCode: Nullable(Type.String()) }, closed),
  'case-not-admitted': Type.Object({ status: Type.String() }, closed),
  'case-already-discharged': null,
  'preauth-already-requested': null,
  'preauth-not-requested': null,
  'preauth-not-pending': Type.Object({ status: Type.String() }, closed),
  'preauth-not-approved': Type.Object({ status: Nullable(Type.String()) }, closed),
  'preauth-rejected': null,
  'preauth-not-decided': Type.Object({ preauthStatus: Type.String(), bookingSum: Minor }, closed),
  'bookings-covered': Type.Object({ consumed: Minor }, closed),
  'case-total-too-large': Type.Object({ booked: Minor, amount: Minor, maxAmount: Minor }, closed),
  'authorized-too-large': Type.Object({ authorized: Minor, requested: Minor, maxAmount: Minor }, closed),
  'package-not-unspecified': null,
  'estimate-required': null,
  'insufficient-cover': Type.Union([
    Type.Object({ available: Minor, requested: Minor, decision: Type.String() }, closed),
    Type.Object({ available: Minor, requested: Minor }, closed),
  ]),
  'enhancement-not-pending': Type.Object({ status: Type.String() }, closed),
  'enhancement-already-pending': null,
  'booking-already-voided': null,
  'booking-closed': Type.Object({ status: Type.String() }, closed),
  'claim-amount-mismatch': Type.Object({ claimed: Minor, bookingSum: Minor, difference: Type.Integer({ description: 'claimed − bookingSum' }) }, closed),
  'claim-already-submitted': null,
  'claim-nothing-covered': Type.Object({ bookingSum: Minor }, closed),
  'claim-not-discharged': null,
  'claim-state-invalid': Type.Object({ status: Type.String() }, closed),
  'claim-lines-mismatch': Type.Object({ missing: Type.Array(Id), unknown: Type.Array(Id) }, closed),
  'line-amount-invalid': Type.Object({ bookingId: Id }, closed),
  'payment-hospital-mixed': null,
  'claim-not-approved': Type.Object({ claims: Type.Array(Type.Object({ claimId: Id, status: Type.String() }, closed)) }, closed),
  'case-has-claim': null,
  'booking-exists': null,
  'already-registered': null,
  'emergency-already-merged': Type.Object({ memberId: Id }, closed),
  'identity-not-proven': null,
  'identity-locked': Type.Object({ lockedUntil: Time }, closed),
  'otp-resend-too-soon': Type.Object({ waitSeconds: Type.Integer({ minimum: 1 }) }, closed),
  'otp-send-limit': null,
  'already-reviewed': null,
  'biometric-already-enrolled': null,
  'biometric-not-enrolled': null,
  'replacement-already-pending': Type.Object({ requestId: Id, requestedAt: Time }, closed),
  'desk-already-revoked': null,
  'operator-self-lockout': null,
  'payment-exceeds-balance': Type.Object({ owed: Minor, requested: Minor }, closed),
  'refund-exceeds-credit': Type.Object({ credit: Minor, requested: Minor }, closed),
  'payment-exists': null,
  'secondary-claim-decided': Type.Object({ decision: Type.Enum(['accepted', 'partial', 'rejected']), acceptedAmount: Minor, rejectedAmount: Minor }, closed),
  'secondary-claim-withdrawn': null,
  'secondary-claim-undecided': null,
  'remittance-exceeds-owed': Type.Object({ owed: Minor, requested: Minor }, closed),
  'refund-exceeds-overpaid': Type.Object({ overpaid: Minor, requested: Minor }, closed),
  'e-card-active': Type.Object({ serial: Type.String() }, closed),
  'e-card-revoked': Type.Object({ revokedAt: Time }, closed),
  'identifier-linked': Type.Object({ linkId: Id, memberId: Id, schemeMemberId: Type.String() }, closed),
  'identifier-linked-elsewhere': null,
  'identifier-unlinked': Type.Object({ unlinkedAt: Time }, closed),
  'family-change-pending': Type.Object({ changeId: Id }, closed),
  'family-change-decided': Type.Object({ status: Type.Enum(['approved', 'rejected']) }, closed),
};

/** A refusal answer `{ code, message, details? }`: details exactly as listed, absent when null. */
const refusalOf = (code: string, details: TSchema | null) =>
  Type.Object(
    {
      code: Type.Literal(code),
      message: Sentence,
      ...(details ? { details: Type.Optional(details) } : {}),
    },
    closed,
  );

/** 409: a business rejection, one shape per code (stored against the command id). */
export const CommandRejection = Type.Union([
  ...Object.entries(rejectionDetails).map(([code, details]) => refusalOf(code, details)),
  // A command id already used for another command (nothing stored for it).
  refusalOf('command-id-reused', null),
]);

/** Where in the body strict-json.ts found a repeated key, a NUL or a lone surrogate. */
const BodyPath = Type.Object({ path: Type.Array(Type.Union([Type.String(), Type.Integer()])) }, closed);
/** The schema check's findings (ajv's instancePath, keyword and message). */
const ValidationErrors = Type.Object(
  {
    errors: Type.Array(Type.Object({ path: Type.String(), keyword: Type.String(), message: Type.Optional(Type.String()) }, closed)),
  },
  closed,
);

/**
 * Why a desk's change or request was refused for its operator's signature (issue 13 item 4,
 * src/sync/operator-keys.ts): `missing` (none sent), `unknown-key`, `wrong-key` (the key is another
 * operator's or another desk's), `bad-signature` (the bytes are not what was signed: changed or
 * replayed under another id), `not-yet-valid` / `key-expired` / `key-superseded` (made outside the
 * key's validity), `key-revoked` (the operator was deactivated or moved, or the desk revoked),
 * `stale` (an online request signed too long ago).
 */
export const operatorProofReasons = [
  'missing',
  'unknown-key',
  'wrong-key',
  'bad-signature',
  'not-yet-valid',
  'key-expired',
  'key-superseded',
  'key-revoked',
  'stale',
] as const;
export type OperatorProofReason = (typeof operatorProofReasons)[number];
const OperatorProofRefusal = Type.Object({ reason: Type.Enum([...operatorProofReasons]) }, closed);

/** What a stage still lacks: the kinds the package's checklist requires and no attached document provides. */
export const DocumentsMissing = Type.Object(
  { stage: Type.Enum([...documentStages]), packageCode: Type.String(), missing: Type.Array(Type.String(), { minItems: 1 }) },
  closed,
);

/** What a family change (issue 16) lacks: the certificate its kind needs, uploaded for the family by this hospital. */
export const FamilyDocumentMissing = Type.Object({ changeKind: Type.Enum([...familyChangeKinds]), required: Type.Enum([...familyDocumentKinds]) }, closed);

/** The error answers a command route sends, by status: nothing was written for any of them. */
const errorOf = (codes: readonly ErrorCode[], details: Partial<Record<ErrorCode, TSchema>> = {}) =>
  codes.length === 1 ? refusalOf(codes[0]!, details[codes[0]!] ?? null) : Type.Union(codes.map((code) => refusalOf(code, details[code] ?? null)));
export const commandErrorAnswers = {
  400: errorOf(['invalid-input', 'malformed-json', 'duplicate-key', 'invalid-text'], {
    'invalid-input': Type.Union([
      ValidationErrors,
      BodyPath,
      // admit: an admission time the server cannot take (src/commands/admission.ts).
      Type.Object({ admittedAt: Type.String(), receivedAt: Time }, closed),
      Type.Object({ policyYear: Type.Integer() }, closed),
    ]),
    'duplicate-key': BodyPath,
    'invalid-text': BodyPath,
  }),
  401: errorOf(['unauthenticated']),
  403: errorOf(['forbidden-role', 'operator-proof-refused', 'enrolment-out-of-scope', 'second-factor-refused', 'consent-refused'], {
    'operator-proof-refused': OperatorProofRefusal,
  }),
  404: errorOf(['not-found']),
  413: errorOf(['payload-too-large']),
  415: errorOf(['unsupported-media-type']),
  // A pre-auth, query response or claim without its package's required documents (issue 19):
  // refused before anything is decided, nothing written, so the same command id goes through
  // once the documents are attached.
  // A family change (issue 16) without its birth or marriage certificate: likewise.
  422: errorOf(['documents-missing'], { 'documents-missing': Type.Union([DocumentsMissing, FamilyDocumentMissing]) }),
  500: errorOf(['internal-error']),
  503: errorOf(['service-busy', 'database-unavailable']),
} as const;

/** 429: a lookup or one-time code past an operator's or a member's limit (src/identity/lookup-limits.ts). */
export const TooManyRequests = refusalOf('too-many-requests', Type.Object({ retryAfterSeconds: Type.Integer({ minimum: 1 }) }, closed));
/** The commands that count against those limits. */
const limitedCommands: readonly CommandName[] = ['identify-member', 'send-otp'];

/** Every status a command route answers, with its exact schema. */
export function commandResponses<N extends CommandName>(name: N) {
  return { 200: commandAnswers[name], 409: CommandRejection, ...commandErrorAnswers, ...(limitedCommands.includes(name) ? { 429: TooManyRequests } : {}) };
}

/** 422: a desk's mutation the server set aside so the outbox moves on (src/sync/push.ts), stored as its final answer. */
export const CommandFailed = refusalOf('command-failed', null);

/** Any command's 200 answer: one of the answers above, told apart by `command`. */
export const AnyCommandAnswer = Type.Union(commandNames.map((name) => commandAnswers[name]));

/** What a desk's mutation is answered with in `/sync/push`: an answer, a rejection, an error or the 422. */
export const PushedCommandAnswer = Type.Union([
  AnyCommandAnswer,
  CommandRejection,
  CommandFailed,
  ...Object.entries(commandErrorAnswers)
    .filter(([status]) => ['400', '403', '404', '422'].includes(status))
    .map(([, schema]) => schema),
]);

/** The commands a desk runs online through `/sync/online` (never queued). */
export const onlineCommands = [
  'send-otp',
  'verify-otp',
  'enroll-fingerprint',
  'enroll-face',
  'request-enrolment-replacement',
  'issue-e-card',
  'reissue-e-card',
  'grant-history-consent',
  'link-identifier',
  'unlink-identifier',
] as const satisfies readonly CommandName[];
export type OnlineCommand = (typeof onlineCommands)[number];
export const OnlineCommandAnswer = Type.Union(onlineCommands.map((name) => commandAnswers[name]));

/**
 * `POST /sync/push`, described exactly for OpenAPI. The desk checks the envelope only (PushAnswer in
 * contract/sync.ts) and reads each answer's status, code, message and details: an answer stored by
 * an older server, which a replay returns as it was, must never stall a desk's outbox.
 */
export const PushAnswerExact = Type.Object(
  {
    protocolVersion: Type.Literal(syncProtocolVersion),
    answers: Type.Array(Type.Object({ commandId: Id, status: Type.Integer(), answer: PushedCommandAnswer }, closed)),
    stoppedAt: Nullable(Id),
  },
  closed,
);
