import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import type { CommandName } from '@contract/commands';
import type { CommandResultOf, OnlineCommand } from '@contract/results';
import { commandValidator } from '../../sync-server/node-shared/command-validators';
import type { DeskApiHandlers, DeskError, DeskEvents, DeskResult, ReplicatedCollection, ReplicatedDocument, SessionInfo } from '../desk-api/contract';
import { PullApplier } from './applier';
import { Checkpointer } from './checkpointer';
import { openReplica, pruneAnsweredOutbox, readMeta, writeMeta, type ReplicaDatabase } from './database';
import { Feed } from './feed';
import { DeskReads } from './reads';
import { DeviceManager, loadDeviceConfig, type DeviceConfig } from './devices';
import { OwnerOnlyFileSecretStore, type SecretStore } from './secret-store';
import { BiometricVault } from './biometric-vault';
import { BiometricIdentity, loadFaceMatchThreshold } from './biometric-identity';
import { ServerCallError, SyncServerClient } from './server-client';
import { signIn, type DeskIdentity } from './session';
import { SyncEngine, type SyncEngineOptions } from './sync-engine';
import { checkServerUrl } from '../desk-api/transport-policy';
import { decisionNotification } from './decision-notification';

/**
 * Who is signed in on one renderer connection. Electron has one renderer, so one slot
 * (`DeskBackend.handlers`); browser mode gives every WebSocket connection a slot of its own
 * (`handlersFor`), so a second browser or a local process starts signed out.
 */
export interface OperatorSlot {
  session: SessionInfo | null;
}

export interface DeskBackendOptions {
  /** Folder for the replica and (browser mode) the credential file. */
  readonly dataDir: string;
  readonly secretStore?: SecretStore;
  /** Where the desk's biometric at-rest key lives (safeStorage in Electron; default an owner-only file). */
  readonly biometricKeyStore?: SecretStore;
  /** Face 1:1 threshold; default COVERDESK_FACE_MATCH_THRESHOLD or the domain default. */
  readonly faceMatchThreshold?: number;
  /** How long the reader waits for a finger (default 10 s). */
  readonly fingerTimeoutMs?: number;
  readonly sync?: SyncEngineOptions;
  /** Devices to open; default: `<dataDir>/devices.json` or COVERDESK_DEVICES. */
  readonly devices?: DeviceConfig;
  /** How long sign-in waits for the server before an operator known here signs in offline (default 4 s). */
  readonly signInFallbackMs?: number;
  /** Refuse http:// servers at enrollment (Electron main sets it when app.isPackaged; main/transport-policy.ts). */
  readonly requireHttps?: boolean;
  /** The clock offline sign-in locks are measured by (tests); default the system clock. */
  readonly now?: () => Date;
}

const ok = <T>(value: T): DeskResult<T> => ({ ok: true, value });
const failure = (code: string, message: string, details?: Record<string, unknown>): DeskResult<never> => ({
  ok: false,
  error: { code, message, ...(details ? { details } : {}) },
});
function validate(name: CommandName, body: Record<string, unknown>): DeskError | null {
  const validator = commandValidator(name);
  if (validator.Check(body)) return null;
  const first = [...validator.Errors(body)][0];
  return {
    code: 'invalid-input',
    message: `Please check the form: ${first ? `${first.instancePath.replace(/^\//, '') || 'input'} ${first.message}` : 'a value is not valid'}.`,
  };
}

/** SQLite says the disk is full: refuse cleanly, nothing was written (the transaction rolled back). */
function isDiskFull(error: unknown): boolean {
  return typeof error === 'object' && error !== null && 'code' in error && (error.code === 'SQLITE_FULL' || error.code === 'SQLITE_IOERR');
}

/**
 * The desk backend: owns the replica, the outbox and the sync engine, and answers every channel
 * of the desk API. It runs unchanged in Electron's utility process and as a plain Node process.
 */
export class DeskBackend {
  readonly db: ReplicaDatabase;
  readonly feed: Feed;
  readonly reads: DeskReads;
  readonly engine: SyncEngine;
  readonly devices: DeviceManager;
  readonly biometrics: BiometricVault;
  private readonly secrets: SecretStore;
  private client: SyncServerClient | null = null;
  /** The slot of `handlers` (Electron's one renderer, and in-process callers such as tests). */
  private readonly defaultSlot: OperatorSlot = { session: null };
  /** Every channel of the desk API for one renderer (Electron) — browser mode uses `handlersFor`. */
  readonly handlers: DeskApiHandlers;
  private readonly eventListeners = new Set<<E extends keyof DeskEvents>(event: E, payload: DeskEvents[E]) => void>();

  private readonly checkpointer: Checkpointer;

  constructor(private readonly options: DeskBackendOptions) {
    const replicaPath = join(options.dataDir, 'desk-replica.sqlite');
    this.db = openReplica(replicaPath);
    // Answered outbox rows older than a day go at every start too, not only after a push.
    pruneAnsweredOutbox(this.db);
    this.checkpointer = new Checkpointer(this.db, (message) => console.warn(`[desk] ${message}`));
    this.checkpointer.start(replicaPath);
    this.secrets = options.secretStore ?? new OwnerOnlyFileSecretStore(join(options.dataDir, 'desk-credential'));
    this.feed = new Feed(this.db);
    this.reads = new DeskReads(this.db);
    const serverUrl = readMeta(this.db, 'server_url');
    if (serverUrl && this.secrets.read()) this.client = new SyncServerClient(serverUrl, () => this.secrets.read());
    this.biometrics = new BiometricVault(this.db, options.biometricKeyStore ?? new OwnerOnlyFileSecretStore(join(options.dataDir, 'desk-biometric-key')), () =>
      this.secrets.read(),
    );
    const dropped = this.biometrics.recoverUnreadable();
    if (dropped > 0)
      console.warn(`[desk] ${dropped} cached biometric enrolment(s) no longer open with this desk's key; dropped, and the whole scope will be pulled again.`);
    const applier = new PullApplier(this.db, this.feed, this.biometrics);
    applier.onDecisions((decisions) => {
      for (const decision of decisions) {
        this.emit('notification', decisionNotification(decision, this.reads.caseView(decision.caseId)?.preauth.packageCode ?? null));
      }
    });
    this.engine = new SyncEngine(this.db, this.feed, applier, () => this.client, options.sync);
    this.engine.onStatus((status) => this.emit('sync.status', status));
    const devices = options.devices ? { config: options.devices, error: null } : loadDeviceConfig(join(options.dataDir, 'devices.json'));
    this.devices = new DeviceManager(devices.config, (event, payload) => this.emit(event, payload), devices.error);
    this.faceMatchThreshold = options.faceMatchThreshold ?? loadFaceMatchThreshold();
    this.feed.onChange((collections) => this.emit('replication.changed', { collections }));
    this.handlers = this.handlersFor(this.defaultSlot);
  }

  private readonly faceMatchThreshold: number;

  start(): void {
    this.engine.start();
    this.devices.start();
  }

  async stop(): Promise<void> {
    await this.devices.stop();
    await this.engine.stop();
    await this.checkpointer.stop();
    this.db.close();
  }

  onEvent(listener: <E extends keyof DeskEvents>(event: E, payload: DeskEvents[E]) => void): () => void {
    this.eventListeners.add(listener);
    return () => this.eventListeners.delete(listener);
  }

  private emit<E extends keyof DeskEvents>(event: E, payload: DeskEvents[E]): void {
    for (const listener of this.eventListeners) listener(event, payload);
  }

  private identity(): DeskIdentity | null {
    const deskId = readMeta(this.db, 'desk_id');
    const hospitalId = readMeta(this.db, 'hospital_id');
    const scheme = readMeta(this.db, 'scheme');
    if (!deskId || !hospitalId || !scheme) return null;
    return { deskId, hospitalId, hospitalName: readMeta(this.db, 'hospital_name') ?? '', scheme: JSON.parse(scheme) as SessionInfo['scheme'] };
  }

  /**
   * Queue a command: the outbox row and its optimistic rows commit together (a crash can leave
   * neither half), then the sync engine is nudged.
   */
  private queue(
    slot: OperatorSlot,
    name: CommandName,
    body: Record<string, unknown>,
    optimistic: (commandId: string) => void = () => undefined,
  ): DeskResult<null> {
    const session = slot.session;
    if (!session) return failure('not-signed-in', 'Sign in first.');
    const commandId = randomUUID();
    const invalid = validate(name, { ...body, commandId });
    if (invalid) return { ok: false, error: invalid };
    try {
      this.db.transaction(() => {
        this.db
          .prepare("INSERT INTO outbox (command_id, name, operator_id, body, created_at, state) VALUES (?, ?, ?, ?, ?, 'pending')")
          .run(commandId, name, session.operatorId, JSON.stringify(body), new Date().toISOString());
        optimistic(commandId);
        this.feed.save();
      })();
    } catch (error) {
      this.feed.discard();
      if (isDiskFull(error)) return failure('disk-full', "This computer's disk is full: the change was NOT saved. Free some space and try again.");
      throw error;
    }
    this.feed.announce();
    this.nudgeSync();
    return ok(null);
  }

  private isNudgeScheduled = false;

  /**
   * After the command has answered: tell the renderer the pending count and start a push. Commands
   * that arrive together share one nudge, and none of them waits for the outbox to be read.
   */
  private nudgeSync(): void {
    if (this.isNudgeScheduled) return;
    this.isNudgeScheduled = true;
    setImmediate(() => {
      this.isNudgeScheduled = false;
      if (!this.db.open) return;
      this.emit('sync.status', this.engine.current());
      void this.engine.requestSync();
    });
  }

  private addPending(kind: string, id: string, caseId: string | null, familyId: string | null, commandId: string, doc: Record<string, unknown>): void {
    this.db
      .prepare(
        "INSERT INTO pending_rows (kind, id, case_id, family_id, command_id, doc, state) VALUES (?, ?, ?, ?, ?, ?, 'pending') ON CONFLICT (kind, id) DO UPDATE SET command_id = excluded.command_id, doc = excluded.doc, state = 'pending', rejection = NULL",
      )
      .run(kind, id, caseId, familyId, commandId, JSON.stringify(doc));
    if (kind === 'bookings') this.feed.touch('bookings', id);
    if (caseId) this.feed.touch('cases', caseId);
    if (familyId) this.feed.touch('families', familyId);
  }

  private requireMedco(slot: OperatorSlot): DeskResult<never> | null {
    if (!slot.session) return failure('not-signed-in', 'Sign in first.');
    if (!slot.session.roles.includes('MEDCO')) return failure('forbidden-role', 'Only desk operators (MEDCO) can do this at a desk.');
    return null;
  }

  /** The family of a case this desk knows (server row or its own pending admission): one indexed lookup. */
  private familyOfCase(caseId: string): string | null {
    const row = this.db
      .prepare(
        "SELECT family_id AS familyId FROM server_cases WHERE id = ? UNION ALL SELECT family_id FROM pending_rows WHERE kind = 'cases' AND id = ? LIMIT 1",
      )
      .get(caseId, caseId) as { familyId: string | null } | undefined;
    return row?.familyId ?? null;
  }

  /**
   * The desk API for one renderer connection. Only enrollment and sign-in answer before an
   * operator has signed in on `slot`: everything that reads or changes patient data, cover or
   * cases says `not-signed-in` until then. Sync and device status (no patient data) stay open.
   */
  handlersFor(slot: OperatorSlot): DeskApiHandlers {
    const signedOut = (): DeskResult<never> | null => (slot.session ? null : failure('not-signed-in', 'Sign in first.'));
    const requireMedco = () => this.requireMedco(slot);
    const queue = (name: CommandName, body: Record<string, unknown>, optimistic?: (commandId: string) => void) => this.queue(slot, name, body, optimistic);
    const online = <N extends OnlineCommand, T>(name: N, body: Record<string, unknown>, shape: (result: CommandResultOf<N>) => T) =>
      this.online(slot, name, body, shape);
    const identityByBiometrics = new BiometricIdentity({
      vault: this.biometrics,
      reader: () => this.devices.fingerprintModule(),
      faceMatchThreshold: this.faceMatchThreshold,
      ...(this.options.fingerTimeoutMs !== undefined ? { fingerTimeoutMs: this.options.fingerTimeoutMs } : {}),
      enroll: (name, body) => online(name, body, (result) => ({ enrolledAt: result.enrolledAt })),
    });
    return {
      'enrollment.status': async () => {
        const identity = this.identity();
        return ok({
          isEnrolled: identity !== null && this.client !== null,
          deskId: identity?.deskId ?? null,
          hospitalName: identity?.hospitalName ?? null,
          serverUrl: readMeta(this.db, 'server_url'),
        });
      },
      'enrollment.enroll': async ({ serverUrl, code }) => {
        // Enrolling answers before anyone signs in (a new desk has no operators yet), so once the
        // desk is enrolled no connection may point it at another server.
        if (this.identity() && this.client)
          return failure('already-enrolled', 'This desk is already enrolled. To enroll it again, IT staff stop it and remove its data folder.');
        const checked = checkServerUrl(serverUrl, this.options.requireHttps === true);
        if (!checked.ok) return failure(checked.code, checked.message);
        const url = checked.url;
        const client = new SyncServerClient(url.toString(), () => null);
        try {
          const answer = await client.enroll(code);
          this.secrets.write(answer.credential);
          this.db.transaction(() => {
            writeMeta(this.db, 'server_url', url.toString());
            writeMeta(this.db, 'desk_id', answer.deskId);
            writeMeta(this.db, 'hospital_id', answer.hospitalId);
            writeMeta(this.db, 'hospital_name', answer.hospitalName);
            writeMeta(this.db, 'scheme', JSON.stringify(answer.scheme));
          })();
          this.client = new SyncServerClient(url.toString(), () => this.secrets.read());
          void this.engine.requestSync();
          return ok({ deskId: answer.deskId, hospitalName: answer.hospitalName });
        } catch (error) {
          if (error instanceof ServerCallError) return failure(error.fault.kind === 'refused' ? error.fault.code : error.fault.kind, error.fault.message);
          throw error;
        }
      },
      'session.signIn': async ({ username, password }) => {
        const identity = this.identity();
        if (!identity) return failure('not-enrolled', 'Enroll this desk first with the code from the health authority.');
        const result = await signIn(this.db, this.client, identity, username, password, this.options.signInFallbackMs, this.options.now);
        if (result.ok) slot.session = result.value;
        return result;
      },
      'session.signOut': async () => {
        slot.session = null;
        return ok(null);
      },
      'session.current': async () => ok(slot.session),
      'members.identify': async (query) => {
        if (!slot.session) return failure('not-signed-in', 'Sign in first.');
        const local = this.reads.identify(query);
        if (local.length > 0) return ok({ matches: local, source: 'replica' as const });
        if (query.by === 'name') return ok({ matches: [], source: 'replica' as const });
        if (!this.client) return failure('offline-unavailable', 'This desk is not enrolled with a server.');
        try {
          const answer = await this.client.identify(slot.session.operatorId, query.by, query.value);
          await this.engine.requestSync(); // the family has joined this desk's scope: fetch it
          this.db
            .prepare('INSERT INTO desk_families (family_id, added_at) VALUES (?, ?) ON CONFLICT DO NOTHING')
            .run(answer.family.familyId, new Date().toISOString());
          return ok({
            matches: this.reads.identify(query.by === 'national-id' ? { by: 'scheme-id', value: answer.member.schemeMemberId } : query),
            source: 'server' as const,
          });
        } catch (error) {
          if (error instanceof ServerCallError) {
            if (error.fault.kind === 'unreachable') {
              return failure(
                'offline-unavailable',
                query.by === 'national-id'
                  ? 'National-ID search needs the server, which cannot be reached. Search by scheme ID, health card, or name and year of birth instead.'
                  : "Not in this desk's registry, and the server cannot be reached to look further.",
              );
            }
            return failure(error.fault.kind === 'refused' ? error.fault.code : error.fault.kind, error.fault.message);
          }
          throw error;
        }
      },
      'families.view': async ({ familyId }) => {
        const refused = signedOut();
        if (refused) return refused;
        const view = this.reads.family(familyId);
        if (!view) return failure('not-found', 'This family is not on this desk yet; search for a member to fetch it.');
        this.db.prepare('INSERT INTO desk_families (family_id, added_at) VALUES (?, ?) ON CONFLICT DO NOTHING').run(familyId, new Date().toISOString());
        return ok(view);
      },
      'packages.list': async ({ search }) => signedOut() ?? ok(this.reads.packages(search)),
      'cases.list': async (filter) => signedOut() ?? ok(this.reads.caseList(filter)),
      'cases.view': async ({ caseId }) => {
        const refused = signedOut();
        if (refused) return refused;
        const view = this.reads.caseView(caseId);
        return view ? ok(view) : failure('not-found', 'There is no such case on this desk.');
      },
      'identity.sendOtp': async ({ memberId, isForRelative }) => {
        const refused = requireMedco();
        if (refused) return refused;
        return online(
          'send-otp',
          { challengeId: randomUUID(), memberId, ...(isForRelative !== undefined ? { isForRelative } : {}) },
          ({ challengeId, phoneEnding, expiresAt }) => ({ challengeId, phoneEnding, expiresAt }),
        );
      },
      'identity.verifyOtp': async ({ challengeId, code }) => {
        const refused = requireMedco();
        if (refused) return refused;
        return online('verify-otp', { challengeId, code }, (result) =>
          result.verified
            ? { verified: true, reason: null, attemptsLeft: null, lockedUntil: null, message: null }
            : {
                verified: false,
                reason: result.reason,
                attemptsLeft: 'attemptsLeft' in result ? result.attemptsLeft : null,
                lockedUntil: 'lockedUntil' in result ? result.lockedUntil : null,
                message: result.message,
              },
        );
      },
      'identity.enrolments': async ({ memberId }) => requireMedco() ?? identityByBiometrics.enrolments(memberId),
      'identity.verifyFingerprint': async ({ memberId }) => requireMedco() ?? identityByBiometrics.verifyFingerprint(memberId),
      'identity.enrollFingerprint': async ({ memberId }) => requireMedco() ?? identityByBiometrics.enrollFingerprint(memberId),
      'identity.verifyFace': async ({ memberId, descriptor, liveness }) => requireMedco() ?? identityByBiometrics.verifyFace(memberId, descriptor, liveness),
      'identity.enrollFace': async ({ memberId, descriptor }) => requireMedco() ?? identityByBiometrics.enrollFace(memberId, descriptor),
      'cases.admit': async ({ memberId, identityMethod, isEmergency, otpChallengeId, overrideReason, supervisorName }) => {
        const refused = requireMedco();
        if (refused) return refused;
        const member = this.reads.member(memberId);
        if (!member) return failure('not-found', 'This member is not on this desk; search for them first.');
        const familyId = String(member.familyId);
        const family = this.reads.family(familyId);
        const active = family?.members.find((m) => m.memberId === memberId)?.activeCase;
        if (active)
          return failure(
            'case-already-active',
            `This patient already has an active case at ${active.hospitalCode}; it must be discharged or cancelled there first.`,
          );
        const caseId = randomUUID();
        const body = {
          caseId,
          memberId,
          identityMethod,
          ...(isEmergency !== undefined ? { isEmergency } : {}),
          ...(otpChallengeId ? { otpChallengeId } : {}),
          ...(overrideReason ? { overrideReason } : {}),
          ...(supervisorName ? { supervisorName } : {}),
        };
        if (identityMethod === 'override' && (!overrideReason || overrideReason.trim().length < 15 || !supervisorName)) {
          return failure('invalid-input', "An identity override needs a written reason (at least 15 characters) and the authorising supervisor's name.");
        }
        const result = queue('admit', body, (commandId) => {
          const admittedAt = new Date().toISOString();
          this.db.prepare('INSERT INTO desk_families (family_id, added_at) VALUES (?, ?) ON CONFLICT DO NOTHING').run(familyId, admittedAt);
          this.db.prepare('INSERT INTO case_admissions (case_id, admitted_at) VALUES (?, ?) ON CONFLICT DO NOTHING').run(caseId, admittedAt);
          this.addPending('cases', caseId, caseId, familyId, commandId, {
            id: caseId,
            memberId,
            familyId,
            identityMethod,
            isEmergency: isEmergency ?? false,
            admittedAt,
            status: 'admitted',
          });
        });
        return result.ok ? ok({ caseId }) : result;
      },
      'cases.requestPreauth': async ({ caseId, packageCode, estimatedAmount, clinicalNote }) => {
        const refused = requireMedco();
        if (refused) return refused;
        const treatmentPackage = this.reads.packageView(packageCode);
        if (!treatmentPackage) return failure('not-found', `There is no package ${packageCode} in the catalogue.`);
        const body = { caseId, packageCode, ...(estimatedAmount !== undefined ? { estimatedAmount } : {}), ...(clinicalNote ? { clinicalNote } : {}) };
        return queue('request-preauth', body, (commandId) =>
          this.addPending('preauths', caseId, caseId, this.familyOfCase(caseId), commandId, {
            packageCode,
            requestedAmount: estimatedAmount ?? treatmentPackage.price,
          }),
        );
      },
      'cases.respondQuery': async ({ caseId, response }) => requireMedco() ?? queue('respond-query', { caseId, response }),
      'cases.requestEnhancement': async ({ caseId, amount, reason }) => {
        const refused = requireMedco();
        if (refused) return refused;
        const enhancementId = randomUUID();
        const result = queue('request-enhancement', { enhancementId, caseId, amount, reason }, (commandId) =>
          this.addPending('enhancements', enhancementId, caseId, this.familyOfCase(caseId), commandId, { amount, reason }),
        );
        return result.ok ? ok({ enhancementId }) : result;
      },
      'cases.discharge': async ({ caseId }) =>
        requireMedco() ??
        queue('discharge', { caseId }, (commandId) =>
          this.addPending('case-status', caseId, caseId, this.familyOfCase(caseId), commandId, { status: 'discharged' }),
        ),
      'cases.submitClaim': async ({ caseId, amount }) => {
        const refused = requireMedco();
        if (refused) return refused;
        const claimId = randomUUID();
        const result = queue('submit-claim', { claimId, caseId, amount }, (commandId) =>
          this.addPending('claims', claimId, caseId, this.familyOfCase(caseId), commandId, { amount }),
        );
        return result.ok ? ok({ claimId }) : result;
      },
      'cases.cancel': async ({ caseId, reason }) =>
        requireMedco() ??
        queue('cancel-case', { caseId, reason }, (commandId) =>
          this.addPending('case-status', caseId, caseId, this.familyOfCase(caseId), commandId, { status: 'cancelled' }),
        ),
      'bookings.add': async ({ caseId, itemCode, description, quantity, unitPrice }) => {
        const refused = requireMedco();
        if (refused) return refused;
        const familyId = this.familyOfCase(caseId);
        if (!familyId) return failure('not-found', 'There is no such case on this desk.');
        const bookingId = randomUUID();
        const result = queue('add-booking', { bookingId, caseId, itemCode, description, quantity, unitPrice }, (commandId) =>
          this.addPending('bookings', bookingId, caseId, familyId, commandId, {
            caseId,
            itemCode,
            description,
            quantity,
            unitPrice,
            amount: quantity * unitPrice,
            createdAt: new Date().toISOString(),
          }),
        );
        return result.ok ? ok({ bookingId }) : result;
      },
      'bookings.void': async ({ bookingId, reason }) => {
        const refused = requireMedco();
        if (refused) return refused;
        const booking = this.reads.booking(bookingId);
        if (!booking) return failure('not-found', 'There is no such booking on this desk.');
        return queue('void-booking', { bookingId, reason }, (commandId) =>
          this.addPending('booking-void', bookingId, booking.caseId, this.familyOfCase(booking.caseId), commandId, { reason }),
        );
      },
      'devices.status': async () => ok(this.devices.list()),
      'sync.status': async () => ok(this.engine.current()),
      'sync.now': async () => {
        await this.engine.requestSync();
        return ok(this.engine.current());
      },
      'replication.pull': async ({ collection, checkpoint, limit }) => {
        const refused = signedOut();
        if (refused) return refused;
        const page = this.feed.pullPage(collection, checkpoint, limit);
        if (!page)
          return failure('invalid-input', `A read-model page holds 1 to ${Feed.maxPageSize} documents; ask for ${Feed.maxPageSize} or fewer.`, {
            maxLimit: Feed.maxPageSize,
          });
        return ok({ documents: page.docIds.map((id) => this.document(collection, id)), checkpoint: page.checkpoint });
      },
    };
  }

  /** Online-only commands (one-time codes, biometric enrolment): sent now, answered now, never queued. */
  private async online<N extends OnlineCommand, T>(
    slot: OperatorSlot,
    name: N,
    body: Record<string, unknown>,
    shape: (result: CommandResultOf<N>) => T,
  ): Promise<DeskResult<T>> {
    const what = name.startsWith('enroll') ? 'Enrolling a fingerprint or face' : 'One-time codes';
    if (!slot.session) return failure('not-signed-in', 'Sign in first.');
    if (!this.client) return failure('offline-unavailable', `${what} need${name.startsWith('enroll') ? 's' : ''} the server.`);
    try {
      return ok(shape(await this.client.online(slot.session.operatorId, name, { commandId: randomUUID(), ...body })));
    } catch (error) {
      if (error instanceof ServerCallError) {
        if (error.fault.kind === 'unreachable') {
          return failure(
            'offline-unavailable',
            name.startsWith('enroll')
              ? 'Enrolling needs the server, which cannot be reached now. Identify the patient another way (OTP when online, or a supervisor override) and enrol later.'
              : 'One-time codes need the server, which cannot be reached now. Use fingerprint, face, or a supervisor override.',
          );
        }
        return failure(error.fault.kind === 'refused' ? error.fault.code : error.fault.kind, error.fault.message);
      }
      throw error;
    }
  }

  /** Build one read-model document for the renderer's RxDB collection. */
  private document(collection: ReplicatedCollection, id: string): ReplicatedDocument {
    const gone = { id, _deleted: true };
    switch (collection) {
      case 'families': {
        const view = this.reads.family(id);
        return view ? { ...view, id, _deleted: false } : gone;
      }
      case 'cases': {
        const item = this.reads.caseListItem(id);
        return item ? { ...item, id, _deleted: false } : gone;
      }
      case 'bookings': {
        const view = this.reads.booking(id);
        return view ? { ...view, id, _deleted: false } : gone;
      }
      case 'packages': {
        const view = this.reads.packageView(id);
        return view ? { ...view, id, _deleted: false } : gone;
      }
    }
  }
}
