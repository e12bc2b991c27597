/**
 * The command contract of the sync server: one TypeBox schema per command body. Validation
 * (Fastify/ajv), TypeScript types (Static) and the OpenAPI document at /docs all derive from here,
 * and the desk backend imports the same module to build its outbox mutations.
 */
import { Type, type Static, type TSchema } from 'typebox';
import { maxAmount } from '../domain/money';
import { reasonCodes } from '../domain/adjudication';
import { roles, type Role } from '../domain/ids';
import { faceDescriptorLength } from '../domain/biometrics';
import { identityDocumentTypes } from '../domain/identity-evidence';
import { documentStages, supportingDocumentKinds } from '../domain/documents';
import type { TurnaroundStage } from '../domain/turnaround';
import { identifierKinds } from '../domain/identifiers';
import { familyChangeKinds } from '../domain/family-changes';

/** A plain UUID: the 'uuid' format alone also accepts a urn:uuid: prefix, which PostgreSQL refuses. */
export const uuidPattern = '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$';
const Uuid = (description: string) => Type.String({ format: 'uuid', pattern: uuidPattern, description });
/** Amounts: whole minor units; 0 is never a useful request, and huge values are refused. */
const Amount = (description: string) => Type.Integer({ minimum: 1, maximum: maxAmount, description });
const Text = (description: string, maxLength = 500) => Type.String({ minLength: 1, maxLength, description });
/** A member e-card's serial (issue 16, migration 052): EC- and 8 to 12 digits. */
export const eCardSerialPattern = '^EC-[0-9]{8,12}$';
const ECardSerial = Type.String({ pattern: eCardSerialPattern, description: "The e-card's serial, printed on it (EC-00000001)" });
/**
 * Service levels per payer stage (issue 15, migration 047), in minutes: 5 minutes to 60 days. The
 * pre-auth decision's is the scheme's pre-auth turnaround target (preauthTurnaroundMinutes, at most
 * a week); sending both for it is refused as ambiguous.
 */
const stageMinutes = (stage: TurnaroundStage, maximum: number) =>
  Type.Optional(Type.Integer({ minimum: 5, maximum, description: `Service level of the ${stage} stage in minutes` }));
export const ServiceLevelsBody = Type.Object(
  {
    'preauth-decision': stageMinutes('preauth-decision', 10_080),
    committee: stageMinutes('committee', 86_400),
    'admin-approval': stageMinutes('admin-approval', 86_400),
    enhancement: stageMinutes('enhancement', 86_400),
    'claim-processing': stageMinutes('claim-processing', 86_400),
    'claim-verification': stageMinutes('claim-verification', 86_400),
    payment: stageMinutes('payment', 86_400),
  } satisfies Record<TurnaroundStage, TSchema>,
  { additionalProperties: false, minProperties: 1 },
);
const CommandIdField = { commandId: Uuid('Client-generated id: repeating it returns the first answer and changes nothing.') };
const strict = { additionalProperties: false } as const;
/** Standard base64 with padding. */
const fingerprintTemplatePattern = '^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$';

/** The fingerprint module's template, as enrolment commands carry it. */
const FingerprintTemplate = Type.String({
  pattern: fingerprintTemplatePattern,
  minLength: 4,
  maxLength: 5_464,
  description: "The fingerprint module's template (character file), base64; at most 4,096 bytes. Stored encrypted, never logged or echoed.",
});
/** The desk camera's face embedding, as enrolment commands carry it. */
const FaceDescriptor = Type.Array(Type.Number({ minimum: -1_000, maximum: 1_000 }), {
  minItems: faceDescriptorLength,
  maxItems: faceDescriptorLength,
  description: 'The face embedding from the desk camera. Stored encrypted, never logged or echoed.',
});
/**
 * What makes an enrolment legitimate (issue 13 item 5): the member's case admitted at the
 * enrolling operator's hospital, and a one-time code sent to the family's registered phone and
 * verified for the member in the last 30 minutes (the code that identified the patient for this
 * case's admission counts).
 */
const EnrolmentScopeFields = {
  caseId: Uuid("The member's case admitted at the enrolling operator's hospital"),
  otpChallengeId: Uuid("A one-time code sent to the family's registered phone and verified for this member in the last 30 minutes"),
};

/** One decision per claim line, shared by CEX (process-claim) and CPD (verify-claim). */
const ClaimLineDecisions = Type.Array(
  Type.Object(
    {
      bookingId: Uuid('The booking behind the line'),
      decision: Type.Union([Type.Literal('full'), Type.Literal('partial'), Type.Literal('deny')]),
      approvedAmount: Type.Optional(Amount('Required for partial')),
      reasonCode: Type.Optional(Type.Enum([...reasonCodes])),
    },
    strict,
  ),
  { minItems: 1, maxItems: 500 },
);

/**
 * Match evidence of an admission (issue 13 item 6; domain/identity-evidence.ts). Signed with the
 * operator's key over node-shared/operator-proof.ts `matchEvidenceBytes`: this evidence, the desk
 * (the key's), operator, case, member and method.
 */
const EvidenceSignature = {
  capturedAt: Type.String({ format: 'date-time', maxLength: 40, description: "When the match (or the document check) was made, by the desk's clock" }),
  keyId: Uuid("The operator's signing key (registered at online sign-in, POST /sync/operator-keys)"),
  signature: Type.String({ pattern: '^[A-Za-z0-9_-]{86}$', description: 'Ed25519 signature, base64url, of matchEvidenceBytes' }),
};
export const BiometricEvidence = Type.Object(
  {
    kind: Type.Enum(['fingerprint', 'face'], { description: 'The modality matched: the same as identityMethod' }),
    enrolmentId: Uuid('The enrolment the capture matched (the id of the biometrics document the desk pulled)'),
    score: Type.Number({
      minimum: 0,
      maximum: 65_535,
      description: "fingerprint: the module's match score (0–65,535); face: the engine's similarity (0–1)",
    }),
    ...EvidenceSignature,
  },
  strict,
);
export const DocumentEvidence = Type.Object(
  {
    kind: Type.Literal('document'),
    documentType: Type.Enum([...identityDocumentTypes]),
    numberLast4: Type.String({ pattern: '^[0-9A-Za-z]{4}$', description: "The document number's last 4 characters (never the whole number)" }),
    ...EvidenceSignature,
  },
  strict,
);

/** Supporting documents declared with a claim: metadata only (the desk does not upload files yet). */
export const documentKinds = ['discharge-summary', 'bill', 'investigation-report', 'prescription', 'implant-sticker', 'photo', 'other'] as const;
const ClaimDocuments = Type.Array(
  Type.Object(
    {
      name: Text('File name as the hospital holds it', 200),
      kind: Type.Enum([...documentKinds]),
      sizeBytes: Type.Integer({ minimum: 1, maximum: 100 * 1024 * 1024, description: 'Size in bytes (at most 100 MB)' }),
      sha256: Type.String({ pattern: '^[0-9a-f]{64}$', description: 'SHA-256 of the file, lower-case hex' }),
    },
    strict,
  ),
  { maxItems: 50 },
);

/** How a patient settles their part (issue 14): at the desk, or by sending the remainder to a secondary payer. */
export const paymentMethods = ['cash', 'card', 'upi', 'secondary'] as const;
/** Secondary payers a remainder can be sent to as a coordination-of-benefits claim. */
export const secondaryPayers = ['serious-illness-fund', 'commercial-top-up'] as const;
/**
 * What a secondary payer decides on a coordination-of-benefits claim (issue 14, migration 040).
 * ACO records it: the payer-side finance role, which already approves the scheme's payments.
 */
export const secondaryClaimDecisions = ['accept', 'partial', 'reject'] as const;
/**
 * Money between the scheme's office and a secondary payer on a decided claim (issue 14, migration
 * 051): the payer's remittance, or the scheme's refund to it after a reversal left it overpaid.
 */
export const secondaryMoneyMovements = ['remittance', 'refund'] as const;
/** The sexes an emergency record takes (as the desk sees the patient). */
export const emergencySexes = ['male', 'female', 'other', 'unknown'] as const;
/** 96 KiB of photo as base64 (4 characters per 3 bytes). */
export const emergencyPhotoBytes = 98_304;
const emergencyPhotoBase64Length = (emergencyPhotoBytes / 3) * 4;
const TakenAt = Type.String({
  format: 'date-time',
  description: "When the operator took the money, by the desk's clock (offline cash is sent later): at most 5 minutes ahead of the server, 7 days back",
});

export const commandBodies = {
  'identify-member': Type.Object(
    {
      ...CommandIdField,
      by: Type.Union([Type.Literal('scheme-id'), Type.Literal('national-id'), Type.Literal('health-card'), Type.Literal('linked-id')]),
      value: Text(
        "The scheme member id, national id number or health-card number; for linked-id (issue 16) a linked identifier: a health account number, this hospital's patient number (MRN), a state card number, or NID:<issuer>:<reference> read from a national ID QR",
        64,
      ),
    },
    strict,
  ),
  admit: Type.Object(
    {
      ...CommandIdField,
      caseId: Uuid('Client-generated case id'),
      memberId: Uuid('The member being admitted'),
      identityMethod: Type.Enum(['fingerprint', 'face', 'otp', 'override', 'document']),
      isEmergency: Type.Optional(Type.Boolean()),
      otpChallengeId: Type.Optional(Uuid('For identityMethod otp: the verified one-time-code challenge')),
      overrideReason: Type.Optional(
        Type.String({
          minLength: 15,
          maxLength: 1000,
          description: 'For identityMethod override: why identity could not be proven (e.g. unconscious patient)',
        }),
      ),
      supervisorName: Type.Optional(Text('For identityMethod override: the supervisor who authorised it', 120)),
      admittedAt: Type.Optional(
        Type.String({
          format: 'date-time',
          maxLength: 40,
          description:
            "When the operator admitted the patient, from the desk's clock (an admission made offline reaches the server later). At most 5 minutes ahead of the server's clock and 7 days behind it; its policy year is the case's. Absent: the server's receipt time.",
        }),
      ),
      evidence: Type.Optional(
        Type.Union([BiometricEvidence, DocumentEvidence], {
          description:
            'For identityMethod fingerprint, face (what matched) or document (what was shown, attested): signed by the operator. Missing or failing evidence does not refuse the admission; it sends the case to identity review.',
        }),
      ),
    },
    strict,
  ),
  /**
   * An unconscious or unidentified patient admitted at once (issue 19, scenario S6): a temporary
   * record, no member and so no hold. `caseId` becomes the member's case when merge-emergency-case
   * names who the patient is.
   */
  'admit-emergency': Type.Object(
    {
      ...CommandIdField,
      caseId: Uuid('Client-generated case id: the merged case keeps it'),
      sex: Type.Enum([...emergencySexes], { description: 'As seen by the desk' }),
      approximateAge: Type.Integer({ minimum: 0, maximum: 120, description: 'Approximate age in years, as the desk judges it' }),
      foundAt: Text('Where and how the patient was found or brought in (e.g. "Highway 48 near Wakad, brought by ambulance 108")', 500),
      photo: Type.Optional(
        Type.Object(
          {
            type: Type.Enum(['image/jpeg', 'image/png']),
            base64: Type.String({
              pattern: fingerprintTemplatePattern,
              minLength: 8,
              maxLength: emergencyPhotoBase64Length,
              description: 'The photo, base64: at most 96 KiB, JPEG or PNG by its first bytes. Kept for recognition, never matched or logged.',
            }),
          },
          strict,
        ),
      ),
      admittedAt: Type.Optional(
        Type.String({
          format: 'date-time',
          maxLength: 40,
          description: "When the desk admitted the patient, from its clock (as admit's admittedAt): the window to identify runs from it.",
        }),
      ),
    },
    strict,
  ),
  /**
   * Identity established for an emergency case (any method, or the audited override): the temporary
   * record becomes the member's case (the admit rules: one active case per member, the OTP, the
   * evidence, the review queue), audited; the pre-auth then holds on that member's family cover.
   */
  'merge-emergency-case': Type.Object(
    {
      ...CommandIdField,
      caseId: Uuid('The emergency case'),
      memberId: Uuid('The member the patient turned out to be'),
      identityMethod: Type.Enum(['fingerprint', 'face', 'otp', 'override', 'document']),
      otpChallengeId: Type.Optional(Uuid('For identityMethod otp: the verified one-time-code challenge')),
      overrideReason: Type.Optional(
        Type.String({ minLength: 15, maxLength: 1000, description: 'For identityMethod override: why identity could not be proven otherwise' }),
      ),
      supervisorName: Type.Optional(Text('For identityMethod override: the supervisor who authorised it', 120)),
      evidence: Type.Optional(
        Type.Union([BiometricEvidence, DocumentEvidence], {
          description: "As admit's evidence, signed for this case and member.",
        }),
      ),
    },
    strict,
  ),
  /**
   * A newborn or a new spouse registered into an existing family (issue 16, docs/family-changes.md),
   * waiting for the scheme's enrolment role (HA). `documentId` is the birth certificate (newborn) or
   * marriage certificate (spouse) this desk uploaded for the family (tus, Upload-Metadata
   * `familyId`): without it, or with a document that is not that, the registration is refused 422
   * `documents-missing` and nothing is written, so the same command id goes through once uploaded.
   */
  'register-family-member': Type.Object(
    {
      ...CommandIdField,
      changeId: Uuid('Client-generated id of this registration'),
      familyId: Uuid('The family the member joins'),
      kind: Type.Enum([...familyChangeKinds], { description: 'newborn (needs a birth certificate) or spouse (needs a marriage certificate)' }),
      memberId: Uuid('Client-generated id the member gets once approved'),
      fullName: Text('Full name as on the certificate', 120),
      gender: Type.Union([Type.Literal('F'), Type.Literal('M'), Type.Literal('X')]),
      birthDate: Type.String({
        pattern: '^[0-9]{4}-[0-9]{2}-[0-9]{2}$',
        description: "Date of birth, YYYY-MM-DD: not after today; a newborn's at most 365 days ago",
      }),
      documentId: Type.Optional(
        Uuid('The supporting document uploaded for this family. Required: without it the answer is 422 documents-missing, nothing written.'),
      ),
    },
    strict,
  ),
  /**
   * The registered member admitted before the decision, as "pending enrolment" (issue 16): an
   * emergency case (migration 055) at this hospital with no member and no hold, which follows the
   * decision: approved, it becomes the new member's case; rejected, it stays an emergency case.
   */
  'admit-pending-enrolment': Type.Object(
    {
      ...CommandIdField,
      caseId: Uuid("Client-generated case id: the member's case keeps it once approved"),
      changeId: Uuid('The pending registration'),
      admittedAt: Type.Optional(
        Type.String({ format: 'date-time', maxLength: 40, description: "When the desk admitted the patient, from its clock (as admit's admittedAt)" }),
      ),
    },
    strict,
  ),
  /** The enrolment role's decision on a registration (issue 16): approved, the member joins the family; rejected, nothing joins. Audited with the reason. */
  'decide-family-change': Type.Object(
    {
      ...CommandIdField,
      changeId: Uuid('The registration decided'),
      decision: Type.Enum(['approve', 'reject']),
      reason: Text('Why (kept in the audit trail and shown to the desk)', 500),
    },
    strict,
  ),
  'send-otp': Type.Object(
    {
      ...CommandIdField,
      challengeId: Uuid('Client-generated challenge id'),
      memberId: Uuid('The member to identify'),
      isForRelative: Type.Optional(Type.Boolean({ description: 'The code is read out by a relative (unconscious patient)' })),
    },
    strict,
  ),
  'verify-otp': Type.Object(
    {
      ...CommandIdField,
      challengeId: Uuid('The challenge'),
      code: Type.String({ pattern: '^[0-9]{6}$', description: 'The 6-digit code' }),
    },
    strict,
  ),
  'enroll-fingerprint': Type.Object(
    {
      ...CommandIdField,
      memberId: Uuid('The member whose finger was enrolled'),
      ...EnrolmentScopeFields,
      template: FingerprintTemplate,
    },
    strict,
  ),
  'enroll-face': Type.Object(
    {
      ...CommandIdField,
      memberId: Uuid('The member whose face was enrolled'),
      ...EnrolmentScopeFields,
      descriptor: FaceDescriptor,
    },
    strict,
  ),
  'request-enrolment-replacement': Type.Object(
    {
      ...CommandIdField,
      requestId: Uuid('Client-generated request id'),
      memberId: Uuid('The member whose enrolment is to be replaced'),
      ...EnrolmentScopeFields,
      modality: Type.Enum(['fingerprint', 'face']),
      template: Type.Optional(FingerprintTemplate),
      descriptor: Type.Optional(FaceDescriptor),
      reason: Type.String({
        minLength: 15,
        maxLength: 1000,
        description: 'Why the enrolment is wrong or no longer reads (e.g. "enrolled on the wrong member", "finger injured"); read by the reviewer',
      }),
    },
    strict,
  ),
  'review-enrolment-replacement': Type.Object(
    {
      ...CommandIdField,
      requestId: Uuid('The replacement request'),
      decision: Type.Union([Type.Literal('approve'), Type.Literal('reject')]),
      note: Text("The reviewer's finding", 2000),
    },
    strict,
  ),
  'review-override': Type.Object(
    {
      ...CommandIdField,
      caseId: Uuid('The case admitted by identity override'),
      note: Text("The reviewer's finding", 2000),
    },
    strict,
  ),
  'request-preauth': Type.Object(
    {
      ...CommandIdField,
      caseId: Uuid('The admitted case'),
      packageCode: Text('Package code from the catalogue', 32),
      estimatedAmount: Type.Optional(Amount('Required for an unspecified package: the estimated cost')),
      clinicalNote: Type.Optional(Text('Clinical justification', 2000)),
    },
    strict,
  ),
  'respond-query': Type.Object(
    {
      ...CommandIdField,
      caseId: Uuid('The queried case'),
      response: Text("The desk's answer to the reviewer's query", 2000),
    },
    strict,
  ),
  'decide-preauth': Type.Object(
    {
      ...CommandIdField,
      caseId: Uuid('The case whose pre-authorization is decided'),
      decision: Type.Union([Type.Literal('approve'), Type.Literal('approve-lower'), Type.Literal('reject'), Type.Literal('query')]),
      amount: Type.Optional(Amount('Required for approve-lower')),
      reason: Type.Optional(Text('Required for approve-lower, reject and query', 2000)),
    },
    strict,
  ),
  'recommend-preauth': Type.Object(
    {
      ...CommandIdField,
      caseId: Uuid('An unspecified-package case in committee review'),
      recommendedAmount: Amount("The Medical Committee's recommended amount"),
      reason: Text("The committee's reasoning", 2000),
    },
    strict,
  ),
  'approve-unspecified': Type.Object(
    {
      ...CommandIdField,
      caseId: Uuid('An unspecified-package case in admin review'),
      decision: Type.Union([Type.Literal('approve'), Type.Literal('approve-lower'), Type.Literal('reject')]),
      amount: Type.Optional(Amount('Required for approve-lower')),
      reason: Type.Optional(Text('Required for approve-lower and reject', 2000)),
    },
    strict,
  ),
  'request-enhancement': Type.Object(
    {
      ...CommandIdField,
      enhancementId: Uuid('Client-generated enhancement id'),
      caseId: Uuid('The case'),
      amount: Amount('Additional amount requested'),
      reason: Text('Why more is needed', 2000),
    },
    strict,
  ),
  'decide-enhancement': Type.Object(
    {
      ...CommandIdField,
      enhancementId: Uuid('The enhancement request'),
      decision: Type.Union([Type.Literal('approve'), Type.Literal('approve-lower'), Type.Literal('reject')]),
      amount: Type.Optional(Amount('Required for approve-lower')),
      reason: Type.Optional(Text('Required for approve-lower and reject', 2000)),
    },
    strict,
  ),
  'add-booking': Type.Object(
    {
      ...CommandIdField,
      bookingId: Uuid('Client-generated booking id'),
      caseId: Uuid('The case the service or item was used for'),
      itemCode: Text('Service or item code', 32),
      description: Text('What was provided', 200),
      quantity: Type.Integer({ minimum: 1, maximum: 10_000 }),
      unitPrice: Amount('Price per unit in minor units'),
    },
    strict,
  ),
  'void-booking': Type.Object(
    {
      ...CommandIdField,
      bookingId: Uuid('The booking to void'),
      reason: Text('Why it is voided', 500),
    },
    strict,
  ),
  discharge: Type.Object(
    {
      ...CommandIdField,
      caseId: Uuid('The case to discharge'),
    },
    strict,
  ),
  'submit-claim': Type.Object(
    {
      ...CommandIdField,
      claimId: Uuid('Client-generated claim id'),
      caseId: Uuid('The discharged case'),
      amount: Amount("Claimed amount: must equal the case's booking sum"),
      documents: Type.Optional(ClaimDocuments),
    },
    strict,
  ),
  'process-claim': Type.Object(
    {
      ...CommandIdField,
      claimId: Uuid('The claim'),
      lines: ClaimLineDecisions,
    },
    strict,
  ),
  'verify-claim': Type.Object(
    {
      ...CommandIdField,
      claimId: Uuid('The claim'),
      lines: ClaimLineDecisions,
    },
    strict,
  ),
  'approve-payment': Type.Object(
    {
      ...CommandIdField,
      paymentId: Uuid('Client-generated payment id'),
      claimIds: Type.Array(Uuid('An approved claim'), { minItems: 1, maxItems: 1000, uniqueItems: true }),
      deductions: Type.Optional(Type.Integer({ minimum: 0, maximum: maxAmount, description: 'Amount withheld (e.g. tax) from the payment' })),
    },
    strict,
  ),
  'cancel-case': Type.Object(
    {
      ...CommandIdField,
      caseId: Uuid('The case to cancel'),
      reason: Text('Why the admission is cancelled', 500),
    },
    strict,
  ),
  'register-family': Type.Object(
    {
      ...CommandIdField,
      familyId: Uuid('Client-generated family id'),
      familyNumber: Text('Scheme family number', 32),
      cover: Amount('Floater cover for the policy year'),
      registeredPhone: Type.String({ pattern: '^\\+?[0-9]{8,15}$', description: 'Registered mobile number' }),
      district: Text('District', 64),
      members: Type.Array(
        Type.Object(
          {
            memberId: Uuid('Client-generated member id'),
            schemeMemberId: Type.String({ pattern: '^[A-Z]{3}-[A-Z0-9]{8}$', description: 'Scheme member id, e.g. PMJ-7K2Q9D1A' }),
            fullName: Text('Full name', 120),
            birthYear: Type.Integer({ minimum: 1900, maximum: 2100 }),
            gender: Type.Union([Type.Literal('F'), Type.Literal('M'), Type.Literal('X')]),
            relation: Type.Enum(['head', 'spouse', 'son', 'daughter', 'parent', 'other']),
            nationalId: Type.Optional(Type.String({ pattern: '^[0-9]{12}$', description: '12-digit national id; stored only as a keyed hash' })),
            healthCardNumber: Type.Optional(Text('Health-card number', 32)),
          },
          strict,
        ),
        { minItems: 1, maxItems: 30 },
      ),
    },
    strict,
  ),
  'set-package-price': Type.Object(
    {
      ...CommandIdField,
      packageCode: Text('Package code', 32),
      price: Amount('New price; becomes a new version'),
    },
    strict,
  ),
  'set-document-requirements': Type.Object(
    {
      ...CommandIdField,
      packageCode: Text('Package code', 32),
      stage: Type.Enum([...documentStages], { description: 'The stage whose command needs these documents' }),
      kinds: Type.Array(Type.Enum([...supportingDocumentKinds]), {
        maxItems: supportingDocumentKinds.length,
        uniqueItems: true,
        description: "The package's checklist for the stage, in the order the desk shows it; empty: the stage needs nothing",
      }),
      reason: Text('Why the checklist changes (audited)', 500),
    },
    strict,
  ),
  'configure-desk': Type.Object(
    {
      ...CommandIdField,
      deskId: Uuid('The desk'),
      registryDistrict: Type.Optional(Text("District whose registry the desk keeps for offline search (default: its hospital's)", 64)),
      status: Type.Optional(Type.Enum(['active', 'revoked'])),
    },
    strict,
  ),
  'create-operator': Type.Object(
    {
      ...CommandIdField,
      operatorId: Uuid('Client-generated operator id'),
      username: Type.String({ pattern: '^[a-z0-9._-]{3,40}$' }),
      displayName: Text('Display name', 120),
      password: Type.String({ minLength: 10, maxLength: 200 }),
      roles: Type.Array(Type.Enum([...roles]), { minItems: 1, uniqueItems: true }),
      hospitalId: Type.Optional(Uuid('Hospital scope (required for MEDCO)')),
    },
    strict,
  ),
  'register-hospital': Type.Object(
    {
      ...CommandIdField,
      hospitalId: Uuid('Client-generated hospital id'),
      code: Type.String({ pattern: '^[A-Z0-9-]{2,16}$', description: 'Short hospital code, e.g. HSP-C (upper-case letters, digits, dashes)' }),
      name: Text('Hospital name', 200),
      district: Text("District (a desk replicates this district's registry by default)", 64),
    },
    strict,
  ),
  'register-desk': Type.Object(
    {
      ...CommandIdField,
      deskId: Uuid('Client-generated desk id'),
      hospitalId: Uuid('The hospital the desk admits for'),
      name: Text('Desk name, e.g. Admission desk 2', 120),
    },
    strict,
  ),
  'revoke-desk': Type.Object(
    {
      ...CommandIdField,
      deskId: Uuid('The desk whose credential stops working at once'),
      reason: Text('Why the desk is revoked (lost, stolen, decommissioned…)', 500),
    },
    strict,
  ),
  'update-operator': Type.Object(
    {
      ...CommandIdField,
      operatorId: Uuid('The operator'),
      displayName: Type.Optional(Text('Display name', 120)),
      roles: Type.Optional(Type.Array(Type.Enum([...roles]), { minItems: 1, uniqueItems: true })),
      hospitalId: Type.Optional(Type.Union([Uuid('Hospital scope (required for MEDCO)'), Type.Null()])),
      isActive: Type.Optional(Type.Boolean({ description: 'false deactivates: the operator can no longer sign in' })),
    },
    strict,
  ),
  'take-payment': Type.Object(
    {
      ...CommandIdField,
      paymentId: Uuid('Client-generated payment id: its receipt is numbered by the server'),
      caseId: Uuid('The case whose patient account is paid'),
      amount: Amount('What the patient pays now (at most what is still owed)'),
      method: Type.Enum([...paymentMethods]),
      reference: Type.Optional(
        Text('Card: the terminal approval code; UPI: the transaction reference or the scanned QR payload; secondary: the member or policy number there', 1000),
      ),
      secondaryPayer: Type.Optional(Type.Enum([...secondaryPayers], { description: 'Required for method secondary' })),
      takenAt: Type.Optional(TakenAt),
    },
    strict,
  ),
  'refund-payment': Type.Object(
    {
      ...CommandIdField,
      refundId: Uuid('Client-generated refund id: its receipt is numbered by the server'),
      caseId: Uuid('The case whose patient account is in credit'),
      amount: Amount('What is given back (at most the credit, and at most what the patient paid)'),
      method: Type.Enum(['cash', 'card', 'upi']),
      reference: Type.Optional(Text('Card or UPI: the refund reference', 1000)),
      reason: Text('Why the patient gets money back (kept with the refund)', 500),
      takenAt: Type.Optional(TakenAt),
    },
    strict,
  ),
  'decide-secondary-claim': Type.Object(
    {
      ...CommandIdField,
      claimId: Uuid('The coordination-of-benefits claim: the paymentId of the take-payment that sent it'),
      decision: Type.Enum([...secondaryClaimDecisions]),
      acceptedAmount: Type.Optional(Amount('partial: what the secondary payer accepts, less than the claim')),
      reasonCode: Type.Optional(
        Type.String({ pattern: '^[a-z][a-z0-9-]{0,39}$', description: "partial and reject: the payer's reason, kebab-case (e.g. not-covered, limit-reached)" }),
      ),
      payerReference: Text("The secondary payer's reference for its decision (remittance advice, letter number)", 200),
    },
    strict,
  ),
  'record-secondary-remittance': Type.Object(
    {
      ...CommandIdField,
      claimId: Uuid('The decided coordination-of-benefits claim the money is for'),
      movement: Type.Enum([...secondaryMoneyMovements], {
        description: 'remittance: the payer paid (at most what it still owes); refund: we paid the payer back (at most what it overpaid)',
      }),
      amount: Amount('What moved, in minor units'),
      reference: Text("The bank's or the payer's reference for the transfer", 200),
      valueDate: Type.String({
        pattern: '^[0-9]{4}-[0-9]{2}-[0-9]{2}$',
        description: 'YYYY-MM-DD: the day the money moved (not after today, not before the claim)',
      }),
    },
    strict,
  ),
  'grant-history-consent': Type.Object(
    {
      ...CommandIdField,
      caseId: Uuid("The member's case admitted at your hospital: the consent lasts while it does (at most 72 hours)"),
      method: Type.Enum(['otp', 'fingerprint', 'face'], {
        description:
          "How the member consented: otp, a one-time code to the family's registered phone verified at your hospital; fingerprint or face, a match of the member's enrolment at your desk moments before, signed for this consent (evidence)",
      }),
      otpChallengeId: Type.Optional(Uuid('otp: the one-time code request verified for this member in the last 30 minutes (each code backs one consent)')),
      evidence: Type.Optional(
        Type.Object(
          {
            kind: Type.Enum(['fingerprint', 'face'], { description: 'The modality matched: the same as method' }),
            enrolmentId: Uuid("The member's enrolment the capture matched"),
            score: Type.Number({
              minimum: 0,
              maximum: 65_535,
              description: "fingerprint: the module's match score (0–65,535); face: the engine's similarity (0–1)",
            }),
            capturedAt: Type.String({
              format: 'date-time',
              maxLength: 40,
              description: "When the match was made, by the desk's clock (at most 5 minutes before)",
            }),
            keyId: Uuid("The operator's signing key"),
            signature: Type.String({ pattern: '^[A-Za-z0-9_-]{86}$', description: 'Ed25519 signature, base64url, of consentEvidenceBytes' }),
          },
          { ...strict, description: 'fingerprint or face: the match the desk made for this consent, signed by the operator over the case and member' },
        ),
      ),
    },
    strict,
  ),
  'issue-e-card': Type.Object(
    {
      ...CommandIdField,
      memberId: Uuid('The member the e-card is for (a member with an active card is refused: reissue it)'),
    },
    strict,
  ),
  'revoke-e-card': Type.Object(
    {
      ...CommandIdField,
      serial: ECardSerial,
      reason: Text('Why the card is revoked (lost, stolen, damaged…), kept in the audit trail', 500),
    },
    strict,
  ),
  'reissue-e-card': Type.Object(
    {
      ...CommandIdField,
      serial: ECardSerial,
      reason: Text('Why the card is replaced (lost, stolen, damaged…), kept in the audit trail', 500),
    },
    strict,
  ),
  /**
   * Link one of the member's other identifiers (issue 16, migration 058, docs/identifiers.md). One
   * identifier belongs to one member: linked to another member, it is refused (409), naming that
   * member only to a caller whose hospital reaches them.
   */
  'link-identifier': Type.Object(
    {
      ...CommandIdField,
      memberId: Uuid('The member the identifier belongs to'),
      kind: Type.Enum([...identifierKinds], {
        description:
          "national-id-qr: the national ID card's secure QR text as scanned (its signature verified where the issuer's key is configured, else kept unverified); health-account: 14 digits, the last a Verhoeff check digit; hospital-mrn: a hospital's own patient number; state-card: a state health card number",
      }),
      value: Type.String({ minLength: 1, maxLength: 3000, description: 'The identifier as read from the card (the QR text for national-id-qr)' }),
      hospitalCode: Type.Optional(
        Type.String({
          minLength: 1,
          maxLength: 32,
          description: "hospital-mrn: whose patient number (HA must name it; a desk's operator links its own hospital's only)",
        }),
      ),
      state: Type.Optional(Type.String({ minLength: 2, maxLength: 2, description: 'state-card: the state code printed on the card (MH, KA…)' })),
    },
    strict,
  ),
  'unlink-identifier': Type.Object(
    {
      ...CommandIdField,
      linkId: Uuid('The link to end (link-identifier answered it)'),
      reason: Text('Why the identifier is unlinked (linked to the wrong member, card replaced…), kept in the audit trail', 500),
    },
    strict,
  ),
  'set-scheme-parameters': Type.Object(
    {
      ...CommandIdField,
      governmentShareBp: Type.Optional(
        Type.Integer({ minimum: 0, maximum: 10_000, description: 'Government part of every payment, in basis points (6000 = 60%)' }),
      ),
      shortfallPolicy: Type.Optional(Type.Enum(['partial-hold', 'refuse'])),
      autoExtendBp: Type.Optional(
        Type.Integer({ minimum: 0, maximum: 10_000, description: 'How far bookings may grow a hold past the authorized amount, in basis points' }),
      ),
      preauthTurnaroundMinutes: Type.Optional(
        Type.Integer({ minimum: 5, maximum: 10_080, description: 'Pre-authorization turnaround target in minutes (at most a week)' }),
      ),
      serviceLevels: Type.Optional(ServiceLevelsBody),
      emergencyIdentifyWindowMinutes: Type.Optional(
        Type.Integer({
          minimum: 60,
          maximum: 10_080,
          description: 'Emergencies (issue 19): the window to identify an emergency patient and raise the pre-auth, in minutes (default 1,440: 24 h)',
        }),
      ),
      emergencyPreauthTurnaroundMinutes: Type.Optional(
        Type.Integer({
          minimum: 5,
          maximum: 10_080,
          description: "The emergency pre-auth's own service level in minutes: shorter than the pre-auth turnaround target (default 60)",
        }),
      ),
      reason: Text('Why the parameters change (kept in the audit trail)', 500),
    },
    strict,
  ),
} satisfies Record<string, TSchema>;

export type CommandName = keyof typeof commandBodies;
export type CommandBody<N extends CommandName> = Static<(typeof commandBodies)[N]>;
export const commandNames = Object.keys(commandBodies) as CommandName[];

/** Who may send each command. Hospital scope is checked separately, on the case itself. */
export const commandRoles: Record<CommandName, readonly Role[]> = {
  'identify-member': ['MEDCO', 'PPD', 'MC', 'ADMIN', 'CEX', 'CPD', 'ACO', 'HA'],
  admit: ['MEDCO'],
  'admit-emergency': ['MEDCO'],
  'merge-emergency-case': ['MEDCO'],
  'register-family-member': ['MEDCO'],
  'admit-pending-enrolment': ['MEDCO'],
  // The scheme's enrolment role: HA registers families and reviews enrolment replacements today.
  'decide-family-change': ['HA'],
  'request-preauth': ['MEDCO'],
  'respond-query': ['MEDCO'],
  'decide-preauth': ['PPD'],
  'recommend-preauth': ['MC'],
  'approve-unspecified': ['ADMIN'],
  'request-enhancement': ['MEDCO'],
  'decide-enhancement': ['PPD'],
  'add-booking': ['MEDCO'],
  'void-booking': ['MEDCO'],
  discharge: ['MEDCO'],
  'submit-claim': ['MEDCO'],
  'process-claim': ['CEX'],
  'verify-claim': ['CPD'],
  'approve-payment': ['ACO'],
  'cancel-case': ['MEDCO'],
  'register-family': ['HA'],
  'set-package-price': ['HA'],
  'set-document-requirements': ['HA'],
  'create-operator': ['HA'],
  'configure-desk': ['HA'],
  'send-otp': ['MEDCO'],
  'verify-otp': ['MEDCO'],
  'review-override': ['HA', 'ADMIN'],
  'enroll-fingerprint': ['MEDCO'],
  'enroll-face': ['MEDCO'],
  'request-enrolment-replacement': ['MEDCO'],
  'review-enrolment-replacement': ['HA'],
  'register-hospital': ['HA'],
  'register-desk': ['HA'],
  'revoke-desk': ['HA'],
  'update-operator': ['HA'],
  'set-scheme-parameters': ['HA'],
  'take-payment': ['MEDCO'],
  'refund-payment': ['MEDCO'],
  'decide-secondary-claim': ['ACO'],
  'record-secondary-remittance': ['ACO'],
  'grant-history-consent': ['MEDCO'],
  'issue-e-card': ['MEDCO', 'HA'],
  'revoke-e-card': ['MEDCO', 'HA'],
  'reissue-e-card': ['MEDCO', 'HA'],
  'link-identifier': ['MEDCO', 'HA'],
  'unlink-identifier': ['MEDCO', 'HA'],
};

export const LoginBody = Type.Object(
  {
    username: Type.String({ minLength: 1, maxLength: 40 }),
    password: Type.String({ minLength: 1, maxLength: 200 }),
  },
  strict,
);

/**
 * A refusal of a route other than a command's (reads, sync, console, HA routes): a code, a
 * sentence and, for some codes, details. Commands describe theirs exactly in contract/results.ts.
 */
export const ErrorAnswer = Type.Object(
  {
    code: Type.String({ description: 'Machine-readable refusal code' }),
    message: Type.String({ description: 'A sentence a person can act on' }),
    details: Type.Optional(Type.Object({}, { additionalProperties: true })),
  },
  strict,
);
export type ErrorAnswerBody = Static<typeof ErrorAnswer>;
