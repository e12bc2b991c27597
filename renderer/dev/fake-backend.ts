/**
 * An in-memory desk backend *and* the sync server behind it, for the renderer's own tests and the
 * `?fake=1` dev mode. Never the product's backend: the money decisions here only imitate the
 * server (they reuse the domain core's rules) so screens can be built and tested end to end; the
 * contract in tests/contract/ runs the same scenarios against this and the real desk backend.
 *
 * What it imitates:
 * - one desk at HSP-A (or HSP-B) with an outbox: offline, commands queue and their effects show as
 *   pending; going online replays the outbox in order, the "server" places holds and bookings
 *   (covered / partly covered / shortfall) and every figure gets a new confirmation time;
 * - the payer side: pre-auth, enhancement and committee decisions, by hand (`approvePreauth`…)
 *   or automatically after `reviewDelayMs`;
 * - another desk admitting a family member elsewhere (`admitElsewhere`), for S1 steps 2 and 3;
 * - the server's refusals as the real desk shows them: every business rule (one pre-auth per case,
 *   an estimate for an unspecified package, a claim equal to the booking sum after discharge, no
 *   void of a closed booking…) is judged when the command reaches the "server", and comes back as
 *   a rejected row with the server's sentence, never as an immediate refusal;
 * - pull replication with a sequence checkpoint and 'replication.changed' pokes;
 * - a dropping link to the renderer (`dropLink`) so reconnect handling can be tested.
 */
import type {
  AccumulatorBalanceView,
  OutboxExportSummary,
  BenefitsAtDesk,
  BookingStatus,
  BookingView,
  CaseListItem,
  CaseView,
  ClaimLineView,
  DeskAnswer,
  DeskArgs,
  DeskChannel,
  DeskError,
  DeskEventName,
  DeskResult,
  EmergencyView,
  EnrolmentScope,
  DeskEvents,
  DeviceStatus,
  FamilyView,
  IdentifyMatch,
  IdentityMethod,
  MemberSummary,
  PackageView,
  PatientBillAtDesk,
  PaymentMethod,
  PreauthStatus,
  ReplicatedCollection,
  ReplicatedDocument,
  SecondaryPayer,
  SessionInfo,
  SyncStatus,
  LinkedIdentifierView,
} from '@desk-api/contract';
import { allocateBooking, bookingExtension, decideHold, extensionCeiling, formatAmount } from '@domain/money';
import { paymentInputProblem } from '@domain/payment-input';
import type { KpiDashboardValue, KpiMeasuresValue } from '@contract/kpis';
import { agingBuckets } from '@domain/kpis';
import { balancesOf, estimatePatientPart, type StatedBenefits } from '@domain/patient-estimate';
import { cashlessPlanYear } from '@domain/plan-design';
import { checkFaceDescriptor, defaultFaceLivenessThreshold, defaultFaceMatchThreshold, faceSimilarity, isFaceMatch } from '@domain/biometrics';
import { type BookingDocument, type CaseDocument, type FamilyDocument, type PackageDocument } from '../src/data/documents';
import type { DeskConnection, DeskLinkStatus } from '../src/desk-client/desk-link';
import {
  fakeBookableItems,
  fakeFamilies,
  fakeHospitals,
  fakeMembers,
  fakeOperators,
  fakePackages,
  fakePassword,
  fakeScheme,
  seedFamilyId,
  type FakeFamily,
  type FakeHospital,
  type FakeMember,
  type FakeOperator,
} from './fake-seed';

export interface FakeBackendOptions {
  /** The hospital this desk is enrolled at. */
  readonly hospitalCode?: FakeHospital['code'];
  /** The payer side decides pending pre-auths and enhancements after this delay; null: only by hand. */
  readonly reviewDelayMs?: number | null;
  /** Delay before every answer, so dev mode shows loading states. */
  readonly latencyMs?: number;
  readonly now?: () => Date;
  /** Start signed in as this operator (tests). */
  readonly signedInAs?: string;
  readonly isOnline?: boolean;
  /** The scheme's booking auto-extension tolerance in basis points (the demo scheme's is 0). */
  readonly autoExtendBp?: number;
}

interface FakeCase {
  readonly caseId: string;
  readonly memberId: string;
  readonly familyId: string;
  readonly hospitalCode: FakeHospital['code'];
  status: CaseView['status'];
  /** The case's status as the server holds it (the desk shows a queued discharge before the server has it). */
  serverStatus: CaseView['status'];
  rejection: DeskError | null;
  readonly identityMethod: IdentityMethod;
  readonly isEmergency: boolean;
  readonly admittedAt: string;
  preauth: {
    status: PreauthStatus;
    packageCode: string | null;
    packageName: string | null;
    requestedAmount: number | null;
    approvedAmount: number | null;
    queryReason: string | null;
    decisionReason: string | null;
    shortfall: number | null;
  };
  /**
   * What the family cover holds for this case (a claim liability once the claim is in); `extended`
   * is what bookings added past it within the auto-extension tolerance.
   */
  hold: { amount: number; authorized: number; extended: number; confirmedAt: string } | null;
  /** Whether the server holds a pre-auth for this case (one refused at its request does not count). */
  isPreauthOnServer: boolean;
  /** The Medical Committee's recommended amount (S2), waiting for Admin. */
  recommendedAmount: number | null;
  enhancements: {
    enhancementId: string;
    requestedAmount: number;
    approvedAmount: number | null;
    status: string;
    reason: string;
    decisionReason: string | null;
  }[];
  claim: { claimId: string; amount: number; status: string; approvedAmount: number | null; rejection: DeskError | null; lines: ClaimLineView[] } | null;
}

interface FakeBooking {
  readonly bookingId: string;
  readonly caseId: string;
  readonly itemCode: string;
  readonly description: string;
  readonly quantity: number;
  readonly unitPrice: number;
  readonly amount: number;
  coveredAmount: number | null;
  shortfallAmount: number | null;
  status: BookingStatus;
  isVoided: boolean;
  isClosed: boolean;
  reason: string | null;
  readonly createdAt: string;
}

/** A one-time code sent to a family's phone (the server's otp_challenges row). */
interface FakeOtpChallenge {
  readonly challengeId: string;
  readonly memberId: string;
  failures: number;
  lockedUntil: string | null;
  verifiedAt: string | null;
  usedByCase: string | null;
}

/** The fake's code, shown in the dev panel. Five wrong codes lock the challenge for 30 minutes (S4). */
export const fakeOtpCode = '123456';
const otpAttempts = 5;
/** The contract's minimum for an override reason. */
const minimumOverrideReason = 15;

/** A desk command waiting in the outbox, replayed against the "server" when the desk is online. */
type OutboxEntry =
  | { readonly kind: 'admit'; readonly caseId: string; readonly otpChallengeId: string | null }
  | { readonly kind: 'preauth'; readonly caseId: string; readonly packageCode: string; readonly estimatedAmount: number | null }
  | { readonly kind: 'booking'; readonly bookingId: string }
  | { readonly kind: 'void'; readonly bookingId: string }
  | { readonly kind: 'enhancement'; readonly caseId: string; readonly enhancementId: string }
  | { readonly kind: 'discharge'; readonly caseId: string }
  | { readonly kind: 'claim'; readonly caseId: string; readonly claimId: string; readonly amount: number }
  | { readonly kind: 'cancel'; readonly caseId: string }
  | { readonly kind: 'query-response'; readonly caseId: string }
  | { readonly kind: 'payment'; readonly caseId: string; readonly paymentId: string }
  | { readonly kind: 'refund'; readonly caseId: string; readonly paymentId: string };

/** A payment taken at this desk, as the imitated server settles it (sync-server/src/commands/patient-payments.ts). */
interface FakePayment {
  readonly paymentId: string;
  /** A payment taken, or money given back (refund-payment, out of the credit). */
  readonly direction: 'payment' | 'refund';
  readonly caseId: string;
  readonly method: PaymentMethod;
  readonly amount: number;
  readonly reference: string | null;
  readonly secondaryPayer: SecondaryPayer | null;
  readonly takenAt: string;
  /** Why money was given back; null for a payment. */
  readonly reason: string | null;
  readonly operatorId: string;
  state: 'queued' | 'taken' | 'refused';
  receiptNumber: string | null;
  receivedAt: string | null;
  rejection: DeskError | null;
}

type Handlers = { readonly [C in DeskChannel]: (args: DeskArgs<C>) => DeskAnswer<C> };
type EventListeners = { [E in DeskEventName]: Set<(payload: DeskEvents[E]) => void> };

const ok = <T>(value: T): { readonly ok: true; readonly value: T } => ({ ok: true, value });
const refuse = (code: string, message: string, details?: Record<string, unknown>): { readonly ok: false; readonly error: DeskError } => ({
  ok: false,
  error: { code, message, ...(details ? { details } : {}) },
});

/** Case states in which a member still occupies their "one active case" (PM-JAY rule: one admission at a time). */
function isActive(status: CaseView['status']): boolean {
  return status === 'admitted' || status === 'pending-sync';
}

export class FakeDeskBackend implements DeskConnection {
  private readonly hospital: FakeHospital;
  private readonly reviewDelayMs: number | null;
  private readonly latencyMs: number;
  private autoExtendBp: number;
  private readonly now: () => Date;
  private operator: FakeOperator | null = null;
  private isOnline: boolean;
  private lastSyncAt: string | null;
  private link: DeskLinkStatus = { state: 'open', problem: null };

  private readonly cases = new Map<string, FakeCase>();
  /** Consents to see past treatment (issue 16), by case: when each ends. */
  private readonly historyConsents = new Map<string, string>();
  /** Members' linked identifiers (issue 16), by link id; the fake keeps the server's one-card-one-member rule. */
  private readonly identifierLinks = new Map<string, LinkedIdentifierView>();
  /** Emergency cases before identity (issue 19), by case id: answered at once, as if online. */
  private readonly emergencies = new Map<string, { -readonly [K in keyof EmergencyView]: EmergencyView[K] }>();
  private readonly bookings = new Map<string, FakeBooking>();
  private readonly outbox: OutboxEntry[] = [];
  /** Outbox exports (issue 23): kept in memory with their entries, so one can be queued again. */
  private readonly outboxExports: { summary: OutboxExportSummary; entries: OutboxEntry[] }[] = [];
  private readonly payments = new Map<string, FakePayment>();
  private readonly otpChallenges = new Map<string, FakeOtpChallenge>();
  /**
   * Biometric enrolments: the S1 family's fingers are enrolled; the daughter's finger never
   * matches (to show the failure path and the fallbacks). Faces are enrolled from the camera.
   */
  private readonly fingerprintEnrolments = new Map<string, string>(
    fakeMembers.filter((member) => member.familyId === seedFamilyId).map((member) => [member.memberId, '2026-01-15T09:00:00.000Z']),
  );
  private readonly faceEnrolments = new Map<string, { readonly descriptor: readonly number[]; readonly enrolledAt: string }>();
  /** `challengeId|modality` of each code that backed an enrolment (one enrolment per code and modality). */
  private readonly enrolmentCodes = new Set<string>();
  /** Per family: the balance as the server last computed it, and when. */
  /** Per family: the accumulators as the server last stated them (every fake family is on the demo's CASHLESS plan). */
  private readonly benefitCopies = new Map<
    string,
    StatedBenefits & { readonly computedAt: string; readonly accumulators: { readonly benefitBalance: readonly AccumulatorBalanceView[] } }
  >();
  /** Per case: the provisional estimate shown while offline (benefits.view's changedFrom). */
  private readonly provisionalEstimates = new Map<string, { total: number; asOf: string }>();
  private readonly confirmedBalances = new Map<string, { cover: number; committed: number; available: number; confirmedAt: string | null }>();

  private sequence = 0;
  private readonly changes: { [C in ReplicatedCollection]: Map<string, number> } = {
    families: new Map(),
    cases: new Map(),
    bookings: new Map(),
    packages: new Map(),
  };
  private readonly changedSinceLastPoke = new Set<ReplicatedCollection>();
  private pokeScheduled = false;
  private readonly timers = new Set<ReturnType<typeof setTimeout>>();
  private readonly eventListeners: EventListeners = {
    'replication.changed': new Set(),
    'sync.status': new Set(),
    notification: new Set(),
    'device.scan': new Set(),
    'device.scan-error': new Set(),
    'devices.status': new Set(),
  };
  private devices: DeviceStatus[] = [
    { device: 'card-scanner', state: 'ready', detail: 'Simulated health-card scanner (dev panel).' },
    { device: 'fingerprint', state: 'off', detail: 'No fingerprint module configured; fake mode simulates matches.' },
  ];
  private readonly linkListeners = new Set<(status: DeskLinkStatus) => void>();
  private nextId = 1;

  constructor(options: FakeBackendOptions = {}) {
    this.hospital = fakeHospitals.find((hospital) => hospital.code === (options.hospitalCode ?? 'HSP-A')) ?? fakeHospitals[0]!;
    this.reviewDelayMs = options.reviewDelayMs ?? null;
    this.latencyMs = options.latencyMs ?? 0;
    this.autoExtendBp = options.autoExtendBp ?? 0;
    this.now = options.now ?? (() => new Date());
    this.isOnline = options.isOnline ?? true;
    // Whether it starts online or not, the desk synced once before: everything has a confirmation time.
    this.lastSyncAt = this.isoNow();
    if (options.signedInAs) this.operator = fakeOperators.find((operator) => operator.username === options.signedInAs) ?? null;
    for (const family of fakeFamilies) this.confirmBalance(family.familyId, true);
    for (const pkg of fakePackages) this.touch('packages', pkg.code);
    for (const family of fakeFamilies) this.touch('families', family.familyId);
    this.seedHistory();
  }

  // ——— DeskApiClient ———

  async call<C extends DeskChannel>(channel: C, args: DeskArgs<C>): Promise<DeskAnswer<C>> {
    if (this.latencyMs > 0) await new Promise((resolve) => this.schedule(resolve, this.latencyMs));
    else await Promise.resolve();
    if (this.link.state !== 'open') return refuse('desk-backend-disconnected', 'The link to the desk backend dropped. Try again in a moment.') as DeskAnswer<C>;
    const handler: (args: DeskArgs<C>) => DeskAnswer<C> = this.handlers[channel];
    return handler(args);
  }

  on<E extends DeskEventName>(event: E, listener: (payload: DeskEvents[E]) => void): () => void {
    const listeners: Set<(payload: DeskEvents[E]) => void> = this.eventListeners[event];
    listeners.add(listener);
    return () => {
      listeners.delete(listener);
    };
  }

  linkStatus(): DeskLinkStatus {
    return this.link;
  }

  onLinkStatus(listener: (status: DeskLinkStatus) => void): () => void {
    this.linkListeners.add(listener);
    return () => {
      this.linkListeners.delete(listener);
    };
  }

  close(): void {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    this.setLink({ state: 'closed', problem: { code: 'desk-client-closed', message: 'Closed.' } });
  }

  // ——— Controls for tests and the dev-mode panel ———

  setOnline(isOnline: boolean): void {
    if (this.isOnline === isOnline) return;
    this.isOnline = isOnline;
    if (isOnline) this.replayOutbox();
    this.emitSyncStatus();
  }

  get online(): boolean {
    return this.isOnline;
  }

  /** The hospital of this desk. */
  get hospitalCode(): FakeHospital['code'] {
    return this.hospital.code;
  }

  /** The configured scanner reads a card (as the desk backend's device host reports it). */
  scanCard(healthCardNumber: string): void {
    const member = fakeMembers.find((candidate) => candidate.healthCardNumber === healthCardNumber);
    if (member) this.emit('device.scan', { schemeMemberId: member.schemeMemberId, familyNumber: this.familyOf(member.familyId).familyNumber });
    else this.emit('device.scan-error', { message: 'The card could not be read. Wipe it and scan again, or type the number.' });
  }

  setDeviceState(device: DeviceStatus['device'], state: DeviceStatus['state'], detail: string): void {
    this.devices = [...this.devices.filter((candidate) => candidate.device !== device), { device, state, detail }];
    this.emit('devices.status', { devices: this.devices });
  }

  /** The link to the renderer drops and comes back: events sent meanwhile are lost, as on a real socket. */
  dropLink(): void {
    this.setLink({ state: 'reconnecting', problem: { code: 'desk-backend-disconnected', message: 'Reconnecting to the desk backend…' } });
  }

  restoreLink(): void {
    this.setLink({ state: 'open', problem: null });
  }

  /** Cases of this desk waiting for a payer decision, for the dev-mode panel. */
  pendingReviews(): { caseId: string; memberName: string; what: string }[] {
    const reviews: { caseId: string; memberName: string; what: string }[] = [];
    for (const fakeCase of this.cases.values()) {
      if (fakeCase.hospitalCode !== this.hospital.code) continue;
      const name = this.memberOf(fakeCase.memberId).fullName;
      if (['pending', 'committee-review', 'admin-review'].includes(fakeCase.preauth.status))
        reviews.push({ caseId: fakeCase.caseId, memberName: name, what: `pre-auth ${fakeCase.preauth.packageCode ?? ''}` });
      for (const enhancement of fakeCase.enhancements)
        if (enhancement.status === 'pending') reviews.push({ caseId: fakeCase.caseId, memberName: name, what: 'enhancement' });
    }
    return reviews;
  }

  /**
   * PPD approves; for an unspecified package Admin approves the committee's recommendation (or,
   * from the dev panel, both steps at once with the estimate).
   */
  approvePreauth(caseId: string, approvedAmount?: number): void {
    const fakeCase = this.cases.get(caseId);
    if (!fakeCase || !['pending', 'committee-review', 'admin-review', 'queried'].includes(fakeCase.preauth.status)) return;
    const pkg = fakePackages.find((candidate) => candidate.code === fakeCase.preauth.packageCode);
    if (pkg?.isUnspecified) {
      // S2: the estimate was held at the request; the hold becomes the amount Admin approves, or
      // what the cover allows.
      const amount = approvedAmount ?? fakeCase.recommendedAmount ?? fakeCase.preauth.requestedAmount ?? 0;
      this.placeHold(fakeCase, amount);
      fakeCase.preauth.approvedAmount = amount;
    } else {
      // A lower approval moves the hold down to it (decisions.ts approveAmount); a full one keeps it.
      if (approvedAmount !== undefined && approvedAmount !== fakeCase.preauth.requestedAmount) this.placeHold(fakeCase, approvedAmount);
      fakeCase.preauth.approvedAmount = approvedAmount ?? fakeCase.preauth.requestedAmount;
    }
    fakeCase.preauth.status = 'approved';
    fakeCase.preauth.decisionReason = null;
    this.allocateBookings(fakeCase);
    this.caseChanged(fakeCase);
    // Like the real desk (electron/desk-backend/decision-notification.ts): no patient name on a shared screen.
    this.notify(fakeCase, 'Pre-auth approved', `${fakeCase.preauth.packageCode ?? 'Package'} approved. Open the case to see the patient.`);
  }

  /** The Medical Committee recommends an amount for an unspecified package; Admin decides next (S2). */
  recommendPreauth(caseId: string, recommendedAmount: number): void {
    const fakeCase = this.cases.get(caseId);
    if (!fakeCase || fakeCase.preauth.status !== 'committee-review') return;
    fakeCase.preauth.status = 'admin-review';
    fakeCase.recommendedAmount = recommendedAmount;
    this.caseChanged(fakeCase);
  }

  /** HA changes the scheme's booking auto-extension tolerance (basis points); later bookings use it. */
  setAutoExtension(basisPoints: number): void {
    this.autoExtendBp = basisPoints;
  }

  queryPreauth(caseId: string, reason: string): void {
    const fakeCase = this.cases.get(caseId);
    if (!fakeCase || fakeCase.preauth.status !== 'pending') return;
    fakeCase.preauth.status = 'queried';
    fakeCase.preauth.queryReason = reason;
    this.caseChanged(fakeCase);
    this.notify(fakeCase, 'Pre-auth queried', reason);
  }

  rejectPreauth(caseId: string, reason: string): void {
    const fakeCase = this.cases.get(caseId);
    if (!fakeCase || fakeCase.preauth.status === 'approved') return;
    fakeCase.preauth.status = 'rejected';
    fakeCase.preauth.decisionReason = reason;
    // The server releases the hold (it stays, at 0, as the case's record); bookings are the patient's.
    if (fakeCase.hold) fakeCase.hold = { ...fakeCase.hold, amount: 0, extended: 0, confirmedAt: this.isoNow() };
    this.allocateBookings(fakeCase);
    this.caseChanged(fakeCase);
    this.notify(fakeCase, 'Pre-auth rejected', reason);
  }

  /** PPD decides an enhancement: the hold grows by what is approved, if the cover allows (S3). */
  decideEnhancement(caseId: string, approvedAmount: number): void {
    const fakeCase = this.cases.get(caseId);
    const enhancement = fakeCase?.enhancements.find((candidate) => candidate.status === 'pending');
    if (!fakeCase || !enhancement || !fakeCase.hold) return;
    const granted = Math.min(approvedAmount, this.available(fakeCase.familyId));
    enhancement.approvedAmount = approvedAmount;
    enhancement.status = approvedAmount === 0 ? 'rejected' : approvedAmount < enhancement.requestedAmount ? 'partly-approved' : 'approved';
    fakeCase.hold.amount += granted;
    fakeCase.hold.authorized += approvedAmount;
    fakeCase.hold.confirmedAt = this.isoNow();
    this.allocateBookings(fakeCase);
    this.caseChanged(fakeCase);
    this.notify(fakeCase, 'Enhancement decided', `${this.money(approvedAmount)} of ${this.money(enhancement.requestedAmount)} approved.`);
  }

  /** Another hospital's desk admits a member and requests a package (S1 step 2 as seen from desk A). */
  admitElsewhere(memberId: string, hospitalCode: FakeHospital['code'], packageCode: string): string {
    const member = this.memberOf(memberId);
    const fakeCase = this.newCase(member, hospitalCode, 'fingerprint', false);
    fakeCase.status = 'admitted';
    fakeCase.serverStatus = 'admitted';
    const pkg = fakePackages.find((candidate) => candidate.code === packageCode);
    if (pkg) {
      fakeCase.preauth = { ...fakeCase.preauth, status: 'pending', packageCode: pkg.code, packageName: pkg.name, requestedAmount: pkg.price };
      fakeCase.isPreauthOnServer = true;
      this.placeHold(fakeCase, pkg.price);
    }
    this.caseChanged(fakeCase);
    return fakeCase.caseId;
  }

  // ——— Channels ———

  private readonly handlers: Handlers = {
    'enrollment.status': () =>
      ok({ isEnrolled: true, deskId: this.hospital.deskId, hospitalName: this.hospital.name, serverUrl: 'https://sync.demo.coverdesk.invalid' }),
    'enrollment.enroll': () => refuse('already-enrolled', 'This desk is already enrolled.'),
    'session.signIn': ({ username, password }) => {
      const operator = fakeOperators.find((candidate) => candidate.username === username.trim().toLowerCase());
      if (!operator || password !== fakePassword) return refuse('invalid-credentials', 'The username or password is not right. Check both and try again.');
      if (operator.hospitalCode !== this.hospital.code)
        return refuse('forbidden-role', `${operator.username} does not work at ${this.hospital.name}; sign in with this hospital's desk account.`);
      this.operator = operator;
      return ok(this.session(operator));
    },
    'session.signOut': () => {
      this.operator = null;
      return ok(null);
    },
    'session.current': () => ok(this.operator ? this.session(this.operator) : null),
    // E-cards are signed by the scheme on the server: the fake desk has none to sign with.
    'members.issueECard': () =>
      this.signedIn(() => refuse('offline-unavailable', 'Issuing an e-card needs the server (the scheme signs it there); this demo desk has none.')),
    'members.eCardFile': () => this.signedIn(() => refuse('offline-unavailable', 'The card is printed from the server, which this demo desk does not have.')),
    'identifiers.list': ({ memberId }) => this.signedIn(() => ok({ links: [...this.identifierLinks.values()].filter((link) => link.memberId === memberId) })),
    'identifiers.link': ({ memberId, kind, value, state }) =>
      this.signedIn(() => {
        if (!this.isOnline) return refuse('offline-unavailable', 'Linking or unlinking a card needs the server, which cannot be reached now.');
        const issuer = kind === 'state-card' ? (state ?? '').toUpperCase() : kind === 'hospital-mrn' ? 'this hospital' : '';
        const stored = value.trim().toUpperCase();
        const holder = [...this.identifierLinks.values()].find((link) => link.kind === kind && link.issuer === issuer && link.value === stored);
        if (holder) {
          const schemeId = fakeMembers.find((member) => member.memberId === holder.memberId)?.schemeMemberId ?? 'another member';
          return refuse(
            'identifier-linked',
            `This identifier is already linked to member ${schemeId}. One identifier belongs to one member: if that link is wrong, unlink it first (with the reason).`,
          );
        }
        const link = { linkId: this.id('link'), memberId, kind, issuer, value: stored };
        this.identifierLinks.set(link.linkId, link);
        return ok({ linkId: link.linkId, kind, issuer, value: stored, verification: kind === 'national-id-qr' ? 'unverified' : 'none', note: null });
      }),
    'identifiers.unlink': ({ linkId }) =>
      this.signedIn(() => {
        if (!this.isOnline) return refuse('offline-unavailable', 'Linking or unlinking a card needs the server, which cannot be reached now.');
        if (!this.identifierLinks.delete(linkId)) return refuse('not-found', 'There is no identifier link by this id your hospital serves: check the link id.');
        return ok({ linkId, unlinkedAt: this.now().toISOString() });
      }),
    'members.identify': (query) =>
      this.signedIn(() => {
        const value = query.value.trim().toLowerCase();
        let members: readonly FakeMember[];
        switch (query.by) {
          case 'scheme-id':
            members = fakeMembers.filter((member) => member.schemeMemberId.toLowerCase() === value);
            break;
          case 'national-id':
            members = fakeMembers.filter((member) => member.nationalId === value.replace(/\s/g, ''));
            break;
          case 'health-card':
            members = fakeMembers.filter((member) => member.healthCardNumber.toLowerCase() === value);
            break;
          case 'name':
            if (value.length < 3) return refuse('invalid-input', 'Type at least three letters of the name.');
            members = fakeMembers.filter(
              (member) => member.fullName.toLowerCase().includes(value) && (query.birthYear === undefined || member.birthYear === query.birthYear),
            );
            break;
        }
        const matches: IdentifyMatch[] = members.map((member) => ({
          member: this.memberSummary(member),
          familyId: member.familyId,
          familyNumber: this.familyOf(member.familyId).familyNumber,
        }));
        return ok({ matches, source: this.isOnline ? 'server' : 'replica' });
      }),
    'families.view': ({ familyId }) =>
      this.signedIn(() => {
        const family = fakeFamilies.find((candidate) => candidate.familyId === familyId);
        return family ? ok(this.familyView(family)) : refuse('not-found', 'No family with this id.');
      }),
    'packages.list': ({ search }) =>
      this.signedIn(() => {
        const term = (search ?? '').trim().toLowerCase();
        return ok(
          fakePackages
            .filter((pkg) => term === '' || [pkg.code, pkg.name, pkg.specialty].some((field) => field.toLowerCase().includes(term)))
            .map((pkg) => this.packageView(pkg.code)),
        );
      }),
    'cases.list': ({ status, search }) =>
      this.signedIn(() => {
        const term = (search ?? '').trim().toLowerCase();
        const items = [...this.cases.values()]
          .filter((fakeCase) => fakeCase.hospitalCode === this.hospital.code)
          .filter((fakeCase) => !status || status === 'all' || fakeCase.status === status)
          .map((fakeCase) => this.caseListItem(fakeCase))
          .filter((item) => term === '' || [item.memberName, item.schemeMemberId, item.packageCode ?? ''].some((field) => field.toLowerCase().includes(term)));
        return ok(items);
      }),
    'cases.view': ({ caseId }) =>
      this.signedIn(() => {
        const fakeCase = this.ownCase(caseId);
        return fakeCase ? ok(this.caseView(fakeCase)) : refuse('not-found', 'This case is not at this hospital.');
      }),
    'identity.sendOtp': ({ memberId }) =>
      this.signedIn(() => {
        const member = fakeMembers.find((candidate) => candidate.memberId === memberId);
        if (!member) return refuse('not-found', 'No member with this id.');
        if (!this.isOnline)
          return refuse('offline-unavailable', 'One-time codes need the server, which cannot be reached now. Use fingerprint, face, or a supervisor override.');
        const challenge: FakeOtpChallenge = { challengeId: this.id('otp'), memberId, failures: 0, lockedUntil: null, verifiedAt: null, usedByCase: null };
        this.otpChallenges.set(challenge.challengeId, challenge);
        return ok({
          challengeId: challenge.challengeId,
          phoneEnding: this.familyOf(member.familyId).registeredPhone.slice(-4),
          expiresAt: new Date(this.now().getTime() + 10 * 60_000).toISOString(),
        });
      }),
    'identity.verifyOtp': ({ challengeId, code }) =>
      this.signedIn(() => {
        const challenge = this.otpChallenges.get(challengeId);
        if (!challenge) return refuse('not-found', 'This code was not sent from here; send a new one.');
        if (!this.isOnline) return refuse('offline-unavailable', 'One-time codes need the server, which cannot be reached now.');
        if (challenge.lockedUntil)
          return ok({
            verified: false,
            reason: 'locked',
            attemptsLeft: 0,
            lockedUntil: challenge.lockedUntil,
            message: 'Too many wrong codes: one-time codes are locked for this patient for 30 minutes.',
          });
        if (code.trim() === fakeOtpCode) {
          challenge.verifiedAt = this.isoNow();
          return ok({ verified: true, reason: null, attemptsLeft: null, lockedUntil: null, message: null });
        }
        challenge.failures += 1;
        const attemptsLeft = otpAttempts - challenge.failures;
        if (attemptsLeft <= 0) challenge.lockedUntil = new Date(this.now().getTime() + 30 * 60_000).toISOString();
        return ok({
          verified: false,
          reason: attemptsLeft <= 0 ? 'locked' : 'wrong-code',
          attemptsLeft: Math.max(0, attemptsLeft),
          lockedUntil: challenge.lockedUntil,
          message:
            attemptsLeft <= 0
              ? 'Too many wrong codes: one-time codes are locked for this patient for 30 minutes.'
              : `That code is not right; ${attemptsLeft} attempt${attemptsLeft === 1 ? '' : 's'} left.`,
        });
      }),
    'identity.enrolments': ({ memberId }) =>
      this.signedIn(() =>
        ok({
          fingerprint: this.fingerprintEnrolments.get(memberId) ?? null,
          face: this.faceEnrolments.get(memberId)?.enrolledAt ?? null,
          isFingerprintReaderReady: true,
        }),
      ),
    'identity.verifyFingerprint': ({ memberId }) =>
      this.signedIn(() => {
        const member = fakeMembers.find((candidate) => candidate.memberId === memberId);
        if (!member) return refuse('not-found', 'No member with this id.');
        if (!this.fingerprintEnrolments.has(memberId))
          return refuse('not-enrolled', 'This member has no fingerprint enrolled on this desk. Enrol it now (needs the server) or choose another method.');
        return member.schemeMemberId === 'PMJ-S1000004'
          ? ok({
              matched: false,
              score: 0,
              detail: 'The fingerprint does not match the enrolled finger. Ask the patient to use the enrolled finger, pressed flat, and try again.',
            })
          : ok({ matched: true, score: 142, detail: 'The fingerprint matches the enrolled finger.' });
      }),
    'identity.enrollFingerprint': (scope) =>
      this.signedIn(() => {
        if (!this.isOnline)
          return refuse('offline-unavailable', 'Enrolling needs the server, which cannot be reached now. Identify the patient another way and enrol later.');
        const refused = this.enrolmentRefusal(scope, 'fingerprint');
        if (refused) return refused;
        const { memberId } = scope;
        if (this.fingerprintEnrolments.has(memberId))
          return refuse('biometric-already-enrolled', 'This member already has a fingerprint enrolled: verify against it instead.');
        const enrolledAt = this.isoNow();
        this.fingerprintEnrolments.set(memberId, enrolledAt);
        this.enrolmentCodes.add(`${scope.otpChallengeId}|fingerprint`);
        return ok({ enrolledAt });
      }),
    'identity.verifyFace': ({ memberId, descriptor, liveness }) =>
      this.signedIn(() => {
        const checked = checkFaceDescriptor(descriptor);
        if (!checked.isValid) return refuse('invalid-input', checked.message);
        const enrolment = this.faceEnrolments.get(memberId);
        if (!enrolment)
          return refuse('not-enrolled', 'This member has no face enrolled on this desk. Enrol it now (needs the server) or choose another method.');
        const similarity = Math.round(faceSimilarity(checked.descriptor, enrolment.descriptor) * 1000) / 1000;
        const matched = liveness >= defaultFaceLivenessThreshold && isFaceMatch(similarity);
        return ok({
          matched,
          similarity,
          threshold: defaultFaceMatchThreshold,
          detail: matched ? 'The face matches the enrolled face.' : 'The face does not match the enrolled face.',
        });
      }),
    'identity.enrollFace': ({ descriptor, ...scope }) =>
      this.signedIn(() => {
        const checked = checkFaceDescriptor(descriptor);
        if (!checked.isValid) return refuse('invalid-input', checked.message);
        if (!this.isOnline)
          return refuse('offline-unavailable', 'Enrolling needs the server, which cannot be reached now. Identify the patient another way and enrol later.');
        const refused = this.enrolmentRefusal(scope, 'face');
        if (refused) return refused;
        const { memberId } = scope;
        if (this.faceEnrolments.has(memberId))
          return refuse('biometric-already-enrolled', 'This member already has a face enrolled: verify against it instead.');
        const enrolledAt = this.isoNow();
        this.faceEnrolments.set(memberId, { descriptor: [...checked.descriptor], enrolledAt });
        this.enrolmentCodes.add(`${scope.otpChallengeId}|face`);
        return ok({ enrolledAt });
      }),
    'cases.admit': ({ memberId, identityMethod, isEmergency, otpChallengeId, overrideReason, supervisorName }) =>
      this.signedIn(() => {
        const member = fakeMembers.find((candidate) => candidate.memberId === memberId);
        if (!member) return refuse('not-found', 'No member with this id.');
        const active = this.activeCaseOf(memberId);
        if (active) return refuse('case-already-active', this.activeCaseMessage(member, active), { hospitalCode: active.hospitalCode });
        if (identityMethod === 'override' && ((overrideReason ?? '').trim().length < minimumOverrideReason || !supervisorName?.trim())) {
          return refuse(
            'invalid-input',
            `An identity override needs a written reason (at least ${minimumOverrideReason} characters) and the authorising supervisor's name.`,
          );
        }
        // Whether a one-time code proves the identity is the server's to say, after the push.
        const fakeCase = this.newCase(member, this.hospital.code, identityMethod, isEmergency ?? false);
        this.command({ kind: 'admit', caseId: fakeCase.caseId, otpChallengeId: identityMethod === 'otp' ? (otpChallengeId ?? null) : null });
        return ok({ caseId: fakeCase.caseId });
      }),
    'emergencies.admit': ({ sex, approximateAge, foundAt, photo }) =>
      this.signedIn(() => {
        if (!foundAt.trim()) return refuse('invalid-input', 'Say where and how the patient was found or brought in.');
        const caseId = this.id('case');
        const admittedAt = this.isoNow();
        const identifyBy = new Date(this.now().getTime() + 1440 * 60_000).toISOString();
        this.emergencies.set(caseId, {
          caseId,
          sex,
          approximateAge,
          foundAt: foundAt.trim(),
          hasPhoto: photo !== undefined,
          admittedAt,
          identifyBy,
          isIdentifyByConfirmed: true,
          remainingMinutes: 1440,
          isOverdue: false,
          status: 'unidentified',
          sync: 'confirmed',
          rejection: null,
          memberId: null,
          mergedAt: null,
        });
        return ok({ caseId, identifyBy });
      }),
    'emergencies.list': () =>
      this.signedIn(() => {
        const now = this.now().getTime();
        return ok(
          [...this.emergencies.values()].map((emergency) => {
            const deadline = Date.parse(emergency.identifyBy);
            const isMerged = emergency.status === 'merged';
            return {
              ...emergency,
              remainingMinutes: isMerged ? null : Math.floor((deadline - now) / 60_000),
              isOverdue: isMerged ? Date.parse(emergency.mergedAt ?? emergency.identifyBy) > deadline : deadline < now,
            };
          }),
        );
      }),
    'emergencies.merge': ({ caseId, memberId, identityMethod, overrideReason, supervisorName }) =>
      this.signedIn(() => {
        const emergency = this.emergencies.get(caseId);
        if (!emergency) return refuse('not-found', 'There is no such emergency case on this desk.');
        if (emergency.status === 'merged') return refuse('emergency-already-merged', 'This emergency case is already merged into a member.');
        const member = fakeMembers.find((candidate) => candidate.memberId === memberId);
        if (!member) return refuse('not-found', 'No member with this id.');
        const active = this.activeCaseOf(memberId);
        if (active) return refuse('case-already-active', this.activeCaseMessage(member, active), { hospitalCode: active.hospitalCode });
        if (identityMethod === 'override' && ((overrideReason ?? '').trim().length < minimumOverrideReason || !supervisorName?.trim()))
          return refuse(
            'invalid-input',
            `An identity override needs a written reason (at least ${minimumOverrideReason} characters) and the authorising supervisor's name.`,
          );
        // The member's case under the emergency's id, admitted when the emergency was.
        const fakeCase = this.newCase(member, this.hospital.code, identityMethod, true);
        this.cases.delete(fakeCase.caseId);
        const merged = { ...fakeCase, caseId, admittedAt: emergency.admittedAt };
        this.cases.set(caseId, merged);
        emergency.status = 'merged';
        emergency.memberId = memberId;
        emergency.mergedAt = this.isoNow();
        this.command({ kind: 'admit', caseId, otpChallengeId: null });
        return ok({ caseId });
      }),
    'cases.requestPreauth': ({ caseId, packageCode, estimatedAmount, clinicalNote: _clinicalNote }) =>
      this.signedIn(() => {
        const fakeCase = this.ownCase(caseId);
        if (!fakeCase) return refuse('not-found', 'This case is not at this hospital.');
        const pkg = fakePackages.find((candidate) => candidate.code === packageCode);
        if (!pkg) return refuse('not-found', `There is no package ${packageCode} in the catalogue.`);
        // Like the real desk: the request is queued and the server judges it (one pre-auth per case,
        // an estimate for an unspecified package, an admitted patient); its refusal comes back after
        // the push. While a pre-auth the server knows stands, the desk keeps showing that one.
        if (!fakeCase.isPreauthOnServer) {
          fakeCase.preauth = {
            ...fakeCase.preauth,
            status: 'pending-sync',
            packageCode: pkg.code,
            packageName: pkg.name,
            requestedAmount: estimatedAmount ?? pkg.price,
            decisionReason: null,
          };
        }
        this.command({ kind: 'preauth', caseId, packageCode: pkg.code, estimatedAmount: estimatedAmount ?? null });
        return ok(null);
      }),
    'cases.respondQuery': ({ caseId, response }) =>
      this.signedIn(() => {
        const fakeCase = this.ownCase(caseId);
        if (!fakeCase) return refuse('not-found', 'This case is not at this hospital.');
        if (response.trim().length < 5) return refuse('invalid-input', 'Write an answer for the reviewer.');
        this.command({ kind: 'query-response', caseId });
        return ok(null);
      }),
    'cases.requestEnhancement': ({ caseId, amount, reason }) =>
      this.signedIn(() => {
        const fakeCase = this.ownCase(caseId);
        if (!fakeCase) return refuse('not-found', 'This case is not at this hospital.');
        if (!Number.isSafeInteger(amount) || amount <= 0) return refuse('invalid-input', 'The enhancement amount must be more than zero.');
        if (reason.trim().length < 5) return refuse('invalid-input', 'Give the clinical reason for the enhancement.');
        const enhancementId = this.id('enh');
        fakeCase.enhancements.push({ enhancementId, requestedAmount: amount, approvedAmount: null, status: 'pending-sync', reason, decisionReason: null });
        this.command({ kind: 'enhancement', caseId, enhancementId });
        return ok({ enhancementId });
      }),
    'cases.discharge': ({ caseId }) =>
      this.signedIn(() => {
        const fakeCase = this.ownCase(caseId);
        if (!fakeCase) return refuse('not-found', 'This case is not at this hospital.');
        this.command({ kind: 'discharge', caseId });
        return ok(null);
      }),
    'cases.submitClaim': ({ caseId, amount }) =>
      this.signedIn(() => {
        const fakeCase = this.ownCase(caseId);
        if (!fakeCase) return refuse('not-found', 'This case is not at this hospital.');
        // Queued like every claim: the server judges the amount and the discharge (claims.ts) and
        // its refusal comes back after the push. A claim the server accepted stays what the desk shows.
        const claimId = this.id('claim');
        if (!fakeCase.claim || fakeCase.claim.status === 'rejected' || fakeCase.claim.status === 'pending-sync') {
          fakeCase.claim = { claimId, amount, status: 'pending-sync', approvedAmount: null, rejection: null, lines: [] };
        }
        this.command({ kind: 'claim', caseId, claimId, amount });
        return ok({ claimId });
      }),
    'cases.cancel': ({ caseId, reason }) =>
      this.signedIn(() => {
        const fakeCase = this.ownCase(caseId);
        if (!fakeCase) return refuse('not-found', 'This case is not at this hospital.');
        if (reason.trim().length < 5) return refuse('invalid-input', 'Give the reason for cancelling.');
        this.command({ kind: 'cancel', caseId });
        return ok(null);
      }),
    'bookings.add': ({ caseId, itemCode, description, quantity, unitPrice }) =>
      this.signedIn(() => {
        const fakeCase = this.ownCase(caseId);
        if (!fakeCase) return refuse('not-found', 'This case is not at this hospital.');
        if (!Number.isSafeInteger(quantity) || quantity < 1) return refuse('invalid-input', 'The quantity must be a whole number, at least 1.');
        if (!Number.isSafeInteger(unitPrice) || unitPrice < 0) return refuse('invalid-input', 'The unit price must be a whole number of paise.');
        if (itemCode.trim() === '' || description.trim() === '') return refuse('invalid-input', 'Give the item code and description.');
        const booking: FakeBooking = {
          bookingId: this.id('booking'),
          caseId,
          itemCode: itemCode.trim(),
          description: description.trim(),
          quantity,
          unitPrice,
          amount: quantity * unitPrice,
          coveredAmount: null,
          shortfallAmount: null,
          status: 'pending',
          isVoided: false,
          isClosed: false,
          reason: null,
          createdAt: this.isoNow(),
        };
        this.bookings.set(booking.bookingId, booking);
        this.touch('bookings', booking.bookingId);
        this.command({ kind: 'booking', bookingId: booking.bookingId });
        return ok({ bookingId: booking.bookingId });
      }),
    'bookings.void': ({ bookingId, reason }) =>
      this.signedIn(() => {
        const booking = this.bookings.get(bookingId);
        if (!booking || !this.ownCase(booking.caseId)) return refuse('not-found', 'No such booking at this hospital.');
        if (reason.trim().length < 5) return refuse('invalid-input', 'Give the reason for voiding.');
        booking.isVoided = true;
        booking.reason = reason;
        this.touch('bookings', bookingId);
        this.command({ kind: 'void', bookingId });
        return ok(null);
      }),
    'sync.status': () => ok(this.syncStatus()),
    'devices.status': () => ok(this.devices),
    'benefits.view': ({ memberId, caseId, packageCode, amount }) =>
      this.signedIn(() => {
        if (amount !== undefined && (!Number.isSafeInteger(amount) || amount < 0))
          return refuse('invalid-input', 'The estimated amount is a whole number of minor units, zero or more.', { field: 'amount' });
        const member = fakeMembers.find((candidate) => candidate.memberId === memberId);
        if (!member) return refuse('not-found', 'There is no such member on this desk.');
        let code: string | null = null;
        let packageAmount: number | null = null;
        let isClosed = false;
        if (caseId !== undefined) {
          const fakeCase = this.cases.get(caseId);
          if (!fakeCase || fakeCase.memberId !== memberId) return refuse('not-found', 'There is no such case of this member on this desk.');
          code = fakeCase.preauth.packageCode;
          isClosed = fakeCase.status === 'discharged' || fakeCase.status === 'cancelled';
          const requested = fakeCase.preauth.requestedAmount ?? (code ? (fakePackages.find((p) => p.code === code)?.price ?? null) : null);
          const booked = this.bookingSum(caseId);
          packageAmount = requested === null ? (booked > 0 ? booked : null) : Math.max(requested, booked);
        } else if (packageCode !== undefined) {
          const chosen = fakePackages.find((p) => p.code === packageCode);
          if (!chosen) return refuse('not-found', 'There is no such package on this desk.', { field: 'package' });
          code = chosen.code;
          packageAmount = chosen.isUnspecified ? (amount ?? null) : chosen.price;
        }
        if (this.isOnline) this.benefitCopies.set(member.familyId, this.statedBenefits(member.familyId));
        const stated = this.benefitCopies.get(member.familyId) ?? null;
        const source: BenefitsAtDesk['source'] = stated === null ? 'none' : this.isOnline ? 'server' : 'last-confirmed';
        const estimate =
          stated && packageAmount !== null
            ? estimatePatientPart(stated, { memberId, caseId: caseId ?? null, packageCode: code, packageAmount, isClosed, now: this.now() })
            : null;
        let changedFrom: BenefitsAtDesk['changedFrom'] = null;
        if (caseId !== undefined && estimate && stated) {
          const shown = this.provisionalEstimates.get(caseId);
          if (source === 'last-confirmed') this.provisionalEstimates.set(caseId, { total: estimate.total, asOf: stated.computedAt });
          else if (shown && shown.total !== estimate.total) changedFrom = shown;
        }
        return ok({
          memberId,
          familyId: member.familyId,
          source,
          computedAt: stated?.computedAt ?? null,
          unavailable: this.isOnline
            ? null
            : {
                code: 'offline-unavailable',
                message: 'The server cannot be reached: these are the last figures it confirmed, and the estimate from them is provisional.',
              },
          planId: stated ? 'CASHLESS' : null,
          hasCostSharing: false,
          balances: stated ? balancesOf(stated.accumulators.benefitBalance, memberId) : [],
          estimate,
          isProvisional: source !== 'server' && estimate !== null,
          changedFrom,
        } satisfies BenefitsAtDesk);
      }),
    'history.consent': ({ caseId }) =>
      this.signedIn(() => {
        if (!this.isOnline) return refuse('offline-unavailable', 'Past treatment comes from the server, which cannot be reached now.');
        const expiresAt = new Date(Date.now() + 72 * 3_600_000).toISOString();
        this.historyConsents.set(caseId, expiresAt);
        return ok({ consentId: caseId, expiresAt });
      }),
    // Documents (issue 19): the dev desk keeps nothing; the real queue is desk-backend/document-queue.ts.
    'documents.view': ({ caseId }) =>
      this.signedIn(() => ok({ caseId, packageCode: null, attached: [], queued: [], checklist: [], checkedAt: null, isFresh: this.isOnline })),
    'documents.attach': () => this.signedIn(() => refuse('offline-unavailable', 'The development desk does not keep documents.')),
    'documents.scannerFiles': () => this.signedIn(() => ok({ folder: null, files: [] })),
    'history.view': ({ caseId }) =>
      this.signedIn(() => {
        if (!this.isOnline) return refuse('offline-unavailable', 'Past treatment comes from the server, which cannot be reached now.');
        const expiresAt = this.historyConsents.get(caseId);
        const found = this.cases.get(caseId);
        if (!found) return refuse('not-found', `There is no case ${caseId} at your hospital.`);
        if (!expiresAt)
          return refuse(
            'consent-required',
            'The patient has not consented to this hospital seeing their past treatment: ask the patient and send a one-time code.',
          );
        return ok({
          memberId: found.memberId,
          caseId,
          consent: { consentId: caseId, method: 'otp' as const, grantedAt: new Date().toISOString(), expiresAt },
          pastCases: [
            {
              hospitalCode: 'HSP-B',
              hospitalName: 'District Hospital Satara',
              isThisHospital: false,
              admittedAt: '2026-01-10T09:00:00.000Z',
              dischargedAt: '2026-01-14T11:00:00.000Z',
              status: 'discharged' as const,
              isEmergency: false,
              package: { code: 'MG012A', name: 'Acute febrile illness', specialty: 'General medicine' },
              preauthStatus: 'approved',
              claim: { status: 'paid', amount: 600_000, approvedAmount: 600_000 },
            },
          ],
          truncated: false,
          lookedAt: new Date().toISOString(),
        });
      }),
    'kpis.view': () =>
      this.signedIn(() => {
        if (!this.isOnline)
          return refuse('offline-unavailable', "The server cannot be reached: the hospital's figures need a connection. Try again once the desk is online.");
        return ok(this.hospitalKpis());
      }),
    'settlement.bill': ({ caseId }) =>
      this.signedIn(() => {
        const fakeCase = this.ownCase(caseId);
        if (!fakeCase) return refuse('not-found', 'This case is not at this hospital.');
        // As the real desk: its payments and refunds the server has not taken.
        const deskPayments = this.paymentsOf(caseId)
          .filter((payment) => payment.state !== 'taken')
          .map(({ paymentId, direction, method, amount, reference, secondaryPayer, takenAt, reason, rejection, state }) => ({
            paymentId,
            direction,
            caseId,
            method,
            amount,
            reference,
            secondaryPayer,
            takenAt,
            reason,
            state: state === 'queued' ? ('queued' as const) : ('refused' as const),
            rejection,
          }));
        if (!this.isOnline)
          return ok({
            bill: null,
            unavailable: {
              code: 'offline-unavailable',
              message: 'The patient bill comes from the server, which cannot be reached now. Payments taken here are queued and sent when the desk is online.',
            },
            deskPayments,
          } satisfies PatientBillAtDesk);
        return ok({ bill: this.patientBill(fakeCase), unavailable: null, deskPayments } satisfies PatientBillAtDesk);
      }),
    'settlement.takePayment': ({ caseId, amount, method, reference, secondaryPayer }) =>
      this.signedIn(() => {
        if (!Number.isSafeInteger(amount) || amount <= 0)
          return refuse('invalid-input', 'Enter the amount the patient pays now: more than zero.', { field: 'amount' });
        const problem = paymentInputProblem({ method, reference, secondaryPayer });
        if (problem) return refuse('invalid-input', problem.message, { field: problem.field });
        if (!this.ownCase(caseId)) return refuse('not-found', 'There is no such case on this desk.');
        const paymentId = this.id('pay');
        this.payments.set(paymentId, {
          paymentId,
          direction: 'payment',
          caseId,
          method,
          amount,
          reference: reference?.trim() ?? null,
          secondaryPayer: secondaryPayer ?? null,
          takenAt: this.isoNow(),
          reason: null,
          operatorId: this.operator?.operatorId ?? '',
          state: 'queued',
          receiptNumber: null,
          receivedAt: null,
          rejection: null,
        });
        this.command({ kind: 'payment', caseId, paymentId });
        return ok({ paymentId });
      }),
    'settlement.billPdf': ({ caseId }) =>
      this.signedIn(() => {
        const fakeCase = this.ownCase(caseId);
        if (!fakeCase) return refuse('not-found', 'This case is not at this hospital.');
        if (!this.isOnline) return refuse('offline-unavailable', 'The bill is printed from the server, which cannot be reached now.');
        return ok({ fileName: `patient-bill-${caseId}.pdf`, pdfBase64: fakeBillPdf(this.patientBill(fakeCase), (minor) => this.money(minor)) });
      }),
    'settlement.refund': ({ caseId, amount, method, reference, reason }) =>
      this.signedIn(() => {
        if (!Number.isSafeInteger(amount) || amount <= 0) return refuse('invalid-input', 'Enter the amount given back: more than zero.', { field: 'amount' });
        if (method !== 'cash' && method !== 'card' && method !== 'upi')
          return refuse('invalid-input', 'Give money back in cash, to the card or by UPI.', { field: 'method' });
        const trimmed = typeof reference === 'string' ? reference.trim() : '';
        if (method !== 'cash' && trimmed === '')
          return refuse('invalid-input', `A ${method === 'card' ? 'card' : 'UPI'} refund needs its refund reference.`, { field: 'reference' });
        if (method === 'cash' && trimmed !== '') return refuse('invalid-input', 'A cash refund has no reference: leave it empty.', { field: 'reference' });
        if (typeof reason !== 'string' || reason.trim().length < 5 || reason.trim().length > 500)
          return refuse('invalid-input', 'Say why the patient gets money back (5 to 500 characters).', { field: 'reason' });
        if (!this.ownCase(caseId)) return refuse('not-found', 'There is no such case on this desk.');
        const refundId = this.id('refund');
        this.payments.set(refundId, {
          paymentId: refundId,
          direction: 'refund',
          caseId,
          method,
          amount,
          reference: method === 'cash' ? null : trimmed,
          secondaryPayer: null,
          takenAt: this.isoNow(),
          reason: reason.trim(),
          operatorId: this.operator?.operatorId ?? '',
          state: 'queued',
          receiptNumber: null,
          receivedAt: null,
          rejection: null,
        });
        this.command({ kind: 'refund', caseId, paymentId: refundId });
        return ok({ refundId });
      }),
    'settlement.receipt': ({ paymentId }) =>
      this.signedIn(() => {
        const payment = this.payments.get(paymentId);
        if (!payment) return refuse('not-found', 'This desk has no payment with this id; the patient bill lists every receipt.');
        if (payment.state === 'queued') return ok({ state: 'queued' as const, paymentId, amount: payment.amount, takenAt: payment.takenAt });
        if (payment.state === 'refused' || payment.receiptNumber === null)
          return ok({ state: 'refused' as const, paymentId, error: payment.rejection ?? { code: 'refused', message: 'The server refused this payment.' } });
        const fakeCase = this.cases.get(payment.caseId);
        return ok({
          state: 'answered' as const,
          paymentId,
          receiptNumber: payment.receiptNumber,
          method: payment.method,
          amount: payment.amount,
          takenAt: payment.takenAt,
          account: fakeCase ? this.patientAccount(fakeCase.caseId) : { charged: 0, paid: 0, refunded: 0, secondary: 0, owed: 0, credit: 0 },
        });
      }),
    'sync.now': () => {
      if (this.isOnline) {
        this.replayOutbox();
        this.lastSyncAt = this.isoNow();
        this.emitSyncStatus();
      }
      return ok(this.syncStatus());
    },
    // The local replica (issue 23). The dev desk has no replica of its own (its "server" is in
    // this object): a reset empties its outbox only, with the real backend's rules and words.
    'replica.status': () =>
      this.signedIn(() =>
        ok({
          unpushedCommands: this.outbox.length,
          oldestUnpushedAt: this.outbox.length > 0 ? this.isoNow() : null,
          exports: this.outboxExports.map((e) => e.summary),
        }),
      ),
    'replica.exportOutbox': () => this.signedIn(() => ok(this.exportOutbox('manual'))),
    'replica.reset': ({ supervisorName, reason }) =>
      this.signedIn(() => {
        const waiting = this.outbox.length;
        if (waiting > 0 && (!supervisorName?.trim() || (reason?.trim().length ?? 0) < minimumOverrideReason))
          return refuse(
            'supervisor-required',
            `${waiting} change${waiting === 1 ? '' : 's'} made here ${waiting === 1 ? 'has' : 'have'} not reached the server yet. Resetting needs a supervisor's approval: name the supervisor and give a reason (at least ${minimumOverrideReason} characters); the changes are saved to a file first.`,
            { unpushedCommands: waiting },
          );
        const { fileName } = this.exportOutbox('replica-reset');
        this.outbox.splice(0);
        this.emitSyncStatus();
        return ok({ fileName, exportedCommands: waiting });
      }),
    'replica.importOutbox': ({ fileName }) =>
      this.signedIn(() => {
        const found = this.outboxExports.find((e) => e.summary.fileName === fileName);
        if (!found) return refuse('export-not-found', `There is no export named ${fileName} in this desk’s outbox-exports folder.`);
        if (found.summary.importedAt) return ok({ queued: 0, alreadyKnown: found.entries.length });
        found.summary = { ...found.summary, importedAt: this.isoNow() };
        for (const entry of found.entries) this.command(entry);
        return ok({ queued: found.entries.length, alreadyKnown: 0 });
      }),
    'replication.pull': ({ collection, checkpoint, limit }) =>
      this.signedIn(() => {
        const since = checkpoint?.sequence ?? 0;
        const changed = [...this.changes[collection].entries()]
          .filter(([, sequence]) => sequence > since)
          .sort((a, b) => a[1] - b[1])
          .slice(0, Math.max(1, limit));
        const documents: ReplicatedDocument[] = changed.map(([documentId]) => this.document(collection, documentId));
        const last = changed[changed.length - 1];
        return ok({ documents, checkpoint: last ? { sequence: last[1] } : checkpoint });
      }),
  };

  // ——— The desk outbox and the imitated server ———

  private exportOutbox(cause: OutboxExportSummary['cause']): { fileName: string | null; commands: number } {
    if (this.outbox.length === 0) return { fileName: null, commands: 0 };
    const exportedAt = this.isoNow();
    const fileName = `outbox-${this.hospital.deskId}-${exportedAt.replace(/[:.]/g, '-')}.json`;
    this.outboxExports.unshift({
      summary: { fileName, exportedAt, cause, commands: this.outbox.length, importedAt: null, problem: null },
      entries: [...this.outbox],
    });
    return { fileName, commands: this.outbox.length };
  }

  /** A command from this desk: applied by the "server" now when online, queued when offline. */
  private command(entry: OutboxEntry): void {
    this.outbox.push(entry);
    if (this.isOnline) this.replayOutbox();
    else {
      this.applyLocally(entry);
      this.emitSyncStatus();
    }
  }

  /** What the desk shows before the server has answered: pending figures, no money decisions. */
  private applyLocally(entry: OutboxEntry): void {
    switch (entry.kind) {
      case 'admit':
      case 'preauth':
      case 'enhancement':
      case 'query-response':
      case 'claim':
      case 'payment':
      case 'refund':
        this.caseChanged(this.cases.get(entry.caseId));
        return;
      case 'discharge':
      case 'cancel': {
        const fakeCase = this.cases.get(entry.caseId);
        if (fakeCase) fakeCase.status = entry.kind === 'discharge' ? 'discharged' : 'cancelled';
        this.caseChanged(fakeCase);
        return;
      }
      case 'booking':
      case 'void': {
        const booking = this.bookings.get(entry.bookingId);
        this.caseChanged(booking ? this.cases.get(booking.caseId) : undefined);
        return;
      }
    }
  }

  private replayOutbox(): void {
    for (const entry of this.outbox.splice(0)) this.applyOnServer(entry);
    this.lastSyncAt = this.isoNow();
    for (const family of fakeFamilies) this.confirmBalance(family.familyId, true);
    this.emitSyncStatus();
  }

  /** The server refuses a command (a 409 or a 400 after the push): the desk shows it rejected with the server's sentence. */
  private refusedOnServer(fakeCase: FakeCase, title: string, message: string): void {
    this.caseChanged(fakeCase);
    this.notify(fakeCase, title, message);
  }

  /** What the server does with one command, with its refusals in its own words (sync-server/src/commands). */
  private applyOnServer(entry: OutboxEntry): void {
    switch (entry.kind) {
      case 'admit': {
        const fakeCase = this.cases.get(entry.caseId);
        if (!fakeCase) return;
        // The server has the last word on "one active case per member": another desk may have admitted them meanwhile.
        const other = this.activeCaseOf(fakeCase.memberId, fakeCase.caseId);
        const challenge = entry.otpChallengeId ? this.otpChallenges.get(entry.otpChallengeId) : undefined;
        const isUnproven =
          fakeCase.identityMethod === 'otp' &&
          (!challenge ||
            challenge.memberId !== fakeCase.memberId ||
            !challenge.verifiedAt ||
            (challenge.usedByCase !== null && challenge.usedByCase !== fakeCase.caseId));
        const rejection: DeskError | null =
          other && other.status === 'admitted'
            ? { code: 'case-already-active', message: this.activeCaseMessage(this.memberOf(fakeCase.memberId), other) }
            : isUnproven
              ? {
                  code: 'identity-not-proven',
                  message: 'Admission by one-time code needs a code verified for this patient in the last 30 minutes; verify a code or use another method.',
                }
              : null;
        if (rejection) {
          fakeCase.status = 'rejected';
          fakeCase.serverStatus = 'rejected';
          fakeCase.rejection = rejection;
          this.notify(fakeCase, 'Admission refused', rejection.message);
        } else if (fakeCase.serverStatus === 'pending-sync') {
          if (challenge) challenge.usedByCase = fakeCase.caseId;
          fakeCase.serverStatus = 'admitted';
          if (fakeCase.status === 'pending-sync') fakeCase.status = 'admitted';
        }
        this.caseChanged(fakeCase);
        return;
      }
      case 'preauth': {
        const fakeCase = this.cases.get(entry.caseId);
        if (!fakeCase || fakeCase.status === 'rejected') return;
        const pkg = fakePackages.find((candidate) => candidate.code === entry.packageCode);
        if (!pkg) return;
        const refusal = fakeCase.isPreauthOnServer
          ? 'A pre-authorization was already requested for this case; ask for an enhancement instead.'
          : fakeCase.serverStatus !== 'admitted'
            ? `The case is ${fakeCase.serverStatus}; this needs an admitted patient.`
            : pkg.isUnspecified && entry.estimatedAmount === null
              ? `${pkg.code} is an unspecified package: give the estimated amount (estimatedAmount).`
              : !pkg.isUnspecified && entry.estimatedAmount !== null
                ? `${pkg.code} has a catalogue price; estimatedAmount is only for unspecified packages.`
                : null;
        if (refusal) {
          // A pre-auth the server already holds stays as it is, with the refusal said beside it.
          if (!fakeCase.isPreauthOnServer) fakeCase.preauth = { ...fakeCase.preauth, status: 'rejected' };
          fakeCase.preauth.decisionReason = refusal;
          this.refusedOnServer(fakeCase, 'Pre-auth refused', refusal);
          return;
        }
        // The server holds the package price, or for an unspecified package (S2) the estimate, at
        // once: the committee's amount replaces it when Admin approves.
        fakeCase.preauth.status = pkg.isUnspecified ? 'committee-review' : 'pending';
        fakeCase.isPreauthOnServer = true;
        this.placeHold(fakeCase, fakeCase.preauth.requestedAmount ?? 0);
        this.allocateBookings(fakeCase);
        this.caseChanged(fakeCase);
        this.scheduleReview(() => this.approvePreauth(fakeCase.caseId));
        return;
      }
      case 'booking': {
        const booking = this.bookings.get(entry.bookingId);
        const fakeCase = booking ? this.cases.get(booking.caseId) : undefined;
        if (!booking || !fakeCase) return;
        const refusal =
          fakeCase.serverStatus !== 'admitted'
            ? `The case is ${fakeCase.serverStatus}; this needs an admitted patient.`
            : !fakeCase.hold
              ? 'Request pre-authorization for this case before booking services.'
              : null;
        if (refusal) {
          booking.status = 'rejected';
          booking.reason = refusal;
          this.touch('bookings', booking.bookingId);
          this.refusedOnServer(fakeCase, 'Booking refused', refusal);
          return;
        }
        this.allocateBookings(fakeCase);
        this.caseChanged(fakeCase);
        return;
      }
      case 'void': {
        const booking = this.bookings.get(entry.bookingId);
        const fakeCase = booking ? this.cases.get(booking.caseId) : undefined;
        if (!booking || !fakeCase) return;
        const refusal = booking.isClosed
          ? 'This booking is closed: its claim was submitted.'
          : fakeCase.serverStatus !== 'admitted'
            ? `The case is ${fakeCase.serverStatus}: its bookings were closed when it ended, so this booking can no longer be voided.`
            : null;
        if (refusal) {
          booking.isVoided = false;
          booking.reason = refusal;
          this.touch('bookings', booking.bookingId);
          this.refusedOnServer(fakeCase, 'Void refused', refusal);
          return;
        }
        this.allocateBookings(fakeCase);
        this.caseChanged(fakeCase);
        return;
      }
      case 'enhancement': {
        const fakeCase = this.cases.get(entry.caseId);
        const enhancement = fakeCase?.enhancements.find((candidate) => candidate.enhancementId === entry.enhancementId);
        if (!fakeCase || !enhancement) return;
        const refusal =
          fakeCase.serverStatus !== 'admitted'
            ? `The case is ${fakeCase.serverStatus}; this needs an admitted patient.`
            : fakeCase.preauth.status !== 'approved'
              ? `The pre-authorization is ${fakeCase.preauth.status}; an enhancement needs an approved pre-authorization.`
              : fakeCase.enhancements.some((other) => other !== enhancement && other.status === 'pending')
                ? 'An enhancement is already waiting for a decision for this case.'
                : null;
        if (refusal) {
          enhancement.status = 'rejected';
          enhancement.decisionReason = refusal;
          this.refusedOnServer(fakeCase, 'Enhancement refused', refusal);
          return;
        }
        enhancement.status = 'pending';
        this.caseChanged(fakeCase);
        this.scheduleReview(() => this.decideEnhancement(fakeCase.caseId, enhancement.requestedAmount));
        return;
      }
      case 'refund': {
        const refund = this.payments.get(entry.paymentId);
        if (!refund) return;
        const { credit } = this.patientAccount(refund.caseId);
        if (refund.amount > credit) {
          refund.state = 'refused';
          refund.rejection = {
            code: 'refund-exceeds-credit',
            message:
              credit === 0
                ? 'The patient has no credit on this case: nothing was given back.'
                : `The patient's credit is ${this.money(credit)}: ${this.money(refund.amount)} is more than that, and nothing was given back.`,
          };
        } else {
          const taken = [...this.payments.values()].filter((other) => other.receiptNumber !== null).length;
          refund.state = 'taken';
          refund.receiptNumber = `${this.hospital.code}-R${String(taken + 1).padStart(6, '0')}`;
          refund.receivedAt = this.isoNow();
        }
        this.caseChanged(this.cases.get(refund.caseId));
        return;
      }
      case 'payment': {
        const payment = this.payments.get(entry.paymentId);
        if (!payment) return;
        const { owed } = this.patientAccount(payment.caseId);
        if (payment.amount > owed) {
          payment.state = 'refused';
          payment.rejection = {
            code: 'payment-exceeds-balance',
            message:
              owed === 0
                ? `The patient owes nothing on this case: ${this.money(payment.amount)} was not taken.`
                : `The patient owes ${this.money(owed)}: ${this.money(payment.amount)} is more than that, and nothing was taken.`,
          };
        } else {
          const taken = [...this.payments.values()].filter((other) => other.receiptNumber !== null).length;
          payment.state = 'taken';
          payment.receiptNumber = `${this.hospital.code}-R${String(taken + 1).padStart(6, '0')}`;
          payment.receivedAt = this.isoNow();
        }
        this.caseChanged(this.cases.get(payment.caseId));
        return;
      }
      case 'query-response': {
        const fakeCase = this.cases.get(entry.caseId);
        if (!fakeCase) return;
        if (fakeCase.preauth.status !== 'queried') {
          this.refusedOnServer(fakeCase, 'Answer refused', `The pre-authorization is ${fakeCase.preauth.status}, not waiting for an answer.`);
          return;
        }
        fakeCase.preauth.status = 'pending';
        fakeCase.preauth.queryReason = null;
        this.caseChanged(fakeCase);
        this.scheduleReview(() => this.approvePreauth(fakeCase.caseId));
        return;
      }
      case 'discharge': {
        const fakeCase = this.cases.get(entry.caseId);
        if (!fakeCase) return;
        const bookingSum = this.bookingSum(fakeCase.caseId);
        const isUndecided = ['pending', 'queried', 'committee-review', 'admin-review'].includes(fakeCase.preauth.status);
        const refusal =
          fakeCase.serverStatus !== 'admitted'
            ? `The case is ${fakeCase.serverStatus}; this needs an admitted patient.`
            : bookingSum > 0 && isUndecided
              ? `The pre-authorization is still ${fakeCase.preauth.status} and ${this.money(bookingSum)} is booked: the claim needs its decision. Discharge once it is decided, or void the bookings first.`
              : null;
        if (refusal) {
          fakeCase.status = fakeCase.serverStatus;
          this.refusedOnServer(fakeCase, 'Discharge refused', refusal);
          return;
        }
        fakeCase.status = 'discharged';
        fakeCase.serverStatus = 'discharged';
        // Nothing booked: the hold is released (and an undecided pre-auth cancelled).
        if (bookingSum === 0) {
          if (isUndecided) fakeCase.preauth.status = 'cancelled';
          if (fakeCase.hold) fakeCase.hold = { ...fakeCase.hold, amount: 0, extended: 0, confirmedAt: this.isoNow() };
        }
        this.caseChanged(fakeCase);
        return;
      }
      case 'claim': {
        const fakeCase = this.cases.get(entry.caseId);
        if (!fakeCase) return;
        const bookingSum = this.bookingSum(fakeCase.caseId);
        const accepted = fakeCase.claim && fakeCase.claim.status !== 'pending-sync' && fakeCase.claim.status !== 'rejected' ? fakeCase.claim : null;
        const refusal: DeskError | null =
          entry.amount !== bookingSum
            ? {
                code: 'claim-amount-mismatch',
                message: `The claim is ${this.money(entry.amount)} but the case's bookings add up to ${this.money(bookingSum)}: the difference is ${this.money(Math.abs(entry.amount - bookingSum))}.`,
                details: { claimed: entry.amount, bookingSum, difference: entry.amount - bookingSum },
              }
            : accepted
              ? { code: 'claim-already-submitted', message: 'A claim was already submitted for this case.' }
              : fakeCase.serverStatus !== 'discharged'
                ? { code: 'claim-not-discharged', message: `The case is ${fakeCase.serverStatus}; discharge the patient before raising the claim.` }
                : fakeCase.preauth.status !== 'approved'
                  ? {
                      code: 'preauth-not-approved',
                      message: `The pre-authorization is ${fakeCase.preauth.status}; a claim needs an approved pre-authorization.`,
                    }
                  : null;
        if (refusal) {
          if (fakeCase.claim && fakeCase.claim.claimId === entry.claimId) fakeCase.claim = { ...fakeCase.claim, status: 'rejected', rejection: refusal };
          this.refusedOnServer(fakeCase, 'Claim refused', refusal.message);
          return;
        }
        if (!fakeCase.claim || fakeCase.claim.claimId !== entry.claimId) return;
        // The hold turns into the claim liability; bookings are closed and kept for the claim and its audit.
        fakeCase.claim.status = 'submitted';
        if (fakeCase.hold) {
          fakeCase.hold.amount = Math.min(fakeCase.hold.amount, fakeCase.claim.amount);
          fakeCase.hold.confirmedAt = this.isoNow();
        }
        for (const booking of this.bookingsOf(fakeCase.caseId)) {
          booking.isClosed = true;
          this.touch('bookings', booking.bookingId);
        }
        this.caseChanged(fakeCase);
        return;
      }
      case 'cancel': {
        const fakeCase = this.cases.get(entry.caseId);
        if (!fakeCase) return;
        if (fakeCase.serverStatus !== 'admitted') {
          fakeCase.status = fakeCase.serverStatus;
          this.refusedOnServer(fakeCase, 'Cancellation refused', `The case is ${fakeCase.status}; this needs an admitted patient.`);
          return;
        }
        fakeCase.status = 'cancelled';
        fakeCase.serverStatus = 'cancelled';
        fakeCase.preauth.status = fakeCase.preauth.status === 'not-requested' ? 'not-requested' : 'cancelled';
        fakeCase.hold = null;
        this.caseChanged(fakeCase);
        return;
      }
    }
  }

  /** The hold decision (domain rule "partial hold + patient shortfall"): what the cover allows, the rest is shortfall. */
  private placeHold(fakeCase: FakeCase, requested: number): void {
    const decision = decideHold(requested, this.available(fakeCase.familyId, fakeCase.caseId), 'partial-hold');
    if (decision === 'insufficient-cover') return; // not with the partial-hold policy
    fakeCase.hold = { amount: decision.granted, authorized: requested, extended: 0, confirmedAt: this.isoNow() };
    fakeCase.preauth.shortfall = decision.shortfall;
  }

  /**
   * Bookings in the order they were made, against the hold. Re-run after every change so voiding a
   * covered booking re-covers a later shortfall; a covered booking never turns into shortfall
   * because earlier bookings only ever free room.
   */
  private allocateBookings(fakeCase: FakeCase): void {
    const hold = fakeCase.hold;
    // Extensions are decided again on every run, from the hold as it was granted.
    if (hold) {
      hold.amount -= hold.extended;
      hold.extended = 0;
    }
    let free = hold?.amount ?? 0;
    const queued = new Set(this.outbox.flatMap((entry) => (entry.kind === 'booking' ? [entry.bookingId] : [])));
    for (const booking of this.bookingsOf(fakeCase.caseId)) {
      if (booking.isVoided || booking.status === 'rejected' || queued.has(booking.bookingId)) continue;
      if (!hold) {
        // No pre-auth on the server yet: the booking waits.
        booking.status = 'pending';
        booking.coveredAmount = null;
        booking.shortfallAmount = null;
      } else {
        const { fromHold, excess } = allocateBooking(booking.amount, free);
        free -= fromHold;
        // Past the hold, the server grows it within the scheme's auto-extension tolerance, as far
        // as the family cover allows (commands/bookings.ts); the rest is the patient's shortfall.
        let extended = 0;
        if (excess > 0 && fakeCase.preauth.status !== 'rejected') {
          const room = Math.max(0, extensionCeiling(hold.authorized, this.autoExtendBp) - hold.amount);
          extended = Math.min(bookingExtension(excess, room, 'partial-hold').requested, Math.max(0, this.available(fakeCase.familyId)));
          hold.amount += extended;
          hold.extended += extended;
        }
        const covered = fromHold + extended;
        booking.coveredAmount = covered;
        booking.shortfallAmount = booking.amount - covered;
        booking.status = covered === booking.amount ? 'covered' : covered === 0 ? 'shortfall' : 'partly-covered';
      }
      this.touch('bookings', booking.bookingId);
    }
  }

  private scheduleReview(decide: () => void): void {
    if (this.reviewDelayMs === null) return;
    this.schedule(() => {
      if (this.isOnline) decide();
    }, this.reviewDelayMs);
  }

  // ——— Views ———

  private session(operator: FakeOperator): SessionInfo {
    return {
      operatorId: operator.operatorId,
      username: operator.username,
      displayName: operator.displayName,
      roles: operator.roles,
      hospitalId: this.hospital.hospitalId,
      hospitalName: this.hospital.name,
      deskId: this.hospital.deskId,
      isOfflineSession: !this.isOnline,
      scheme: fakeScheme,
    };
  }

  private syncStatus(): SyncStatus {
    return {
      state: this.isOnline ? 'online' : 'offline',
      isOnline: this.isOnline,
      serverUrl: 'https://sync.demo.coverdesk.invalid',
      lastSyncAt: this.lastSyncAt,
      pendingMutations: this.outbox.length,
      lastError: this.isOnline
        ? null
        : { code: 'unreachable', message: 'The sync server cannot be reached; working from this desk’s replica.', at: this.lastSyncAt ?? this.isoNow() },
      firstSync: null,
      updateRequired: null,
    };
  }

  private committed(familyId: string, exceptCaseId?: string): number {
    let committed = 0;
    for (const fakeCase of this.cases.values()) {
      if (fakeCase.familyId === familyId && fakeCase.caseId !== exceptCaseId && fakeCase.hold) committed += fakeCase.hold.amount;
    }
    return committed;
  }

  private available(familyId: string, exceptCaseId?: string): number {
    return this.familyOf(familyId).cover - this.committed(familyId, exceptCaseId);
  }

  /** The server computes a family's balance: only then does the desk get new figures and a new time. */
  private confirmBalance(familyId: string, isServerAnswer: boolean): void {
    if (!isServerAnswer) return;
    const cover = this.familyOf(familyId).cover;
    const committed = this.committed(familyId);
    this.confirmedBalances.set(familyId, { cover, committed, available: cover - committed, confirmedAt: this.isoNow() });
    this.touch('families', familyId);
  }

  private familyView(family: FakeFamily): FamilyView {
    const balance = this.confirmedBalances.get(family.familyId) ?? { cover: family.cover, committed: 0, available: family.cover, confirmedAt: null };
    const members = fakeMembers.filter((member) => member.familyId === family.familyId);
    const activeCases = [...this.cases.values()].filter((fakeCase) => fakeCase.familyId === family.familyId && isActive(fakeCase.status));
    const pendingAmount = [...this.bookings.values()]
      .filter((booking) => booking.status === 'pending' && !booking.isVoided && this.cases.get(booking.caseId)?.familyId === family.familyId)
      .reduce((sum, booking) => sum + booking.amount, 0);
    return {
      familyId: family.familyId,
      familyNumber: family.familyNumber,
      district: family.district,
      registeredPhoneEnding: family.registeredPhone.slice(-4),
      balance: { value: { cover: balance.cover, committed: balance.committed, available: balance.available }, confirmedAt: balance.confirmedAt },
      pendingAmount,
      members: members.map((member) => this.memberSummary(member)),
      activeCases: activeCases.map((fakeCase) => ({
        caseId: fakeCase.hospitalCode === this.hospital.code ? fakeCase.caseId : null,
        memberId: fakeCase.memberId,
        hospitalCode: fakeCase.hospitalCode,
        isOwnHospital: fakeCase.hospitalCode === this.hospital.code,
        holdAmount: fakeCase.hold?.amount ?? 0,
        preauthStatus: fakeCase.preauth.status,
      })),
    };
  }

  private memberSummary(member: FakeMember): MemberSummary {
    const active = this.activeCaseOf(member.memberId);
    return {
      memberId: member.memberId,
      schemeMemberId: member.schemeMemberId,
      fullName: member.fullName,
      birthYear: member.birthYear,
      gender: member.gender,
      relation: member.relation,
      activeCase: active
        ? {
            caseId: active.hospitalCode === this.hospital.code ? active.caseId : null,
            hospitalCode: active.hospitalCode,
            isOwnHospital: active.hospitalCode === this.hospital.code,
          }
        : null,
    };
  }

  private caseView(fakeCase: FakeCase): CaseView {
    const member = this.memberOf(fakeCase.memberId);
    const bookings = this.bookingsOf(fakeCase.caseId);
    const consumed = bookings.reduce((sum, booking) => sum + (booking.isVoided ? 0 : (booking.coveredAmount ?? 0)), 0);
    return {
      caseId: fakeCase.caseId,
      memberId: fakeCase.memberId,
      familyId: fakeCase.familyId,
      memberName: member.fullName,
      schemeMemberId: member.schemeMemberId,
      status: fakeCase.status,
      rejection: fakeCase.rejection,
      identityMethod: fakeCase.identityMethod,
      isEmergency: fakeCase.isEmergency,
      admittedAt: fakeCase.admittedAt,
      // The fake plays an always-current server: it records an admission when it is made.
      serverAdmittedAt: fakeCase.status === 'pending-sync' ? null : fakeCase.admittedAt,
      // The shortfall as the real desk states it: what was requested beyond what the cover holds.
      preauth: {
        ...fakeCase.preauth,
        shortfall: fakeCase.isPreauthOnServer && fakeCase.hold ? Math.max(0, (fakeCase.preauth.requestedAmount ?? 0) - fakeCase.hold.amount) : null,
      },
      hold: fakeCase.hold
        ? // The fake's families are on the cashless cover: no patient's estimated part on a hold.
          {
            value: { amount: fakeCase.hold.amount, consumed, authorized: fakeCase.hold.authorized, patientEstimate: 0 },
            confirmedAt: fakeCase.hold.confirmedAt,
          }
        : null,
      bookings: bookings.map((booking) => this.bookingView(booking)),
      bookingSum: this.bookingSum(fakeCase.caseId),
      enhancements: fakeCase.enhancements.map((enhancement) => ({ ...enhancement })),
      claim: fakeCase.claim ? { ...fakeCase.claim, lines: fakeCase.claim.lines.map((line) => ({ ...line })) } : null,
    };
  }

  private caseListItem(fakeCase: FakeCase): CaseListItem {
    const view = this.caseView(fakeCase);
    const pendingCaseIds = new Set(this.outbox.flatMap((entry) => ('caseId' in entry ? [entry.caseId] : [this.bookings.get(entry.bookingId)?.caseId])));
    return {
      caseId: view.caseId,
      memberName: view.memberName,
      schemeMemberId: view.schemeMemberId,
      status: view.status,
      preauthStatus: view.preauth.status,
      packageCode: view.preauth.packageCode,
      holdAmount: view.hold?.value.amount ?? null,
      bookingSum: view.bookingSum,
      admittedAt: view.admittedAt,
      hasPendingChanges: pendingCaseIds.has(fakeCase.caseId),
    };
  }

  private bookingView(booking: FakeBooking): BookingView {
    return {
      bookingId: booking.bookingId,
      caseId: booking.caseId,
      itemCode: booking.itemCode,
      description: booking.description,
      quantity: booking.quantity,
      unitPrice: booking.unitPrice,
      amount: booking.amount,
      coveredAmount: booking.coveredAmount,
      shortfallAmount: booking.shortfallAmount,
      status: booking.status,
      isVoided: booking.isVoided,
      reason: booking.reason,
      createdAt: booking.createdAt,
    };
  }

  private packageView(code: string): PackageView {
    const pkg = fakePackages.find((candidate) => candidate.code === code)!;
    return { code: pkg.code, name: pkg.name, specialty: pkg.specialty, isUnspecified: pkg.isUnspecified, price: pkg.price, version: 1 };
  }

  /** One read-model document as the backend would send it on 'replication.pull'. */
  private document(collection: ReplicatedCollection, documentId: string): ReplicatedDocument {
    switch (collection) {
      case 'families': {
        const family = fakeFamilies.find((candidate) => candidate.familyId === documentId);
        if (!family) return { id: documentId, _deleted: true };
        return { ...this.familyView(family), id: documentId, _deleted: false } satisfies FamilyDocument & ReplicatedDocument;
      }
      case 'cases': {
        const fakeCase = this.cases.get(documentId);
        // Only this hospital's cases are in the desk's read model.
        if (!fakeCase || fakeCase.hospitalCode !== this.hospital.code) return { id: documentId, _deleted: true };
        return { ...this.caseListItem(fakeCase), id: documentId, _deleted: false } satisfies CaseDocument & ReplicatedDocument;
      }
      case 'bookings': {
        const booking = this.bookings.get(documentId);
        // Claimed (closed) bookings stay: the claim and its audit name them, as on the real desk.
        if (!booking || this.cases.get(booking.caseId)?.hospitalCode !== this.hospital.code) return { id: documentId, _deleted: true };
        return { ...this.bookingView(booking), id: documentId, _deleted: false } satisfies BookingDocument & ReplicatedDocument;
      }
      case 'packages':
        return { ...this.packageView(documentId), id: documentId, _deleted: false } satisfies PackageDocument & ReplicatedDocument;
    }
  }

  // ——— Helpers ———

  /**
   * What GET /sync/kpis states for this desk's hospital over the default period (the current month
   * and the 11 before it, in the scheme's time zone): the claims the server accepted from this
   * hospital, all this month, counted as charges and open receivables; the fake pays and
   * adjudicates nothing, so every rate over those is "not available".
   */
  private hospitalKpis(): KpiDashboardValue {
    const now = this.now();
    const today = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Kolkata', year: 'numeric', month: '2-digit', day: '2-digit' }).format(now);
    const to = today.slice(0, 7);
    const [year, month] = to.split('-').map(Number) as [number, number];
    const months = Array.from({ length: 12 }, (_, index) => {
      const at = new Date(Date.UTC(year, month - 12 + index, 1));
      return `${at.getUTCFullYear()}-${String(at.getUTCMonth() + 1).padStart(2, '0')}`;
    });
    const claims = [...this.cases.values()]
      .filter((fakeCase) => fakeCase.hospitalCode === this.hospital.code && fakeCase.claim?.status === 'submitted')
      .map((fakeCase) => fakeCase.claim!.amount);
    const amount = claims.reduce((sum, claim) => sum + claim, 0);
    const measures = (isThisMonth: boolean, days: number): KpiMeasuresValue => ({
      days,
      charges: { claims: isThisMonth ? claims.length : 0, amount: isThisMonth ? amount : 0 },
      openReceivables: isThisMonth ? amount : 0,
      daysInAccountsReceivable: isThisMonth && amount > 0 ? days : null,
      collections: {
        paidClaims: 0,
        paidAmount: 0,
        cohortPaidAmount: 0,
        cohortContractualAmount: 0,
        grossCollectionRate: isThisMonth && amount > 0 ? 0 : null,
        netCollectionRate: isThisMonth && amount > 0 ? 0 : null,
      },
      adjudication: {
        claims: 0,
        amount: 0,
        deniedClaims: 0,
        disallowedAmount: 0,
        contractualAmount: 0,
        cleanClaims: 0,
        reworkedClaims: 0,
        cleanClaimRate: null,
        denialRateByCount: null,
        denialRateByAmount: null,
        reworkRate: null,
      },
      patient: { charged: 0, settled: 0, collectionRate: null },
    });
    // A month counts its days, the current one up to today (as the server's).
    const daysOf = (m: string) => (m === to ? Number(today.slice(8, 10)) : new Date(Date.UTC(Number(m.slice(0, 4)), Number(m.slice(5, 7)), 0)).getUTCDate());
    const periodDays = months.reduce((sum, m) => sum + daysOf(m), 0);
    return {
      perspective: 'hospital',
      filters: { from: months[0]!, to, hospital: this.hospital.code, district: null, specialty: null, package: null },
      asOf: now.toISOString(),
      currency: fakeScheme.currency,
      minorPerUnit: fakeScheme.minorPerUnit,
      period: measures(true, periodDays),
      months: months.map((m) => ({ month: m, ...measures(m === to, daysOf(m)) })),
      aging: {
        asOfDate: today,
        buckets: agingBuckets.map((bucket) => (bucket === '0-30' ? { bucket, amount, claims: claims.length } : { bucket, amount: 0, claims: 0 })),
        total: amount,
        claims: claims.length,
        over90Share: amount > 0 ? 0 : null,
      },
      denials: { byReason: [], byPackage: [], bySpecialty: [], byHospital: [] },
      computedAt: now.toISOString(),
    };
  }

  private signedIn<T>(answer: () => T): T | { readonly ok: false; readonly error: DeskError } {
    if (!this.operator) return refuse('not-signed-in', 'Sign in to continue.');
    return answer();
  }

  private newCase(member: FakeMember, hospitalCode: FakeHospital['code'], identityMethod: IdentityMethod, isEmergency: boolean): FakeCase {
    const fakeCase: FakeCase = {
      caseId: this.id('case'),
      memberId: member.memberId,
      familyId: member.familyId,
      hospitalCode,
      status: 'pending-sync',
      serverStatus: 'pending-sync',
      rejection: null,
      identityMethod,
      isEmergency,
      admittedAt: this.isoNow(),
      preauth: {
        status: 'not-requested',
        packageCode: null,
        packageName: null,
        requestedAmount: null,
        approvedAmount: null,
        queryReason: null,
        decisionReason: null,
        shortfall: null,
      },
      hold: null,
      isPreauthOnServer: false,
      recommendedAmount: null,
      enhancements: [],
      claim: null,
    };
    this.cases.set(fakeCase.caseId, fakeCase);
    return fakeCase;
  }

  /**
   * The server's enrolment rules (issue 13 item 5, sync-server/src/identity/biometrics.ts): the
   * member's case admitted at this desk's hospital, and a one-time code verified for the member in
   * the last 30 minutes, unused or used by that case's admission, backing one enrolment per modality.
   */
  private enrolmentRefusal(scope: EnrolmentScope, modality: 'fingerprint' | 'face'): DeskResult<never> | null {
    const fakeCase = this.cases.get(scope.caseId);
    if (!fakeCase || fakeCase.memberId !== scope.memberId || fakeCase.hospitalCode !== this.hospital.code || !isActive(fakeCase.status))
      return refuse(
        'enrolment-out-of-scope',
        `A biometric is enrolled only for a patient admitted at your hospital: case ${scope.caseId} is not this member's open case here. Admit the patient first (identity by one-time code or override), then enrol from the case.`,
      );
    const challenge = this.otpChallenges.get(scope.otpChallengeId);
    const isFresh = challenge?.verifiedAt ? this.now().getTime() - Date.parse(challenge.verifiedAt) < 30 * 60_000 : false;
    const used = this.enrolmentCodes.has(`${scope.otpChallengeId}|${modality}`);
    if (!challenge || challenge.memberId !== scope.memberId || !isFresh || used || (challenge.usedByCase !== null && challenge.usedByCase !== scope.caseId))
      return refuse(
        'second-factor-refused',
        "Enrolling needs a one-time code sent to the family's registered phone and verified for this patient at your hospital in the last 30 minutes. Send a code and verify it, then enrol.",
      );
    return null;
  }

  private activeCaseOf(memberId: string, exceptCaseId?: string): FakeCase | undefined {
    return [...this.cases.values()].find((fakeCase) => fakeCase.memberId === memberId && fakeCase.caseId !== exceptCaseId && isActive(fakeCase.status));
  }

  private activeCaseMessage(member: FakeMember, active: FakeCase): string {
    const where = active.hospitalCode === this.hospital.code ? 'at this hospital' : `at ${active.hospitalCode}`;
    return `${member.fullName} has an active case ${where}: discharge it there before admitting again (one active case per member).`;
  }

  private ownCase(caseId: string): FakeCase | undefined {
    const fakeCase = this.cases.get(caseId);
    return fakeCase?.hospitalCode === this.hospital.code ? fakeCase : undefined;
  }

  private paymentsOf(caseId: string): FakePayment[] {
    return [...this.payments.values()].filter((payment) => payment.caseId === caseId);
  }

  /** The patient's account as the imitated server keeps it: the bookings' shortfalls, less what was taken or sent on. */
  private patientAccount(caseId: string): { charged: number; paid: number; refunded: number; secondary: number; owed: number; credit: number } {
    const charged = this.bookingsOf(caseId)
      .filter((booking) => !booking.isVoided)
      .reduce((sum, booking) => sum + (booking.shortfallAmount ?? 0), 0);
    const taken = this.paymentsOf(caseId).filter((payment) => payment.state === 'taken');
    const sum = (payments: readonly FakePayment[]) => payments.reduce((total, payment) => total + payment.amount, 0);
    const paid = sum(taken.filter((payment) => payment.direction === 'payment' && payment.method !== 'secondary'));
    const refunded = sum(taken.filter((payment) => payment.direction === 'refund'));
    const secondary = sum(taken.filter((payment) => payment.direction === 'payment' && payment.method === 'secondary'));
    // As the server's accountTotals: only money the patient paid goes back to the patient.
    const settled = paid - refunded + secondary;
    return { charged, paid, refunded, secondary, owed: Math.max(0, charged - settled), credit: Math.max(0, Math.min(paid - refunded, settled - charged)) };
  }

  private patientBill(fakeCase: FakeCase): NonNullable<PatientBillAtDesk['bill']> {
    const member = this.memberOf(fakeCase.memberId);
    const lines = this.bookingsOf(fakeCase.caseId)
      .filter((booking) => booking.coveredAmount !== null)
      .map((booking) => ({
        bookingId: booking.bookingId,
        itemCode: booking.itemCode,
        description: booking.description,
        quantity: booking.quantity,
        unitPrice: booking.unitPrice,
        amount: booking.amount,
        planPart: booking.isVoided ? 0 : (booking.coveredAmount ?? 0),
        patientPart: booking.isVoided ? 0 : (booking.shortfallAmount ?? 0),
        // The fake desk has no claim adjudication: nothing is ever written off.
        writtenOff: 0,
        claimDecision: null,
        status: booking.isVoided ? ('voided' as const) : ('active' as const),
        bookedAt: booking.createdAt,
      }));
    const active = lines.filter((line) => line.status === 'active');
    const account = this.patientAccount(fakeCase.caseId);
    const taken = this.paymentsOf(fakeCase.caseId).filter((payment) => payment.state === 'taken');
    return {
      caseId: fakeCase.caseId,
      caseStatus: fakeCase.serverStatus,
      hospitalCode: this.hospital.code,
      hospitalName: this.hospital.name,
      memberId: member.memberId,
      memberName: member.fullName,
      schemeMemberId: member.schemeMemberId,
      packageCode: fakeCase.preauth.packageCode,
      admittedAt: fakeCase.admittedAt,
      dischargedAt: null,
      currency: fakeScheme.currency,
      locale: fakeScheme.locale,
      minorPerUnit: fakeScheme.minorPerUnit,
      lines,
      totals: {
        amount: active.reduce((sum, line) => sum + line.amount, 0),
        planPart: active.reduce((sum, line) => sum + line.planPart, 0),
        patientPart: active.reduce((sum, line) => sum + line.patientPart, 0),
        writtenOff: 0,
      },
      charges: account.charged > 0 ? [{ kind: 'shortfall' as const, amount: account.charged }] : [],
      account,
      payments: taken.map((payment) => ({
        paymentId: payment.paymentId,
        caseId: payment.caseId,
        receiptNumber: payment.receiptNumber ?? '',
        direction: payment.direction,
        method: payment.method,
        amount: payment.amount,
        reference: payment.reference,
        secondaryPayer: payment.secondaryPayer,
        operatorId: payment.operatorId,
        takenAt: payment.takenAt,
        receivedAt: payment.receivedAt ?? payment.takenAt,
      })),
      secondaryClaims: taken
        .filter((payment) => payment.secondaryPayer !== null)
        .map((payment) => ({
          claimId: payment.paymentId,
          payer: payment.secondaryPayer ?? 'serious-illness-fund',
          memberReference: payment.reference ?? '',
          amount: payment.amount,
          status: 'submitted' as const,
          acceptedAmount: null,
          withdrawnAmount: 0,
          refundDue: 0,
          submittedAt: payment.receivedAt ?? payment.takenAt,
        })),
      computedAt: this.isoNow(),
    };
  }

  /**
   * What GET /sync/benefits states for a family on the cashless cover (sync-server/src/accumulators/
   * desk-benefits.ts): no deductible, no maximum, nothing accumulated; this hospital's cases of the
   * family with what the server placed of their bookings and the shortfall charged to the patient.
   */
  private statedBenefits(
    familyId: string,
  ): StatedBenefits & { readonly computedAt: string; readonly accumulators: { readonly benefitBalance: AccumulatorBalanceView[] } } {
    const policyYear = this.now().getUTCFullYear();
    const line = (
      memberId: string | null,
      type: AccumulatorBalanceView['type'],
      category: AccumulatorBalanceView['category'],
      allowed: number | null,
    ): AccumulatorBalanceView => ({
      unit: memberId === null ? 'family' : 'individual',
      memberId,
      type,
      category,
      term: 'annual',
      allowed,
      used: 0,
      remaining: allowed,
      usedByCoverage: { medical: 0, pharmacy: 0 },
    });
    const members = fakeMembers.filter((member) => member.familyId === familyId).sort((a, b) => a.memberId.localeCompare(b.memberId));
    const cases = [...this.cases.values()].filter(
      (fakeCase) =>
        fakeCase.familyId === familyId &&
        fakeCase.hospitalCode === this.hospital.code &&
        (fakeCase.serverStatus === 'admitted' || fakeCase.serverStatus === 'discharged'),
    );
    const placed = (caseId: string) =>
      this.bookingsOf(caseId).filter((booking) => !booking.isVoided && booking.status !== 'pending' && booking.status !== 'rejected');
    return {
      computedAt: this.isoNow(),
      accumulators: {
        benefitBalance: [
          line(null, 'deductible', 'combined', 0),
          line(null, 'out-of-pocket-maximum', 'combined', null),
          line(null, 'benefit', 'medical', null),
          line(null, 'benefit', 'pharmacy', null),
          ...members.flatMap((member) => [
            line(member.memberId, 'deductible', 'combined', null),
            line(member.memberId, 'out-of-pocket-maximum', 'combined', null),
            line(member.memberId, 'benefit', 'combined', null),
          ]),
        ],
      },
      // The demo's cashless plan (sync-server/src/demo/seed.ts): every fake family is on it.
      plan: { ...cashlessPlanYear(policyYear), planId: 'CASHLESS' },
      isInNetwork: true,
      waitingPeriods: [],
      cases: cases.map((fakeCase) => ({
        caseId: fakeCase.caseId,
        booked: placed(fakeCase.caseId).reduce((sum, booking) => sum + booking.amount, 0),
        patientCharged: placed(fakeCase.caseId).reduce((sum, booking) => sum + (booking.shortfallAmount ?? 0), 0),
        isCopayDue: true,
      })),
    };
  }

  private bookingsOf(caseId: string): FakeBooking[] {
    return [...this.bookings.values()].filter((booking) => booking.caseId === caseId);
  }

  private bookingSum(caseId: string): number {
    return this.bookingsOf(caseId).reduce((sum, booking) => sum + (booking.isVoided || booking.status === 'rejected' ? 0 : booking.amount), 0);
  }

  private memberOf(memberId: string): FakeMember {
    const member = fakeMembers.find((candidate) => candidate.memberId === memberId);
    if (!member) throw new Error(`fake backend: unknown member ${memberId}`);
    return member;
  }

  private familyOf(familyId: string): FakeFamily {
    const family = fakeFamilies.find((candidate) => candidate.familyId === familyId);
    if (!family) throw new Error(`fake backend: unknown family ${familyId}`);
    return family;
  }

  private caseChanged(fakeCase: FakeCase | undefined): void {
    if (!fakeCase) return;
    this.touch('cases', fakeCase.caseId);
    this.touch('families', fakeCase.familyId);
    this.confirmBalance(fakeCase.familyId, this.isOnline);
  }

  /** Record a change for pull replication and poke the renderer once per turn of the event loop. */
  private touch(collection: ReplicatedCollection, documentId: string): void {
    this.sequence += 1;
    this.changes[collection].set(documentId, this.sequence);
    this.changedSinceLastPoke.add(collection);
    if (this.pokeScheduled) return;
    this.pokeScheduled = true;
    queueMicrotask(() => {
      this.pokeScheduled = false;
      const collections = [...this.changedSinceLastPoke];
      this.changedSinceLastPoke.clear();
      this.emit('replication.changed', { collections });
    });
  }

  private notify(fakeCase: FakeCase, title: string, body: string): void {
    if (fakeCase.hospitalCode !== this.hospital.code) return;
    this.emit('notification', { caseId: fakeCase.caseId, title, body });
  }

  private emitSyncStatus(): void {
    this.emit('sync.status', this.syncStatus());
  }

  private emit<E extends DeskEventName>(event: E, payload: DeskEvents[E]): void {
    // A dropped link loses events, like a real socket; the renderer resyncs on reconnect.
    if (this.link.state !== 'open') return;
    const listeners: Set<(payload: DeskEvents[E]) => void> = this.eventListeners[event];
    for (const listener of listeners) listener(payload);
  }

  private setLink(status: DeskLinkStatus): void {
    this.link = status;
    for (const listener of this.linkListeners) listener(status);
  }

  private schedule(task: (value?: unknown) => void, delayMs: number): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      task();
    }, delayMs);
    this.timers.add(timer);
  }

  private money(minor: number): string {
    return formatAmount(minor, fakeScheme.currency, fakeScheme.locale, fakeScheme.minorPerUnit);
  }

  private isoNow(): string {
    return this.now().toISOString();
  }

  private id(prefix: string): string {
    // Real desks use UUIDs; readable ids make fake-mode screens and test failures easier to follow.
    return `${prefix}-${String(this.nextId++).padStart(4, '0')}`;
  }

  /** A past stay at this desk's hospital, so the case list and the booking item search are not empty. */
  private seedHistory(): void {
    const member = fakeMembers.find((candidate) => candidate.fullName === 'Mahesh Jadhav');
    if (!member) return;
    const fakeCase = this.newCase(member, this.hospital.code, 'fingerprint', false);
    fakeCase.status = 'discharged';
    fakeCase.serverStatus = 'discharged';
    fakeCase.isPreauthOnServer = true;
    fakeCase.preauth = {
      ...fakeCase.preauth,
      status: 'approved',
      packageCode: 'MG006A',
      packageName: 'Dengue fever, moderate, ward',
      requestedAmount: 500_000,
      approvedAmount: 500_000,
      shortfall: 0,
    };
    fakeCase.hold = { amount: 500_000, authorized: 500_000, extended: 0, confirmedAt: this.isoNow() };
    const items: readonly [string, number][] = [
      ['WARD-DAY', 4],
      ['LAB-NS1', 1],
      ['LAB-CBC', 2],
      ['IV-FLUIDS', 10],
      ['CONSULT', 2],
    ];
    for (const [itemCode, quantity] of items) {
      const item = fakeBookableItems.find((candidate) => candidate.itemCode === itemCode)!;
      const booking: FakeBooking = {
        bookingId: this.id('booking'),
        caseId: fakeCase.caseId,
        itemCode,
        description: item.description,
        quantity,
        unitPrice: item.unitPrice,
        amount: quantity * item.unitPrice,
        coveredAmount: null,
        shortfallAmount: null,
        status: 'pending',
        isVoided: false,
        isClosed: false,
        reason: null,
        createdAt: this.isoNow(),
      };
      this.bookings.set(booking.bookingId, booking);
    }
    this.allocateBookings(fakeCase);
    this.caseChanged(fakeCase);
  }
}

/**
 * A one-page PDF of the bill's totals, written by hand (the fake runs in the browser, without the
 * server's pdfkit): what the desk receives from `settlement.billPdf` is a PDF either way.
 */
function fakeBillPdf(bill: NonNullable<PatientBillAtDesk['bill']>, money: (minor: number) => string): string {
  const text = (value: string) => value.replace(/[^\x20-\x7e]/g, '?').replace(/[\\()]/g, (c) => `\\${c}`);
  const lines = [
    `Patient bill ${bill.caseId}`,
    `${bill.memberName} (${bill.schemeMemberId}), ${bill.hospitalName}`,
    ...bill.lines.map(
      (line) => `${line.itemCode} ${line.description}: ${money(line.amount)}, plan ${money(line.planPart)}, patient ${money(line.patientPart)}`,
    ),
    `Balance due: ${money(bill.account.owed)}`,
  ];
  const content = `BT /F1 11 Tf 50 800 Td 14 TL ${lines.map((line) => `(${text(line)}) '`).join(' ')} ET`;
  const objects = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>',
    `<< /Length ${content.length} >>\nstream\n${content}\nendstream`,
    '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>',
  ];
  let pdf = '%PDF-1.4\n';
  const offsets: number[] = [];
  objects.forEach((body, index) => {
    offsets.push(pdf.length);
    pdf += `${index + 1} 0 obj\n${body}\nendobj\n`;
  });
  const xref = pdf.length;
  pdf += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n${offsets.map((offset) => `${String(offset).padStart(10, '0')} 00000 n \n`).join('')}`;
  pdf += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return btoa(pdf);
}
