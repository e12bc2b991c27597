/**
 * The desk API: the one typed contract between the renderer and the desk backend.
 *
 * Electron's preload exposes one function per channel (over IPC to the utility process); browser
 * mode carries the same channels over a WebSocket. Both implement `DeskApiClient`, and the backend
 * implements `DeskApiHandlers`, so renaming a channel breaks compilation on both sides.
 *
 * Answers are results, never thrown errors: thrown errors do not cross IPC faithfully.
 * Amounts are integers in minor units of the scheme's currency (see `SchemeInfo`).
 */

import type { PatientAccountTotalsValue, PatientBillValue } from '@contract/settlement';
import type { AccumulatorEnquiryValue } from '@contract/accumulators';
import type { KpiDashboardValue } from '@contract/kpis';
import type { MemberHistoryValue } from '@contract/member-record';
import type { IdentityDocumentType } from '@domain/identity-evidence';
import type { CaseDocumentValue } from '@contract/documents';
import type { DocumentMediaType, DocumentStage, SupportingDocumentKind } from '@domain/documents';

export const deskApiVersion = 1;

export type DeskResult<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: DeskError };

export interface DeskError {
  /** Machine-readable: 'offline-unavailable', 'invalid-input', 'not-found', 'not-signed-in', server codes … */
  readonly code: string;
  /** A sentence an operator can act on. */
  readonly message: string;
  readonly details?: Record<string, unknown>;
}

export interface SchemeInfo {
  readonly name: string;
  readonly currency: string;
  readonly locale: string;
  readonly minorPerUnit: number;
  readonly preauthTurnaroundMinutes: number;
}

export interface SessionInfo {
  readonly operatorId: string;
  readonly username: string;
  readonly displayName: string;
  readonly roles: readonly string[];
  readonly hospitalId: string | null;
  readonly hospitalName: string | null;
  readonly deskId: string;
  /** Signed in against the cached offline verifier because the server was unreachable. */
  readonly isOfflineSession: boolean;
  readonly scheme: SchemeInfo;
}

export type SyncState = 'not-enrolled' | 'online' | 'syncing' | 'offline' | 'error';

export interface SyncStatus {
  readonly state: SyncState;
  readonly isOnline: boolean;
  readonly serverUrl: string | null;
  /** ISO time of the last pull that completed. */
  readonly lastSyncAt: string | null;
  readonly pendingMutations: number;
  readonly lastError: { readonly code: string; readonly message: string; readonly at: string } | null;
  /**
   * While this desk's first full pull is loading (a new desk, or one resuming it after a restart):
   * documents received so far in this run. Search and reads are incomplete until it ends; null
   * once the replica is whole.
   */
  readonly firstSync: { readonly documentsReceived: number } | null;
  /**
   * The server refuses this desk's pushes until the app is updated (issue 23: the scheme's minimum
   * desk version). The desk keeps working and pulling; its changes wait in the outbox and are sent
   * once it runs `minimumVersion` or later. Null otherwise.
   */
  readonly updateRequired: { readonly minimumVersion: string | null; readonly message: string } | null;
}

/** The local replica's disposable state (issue 23): what a reset would lose, and the exports kept. */
export interface ReplicaState {
  /** Commands queued here and not yet answered by the server. */
  readonly unpushedCommands: number;
  readonly oldestUnpushedAt: string | null;
  /** Outbox exports in the data folder (`outbox-exports/`), newest first. */
  readonly exports: readonly OutboxExportSummary[];
}

export interface OutboxExportSummary {
  readonly fileName: string;
  readonly exportedAt: string;
  readonly cause: 'replica-reset' | 'manual';
  readonly commands: number;
  /** When this desk queued it again, or null. */
  readonly importedAt: string | null;
  /** Why it cannot be queued here (damaged, another desk's), or null. */
  readonly problem: string | null;
}

/** Where a money figure comes from: the server (confirmed, with its time) or this desk (pending). */
export interface Confirmed<T> {
  readonly value: T;
  /** ISO time at which the server computed it; null if never confirmed. */
  readonly confirmedAt: string | null;
}

export type BookingStatus = 'pending' | 'covered' | 'partly-covered' | 'shortfall' | 'rejected';

export interface BookingView {
  readonly bookingId: string;
  readonly caseId: string;
  readonly itemCode: string;
  readonly description: string;
  readonly quantity: number;
  readonly unitPrice: number;
  readonly amount: number;
  /** Known only once the server has placed the booking. */
  readonly coveredAmount: number | null;
  readonly shortfallAmount: number | null;
  readonly status: BookingStatus;
  readonly isVoided: boolean;
  /** Why the server rejected it, for status 'rejected'. */
  readonly reason: string | null;
  readonly createdAt: string;
}

export type PreauthStatus =
  'not-requested' | 'pending-sync' | 'pending' | 'queried' | 'committee-review' | 'admin-review' | 'approved' | 'rejected' | 'cancelled';

export interface CaseView {
  readonly caseId: string;
  readonly memberId: string;
  readonly familyId: string;
  readonly memberName: string;
  readonly schemeMemberId: string;
  readonly status: 'admitted' | 'discharged' | 'cancelled' | 'pending-sync' | 'rejected';
  readonly rejection: DeskError | null;
  readonly identityMethod: string;
  readonly isEmergency: boolean;
  /**
   * When the operator admitted the patient. For an admission made on this desk, the desk's own
   * time of the admit (kept after sync, also when made offline); otherwise the server's.
   */
  readonly admittedAt: string;
  /** When the server recorded the admission (later than `admittedAt` for one made offline); null until it has. */
  readonly serverAdmittedAt: string | null;
  readonly preauth: {
    readonly status: PreauthStatus;
    readonly packageCode: string | null;
    readonly packageName: string | null;
    readonly requestedAmount: number | null;
    readonly approvedAmount: number | null;
    readonly queryReason: string | null;
    readonly decisionReason: string | null;
    /** Known at admission: what the cover could not hold (the patient's estimated cost share is not shortfall). */
    readonly shortfall: number | null;
  };
  /**
   * `amount` is what the family cover holds. Under a plan with cost sharing that is the plan's part
   * only, and `patientEstimate` is the patient's estimated part of the authorized amount
   * (deductible, co-insurance, co-pay, what the plan does not pay), as the server last stated it:
   * bookings are compared with the two together. 0 on the cashless cover.
   */
  readonly hold: Confirmed<{ readonly amount: number; readonly consumed: number; readonly authorized: number; readonly patientEstimate: number }> | null;
  readonly bookings: readonly BookingView[];
  readonly bookingSum: number;
  readonly enhancements: readonly {
    readonly enhancementId: string;
    readonly requestedAmount: number;
    readonly approvedAmount: number | null;
    readonly status: string;
    readonly reason: string;
    /** The reviewer's reason for a partial approval or a rejection (or the server's refusal). */
    readonly decisionReason: string | null;
  }[];
  readonly claim: {
    readonly claimId: string;
    readonly amount: number;
    readonly status: string;
    readonly approvedAmount: number | null;
    /** For status 'rejected': the server's refusal as it said it (e.g. the difference from the booking sum). */
    readonly rejection: DeskError | null;
    /** One per booking claimed, with the CPD's decision once verified (empty until the server has the claim). */
    readonly lines: readonly ClaimLineView[];
  } | null;
}

/** A claim line as the reviewers decided it: decision and reason code are null until CPD verifies. */
export interface ClaimLineView {
  readonly bookingId: string;
  readonly description: string;
  readonly payerAmount: number;
  readonly approvedAmount: number | null;
  readonly decision: 'full' | 'partial' | 'deny' | null;
  readonly reasonCode: string | null;
}

export interface CaseListItem {
  readonly caseId: string;
  readonly memberName: string;
  readonly schemeMemberId: string;
  readonly status: CaseView['status'];
  readonly preauthStatus: PreauthStatus;
  readonly packageCode: string | null;
  readonly holdAmount: number | null;
  readonly bookingSum: number;
  readonly admittedAt: string;
  readonly hasPendingChanges: boolean;
}

export interface MemberSummary {
  readonly memberId: string;
  readonly schemeMemberId: string;
  readonly fullName: string;
  readonly birthYear: number;
  readonly gender: string;
  readonly relation: string;
  readonly activeCase: { readonly caseId: string | null; readonly hospitalCode: string; readonly isOwnHospital: boolean } | null;
}

export interface FamilyView {
  readonly familyId: string;
  readonly familyNumber: string;
  readonly district: string;
  readonly registeredPhoneEnding: string;
  /** As last confirmed by the server. */
  readonly balance: Confirmed<{ readonly cover: number; readonly committed: number; readonly available: number }>;
  /** Bookings made on this desk that the server has not placed yet. */
  readonly pendingAmount: number;
  readonly members: readonly MemberSummary[];
  readonly activeCases: readonly {
    readonly caseId: string | null;
    readonly memberId: string;
    readonly hospitalCode: string;
    readonly isOwnHospital: boolean;
    readonly holdAmount: number;
    readonly preauthStatus: string | null;
  }[];
}

export interface PackageView {
  readonly code: string;
  readonly name: string;
  readonly specialty: string;
  readonly isUnspecified: boolean;
  readonly price: number;
  readonly version: number;
}

export type IdentifyQuery =
  | { readonly by: 'scheme-id' | 'national-id' | 'health-card'; readonly value: string }
  | { readonly by: 'name'; readonly value: string; readonly birthYear?: number };

export interface IdentifyMatch {
  readonly member: MemberSummary;
  readonly familyId: string;
  readonly familyNumber: string;
}

/**
 * The language a document is printed in (issue 19): the operator's language at the desk, which the
 * server prints the patient bill and the e-card in (absent: English).
 */
export const printLanguages = ['en', 'hi', 'mr'] as const;
export type PrintLanguage = (typeof printLanguages)[number];
export function isPrintLanguage(value: unknown): value is PrintLanguage {
  return typeof value === 'string' && (printLanguages as readonly string[]).includes(value);
}

/** A member's e-card as the server issued it (issue 16): what is printed on it, and the card it replaced. */
export interface ECardView {
  readonly serial: string;
  readonly memberId: string;
  readonly schemeMemberId: string;
  readonly familyNumber: string;
  readonly name: string;
  readonly validFrom: string;
  readonly validTo: string;
  readonly replaces: string | null;
}

/** The kinds of a member's other identifiers (issue 16; sync-server/domain/identifiers.ts). */
export type LinkedIdentifierKind = 'national-id-qr' | 'health-account' | 'hospital-mrn' | 'state-card';

/** One of a member's linked identifiers as this desk holds it (replica, pulled from the server). */
export interface LinkedIdentifierView {
  readonly linkId: string;
  readonly memberId: string;
  readonly kind: LinkedIdentifierKind;
  /** The QR's issuer, the state code, 'this hospital' for a patient number, '' for a health account. */
  readonly issuer: string;
  /** As stored: the national ID QR's reference, never its document. */
  readonly value: string;
}

/** What the server answered a link (issue 16): how it was verified, and a sentence for the operator. */
export interface IdentifierLinkedView {
  readonly linkId: string;
  readonly kind: LinkedIdentifierKind;
  readonly issuer: string;
  readonly value: string;
  readonly verification: 'issuer-signature' | 'unverified' | 'check-digit' | 'none';
  readonly note: string | null;
}

export type IdentityMethod = 'fingerprint' | 'face' | 'otp' | 'override' | 'document';

/** How the desk saw an emergency patient's sex (issue 19). */
export type EmergencySex = 'male' | 'female' | 'other' | 'unknown';

/** A document queued at this desk (issue 19): waiting to upload, attached, or refused by the server. */
export interface QueuedDocumentView {
  readonly uploadKey: string;
  readonly caseId: string;
  readonly stage: DocumentStage;
  readonly kind: SupportingDocumentKind;
  readonly name: string;
  readonly mediaType: DocumentMediaType;
  readonly sizeBytes: number;
  readonly sha256: string;
  readonly queuedAt: string;
  /** pending: waits for the server (uploads in order with the outbox); attached; refused (with the server's sentence). */
  readonly state: 'pending' | 'attached' | 'refused';
  /** Bytes the server has confirmed (the tus offset): a resumed upload continues from here. */
  readonly uploadedBytes: number;
  readonly documentId: string | null;
  /** The same file was already attached to the case at that stage: the server answered that document. */
  readonly isAlreadyAttached: boolean;
  readonly refusal: { readonly code: string; readonly message: string } | null;
}

/** A case's documents at the desk: the server's attached documents and checklist (as last read), and this desk's queue. */
export interface DeskDocumentsView {
  readonly caseId: string;
  readonly packageCode: string | null;
  readonly attached: readonly CaseDocumentValue[];
  readonly queued: readonly QueuedDocumentView[];
  /** Per stage: what the package requires and what is still missing, counting documents queued here as provided. */
  readonly checklist: readonly {
    readonly stage: DocumentStage;
    readonly required: readonly string[];
    readonly missing: readonly string[];
    readonly missingLabels: readonly string[];
  }[];
  /** When the server's list was read; null if never (offline since the case was admitted). */
  readonly checkedAt: string | null;
  /** Read from the server just now (false: offline, the last list read). */
  readonly isFresh: boolean;
}

/** Where a document comes from: a file picked or a photo taken (bytes), or a file in the desk's scanner folder. */
export type DocumentSource =
  { readonly from: 'file' | 'camera'; readonly name: string; readonly base64: string } | { readonly from: 'scanner'; readonly fileName: string };

/**
 * An emergency case of this desk (issue 19): admitted before identity, no member and no hold,
 * until identity is established and it is merged into the member (then it is that member's case).
 */
export interface EmergencyView {
  readonly caseId: string;
  readonly sex: EmergencySex;
  readonly approximateAge: number;
  readonly foundAt: string;
  readonly hasPhoto: boolean;
  readonly admittedAt: string;
  /** Identify the member and raise the pre-auth by then: the server's answer, or the desk's estimate until it answers. */
  readonly identifyBy: string;
  readonly isIdentifyByConfirmed: boolean;
  /** Whole minutes left to identify (negative once past); null once merged. */
  readonly remainingMinutes: number | null;
  /** Unidentified past the window, or merged after it: flagged to the desk and the scheme. */
  readonly isOverdue: boolean;
  readonly status: 'unidentified' | 'merged';
  /** The admission (or, once merging, the merge) as far as the server has answered. */
  readonly sync: 'pending' | 'confirmed' | 'refused';
  /** The server's sentence when it refused the admission or the merge. */
  readonly rejection: string | null;
  readonly memberId: string | null;
  readonly mergedAt: string | null;
}

/** What an enrolment is made for (issue 13 item 5): the member, their case admitted here, and the verified one-time code. */
export interface EnrolmentScope {
  readonly memberId: string;
  readonly caseId: string;
  readonly otpChallengeId: string;
}

export interface BiometricEnrolments {
  /** ISO time of the enrolment this desk holds, or null. */
  readonly fingerprint: string | null;
  readonly face: string | null;
  readonly isFingerprintReaderReady: boolean;
}

/** Documents of the renderer's read model, in the shape RxDB's pull replication expects. */
export type ReplicatedCollection = 'families' | 'cases' | 'bookings' | 'packages';
export interface ReplicatedDocument {
  readonly id: string;
  readonly _deleted: boolean;
  readonly [field: string]: unknown;
}
export interface ReplicationCheckpoint {
  readonly sequence: number;
}

/** A configured device and how it is. */
export interface DeviceStatus {
  readonly device: 'card-scanner' | 'fingerprint' | 'configuration';
  readonly state: 'ready' | 'disconnected' | 'off' | 'error';
  /** In words, for the operator and IT: the port error, the retry, … (never patient data). */
  readonly detail: string;
}

export type PaymentMethod = 'cash' | 'card' | 'upi' | 'secondary';
export type SecondaryPayer = 'serious-illness-fund' | 'commercial-top-up';

/**
 * A payment this desk took, or money it gave back (a refund, out of the patient's credit), that the
 * server has not taken yet (queued), or has refused. A queued refund is still owed to the
 * patient's credit on the bill: the screen shows it as pending until the server's bill has it.
 */
export interface DeskPaymentView {
  /** The payment's id, or the refund's (`refundId`). */
  readonly paymentId: string;
  readonly direction: 'payment' | 'refund';
  readonly caseId: string;
  readonly method: PaymentMethod;
  readonly amount: number;
  readonly reference: string | null;
  readonly secondaryPayer: SecondaryPayer | null;
  /** When the operator took it (the desk's clock at queue time; the shift it counts in). */
  readonly takenAt: string;
  /** Why money is given back (a refund); null for a payment. */
  readonly reason: string | null;
  readonly state: 'queued' | 'refused';
  /** For state 'refused': the server's reason (e.g. payment-exceeds-balance when someone else was paid first). */
  readonly rejection: DeskError | null;
}

/**
 * The patient's bill at the desk: the server's bill when it can be reached (null and
 * `unavailable` saying why when not), and this desk's own payments and refunds the server has not
 * taken (queued, or refused after the push).
 */
export interface PatientBillAtDesk {
  readonly bill: PatientBillValue | null;
  readonly unavailable: DeskError | null;
  readonly deskPayments: readonly DeskPaymentView[];
}

/** A payment taken at this desk: queued, answered with its receipt, or refused by the server. */
export type PaymentReceiptAtDesk =
  | { readonly state: 'queued'; readonly paymentId: string; readonly amount: number; readonly takenAt: string }
  | {
      readonly state: 'answered';
      readonly paymentId: string;
      readonly receiptNumber: string;
      readonly method: PaymentMethod;
      readonly amount: number;
      readonly takenAt: string;
      readonly account: PatientAccountTotalsValue;
    }
  | { readonly state: 'refused'; readonly paymentId: string; readonly error: DeskError };

/** One accumulator as the server stated it: allowed, used and remaining (FHIR benefitBalance). */
export type AccumulatorBalanceView = AccumulatorEnquiryValue['benefitBalance'][number];

/**
 * What the patient is estimated to pay on a case (or for a package at admission): what the case's
 * account has been charged so far, and the plan's rule (domain/plan-design.ts decideCharge)
 * applied to the rest of the package against the accumulators as the server last stated them.
 */
export interface PatientEstimateView {
  /** The package's amount (the pre-auth's request, the chosen package's price, or the bookings if more). */
  readonly packageAmount: number;
  /** Booked and placed by the server so far, and what the patient was charged for it. */
  readonly booked: number;
  readonly chargedSoFar: number;
  /** The part of the package not booked yet, and the patient's estimated part of it. */
  readonly rest: number;
  readonly deductible: number;
  readonly coinsurance: number;
  readonly copay: number;
  /** What the plan will not pay at all (network, waiting period, limits). */
  readonly notPaid: number;
  /** chargedSoFar + the patient's estimated part of the rest. */
  readonly total: number;
  /** The plan's estimated part of the rest. */
  readonly planPart: number;
}

/**
 * The member's and the family's accumulators and the patient's estimate at this desk: current
 * when the server answered now (`source` 'server'), or this desk's last confirmed copy when it
 * cannot be reached ('last-confirmed', with `unavailable` saying why, and the estimate marked
 * provisional). `computedAt` is when the server computed the figures.
 */
export interface BenefitsAtDesk {
  readonly memberId: string;
  readonly familyId: string;
  readonly source: 'server' | 'last-confirmed' | 'none';
  readonly computedAt: string | null;
  readonly unavailable: DeskError | null;
  readonly planId: string | null;
  readonly hasCostSharing: boolean;
  /** The family's accumulators, then the member's. Empty when the desk has never had them. */
  readonly balances: readonly AccumulatorBalanceView[];
  readonly estimate: PatientEstimateView | null;
  /** Computed from figures the server stated earlier (offline): the server's split may differ. */
  readonly isProvisional: boolean;
  /** The provisional estimate this desk showed for the case while offline, when the server's figures now say otherwise. */
  readonly changedFrom: { readonly total: number; readonly asOf: string } | null;
}

/** Every channel, its argument and its answer. */
export interface DeskApiHandlers {
  'enrollment.status': (
    args: Record<string, never>,
  ) => Promise<DeskResult<{ isEnrolled: boolean; deskId: string | null; hospitalName: string | null; serverUrl: string | null }>>;
  'enrollment.enroll': (args: { serverUrl: string; code: string }) => Promise<DeskResult<{ deskId: string; hospitalName: string }>>;
  'session.signIn': (args: { username: string; password: string }) => Promise<DeskResult<SessionInfo>>;
  'session.signOut': (args: Record<string, never>) => Promise<DeskResult<null>>;
  'session.current': (args: Record<string, never>) => Promise<DeskResult<SessionInfo | null>>;
  'members.identify': (args: IdentifyQuery) => Promise<DeskResult<{ matches: IdentifyMatch[]; source: 'replica' | 'server' }>>;
  /**
   * Issue the member an e-card (online only, MEDCO): signed by the scheme on the server. A member
   * whose card is active gets `e-card-active` with its serial; `replaceSerial` with a reason
   * reissues that card instead (the old one is revoked at every desk once they sync).
   */
  'members.issueECard': (args: { memberId: string; replaceSerial?: string; reason?: string }) => Promise<DeskResult<ECardView>>;
  /** The card to print (PDF at ID-1 size) or to send to the member's phone (PNG), from the server. */
  'members.eCardFile': (args: {
    serial: string;
    format: 'pdf' | 'png';
    language?: PrintLanguage;
  }) => Promise<DeskResult<{ fileName: string; mimeType: string; base64: string }>>;
  /** A member's linked identifiers (issue 16) as this desk's replica holds them (offline too). */
  'identifiers.list': (args: { memberId: string }) => Promise<DeskResult<{ links: LinkedIdentifierView[] }>>;
  /**
   * Link one of the member's other identifiers (online only, MEDCO; `link-identifier`). A patient
   * number is this hospital's; a state card names its state. Refusals are the server's sentences:
   * a card linked to someone else names that member only within this hospital's reach.
   */
  'identifiers.link': (args: { memberId: string; kind: LinkedIdentifierKind; value: string; state?: string }) => Promise<DeskResult<IdentifierLinkedView>>;
  /** End a link with the reason (online only, MEDCO; `unlink-identifier`). */
  'identifiers.unlink': (args: { linkId: string; reason: string }) => Promise<DeskResult<{ linkId: string; unlinkedAt: string }>>;
  'families.view': (args: { familyId: string }) => Promise<DeskResult<FamilyView>>;
  'packages.list': (args: { search?: string }) => Promise<DeskResult<PackageView[]>>;
  'cases.list': (args: { status?: CaseView['status'] | 'all'; search?: string }) => Promise<DeskResult<CaseListItem[]>>;
  'cases.view': (args: { caseId: string }) => Promise<DeskResult<CaseView>>;
  /**
   * Admit. identityMethod 'otp' needs the verified challenge; 'override' needs a written reason
   * (15+ characters) and the authorising supervisor — it is audited and listed for review.
   */
  'cases.admit': (args: {
    memberId: string;
    identityMethod: IdentityMethod;
    isEmergency?: boolean;
    otpChallengeId?: string;
    overrideReason?: string;
    supervisorName?: string;
    /** For identityMethod document: what was shown (issue 13 item 6); the operator's attestation is signed by the desk. */
    document?: { type: IdentityDocumentType; numberLast4: string };
  }) => Promise<DeskResult<{ caseId: string }>>;
  /**
   * Emergencies before identity (issue 19): admit an unconscious or unidentified patient at once, a
   * temporary record queued in the outbox like any admission (works offline); no member, no hold.
   */
  'emergencies.admit': (args: {
    sex: EmergencySex;
    approximateAge: number;
    foundAt: string;
    /** A photo from the desk camera, JPEG or PNG, base64, at most 96 KiB. */
    photo?: { type: 'image/jpeg' | 'image/png'; base64: string };
  }) => Promise<DeskResult<{ caseId: string; identifyBy: string }>>;
  /** This desk's emergency cases, unidentified ones by least time left first. */
  'emergencies.list': (args: Record<string, never>) => Promise<DeskResult<EmergencyView[]>>;
  /**
   * Identity established: merge the emergency case into the member (queued; works offline). The
   * identity rules are admit's (otp: a verified challenge; override: a reason and a supervisor,
   * audited and listed for review; fingerprint or face: this desk's match, signed as evidence).
   */
  'emergencies.merge': (args: {
    caseId: string;
    memberId: string;
    identityMethod: IdentityMethod;
    otpChallengeId?: string;
    overrideReason?: string;
    supervisorName?: string;
    document?: { type: IdentityDocumentType; numberLast4: string };
  }) => Promise<DeskResult<{ caseId: string }>>;
  /**
   * A case's documents (issue 19): what is attached and still missing per stage (the server's
   * checklist for the package, or for `packageCode` before the pre-auth names one), and this
   * desk's queue. Online it reads the server; offline it answers the last list read.
   */
  'documents.view': (args: { caseId: string; packageCode?: string }) => Promise<DeskResult<DeskDocumentsView>>;
  /**
   * Queue a document for a case's stage (works offline): checked by content (PDF, JPEG, PNG),
   * size-limited, hashed and signed by the operator now; uploaded resumably with the outbox, before
   * any command queued after it.
   */
  'documents.attach': (args: {
    caseId: string;
    stage: DocumentStage;
    kind: SupportingDocumentKind;
    source: DocumentSource;
  }) => Promise<DeskResult<QueuedDocumentView>>;
  /** The PDF, JPEG and PNG files in this desk's scanner folder (newest first), to attach one; empty when none is set. */
  'documents.scannerFiles': (
    args: Record<string, never>,
  ) => Promise<DeskResult<{ folder: string | null; files: { fileName: string; sizeBytes: number; modifiedAt: string }[] }>>;
  /** Send a one-time code to the family's registered phone (online only). */
  'identity.sendOtp': (args: {
    memberId: string;
    isForRelative?: boolean;
  }) => Promise<DeskResult<{ challengeId: string; phoneEnding: string; expiresAt: string }>>;
  /** Check a code; wrong codes answer ok with verified false and the reason (attempts left, locked). */
  'identity.verifyOtp': (args: {
    challengeId: string;
    code: string;
  }) => Promise<DeskResult<{ verified: boolean; reason: string | null; attemptsLeft: number | null; lockedUntil: string | null; message: string | null }>>;
  /** Which biometrics this desk holds for a member (enrolment dates), and whether a fingerprint reader is ready. */
  'identity.enrolments': (args: { memberId: string }) => Promise<DeskResult<BiometricEnrolments>>;
  /**
   * Verify a fingerprint 1:1 on the desk's reader against the member's cached template (works
   * offline). A finger that does not match is an answer (matched false); a reader problem (no
   * finger, a smudged image, the reader unplugged) is an error with a sentence to act on.
   */
  'identity.verifyFingerprint': (args: { memberId: string }) => Promise<DeskResult<{ matched: boolean; score: number | null; detail: string }>>;
  /**
   * Enrol a finger: two captures, combined on the reader, sent to the server (online only). Only for
   * the member's case admitted at this hospital, with a one-time code verified for the member in the
   * last 30 minutes (the one that identified the patient for the admission counts): issue 13 item 5.
   */
  'identity.enrollFingerprint': (args: EnrolmentScope) => Promise<DeskResult<{ enrolledAt: string }>>;
  /** Compare a face descriptor from the camera with the member's cached one (works offline); the threshold is the desk's setting. */
  'identity.verifyFace': (args: {
    memberId: string;
    descriptor: number[];
    liveness: number;
  }) => Promise<DeskResult<{ matched: boolean; similarity: number; threshold: number; detail: string }>>;
  /** Enrol a face descriptor from the camera (online only; the same case and code as a finger). */
  'identity.enrollFace': (args: EnrolmentScope & { descriptor: number[] }) => Promise<DeskResult<{ enrolledAt: string }>>;
  'cases.requestPreauth': (args: { caseId: string; packageCode: string; estimatedAmount?: number; clinicalNote?: string }) => Promise<DeskResult<null>>;
  'cases.respondQuery': (args: { caseId: string; response: string }) => Promise<DeskResult<null>>;
  'cases.requestEnhancement': (args: { caseId: string; amount: number; reason: string }) => Promise<DeskResult<{ enhancementId: string }>>;
  'cases.discharge': (args: { caseId: string }) => Promise<DeskResult<null>>;
  'cases.submitClaim': (args: { caseId: string; amount: number }) => Promise<DeskResult<{ claimId: string }>>;
  'cases.cancel': (args: { caseId: string; reason: string }) => Promise<DeskResult<null>>;
  'bookings.add': (args: {
    caseId: string;
    itemCode: string;
    description: string;
    quantity: number;
    unitPrice: number;
  }) => Promise<DeskResult<{ bookingId: string }>>;
  'bookings.void': (args: { bookingId: string; reason: string }) => Promise<DeskResult<null>>;
  /** The patient's bill of a case (from the server, online) with this desk's payments and refunds not yet taken there. */
  'settlement.bill': (args: { caseId: string }) => Promise<DeskResult<PatientBillAtDesk>>;
  /**
   * Take a payment (cash, card, UPI, or the remainder to a secondary payer): queued in the outbox
   * like every command, its id and time fixed now, so a payment taken offline is sent once.
   */
  'settlement.takePayment': (args: {
    caseId: string;
    amount: number;
    method: PaymentMethod;
    reference?: string;
    secondaryPayer?: SecondaryPayer;
  }) => Promise<DeskResult<{ paymentId: string }>>;
  /** The patient's bill as a PDF to print or save (from the server with the operator's proof; online only). */
  'settlement.billPdf': (args: { caseId: string; language?: PrintLanguage }) => Promise<DeskResult<{ fileName: string; pdfBase64: string }>>;
  /**
   * Give money back out of the patient's credit (refund-payment), with the reason: queued like a
   * payment, its id and time fixed now; the server refuses more than the credit. Its receipt
   * through `settlement.receipt` with the refund id.
   */
  'settlement.refund': (args: {
    caseId: string;
    amount: number;
    method: Exclude<PaymentMethod, 'secondary'>;
    reference?: string;
    reason: string;
  }) => Promise<DeskResult<{ refundId: string }>>;
  /** Where a payment (or a refund) taken here stands: queued, its receipt once the server answered, or the refusal. */
  'settlement.receipt': (args: { paymentId: string }) => Promise<DeskResult<PaymentReceiptAtDesk>>;
  /**
   * A member's and their family's accumulators, and the patient's estimate for a case (its package
   * and what it was charged so far) or for a package chosen at admission (`packageCode`, with
   * `amount` for an unspecified one). Online from the server; offline from the last confirmed copy.
   */
  'benefits.view': (args: { memberId: string; caseId?: string; packageCode?: string; amount?: number }) => Promise<DeskResult<BenefitsAtDesk>>;
  /**
   * Record the patient's consent for this hospital to see their past treatment at every hospital
   * (issue 16), on a one-time code verified for them here in the last 30 minutes
   * (`identity.sendOtp`, `identity.verifyOtp`), or on a fingerprint or face match of the patient
   * made at this desk in the last 5 minutes (`identity.verifyFingerprint`/`verifyFace`: the desk
   * signs that match for the consent; the server checks it). Lasts until discharge, at most 72 hours. Online only.
   */
  'history.consent': (
    args: { caseId: string; method?: 'otp'; otpChallengeId: string } | { caseId: string; method: 'fingerprint' | 'face'; otpChallengeId?: undefined },
  ) => Promise<DeskResult<{ consentId: string; expiresAt: string }>>;
  /**
   * The patient's past cases at every hospital (dates, packages, outcomes, claim results), with
   * their standing consent: without one, `consent-required`. Each look is logged on the server and
   * shown to the member. Online only: offline `offline-unavailable` (nothing is kept on the desk).
   */
  'history.view': (args: { caseId: string }) => Promise<DeskResult<MemberHistoryValue>>;
  /**
   * This hospital's revenue-cycle KPIs (issue 15), as the server computes them now for the desk's
   * hospital only, over its default period. Online only: offline `offline-unavailable`, never a
   * copy shown as current.
   */
  'kpis.view': (args: Record<string, never>) => Promise<DeskResult<KpiDashboardValue>>;
  /** What a reset of the local replica would lose (commands not yet sent) and the outbox exports in the data folder. */
  'replica.status': (args: Record<string, never>) => Promise<DeskResult<ReplicaState>>;
  /** Write the commands not yet sent to a file in the data folder (before a reinstall, or for IT). */
  'replica.exportOutbox': (args: Record<string, never>) => Promise<DeskResult<{ fileName: string | null; commands: number }>>;
  /**
   * Empty the local replica and pull it again from the server. With commands not yet sent, only
   * with the authorising supervisor's name and a reason (15+ characters; `supervisor-required`
   * otherwise), and only after they are exported to a file (`fileName`), which the desk can queue
   * again (`replica.importOutbox`), also on a reinstalled desk once IT has put the file back in its data folder.
   */
  'replica.reset': (args: { supervisorName?: string; reason?: string }) => Promise<DeskResult<{ fileName: string | null; exportedCommands: number }>>;
  /** Queue an export of this desk again (each command once, by its id). */
  'replica.importOutbox': (args: { fileName: string }) => Promise<DeskResult<{ queued: number; alreadyKnown: number }>>;
  'sync.status': (args: Record<string, never>) => Promise<DeskResult<SyncStatus>>;
  'sync.now': (args: Record<string, never>) => Promise<DeskResult<SyncStatus>>;
  'devices.status': (args: Record<string, never>) => Promise<DeskResult<DeviceStatus[]>>;
  'replication.pull': (args: {
    collection: ReplicatedCollection;
    checkpoint: ReplicationCheckpoint | null;
    limit: number;
  }) => Promise<DeskResult<{ documents: ReplicatedDocument[]; checkpoint: ReplicationCheckpoint | null }>>;
}

export type DeskChannel = keyof DeskApiHandlers;
export type DeskArgs<C extends DeskChannel> = Parameters<DeskApiHandlers[C]>[0];
export type DeskAnswer<C extends DeskChannel> = Awaited<ReturnType<DeskApiHandlers[C]>>;

/** Events pushed from the backend to the renderer. */
export interface DeskEvents {
  /** Something in the read model changed: RxDB's pull stream re-pulls (RESYNC on reconnect). */
  'replication.changed': { collections: ReplicatedCollection[] };
  'sync.status': SyncStatus;
  /** A decision on one of this desk's cases arrived (pre-auth, enhancement, claim). */
  notification: { caseId: string; title: string; body: string };
  /** A health card was scanned on a configured scanner: search for this member. */
  'device.scan': { schemeMemberId: string; familyNumber: string | null };
  /** A scan that could not be read (damaged card, unknown format): say so, ask to rescan. */
  'device.scan-error': { message: string };
  'devices.status': { devices: DeviceStatus[] };
}
export type DeskEventName = keyof DeskEvents;

/** What the renderer holds: call any channel, listen to events. */
export interface DeskApiClient {
  call<C extends DeskChannel>(channel: C, args: DeskArgs<C>): Promise<DeskAnswer<C>>;
  on<E extends DeskEventName>(event: E, listener: (payload: DeskEvents[E]) => void): () => void;
}

/**
 * Electron only, handled by the main process itself (not a desk API channel): open the payer
 * workspaces — the enrolled server's /console/ page — in a window of their own. Exposed by the
 * preload as `window.coverdesk.openPayerWorkspaces()`, answering `{ ok: true }` or an error.
 */
export const openPayerWorkspacesChannel = 'coverdesk:open-payer-workspaces';

export const deskChannels = [
  'enrollment.status',
  'enrollment.enroll',
  'session.signIn',
  'session.signOut',
  'session.current',
  'members.identify',
  'members.issueECard',
  'members.eCardFile',
  'identifiers.list',
  'identifiers.link',
  'identifiers.unlink',
  'families.view',
  'packages.list',
  'cases.list',
  'cases.view',
  'cases.admit',
  'cases.requestPreauth',
  'cases.respondQuery',
  'cases.requestEnhancement',
  'cases.discharge',
  'cases.submitClaim',
  'cases.cancel',
  'emergencies.admit',
  'emergencies.list',
  'emergencies.merge',
  'documents.view',
  'documents.attach',
  'documents.scannerFiles',
  'bookings.add',
  'bookings.void',
  'sync.status',
  'sync.now',
  'replication.pull',
  'identity.sendOtp',
  'identity.verifyOtp',
  'devices.status',
  'identity.enrolments',
  'identity.verifyFingerprint',
  'identity.enrollFingerprint',
  'identity.verifyFace',
  'identity.enrollFace',
  'settlement.bill',
  'settlement.takePayment',
  'settlement.receipt',
  'settlement.billPdf',
  'settlement.refund',
  'benefits.view',
  'history.consent',
  'history.view',
  'kpis.view',
  'replica.status',
  'replica.exportOutbox',
  'replica.reset',
  'replica.importOutbox',
] as const satisfies readonly DeskChannel[];
