import { SerialPort } from 'serialport';
import {
  DEFAULT_MODULE_ADDRESS,
  DEFAULT_MODULE_PASSWORD,
  ECHO_READY_CODE,
  INDEX_TABLE_PAGE_SLOTS,
  PacketDecoder,
  assertNever,
  auraLedColourCodes,
  auraLedControlCodes,
  confirmationCodeOf,
  describeConfirmation,
  encodeCommandPacket,
  encodePacket,
  formatAddress,
  parseIndexTable,
  parseMatchScore,
  parseRandomCode,
  parseSearchResult,
  parseSystemParameters,
  parseTemplateCount,
  splitIntoDataPackets,
  systemParameterNumbers,
  type AuraLedColour,
  type AuraLedControl,
  type Confirmation,
  type ConfirmationOutcome,
  type FeatureBufferId,
  type FingerprintCommand,
  type FrameError,
  type InstructionName,
  type Packet,
  type PacketKind,
  type PacketSizeBytes,
  type PacketSizeCode,
  type ParseResult,
  type SystemParameters,
} from './protocol';

/**
 * The byte pipe to a module. Injected so the driver runs over serialport in the desk, over a
 * socat pseudo-terminal in tests, and over anything else (a USB bridge, a recorded trace) without
 * change.
 */
export interface FingerprintTransport {
  /** Resolves once the bytes have left the host (written and drained). */
  write(bytes: Uint8Array): Promise<void>;
  /** Returns a function that removes the listener. */
  onData(listener: (chunk: Uint8Array) => void): () => void;
  /** Fires when the device goes away (unplugged) or the port is closed. */
  onClose(listener: () => void): () => void;
  close(): Promise<void>;
}

/** Failures that are not the module's own answer: the link, the host or the operator. */
export type LinkFaultCode =
  | 'timeout'
  | 'bad-checksum'
  | 'truncated-frame'
  | 'malformed-frame'
  | 'wrong-address'
  | 'unexpected-packet'
  | 'malformed-reply'
  | 'transport-closed'
  | 'transport-failed';

export type FingerprintErrorCode =
  Exclude<ConfirmationOutcome, 'ok'> | LinkFaultCode | 'no-finger-timeout' | 'finger-not-lifted' | 'aborted' | 'invalid-argument';

/**
 * Every failure of this driver. `code` is for the desk backend to branch on; `message` is a
 * sentence a desk operator can act on. `confirmationCode` is set when the module itself answered
 * (so the raw value reaches the service log even for codes this driver has no name for).
 */
export class FingerprintError extends Error {
  override readonly name = 'FingerprintError';

  constructor(
    readonly code: FingerprintErrorCode,
    message: string,
    readonly details: { readonly instruction?: InstructionName; readonly confirmationCode?: number } = {},
  ) {
    super(message);
  }
}

export interface FingerprintModuleOptions {
  /** The module's 32-bit address (every module ships with 0xFFFFFFFF). */
  readonly address?: number;
  /** The module's handshake password (every module ships with 0). */
  readonly password?: number;
  /** Overrides every instruction's reply deadline; per-instruction values below win over it. */
  readonly commandTimeoutMs?: number;
  readonly commandTimeoutsMs?: Partial<Record<InstructionName, number>>;
  /** Deadline for each data packet of a template upload once the module has acknowledged UpChar. */
  readonly dataPacketTimeoutMs?: number;
  /** Pause between GenImg polls while waiting for a finger to arrive or leave. */
  readonly fingerPollIntervalMs?: number;
  /**
   * After a fault the line may still carry the tail of a reply (the rest of a template upload, a
   * reply that arrived just after its deadline). The next command waits until the line has been
   * quiet this long, then drops everything buffered, so a stale reply is never read as the answer
   * to a new command — acknowledgements do not say which command they answer.
   */
  readonly quietPeriodMs?: number;
  /** Payload size for template downloads when the desk already knows it; otherwise read from the module once. */
  readonly packetSizeBytes?: PacketSizeBytes;
}

export interface CaptureOptions {
  /** How long to wait for a finger to be placed. */
  readonly fingerTimeoutMs?: number;
  /** Cancels between commands (including the pauses between finger polls), never mid-command. */
  readonly signal?: AbortSignal;
}

export type EnrollStep = 'place-finger' | 'lift-finger' | 'place-finger-again' | 'combining' | 'uploading';

export interface EnrollOptions extends CaptureOptions {
  /** Lets the desk prompt the patient at each step. */
  readonly onStep?: (step: EnrollStep) => void;
}

export interface MatchResult {
  readonly isMatch: boolean;
  /** The module's similarity score; it decides `isMatch` itself against its security level. */
  readonly score: number;
}

export interface SearchResult {
  readonly isFound: boolean;
  readonly pageId: number;
  readonly score: number;
}

export interface AuraLedSetting {
  readonly control: AuraLedControl;
  readonly colour: AuraLedColour;
  /** 0–255; the module's cycle time for breathing, flashing and gradual modes. */
  readonly speed?: number;
  /** 0 = forever, 1–255 cycles of breathing or flashing. */
  readonly cycles?: number;
}

/** Reply deadlines that fit real R307/AS608 timings with margin (flash writes and 1:N search are the slow ones). */
const defaultCommandTimeoutsMs: Record<InstructionName, number> = {
  'verify-password': 1_000,
  'read-system-parameters': 1_000,
  'generate-image': 2_000,
  'image-to-features': 2_000,
  match: 1_000,
  search: 3_000,
  'register-model': 2_000,
  store: 2_000,
  'upload-features': 1_000,
  'download-features': 1_000,
  'empty-library': 5_000,
  'template-count': 1_000,
  'set-system-parameter': 1_000,
  'high-speed-search': 3_000,
  'load-template': 1_000,
  'upload-image': 2_000,
  'download-image': 1_000,
  'delete-templates': 2_000,
  'get-random-code': 1_000,
  'port-control': 1_000,
  'read-index-table': 1_000,
  'aura-led': 1_000,
  'check-sensor': 1_000,
  handshake: 1_000,
  'backlight-on': 1_000,
  'backlight-off': 1_000,
  echo: 1_000,
};

const instructionLabels: Record<InstructionName, string> = {
  'verify-password': 'password check',
  'read-system-parameters': 'settings request',
  'generate-image': 'fingerprint capture',
  'image-to-features': 'fingerprint reading',
  match: 'fingerprint comparison',
  search: 'library search',
  'register-model': 'enrolment',
  store: 'library store',
  'upload-features': 'template upload',
  'download-features': 'template download',
  'empty-library': 'library clearing',
  'template-count': 'library count',
  'set-system-parameter': 'settings change',
  'high-speed-search': 'library search',
  'load-template': 'library read',
  'upload-image': 'image upload',
  'download-image': 'image download',
  'delete-templates': 'library delete',
  'get-random-code': 'random number request',
  'port-control': 'port switch',
  'read-index-table': 'library index request',
  'aura-led': 'light ring change',
  'check-sensor': 'sensor check',
  handshake: 'handshake',
  'backlight-on': 'light change',
  'backlight-off': 'light change',
  echo: 'handshake',
};

const DEFAULT_FINGER_TIMEOUT_MS = 10_000;
/** No template of this module family is near this size; a longer upload is a runaway stream. */
const MAXIMUM_TEMPLATE_BYTES = 4_096;
/** 256 × 288 pixels at one byte each: twice what a 4-bit UpImage of the largest sensor here sends. */
const MAXIMUM_IMAGE_BYTES = 256 * 288;

interface Acknowledgement {
  readonly instruction: InstructionName;
  readonly confirmation: Confirmation;
  readonly parameters: Uint8Array;
}

/** The two transfers from host to module; the module says nothing after their data unless it refuses it. */
type DownloadInstruction = 'download-features' | 'download-image';

type Arrival = { readonly type: 'packet'; readonly packet: Packet } | { readonly type: 'error'; readonly error: FrameError };

export class FingerprintModule {
  private readonly address: number;
  private readonly password: number;
  private readonly commandTimeoutMs: number | undefined;
  private readonly commandTimeoutsMs: Partial<Record<InstructionName, number>>;
  private readonly dataPacketTimeoutMs: number;
  private readonly fingerPollIntervalMs: number;
  private readonly quietPeriodMs: number;
  private readonly decoder = new PacketDecoder();
  private readonly arrivals: Arrival[] = [];
  private readonly unsubscribers: Array<() => void>;
  private wakeReceiver: (() => void) | undefined;
  private lastByteAt = 0;
  private lastFaultAt = 0;
  private isLineDirty = false;
  private isClosed = false;
  private queueTail: Promise<unknown> = Promise.resolve();
  private packetSizeBytes: PacketSizeBytes | undefined;
  /**
   * Set after a template download's data packets went out. The module acknowledges DownChar
   * before the data and says nothing after it, unless it refuses a packet (0x0E): that refusal
   * arrives unannounced, so the next command first waits for the line to go quiet and looks for
   * it instead of discarding it as stale, and if it only arrives after that command was sent it
   * is still recognised as the download's verdict, not as that command's answer.
   */
  private pendingDownload: DownloadInstruction | undefined;

  constructor(
    private readonly transport: FingerprintTransport,
    options: FingerprintModuleOptions = {},
  ) {
    this.address = options.address ?? DEFAULT_MODULE_ADDRESS;
    this.password = options.password ?? DEFAULT_MODULE_PASSWORD;
    this.commandTimeoutMs = options.commandTimeoutMs;
    this.commandTimeoutsMs = { ...options.commandTimeoutsMs };
    this.dataPacketTimeoutMs = options.dataPacketTimeoutMs ?? 1_000;
    this.fingerPollIntervalMs = options.fingerPollIntervalMs ?? 100;
    this.quietPeriodMs = options.quietPeriodMs ?? 100;
    this.packetSizeBytes = options.packetSizeBytes;
    this.unsubscribers = [
      transport.onData((chunk) => this.handleData(chunk)),
      transport.onClose(() => {
        this.isClosed = true;
        this.wakeReceiver?.();
      }),
    ];
  }

  // -------------------------------------------------------------------------------------------
  // Operations. Each takes the command lock for its whole duration: the module has one image
  // buffer and two feature buffers, so interleaving two operations would corrupt both.

  /** Verifies the password; the first thing to do after opening, and a cheap "is it there?" probe. */
  handshake(): Promise<void> {
    return this.exclusive(async () => {
      this.expectOk(await this.transact({ instruction: 'verify-password', password: this.password }));
    });
  }

  readSystemParameters(): Promise<SystemParameters> {
    return this.exclusive(() => this.readSystemParametersUnlocked());
  }

  /** Polls GenImg until a finger is on the glass (its image is then in the module's image buffer). */
  waitForFinger(options: CaptureOptions = {}): Promise<void> {
    return this.exclusive(() => this.pollUntilFingerPresent(options));
  }

  /** Waits for a finger and turns its image into features in the given buffer. */
  captureFeatures(bufferId: FeatureBufferId, options: CaptureOptions = {}): Promise<void> {
    return this.exclusive(() => this.captureFeaturesUnlocked(bufferId, options));
  }

  /**
   * Two captures of the same finger, lifted in between (the module needs two distinct
   * impressions to build a model), combined on the module and uploaded to the desk. The template
   * is returned to the host, not stored on the module: the desk keeps templates per member and
   * verifies 1:1 against them.
   */
  enroll(options: EnrollOptions = {}): Promise<{ readonly template: Uint8Array }> {
    return this.exclusive(async () => {
      options.onStep?.('place-finger');
      await this.captureFeaturesUnlocked(1, options);
      options.onStep?.('lift-finger');
      await this.pollUntilFingerLifted(options);
      options.onStep?.('place-finger-again');
      await this.captureFeaturesUnlocked(2, options);
      options.onStep?.('combining');
      this.expectOk(await this.transact({ instruction: 'register-model' }, options.signal));
      options.onStep?.('uploading');
      // RegModel leaves the combined model in both buffers; upload it from buffer 1.
      this.expectOk(await this.transact({ instruction: 'upload-features', bufferId: 1 }, options.signal));
      const template = await this.receiveTransfer('upload-features', MAXIMUM_TEMPLATE_BYTES);
      return { template };
    });
  }

  /**
   * Downloads the enrolled template into buffer 2, captures the live finger into buffer 1 and lets
   * the module compare them. A mismatch is an answer (`isMatch: false`), not an error.
   */
  verify1to1(template: Uint8Array, options: CaptureOptions = {}): Promise<MatchResult> {
    if (template.length === 0 || template.length > MAXIMUM_TEMPLATE_BYTES) {
      return Promise.reject(
        new FingerprintError('invalid-argument', `The stored fingerprint template has an impossible size (${template.length} bytes). Enrol the finger again.`),
      );
    }
    return this.exclusive(async () => {
      const packetSizeBytes = this.packetSizeBytes ?? (await this.readSystemParametersUnlocked()).packetSizeBytes;
      this.expectOk(await this.transact({ instruction: 'download-features', bufferId: 2 }, options.signal));
      // The module does not acknowledge data packets; it simply expects them next, each no larger
      // than its configured packet size.
      for (const packet of splitIntoDataPackets(this.address, template, packetSizeBytes)) {
        await this.send(encodePacket(packet), 'download-features');
      }
      this.pendingDownload = 'download-features';
      this.markLineDirty();
      await this.captureFeaturesUnlocked(1, options);
      const acknowledgement = await this.transact({ instruction: 'match' }, options.signal);
      const outcome = acknowledgement.confirmation.outcome;
      if (outcome !== 'ok' && outcome !== 'no-match') this.expectOk(acknowledgement);
      const score = this.parseParameters(acknowledgement, parseMatchScore);
      return { isMatch: outcome === 'ok', score };
    });
  }

  /** Stores the features of a buffer in the module's own library (for 1:N search on the module). */
  storeTemplate(bufferId: FeatureBufferId, pageId: number): Promise<void> {
    return this.exclusive(async () => {
      this.expectOk(await this.transact({ instruction: 'store', bufferId, pageId }));
    });
  }

  searchLibrary(bufferId: FeatureBufferId, startPage: number, pageCount: number): Promise<SearchResult> {
    return this.exclusive(() => this.searchUnlocked('search', bufferId, startPage, pageCount));
  }

  /** HighSpeedSearch (0x1B): same answer as `searchLibrary`, stops at the first good match. */
  highSpeedSearchLibrary(bufferId: FeatureBufferId, startPage: number, pageCount: number): Promise<SearchResult> {
    return this.exclusive(() => this.searchUnlocked('high-speed-search', bufferId, startPage, pageCount));
  }

  /** ReadIndexTable (0x1F): the used library slots among the 256 of one index page. */
  readIndexTable(indexPage: number): Promise<number[]> {
    const invalid = rangeError('index page', indexPage, 0, 255);
    if (invalid) return Promise.reject(invalid);
    return this.exclusive(() => this.readIndexTableUnlocked(indexPage));
  }

  /**
   * The lowest free library slot, or undefined when the library is full: the usual enrolment
   * flow (read the index table page by page, store in the first gap).
   */
  findFreePage(): Promise<number | undefined> {
    return this.exclusive(async () => {
      const { librarySize } = await this.readSystemParametersUnlocked();
      for (let indexPage = 0; indexPage * INDEX_TABLE_PAGE_SLOTS < librarySize; indexPage += 1) {
        const used = new Set(await this.readIndexTableUnlocked(indexPage));
        const last = Math.min((indexPage + 1) * INDEX_TABLE_PAGE_SLOTS, librarySize);
        for (let pageId = indexPage * INDEX_TABLE_PAGE_SLOTS; pageId < last; pageId += 1) {
          if (!used.has(pageId)) return pageId;
        }
      }
      return undefined;
    });
  }

  /** LoadChar (0x07): copies a stored template into a feature buffer. */
  loadTemplate(bufferId: FeatureBufferId, pageId: number): Promise<void> {
    const invalid = rangeError('library slot', pageId, 0, 0xffff);
    if (invalid) return Promise.reject(invalid);
    return this.exclusive(async () => {
      this.expectOk(await this.transact({ instruction: 'load-template', bufferId, pageId }));
    });
  }

  /** DeletChar (0x0C): deletes `count` templates from `startPage` on. */
  deleteTemplates(startPage: number, count: number): Promise<void> {
    const invalid = rangeError('library slot', startPage, 0, 0xffff) ?? rangeError('template count', count, 1, 0xffff);
    if (invalid) return Promise.reject(invalid);
    return this.exclusive(async () => {
      this.expectOk(await this.transact({ instruction: 'delete-templates', startPage, count }));
    });
  }

  /** SetSysPara 5: matching strictness, 1 (most permissive) to 5. */
  setSecurityLevel(level: number): Promise<void> {
    const invalid = rangeError('security level', level, 1, 5);
    if (invalid) return Promise.reject(invalid);
    return this.exclusive(async () => {
      this.expectOk(await this.transact({ instruction: 'set-system-parameter', parameterNumber: systemParameterNumbers['security-level'], value: level }));
    });
  }

  /**
   * SetSysPara 6: the data packet size for template and image transfers. The driver's own
   * packet size follows, so the next download never sends packets the module would refuse.
   * (No baud rate setter: the module switches rate right after answering, which needs the port
   * reopened at the new rate; the desk has no reason to change it.)
   */
  setPacketSize(bytes: PacketSizeBytes): Promise<void> {
    return this.exclusive(async () => {
      const value = packetSizeCodeOf(bytes);
      this.expectOk(await this.transact({ instruction: 'set-system-parameter', parameterNumber: systemParameterNumbers['packet-size'], value }));
      this.packetSizeBytes = bytes;
    });
  }

  /** GetRandomCode (0x14): a 32-bit random number from the module's generator. */
  getRandomCode(): Promise<number> {
    return this.exclusive(async () => {
      const acknowledgement = await this.transact({ instruction: 'get-random-code' });
      this.expectOk(acknowledgement);
      return this.parseParameters(acknowledgement, parseRandomCode);
    });
  }

  /**
   * UpImage (0x0A): the image buffer (after a GenImg), two 4-bit pixels per byte. Biometric
   * data like templates: never logged, and the caller must not keep it unencrypted.
   */
  uploadImage(): Promise<Uint8Array> {
    return this.exclusive(async () => {
      this.expectOk(await this.transact({ instruction: 'upload-image' }));
      return this.receiveTransfer('upload-image', MAXIMUM_IMAGE_BYTES);
    });
  }

  /**
   * DownImage (0x0B): puts an image, in the layout `uploadImage` returns, into the module's image
   * buffer (Img2Tz can then read it), in data packets no larger than the module's packet size.
   * The module acknowledges the command, not the data; a refusal of the data (0x0E) is waited for
   * (the line quiet for `quietPeriodMs`) and fails this call with `data-receive-refused`.
   */
  downloadImage(image: Uint8Array): Promise<void> {
    if (image.length === 0 || image.length > MAXIMUM_IMAGE_BYTES) {
      return Promise.reject(new FingerprintError('invalid-argument', `A fingerprint image is 1 to ${MAXIMUM_IMAGE_BYTES} bytes, got ${image.length}.`));
    }
    return this.exclusive(async () => {
      const packetSizeBytes = this.packetSizeBytes ?? (await this.readSystemParametersUnlocked()).packetSizeBytes;
      this.expectOk(await this.transact({ instruction: 'download-image' }));
      for (const packet of splitIntoDataPackets(this.address, image, packetSizeBytes)) {
        await this.send(encodePacket(packet), 'download-image');
      }
      this.pendingDownload = 'download-image';
      this.markLineDirty();
      await this.prepareLine();
    });
  }

  /**
   * PortControl (0x17): switches the module's other port (the USB port of a UART module) off or
   * on. Also a harmless "are you there?" that every R30x / ZFM / R503 table lists (pyfingerprint's
   * `handShake()` sends it with 0); fails with `port-operation-failed` (0x1D) when the module
   * cannot.
   */
  controlPort(isOn: boolean): Promise<void> {
    return this.exclusive(async () => {
      this.expectOk(await this.transact({ instruction: 'port-control', controlCode: isOn ? 1 : 0 }));
    });
  }

  /** CheckSensor (0x36, R503 class): fails with `sensor-abnormal` when the sensor is faulty. */
  checkSensor(): Promise<void> {
    return this.exclusive(async () => {
      this.expectOk(await this.transact({ instruction: 'check-sensor' }));
    });
  }

  /** HandShake (0x40, R503 class): 0x00 when the module can take instructions. */
  sendHandshake(): Promise<void> {
    return this.exclusive(async () => {
      this.expectOk(await this.transact({ instruction: 'handshake' }));
    });
  }

  /** GetEcho (0x53, ZFM-70): the module answers 0x55 when it can take instructions. */
  sendEcho(): Promise<void> {
    return this.exclusive(async () => {
      const acknowledgement = await this.transact({ instruction: 'echo' });
      const { confirmation } = acknowledgement;
      if (confirmation.code === ECHO_READY_CODE) return;
      this.expectOk(acknowledgement);
      // 0x00 is not "ready" for this instruction ("other or none, the module work wrong").
      throw new FingerprintError('unrecognised-code', `${describeConfirmation(-1).sentence} (code 0x00)`, {
        instruction: 'echo',
        confirmationCode: confirmation.code,
      });
    });
  }

  /** AuraLedConfig (0x35, R503 class): the ring light round the sensor. */
  setAuraLed(setting: AuraLedSetting): Promise<void> {
    const speed = setting.speed ?? 0x80;
    const cycles = setting.cycles ?? 0;
    const invalid = rangeError('light speed', speed, 0, 255) ?? rangeError('light cycles', cycles, 0, 255);
    if (invalid) return Promise.reject(invalid);
    return this.exclusive(async () => {
      this.expectOk(
        await this.transact({
          instruction: 'aura-led',
          control: auraLedControlCodes[setting.control],
          speed,
          colourIndex: auraLedColourCodes[setting.colour],
          cycles,
        }),
      );
    });
  }

  /** OpenLED / CloseLED (0x50 / 0x51, ZFM-70): the sensor's backlight. */
  setBacklight(isOn: boolean): Promise<void> {
    return this.exclusive(async () => {
      this.expectOk(await this.transact({ instruction: isOn ? 'backlight-on' : 'backlight-off' }));
    });
  }

  countTemplates(): Promise<number> {
    return this.exclusive(async () => {
      const acknowledgement = await this.transact({ instruction: 'template-count' });
      this.expectOk(acknowledgement);
      return this.parseParameters(acknowledgement, parseTemplateCount);
    });
  }

  emptyLibrary(): Promise<void> {
    return this.exclusive(async () => {
      this.expectOk(await this.transact({ instruction: 'empty-library' }));
    });
  }

  /** Closes the transport; an operation in flight fails with `transport-closed`. */
  async close(): Promise<void> {
    if (this.isClosed && this.unsubscribers.length === 0) return;
    this.isClosed = true;
    this.wakeReceiver?.();
    for (const unsubscribe of this.unsubscribers.splice(0)) unsubscribe();
    await this.transport.close();
  }

  // -------------------------------------------------------------------------------------------
  // Steps (called with the lock held)

  private async readSystemParametersUnlocked(): Promise<SystemParameters> {
    const acknowledgement = await this.transact({ instruction: 'read-system-parameters' });
    this.expectOk(acknowledgement);
    const parameters = this.parseParameters(acknowledgement, parseSystemParameters);
    this.packetSizeBytes = parameters.packetSizeBytes;
    return parameters;
  }

  private async searchUnlocked(
    instruction: 'search' | 'high-speed-search',
    bufferId: FeatureBufferId,
    startPage: number,
    pageCount: number,
  ): Promise<SearchResult> {
    const acknowledgement = await this.transact({ instruction, bufferId, startPage, pageCount });
    const outcome = acknowledgement.confirmation.outcome;
    if (outcome !== 'ok' && outcome !== 'not-found') this.expectOk(acknowledgement);
    const { pageId, score } = this.parseParameters(acknowledgement, parseSearchResult);
    return { isFound: outcome === 'ok', pageId, score };
  }

  private async readIndexTableUnlocked(indexPage: number): Promise<number[]> {
    const acknowledgement = await this.transact({ instruction: 'read-index-table', indexPage });
    this.expectOk(acknowledgement);
    return this.parseParameters(acknowledgement, (parameters) => parseIndexTable(indexPage, parameters));
  }

  private async captureFeaturesUnlocked(bufferId: FeatureBufferId, options: CaptureOptions): Promise<void> {
    await this.pollUntilFingerPresent(options);
    this.expectOk(await this.transact({ instruction: 'image-to-features', bufferId }, options.signal));
  }

  private async pollUntilFingerPresent(options: CaptureOptions): Promise<void> {
    const timeoutMs = options.fingerTimeoutMs ?? DEFAULT_FINGER_TIMEOUT_MS;
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const acknowledgement = await this.transact({ instruction: 'generate-image' }, options.signal);
      const outcome = acknowledgement.confirmation.outcome;
      if (outcome === 'ok') return;
      // "No finger" is the normal answer while waiting; a failed capture is usually a finger
      // still settling on the glass, so both are polled through until the deadline.
      if (outcome !== 'no-finger' && outcome !== 'finger-capture-failed') this.expectOk(acknowledgement);
      if (Date.now() >= deadline) {
        if (outcome === 'finger-capture-failed') this.expectOk(acknowledgement);
        throw new FingerprintError(
          'no-finger-timeout',
          `No finger was placed on the reader within ${formatDuration(timeoutMs)}. Ask the patient to place a finger flat on the glass, then try again.`,
          { instruction: 'generate-image' },
        );
      }
      await sleep(this.fingerPollIntervalMs, options.signal);
    }
  }

  private async pollUntilFingerLifted(options: CaptureOptions): Promise<void> {
    const timeoutMs = options.fingerTimeoutMs ?? DEFAULT_FINGER_TIMEOUT_MS;
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const acknowledgement = await this.transact({ instruction: 'generate-image' }, options.signal);
      const outcome = acknowledgement.confirmation.outcome;
      if (outcome === 'no-finger') return;
      if (outcome !== 'ok' && outcome !== 'finger-capture-failed') this.expectOk(acknowledgement);
      if (Date.now() >= deadline) {
        throw new FingerprintError(
          'finger-not-lifted',
          `The finger stayed on the reader for ${formatDuration(timeoutMs)}. Ask the patient to lift the finger, then place it again.`,
          { instruction: 'generate-image' },
        );
      }
      await sleep(this.fingerPollIntervalMs, options.signal);
    }
  }

  // -------------------------------------------------------------------------------------------
  // The wire

  private exclusive<T>(operation: () => Promise<T>): Promise<T> {
    // One command in flight: the protocol has no request ids, so the only way to pair a reply
    // with its command is to never have two outstanding.
    const result = this.queueTail.then(operation, operation);
    this.queueTail = result.catch(() => undefined);
    return result;
  }

  /**
   * Sends one command and returns its acknowledgement (whatever its confirmation code).
   *
   * An abort is honoured before the command is sent, never while its reply is awaited: an
   * abandoned command still gets answered, and since acknowledgements carry no command id that
   * late answer could be taken for the next command's. The cost is at most one command's
   * duration of extra latency on cancel.
   */
  private async transact(command: FingerprintCommand, signal?: AbortSignal): Promise<Acknowledgement> {
    const instruction = command.instruction;
    throwIfAborted(signal);
    const downloadAwaitingVerdict = this.pendingDownload;
    await this.prepareLine();
    await this.send(encodeCommandPacket(this.address, command), instruction);
    const timeoutMs = this.commandTimeoutsMs[instruction] ?? this.commandTimeoutMs ?? defaultCommandTimeoutsMs[instruction];
    const packet = await this.receivePacket(instruction, timeoutMs, ['acknowledgement']);
    const code = packet.payload[0];
    if (code === undefined) {
      throw this.lineFault('malformed-reply', `The fingerprint reader's answer to the ${instructionLabels[instruction]} was empty. Try again.`, instruction);
    }
    const confirmation = describeConfirmation(code);
    if (downloadAwaitingVerdict !== undefined && confirmation.outcome === 'data-receive-refused') {
      // The download's refusal arrived after this command went out; this command's own answer
      // is still on its way and must be drained before the next one.
      this.markLineDirty();
      throw this.downloadRefused(downloadAwaitingVerdict);
    }
    return { instruction, confirmation, parameters: packet.payload.subarray(1) };
  }

  /** Collects data packets until the end-of-data packet (UpChar, UpImage); not abortable, for the same reason as `transact`. */
  private async receiveTransfer(instruction: InstructionName, maximumBytes: number): Promise<Uint8Array> {
    const parts: Uint8Array[] = [];
    let byteCount = 0;
    for (;;) {
      const packet = await this.receivePacket(instruction, this.dataPacketTimeoutMs, ['data', 'end-of-data']);
      parts.push(packet.payload);
      byteCount += packet.payload.length;
      if (byteCount > maximumBytes) {
        throw this.lineFault(
          'malformed-reply',
          `The fingerprint reader sent more than ${maximumBytes} bytes for the ${instructionLabels[instruction]}. Try again; if it repeats, reconnect the reader.`,
          instruction,
        );
      }
      if (packet.kind === 'end-of-data') break;
    }
    const template = new Uint8Array(byteCount);
    let offset = 0;
    for (const part of parts) {
      template.set(part, offset);
      offset += part.length;
    }
    return template;
  }

  /** Starts every command from a clean slate, after waiting out the tail of a previous fault. */
  private async prepareLine(): Promise<void> {
    if (this.isClosed) throw closedError();
    if (this.isLineDirty) {
      // Quiet is counted from the fault as well as from the last byte: a reply that missed its
      // deadline by a little has not started arriving yet, and must land in this window rather
      // than after the next command is sent. A line that never goes quiet is a broken reader:
      // stop waiting after a while and let the next command's own fault say so.
      const giveUpAt = Date.now() + 20 * this.quietPeriodMs;
      for (;;) {
        const quietForMs = Date.now() - Math.max(this.lastByteAt, this.lastFaultAt);
        if (quietForMs >= this.quietPeriodMs || Date.now() >= giveUpAt) break;
        await sleep(this.quietPeriodMs - quietForMs);
      }
      this.isLineDirty = false;
    }
    const download = this.pendingDownload;
    if (download !== undefined) {
      this.pendingDownload = undefined;
      // The only thing a module sends after a download's data is a refusal of it (0x0E).
      for (const event of this.decoder.flush()) if (event.type === 'packet') this.arrivals.push(event);
      const refusal = this.arrivals.find(
        (arrival) =>
          arrival.type === 'packet' &&
          arrival.packet.kind === 'acknowledgement' &&
          arrival.packet.address === this.address &&
          arrival.packet.payload[0] === confirmationCodeOf('data-receive-refused'),
      );
      this.arrivals.length = 0;
      if (refusal !== undefined) throw this.downloadRefused(download);
    }
    // Nothing that arrived before the command was sent can be its reply.
    this.decoder.reset();
    this.arrivals.length = 0;
  }

  private async send(bytes: Uint8Array, instruction: InstructionName): Promise<void> {
    if (this.isClosed) throw closedError();
    try {
      await this.transport.write(bytes);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      throw this.lineFault(
        'transport-failed',
        `The desk could not send to the fingerprint reader (${reason}). Reconnect the reader and try again.`,
        instruction,
      );
    }
  }

  private async receivePacket(instruction: InstructionName, timeoutMs: number, expectedKinds: readonly PacketKind[]): Promise<Packet> {
    const label = instructionLabels[instruction];
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const arrival = this.arrivals.shift();
      if (arrival?.type === 'error') throw this.frameFault(arrival.error, instruction);
      if (arrival?.type === 'packet') {
        const { packet } = arrival;
        if (packet.address !== this.address) {
          throw this.lineFault(
            'wrong-address',
            `A device at address ${formatAddress(packet.address)} answered the ${label} instead of the fingerprint reader at ${formatAddress(this.address)}. Ask IT to check the reader address in the desk settings.`,
            instruction,
          );
        }
        if (!expectedKinds.includes(packet.kind)) {
          throw this.lineFault(
            'unexpected-packet',
            `The fingerprint reader sent a ${packet.kind} packet while answering the ${label}. Try again.`,
            instruction,
          );
        }
        return packet;
      }
      if (this.isClosed) throw closedError(instruction);
      const remainingMs = deadline - Date.now();
      if (remainingMs <= 0 || !(await this.waitForArrival(remainingMs))) {
        if (this.isClosed) throw closedError(instruction);
        // A frame that started but never finished is a truncated reply, not silence.
        const leftovers = this.decoder.flush().filter((event) => event.type === 'error' && event.error.kind === 'truncated-frame');
        const truncated = leftovers[0];
        if (truncated?.type === 'error') throw this.frameFault(truncated.error, instruction);
        throw this.lineFault(
          'timeout',
          `The fingerprint reader did not answer the ${label} within ${timeoutMs} ms. Check that it is plugged in, then try again.`,
          instruction,
        );
      }
    }
  }

  /** Resolves true when something arrived (or the transport closed), false at the deadline. */
  private waitForArrival(timeoutMs: number): Promise<boolean> {
    return new Promise((resolve) => {
      const finish = (hasArrived: boolean): void => {
        clearTimeout(timer);
        this.wakeReceiver = undefined;
        resolve(hasArrived);
      };
      const timer = setTimeout(() => finish(false), timeoutMs);
      this.wakeReceiver = () => finish(true);
    });
  }

  private handleData(chunk: Uint8Array): void {
    this.lastByteAt = Date.now();
    for (const event of this.decoder.push(chunk)) {
      // Stray bytes between frames are line noise; the reply (if any) is still coming.
      if (event.type === 'error' && event.error.kind === 'discarded-bytes') continue;
      this.arrivals.push(event);
    }
    if (this.arrivals.length > 0) this.wakeReceiver?.();
  }

  // -------------------------------------------------------------------------------------------
  // Errors

  private expectOk(acknowledgement: Acknowledgement): void {
    const { confirmation, instruction } = acknowledgement;
    if (confirmation.outcome === 'ok') return;
    const sentence =
      confirmation.outcome === 'unrecognised-code'
        ? `${confirmation.sentence} (code 0x${confirmation.code.toString(16).padStart(2, '0').toUpperCase()})`
        : confirmation.sentence;
    throw new FingerprintError(confirmation.outcome, sentence, { instruction, confirmationCode: confirmation.code });
  }

  private parseParameters<T>(acknowledgement: Acknowledgement, parse: (parameters: Uint8Array) => ParseResult<T>): T {
    const result = parse(acknowledgement.parameters);
    if (result.ok) return result.value;
    throw new FingerprintError(
      'malformed-reply',
      `The fingerprint reader's answer to the ${instructionLabels[acknowledgement.instruction]} was not in the expected format (${result.reason}). Try again; if it repeats, the reader may not be a supported model.`,
      { instruction: acknowledgement.instruction, confirmationCode: acknowledgement.confirmation.code },
    );
  }

  private frameFault(error: FrameError, instruction: InstructionName): FingerprintError {
    const label = instructionLabels[instruction];
    switch (error.kind) {
      case 'bad-checksum':
        return this.lineFault(
          'bad-checksum',
          `The fingerprint reader's answer to the ${label} was damaged on the way (checksum mismatch). Try again; if it keeps happening, check the reader's cable.`,
          instruction,
        );
      case 'truncated-frame':
        return this.lineFault(
          'truncated-frame',
          `The fingerprint reader's answer to the ${label} was cut short (${error.receivedBytes} of ${error.declaredBytes} bytes). Try again; if it keeps happening, check the reader's cable.`,
          instruction,
        );
      case 'invalid-packet-identifier':
      case 'invalid-length':
      case 'discarded-bytes':
        return this.lineFault(
          'malformed-frame',
          `The fingerprint reader sent unreadable data while answering the ${label}. Try again; if it keeps happening, check the reader's cable and baud rate.`,
          instruction,
        );
      default:
        return assertNever(error);
    }
  }

  /** A fault on the wire: whatever is still arriving belongs to the failed exchange, so the next command must drain it first. */
  private lineFault(code: LinkFaultCode, message: string, instruction: InstructionName): FingerprintError {
    this.markLineDirty();
    return new FingerprintError(code, message, { instruction });
  }

  /**
   * A refused download almost always means the driver's packet size is not the module's (set by
   * configuration, or changed on the module by another tool): forget it, so the next download
   * asks the module first.
   */
  private downloadRefused(instruction: DownloadInstruction): FingerprintError {
    this.packetSizeBytes = undefined;
    return downloadRefusedError(instruction);
  }

  private markLineDirty(): void {
    this.isLineDirty = true;
    this.lastFaultAt = Date.now();
  }
}

// ---------------------------------------------------------------------------------------------
// serialport

export interface SerialFingerprintModuleOptions extends FingerprintModuleOptions {
  /** The device path from configuration (`SerialPort.list()` does not list pseudo-terminals). */
  readonly path: string;
  /** The module's factory rate is 57600 (9600 × 6). */
  readonly baudRate?: number;
}

export async function openSerialFingerprintModule(options: SerialFingerprintModuleOptions): Promise<FingerprintModule> {
  const transport = await openSerialTransport(options.path, options.baudRate ?? 57_600);
  return new FingerprintModule(transport, options);
}

export function openSerialTransport(path: string, baudRate: number): Promise<FingerprintTransport> {
  return new Promise((resolve, reject) => {
    const port = new SerialPort({ path, baudRate, dataBits: 8, parity: 'none', stopBits: 1, autoOpen: false });
    port.open((error) => {
      if (error) {
        reject(
          new FingerprintError(
            'transport-failed',
            `The fingerprint reader at ${path} could not be opened (${error.message}). Check the device path in the desk settings.`,
          ),
        );
      } else {
        resolve(serialTransport(port));
      }
    });
  });
}

export function serialTransport(port: SerialPort): FingerprintTransport {
  return {
    write: (bytes) =>
      new Promise<void>((resolve, reject) => {
        port.write(Buffer.from(bytes), (writeError) => {
          if (writeError) return reject(writeError);
          port.drain((drainError) => (drainError ? reject(drainError) : resolve()));
        });
      }),
    onData: (listener) => {
      const handler = (chunk: Buffer): void => listener(chunk);
      port.on('data', handler);
      return () => port.off('data', handler);
    },
    onClose: (listener) => {
      port.on('close', listener);
      return () => port.off('close', listener);
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        if (!port.isOpen) return resolve();
        port.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}

// ---------------------------------------------------------------------------------------------
// Helpers

function closedError(instruction?: InstructionName): FingerprintError {
  return new FingerprintError(
    'transport-closed',
    'The connection to the fingerprint reader is closed. Reconnect the reader from the desk settings.',
    instruction === undefined ? {} : { instruction },
  );
}

/** The module refused a downloaded template's data (0x0E); the template never reached its buffer. */
function downloadRefusedError(instruction: DownloadInstruction): FingerprintError {
  const { code, sentence } = describeConfirmation(confirmationCodeOf('data-receive-refused'));
  const message = instruction === 'download-image' ? 'The reader could not accept the fingerprint image from the desk. Try again.' : sentence;
  return new FingerprintError('data-receive-refused', message, { instruction, confirmationCode: code });
}

/** An `invalid-argument` error when `value` is not an integer in [minimum, maximum]. */
function rangeError(what: string, value: number, minimum: number, maximum: number): FingerprintError | undefined {
  if (Number.isInteger(value) && value >= minimum && value <= maximum) return undefined;
  return new FingerprintError('invalid-argument', `The ${what} must be a whole number from ${minimum} to ${maximum}, got ${value}.`);
}

function packetSizeCodeOf(bytes: PacketSizeBytes): PacketSizeCode {
  switch (bytes) {
    case 32:
      return 0;
    case 64:
      return 1;
    case 128:
      return 2;
    case 256:
      return 3;
    default:
      return assertNever(bytes);
  }
}

function abortedError(): FingerprintError {
  return new FingerprintError('aborted', 'The fingerprint capture was cancelled.');
}

function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw abortedError();
}

/** Resolves after `ms`; rejects with `aborted` as soon as the signal fires. */
function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(abortedError());
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(abortedError());
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

function formatDuration(ms: number): string {
  if (ms < 1_000) return `${ms} ms`;
  const seconds = ms / 1_000;
  return `${Number.isInteger(seconds) ? seconds : seconds.toFixed(1)} seconds`;
}
