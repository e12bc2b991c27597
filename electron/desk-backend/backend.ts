import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { CommandName } from '@contract/commands';
import type { CommandResultOf, OnlineCommand } from '@contract/results';
import { commandValidator } from '../../sync-server/node-shared/command-validators';
import type { DeskApiHandlers, DeskError, DeskEvents, DeskResult, ReplicatedCollection, ReplicatedDocument, SessionInfo } from '../desk-api/contract';
import { PullApplier } from './applier';
import { Checkpointer } from './checkpointer';
import { isPlainReplica, openReplica, pruneAnsweredOutbox, readMeta, ReplicaKeyError, type ReplicaDatabase } from './database';
import { Feed } from './feed';
import { DeskReads } from './reads';
import { DeviceManager, loadDeviceConfig, type DeviceConfig } from './devices';
import { OwnerOnlyFileSecretStore, type SecretStore } from './secret-store';
import { BiometricVault } from './biometric-vault';
import { loadFaceMatchThreshold } from './biometric-identity';
import { ServerCallError, SyncServerClient } from './server-client';
import type { DeskIdentity } from './session';
import { SyncEngine, type SyncEngineOptions } from './sync-engine';
import { decisionNotification } from './decision-notification';
import { deskReport, encodeDeskReport, packageAppVersion } from './fleet-report';
import { combineHandlers } from './handlers';
import { failure, ok, type DeskCore, type SlotTools } from './handlers/context';
import { usableSigner, type OperatorSigner } from './operator-key';
import type { MatchBook } from './match-evidence';
import { DocumentQueue } from './document-queue';

/**
 * Who is signed in on one renderer connection. Electron has one renderer, so one slot
 * (`DeskBackend.handlers`); browser mode gives every WebSocket connection a slot of its own
 * (`handlersFor`), so a second browser or a local process starts signed out.
 */
export interface OperatorSlot {
  session: SessionInfo | null;
  /** The signed-in operator's key for this session (issue 13 item 4): signs what the desk sends for them. */
  signer?: OperatorSigner | null;
  /** What the fingerprint reader and face engine matched for this slot's operator, for the admission that follows (issue 13 item 6). */
  matches?: MatchBook;
}

export interface DeskBackendOptions {
  /** Folder for the replica and (browser mode) the credential file. */
  readonly dataDir: string;
  readonly secretStore?: SecretStore;
  /** Where the desk's biometric at-rest key lives (safeStorage in Electron; default an owner-only file). */
  readonly biometricKeyStore?: SecretStore;
  /** Where the replica's encryption key lives (safeStorage in Electron; default an owner-only file beside it). */
  readonly replicaKeyStore?: SecretStore;
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
  /** The desk app's version, reported to the server (issue 23): Electron's app.getVersion(); default package.json's. */
  readonly appVersion?: string;
  /** The folder a document scanner saves into (issue 19); default COVERDESK_SCANNER_DIR, else none. */
  readonly scannerFolder?: string;
  /** Bytes per tus PATCH of a document upload (default 5 MB). */
  readonly documentChunkBytes?: number;
}

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
 * The replica's key (issue 13 item 9): the one in the store, or a new random one for a new replica
 * or for one written before encryption (openReplica encrypts it in place). A replica that is
 * already encrypted while the store holds no key cannot be opened: said so, never replaced.
 */
function replicaKeyFrom(store: SecretStore, replicaPath: string): string {
  const stored = store.read();
  if (stored !== null) return stored;
  if (existsSync(replicaPath) && statSync(replicaPath).size > 0 && !isPlainReplica(replicaPath))
    throw new ReplicaKeyError(
      `This desk's local data (${replicaPath}) is encrypted, but the desk holds no key for it (the key store was reset). Restore the key, or move the file away to start a fresh replica (commands in it not yet sent would be lost).`,
    );
  const key = randomBytes(32).toString('hex');
  store.write(key);
  return key;
}

/**
 * The desk backend: owns the replica, the outbox and the sync engine, and answers every channel
 * of the desk API. It runs unchanged in Electron's utility process and as a plain Node process.
 */
export class DeskBackend implements DeskCore {
  readonly db: ReplicaDatabase;
  readonly feed: Feed;
  readonly reads: DeskReads;
  readonly engine: SyncEngine;
  readonly devices: DeviceManager;
  readonly biometrics: BiometricVault;
  readonly secrets: SecretStore;
  private serverClient: SyncServerClient | null = null;
  /** The slot of `handlers` (Electron's one renderer, and in-process callers such as tests). */
  private readonly defaultSlot: OperatorSlot = { session: null };
  /** Every channel of the desk API for one renderer (Electron) — browser mode uses `handlersFor`. */
  readonly handlers: DeskApiHandlers;
  private readonly eventListeners = new Set<<E extends keyof DeskEvents>(event: E, payload: DeskEvents[E]) => void>();

  private readonly checkpointer: Checkpointer;

  constructor(readonly options: DeskBackendOptions) {
    const replicaPath = join(options.dataDir, 'desk-replica.sqlite');
    const replicaKey = replicaKeyFrom(options.replicaKeyStore ?? new OwnerOnlyFileSecretStore(join(options.dataDir, 'desk-replica-key')), replicaPath);
    this.db = openReplica(replicaPath, { key: replicaKey });
    this.replicaPath = replicaPath;
    this.appVersion = options.appVersion ?? packageAppVersion();
    // Answered outbox rows older than a day go at every start too, not only after a push.
    pruneAnsweredOutbox(this.db);
    this.checkpointer = new Checkpointer(this.db, (message) => console.warn(`[desk] ${message}`));
    this.checkpointer.start(replicaPath, replicaKey);
    this.secrets = options.secretStore ?? new OwnerOnlyFileSecretStore(join(options.dataDir, 'desk-credential'));
    this.feed = new Feed(this.db);
    this.reads = new DeskReads(this.db);
    const serverUrl = readMeta(this.db, 'server_url');
    if (serverUrl && this.secrets.read()) this.connect(serverUrl);
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
    this.documents = new DocumentQueue(this.db, options.dataDir, options.documentChunkBytes);
    this.engine = new SyncEngine(this.db, this.feed, applier, () => this.serverClient, options.sync, this.documents);
    // Templates are pulled with the proof of an operator signed in here (issue 13 item 4).
    this.engine.pullProof = () => [...this.signers].find((signer) => !signer.isExpired(new Date()))?.pullHeader();
    this.engine.onStatus((status) => this.emit('sync.status', status));
    const devices = options.devices ? { config: options.devices, error: null } : loadDeviceConfig(join(options.dataDir, 'devices.json'));
    this.devices = new DeviceManager(devices.config, (event, payload) => this.emit(event, payload), devices.error);
    this.faceMatchThreshold = options.faceMatchThreshold ?? loadFaceMatchThreshold();
    this.feed.onChange((collections) => this.emit('replication.changed', { collections }));
    this.handlers = this.handlersFor(this.defaultSlot);
  }

  readonly faceMatchThreshold: number;
  readonly documents: DocumentQueue;
  /** The version this desk reports with every sync request (fleet-report.ts). */
  readonly appVersion: string;
  private readonly replicaPath: string;
  /** The keys of every operator signed in on any connection now (session handlers keep it). */
  readonly signers = new Set<OperatorSigner>();
  /** Set when stop begins: a sync nudge a command scheduled just before must not start a cycle on a closing replica. */
  private isStopping = false;

  client(): SyncServerClient | null {
    return this.serverClient;
  }

  connect(serverUrl: string): void {
    this.serverClient = new SyncServerClient(
      serverUrl,
      () => this.secrets.read(),
      undefined,
      () => (this.isStopping ? null : encodeDeskReport(deskReport(this.db, this.replicaPath, this.appVersion))),
    );
  }

  start(): void {
    this.engine.start();
    this.devices.start();
  }

  async stop(): Promise<void> {
    this.isStopping = true;
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

  identity(): DeskIdentity | null {
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
    const createdAt = new Date();
    const usable = usableSigner(slot.signer, createdAt);
    if (!usable.ok) return usable;
    // Signed now, over what is stored and will be pushed: it verifies however late it is pushed.
    const proof = usable.signer.signMutation(commandId, name, body, createdAt.toISOString());
    try {
      this.db.transaction(() => {
        this.db
          .prepare("INSERT INTO outbox (command_id, name, operator_id, body, created_at, state, proof) VALUES (?, ?, ?, ?, ?, 'pending', ?)")
          .run(commandId, name, session.operatorId, JSON.stringify(body), createdAt.toISOString(), JSON.stringify(proof));
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

  nudgeUploads(): void {
    this.nudgeSync();
  }

  /**
   * After the command has answered: tell the renderer the pending count and start a push. Commands
   * that arrive together share one nudge, and none of them waits for the outbox to be read.
   */
  private nudgeSync(): void {
    if (this.isNudgeScheduled) return;
    this.isNudgeScheduled = true;
    setImmediate(() => {
      this.isNudgeScheduled = false;
      if (!this.db.open || this.isStopping) return;
      this.emit('sync.status', this.engine.current());
      void this.engine.requestSync();
    });
  }

  addPending(kind: string, id: string, caseId: string | null, familyId: string | null, commandId: string, doc: Record<string, unknown>): void {
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
  familyOfCase(caseId: string): string | null {
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
   * The channels themselves live in handler modules by concept (handlers/).
   */
  handlersFor(slot: OperatorSlot): DeskApiHandlers {
    const tools: SlotTools = {
      slot,
      signedOut: () => (slot.session ? null : failure('not-signed-in', 'Sign in first.')),
      requireMedco: () => this.requireMedco(slot),
      queue: (name, body, optimistic) => this.queue(slot, name, body, optimistic),
      online: (name, body, shape) => this.online(slot, name, body, shape),
    };
    return combineHandlers(this, tools);
  }

  /** Online-only commands (one-time codes, biometric enrolment): sent now, answered now, never queued. */
  private async online<N extends OnlineCommand, T>(
    slot: OperatorSlot,
    name: N,
    body: Record<string, unknown>,
    shape: (result: CommandResultOf<N>) => T,
  ): Promise<DeskResult<T>> {
    const isECard = name.endsWith('e-card');
    const what = isECard ? 'Issuing an e-card' : name.startsWith('enroll') ? 'Enrolling a fingerprint or face' : 'One-time codes';
    if (!slot.session) return failure('not-signed-in', 'Sign in first.');
    const client = this.serverClient;
    if (!client)
      return failure(
        'offline-unavailable',
        name.endsWith('identifier') ? 'Linking a card needs the server.' : `${what} need${name.startsWith('enroll') || isECard ? 's' : ''} the server.`,
      );
    const usable = usableSigner(slot.signer, new Date());
    if (!usable.ok) return usable;
    try {
      const signed = { commandId: randomUUID(), ...body };
      const proof = usable.signer.signMutation(signed.commandId, name, signed, new Date().toISOString());
      return ok(shape(await client.online(slot.session.operatorId, name, signed, proof)));
    } catch (error) {
      if (error instanceof ServerCallError) {
        if (error.fault.kind === 'unreachable') {
          if (name.endsWith('identifier'))
            return failure(
              'offline-unavailable',
              'Linking or unlinking a card needs the server (one card belongs to one member, checked there), which cannot be reached now. Try again once online.',
            );
          if (isECard)
            return failure(
              'offline-unavailable',
              'Issuing an e-card needs the server (the scheme signs it there), which cannot be reached now. Try again once online.',
            );
          return failure(
            'offline-unavailable',
            name.startsWith('enroll')
              ? 'Enrolling needs the server, which cannot be reached now. Identify the patient another way (OTP when online, or a supervisor override) and enrol later.'
              : 'One-time codes need the server, which cannot be reached now. Use fingerprint, face, or a supervisor override.',
          );
        }
        // A refusal's details go to the renderer too (e-card-active names the card to reissue).
        if (error.fault.kind === 'refused') return failure(error.fault.code, error.fault.message, error.fault.details ? { ...error.fault.details } : undefined);
        return failure(error.fault.kind, error.fault.message);
      }
      throw error;
    }
  }

  /** Build one read-model document for the renderer's RxDB collection. */
  document(collection: ReplicatedCollection, id: string): ReplicatedDocument {
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
