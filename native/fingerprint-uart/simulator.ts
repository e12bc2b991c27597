import { createHash, createHmac, randomInt } from 'node:crypto';
import { SerialPort } from 'serialport';
import {
  DEFAULT_MODULE_ADDRESS,
  DEFAULT_MODULE_PASSWORD,
  ECHO_READY_CODE,
  INDEX_TABLE_PAGE_SLOTS,
  PacketDecoder,
  assertNever,
  confirmationCodeOf,
  decodeCommandPayload,
  encodeAcknowledgementPayload,
  encodeIndexTable,
  encodePacket,
  encodeSystemParameters,
  imageTransferBytes,
  packetSizeBytesOf,
  splitIntoDataPackets,
  uint16Bytes,
  type ConfirmationOutcome,
  type FeatureBufferId,
  type FingerprintCommand,
  type InstructionName,
  type Packet,
  type PacketSizeCode,
} from './protocol';

/**
 * A scriptable R30x/AS608 module that speaks the packet protocol byte for byte on the simulator
 * end of a pseudo-terminal, so the real driver, the real serialport binding and the real termios
 * path are all exercised without hardware. It is a behavioural model, not an emulation of the
 * matching algorithm: templates carry a keyed hash of a finger "identity" so that two captures of
 * the same identity match and different identities do not.
 */

export type SimulatedFinger =
  | { readonly kind: 'absent' }
  /** `quality` 0–100: below 20 the image is too messy (0x06), below 40 it has too few feature points (0x07). */
  | { readonly kind: 'present'; readonly identity: string; readonly quality: number };

export interface FingerStep {
  readonly finger: SimulatedFinger;
  /** How many GenImg polls this step lasts; omitted means it stays until changed. */
  readonly polls?: number;
}

export type SimulatorFault =
  /** The next reply packet (after skipping `afterPackets`) goes out with a wrong checksum. */
  | { readonly kind: 'bad-checksum'; readonly afterPackets?: number }
  /** The next reply packet is cut after `keepBytes` (default: all but its checksum) and the rest of that reply is never sent. */
  | { readonly kind: 'truncated-reply'; readonly keepBytes?: number; readonly afterPackets?: number }
  /** The next `commands` command packets are lost: not executed, not answered. */
  | { readonly kind: 'silence'; readonly commands: number }
  /** The next reply packet carries another module's address (default 0x12345678); its checksum is still valid. */
  | { readonly kind: 'wrong-address'; readonly address?: number; readonly afterPackets?: number }
  /** The next Store answers 0x1F (library full) whatever the library holds. */
  | { readonly kind: 'library-full' }
  /** The next Store's flash write fails: it answers 0x18 ("error when writing flash") and stores nothing. */
  | { readonly kind: 'flash-write-failure' };

/**
 * Which firmware family the simulator answers as, for what the manuals say differs between them:
 * an instruction code the module does not know is answered 0x01 ("error when receiving package",
 * the only generic failure in the R30x / ZFM-20 / ZFM-70 / AS608 tables, and what an R308 without
 * ReadSysPara answers to it, pyfingerprint issue #44) by `zfm`, and 0xFC ("unsupported command"
 * in the R503 code table, as a public R503 client library reproduces it) by `r503`. Neither is a
 * capture of real firmware. Both answer every instruction listed in README.md.
 */
export type SimulatedModuleModel = 'zfm' | 'r503';

export interface SimulatorOptions {
  /** Default `zfm` (R30x / ZFM-20 / ZFM-70 / AS608). */
  readonly model?: SimulatedModuleModel;
  readonly address?: number;
  readonly password?: number;
  /** 0–3 → 32/64/128/256-byte data packets; modules ship with 2 (128). */
  readonly packetSizeCode?: PacketSizeCode;
  readonly librarySize?: number;
  readonly securityLevel?: number;
  /** Reported baud = 9600 × multiplier; modules ship with 6 (57600). A pty ignores it. */
  readonly baudMultiplier?: number;
  readonly systemIdentifier?: number;
  /** Key of the identity hash inside templates; two simulators with different keys never match. */
  readonly templateKey?: string;
  /** ZFM-20/R307/AS608 character files are 512 bytes. */
  readonly templateBytes?: number;
  /** Delay before each reply, to model a module that is busy while it works. */
  readonly replyDelayMs?: number;
  /** Image buffer size for UpImage; R30x / ZFM-20 / AS608 sensors are 256 × 288. */
  readonly imageWidthPixels?: number;
  readonly imageHeightPixels?: number;
  /** Source of GetRandomCode answers (32-bit); tests pass a fixed one to assert exact frames. */
  readonly randomCode?: () => number;
}

/** What the R503 ring LED was last told to do (AuraLedConfig bytes as received). */
export interface AuraLedState {
  readonly control: number;
  readonly speed: number;
  readonly colourIndex: number;
  readonly cycles: number;
}

type PacketFault = Exclude<SimulatorFault, { kind: 'silence' } | { kind: 'library-full' } | { kind: 'flash-write-failure' }> & { skipsLeft: number };

/**
 * What the image buffer holds: a capture of `identity` (by GenImg, or an image this simulator
 * took and the host downloaded back), or an image from elsewhere (`identity` undefined), which
 * the model cannot read features from. `bytes` is kept for an image the host downloaded, so
 * UpImage sends it back unchanged.
 */
interface ImageBuffer {
  readonly identity: string | undefined;
  readonly quality: number;
  readonly bytes?: Uint8Array;
}

/** Where the data packets after DownChar / DownImage go. */
type DownloadTarget = FeatureBufferId | 'image';

/** "CDFP": marks a template this simulator made; anything else never matches. */
const TEMPLATE_MAGIC = Uint8Array.of(0x43, 0x44, 0x46, 0x50);
const IDENTITY_OFFSET = TEMPLATE_MAGIC.length;
const IDENTITY_BYTES = 32;
const QUALITY_OFFSET = IDENTITY_OFFSET + IDENTITY_BYTES;
const NOISE_OFFSET = QUALITY_OFFSET + 1;
const MESSY_BELOW_QUALITY = 20;
const FEW_POINTS_BELOW_QUALITY = 40;

export class FingerprintModuleSimulator {
  /** Instructions executed, in order (silenced commands are not in it). */
  readonly commandLog: InstructionName[] = [];
  /** Payload sizes of every data packet the host sent during DownChar or DownImage. */
  readonly receivedDataPacketSizes: number[] = [];
  /** Things a correct host never does (oversized data packets, overlapping commands, …). */
  readonly protocolViolations: string[] = [];
  /** Data packets ignored because their download had already been refused (0x0E). */
  ignoredDataPacketCount = 0;
  /** Last AuraLedConfig received (R503 ring LED); undefined until one arrives. */
  auraLed: AuraLedState | undefined;
  /** OpenLED / CloseLED (ZFM-70 backlight). */
  isBacklightOn = false;
  /** PortControl (0x17): the module's other port (USB on a UART module); modules ship with it on. */
  isOtherPortOn = true;
  /** Instruction codes received that the module does not know, in order (answered 0x01 or 0xFC by model). */
  readonly unknownInstructionCodes: number[] = [];

  private readonly model: SimulatedModuleModel;
  private readonly address: number;
  private readonly password: number;
  // SetSysPara changes these three, as on a module (which also keeps them across power cycles).
  private packetSizeCode: PacketSizeCode;
  private readonly librarySize: number;
  private securityLevel: number;
  private baudMultiplier: number;
  private readonly systemIdentifier: number;
  private readonly templateKey: string;
  private readonly templateBytes: number;
  private readonly imageWidthPixels: number;
  private readonly imageHeightPixels: number;
  private readonly randomCode: () => number;
  private replyDelayMs: number;
  private readonly decoder = new PacketDecoder();
  private readonly library = new Map<number, Uint8Array>();
  private readonly featureBuffers = new Map<FeatureBufferId, Uint8Array>();
  private readonly packetFaults: PacketFault[] = [];
  private finger: SimulatedFinger = { kind: 'absent' };
  private fingerScript: Array<{ finger: SimulatedFinger; pollsLeft: number | undefined }> = [];
  private image: ImageBuffer | undefined;
  /** Images this simulator uploaded, by content, so one downloaded back (DownImage) reads as that finger. */
  private readonly uploadedImages = new Map<string, { identity: string; quality: number }>();
  private download: { target: DownloadTarget; parts: Uint8Array[]; isRefused: boolean } | undefined;
  private isSensorAbnormal = false;
  private isPasswordVerified = false;
  private hasMatched = false;
  private silencedCommandsLeft = 0;
  private libraryFullRepliesLeft = 0;
  private flashWriteFailuresLeft = 0;
  private captureCount = 0;
  private isAnswering = false;

  private constructor(
    private readonly port: SerialPort,
    options: SimulatorOptions,
  ) {
    this.model = options.model ?? 'zfm';
    this.address = options.address ?? DEFAULT_MODULE_ADDRESS;
    this.password = options.password ?? DEFAULT_MODULE_PASSWORD;
    this.packetSizeCode = options.packetSizeCode ?? 2;
    this.librarySize = options.librarySize ?? 1_000;
    this.securityLevel = options.securityLevel ?? 3;
    this.baudMultiplier = options.baudMultiplier ?? 6;
    this.systemIdentifier = options.systemIdentifier ?? 0x0009;
    this.templateKey = options.templateKey ?? 'coverdesk-fingerprint-simulator';
    this.templateBytes = options.templateBytes ?? 512;
    this.replyDelayMs = options.replyDelayMs ?? 0;
    this.imageWidthPixels = options.imageWidthPixels ?? 256;
    this.imageHeightPixels = options.imageHeightPixels ?? 288;
    this.randomCode = options.randomCode ?? (() => randomInt(0, 2 ** 32));
    port.on('data', (chunk: Buffer) => this.receive(chunk));
    // A closed peer makes writes fail; the test that closed it does not care, and an unhandled
    // 'error' event would crash the process.
    port.on('error', (error: Error) => this.protocolViolations.push(`port error: ${error.message}`));
  }

  /** Opens the simulator end of a pseudo-terminal pair and starts answering. */
  static open(path: string, options: SimulatorOptions = {}): Promise<FingerprintModuleSimulator> {
    return new Promise((resolve, reject) => {
      const port = new SerialPort({ path, baudRate: 9_600 * (options.baudMultiplier ?? 6), autoOpen: false });
      port.open((error) => (error ? reject(error) : resolve(new FingerprintModuleSimulator(port, options))));
    });
  }

  close(): Promise<void> {
    return new Promise((resolve, reject) => {
      if (!this.port.isOpen) return resolve();
      this.port.close((error) => (error ? reject(error) : resolve()));
    });
  }

  // -------------------------------------------------------------------------------------------
  // Script

  /** The finger on the glass from now on (cancels any script). */
  setFinger(finger: SimulatedFinger): void {
    this.finger = finger;
    this.fingerScript = [];
  }

  placeFinger(identity: string, quality = 90): void {
    this.setFinger({ kind: 'present', identity, quality });
  }

  liftFinger(): void {
    this.setFinger({ kind: 'absent' });
  }

  /**
   * Finger states consumed one GenImg poll at a time, so a whole enrolment (present, lifted,
   * present again) plays out deterministically however fast the driver polls.
   */
  scriptFinger(steps: readonly FingerStep[]): void {
    this.fingerScript = steps.map((step) => ({ finger: step.finger, pollsLeft: step.polls }));
  }

  injectFault(fault: SimulatorFault): void {
    switch (fault.kind) {
      case 'silence':
        this.silencedCommandsLeft += fault.commands;
        return;
      case 'library-full':
        this.libraryFullRepliesLeft += 1;
        return;
      case 'flash-write-failure':
        this.flashWriteFailuresLeft += 1;
        return;
      case 'bad-checksum':
      case 'truncated-reply':
      case 'wrong-address':
        this.packetFaults.push({ ...fault, skipsLeft: fault.afterPackets ?? 0 });
        return;
      default:
        assertNever(fault);
    }
  }

  /** Models a module that turns slow (or fast again) mid-session. */
  setReplyDelay(ms: number): void {
    this.replyDelayMs = ms;
  }

  /** A sensor fault: CheckSensor answers 0x29 ("sensor is abnormal", R503 manual) until cleared. */
  setSensorAbnormal(isAbnormal: boolean): void {
    this.isSensorAbnormal = isAbnormal;
  }

  get storedTemplateCount(): number {
    return this.library.size;
  }

  /** Library slots in use, ascending (what ReadIndexTable reports). */
  get storedPageIds(): number[] {
    return [...this.library.keys()].sort((first, second) => first - second);
  }

  /** The current packet size code (changes with SetSysPara 6). */
  get currentPacketSizeCode(): PacketSizeCode {
    return this.packetSizeCode;
  }

  /** The current security level (changes with SetSysPara 5). */
  get currentSecurityLevel(): number {
    return this.securityLevel;
  }

  /** The current baud multiplier (changes with SetSysPara 4; a pty ignores the rate itself). */
  get currentBaudMultiplier(): number {
    return this.baudMultiplier;
  }

  /** Puts a template straight into a library slot, as if enrolled earlier on this module. */
  storeTemplateDirectly(pageId: number, template: Uint8Array): void {
    if (pageId < 0 || pageId >= this.librarySize) throw new RangeError(`Library slots are 0-${this.librarySize - 1}, got ${pageId}`);
    this.library.set(pageId, template.slice());
  }

  // -------------------------------------------------------------------------------------------
  // Wire

  private receive(chunk: Uint8Array): void {
    for (const event of this.decoder.push(chunk)) {
      if (event.type === 'packet') {
        this.handlePacket(event.packet);
      } else if (event.error.kind === 'bad-checksum') {
        // The module answers a damaged command with "error when receiving package".
        this.reply([this.acknowledgement('packet-receive-error')]);
      }
    }
  }

  private handlePacket(packet: Packet): void {
    // A module only listens to frames carrying its own address; others are for another module.
    if (packet.address !== this.address) return;
    switch (packet.kind) {
      case 'command': {
        if (this.silencedCommandsLeft > 0) {
          this.silencedCommandsLeft -= 1;
          return;
        }
        if (this.isAnswering) this.protocolViolations.push('a command arrived while the previous one was still being answered');
        // A command in the middle of a download means the host gave up on that download.
        this.download = undefined;
        const decoded = decodeCommandPayload(packet.payload);
        if (decoded.ok) {
          this.reply(this.execute(decoded.command));
        } else if (decoded.reason === 'unsupported-instruction') {
          this.unknownInstructionCodes.push(decoded.instructionCode);
          this.reply([this.acknowledgement(this.model === 'r503' ? 'unsupported-instruction' : 'packet-receive-error')]);
        } else {
          // A known instruction with the wrong parameters was not received right, on every model.
          this.reply([this.acknowledgement('packet-receive-error')]);
        }
        return;
      }
      case 'data':
      case 'end-of-data':
        this.receiveDownloadPacket(packet);
        return;
      case 'acknowledgement':
        this.protocolViolations.push('the host sent an acknowledgement packet');
        return;
      default:
        assertNever(packet.kind);
    }
  }

  private receiveDownloadPacket(packet: Packet): void {
    const download = this.download;
    if (download === undefined) {
      this.protocolViolations.push(`a ${packet.kind} packet arrived outside a download`);
      return;
    }
    if (download.isRefused) {
      // The rest of a refused transfer: the module is no longer listening for it.
      this.ignoredDataPacketCount += 1;
      if (packet.kind === 'end-of-data') this.download = undefined;
      return;
    }
    this.receivedDataPacketSizes.push(packet.payload.length);
    const limit = packetSizeBytesOf(this.packetSizeCode);
    if (packet.payload.length > limit) {
      // A module cannot take a data packet longer than its configured packet size: it answers
      // 0x0E, "fail to receive the following data packages" (the DownChar failure code in the
      // R30x, ZFM-70 and R503 manuals), drops the transfer, and the target buffer holds no
      // usable template afterwards, so a later Match fails instead of using a stale one.
      this.protocolViolations.push(`a data packet of ${packet.payload.length} bytes exceeds the ${limit}-byte packet size`);
      if (download.target === 'image') this.image = undefined;
      else this.featureBuffers.delete(download.target);
      if (packet.kind === 'end-of-data') this.download = undefined;
      else download.isRefused = true;
      this.reply([this.acknowledgement('data-receive-refused')]);
      return;
    }
    download.parts.push(packet.payload);
    if (packet.kind === 'end-of-data') {
      const data = concatBytes(download.parts);
      if (download.target === 'image') this.image = this.imageFrom(data);
      else this.featureBuffers.set(download.target, data);
      this.download = undefined;
    }
  }

  /** Encodes the reply packets, applies any armed fault, and writes them (after the reply delay). */
  private reply(packets: readonly Packet[]): void {
    const frames: Uint8Array[] = [];
    for (const packet of packets) {
      const fault = this.packetFaults[0];
      if (fault === undefined || fault.skipsLeft > 0) {
        if (fault !== undefined) fault.skipsLeft -= 1;
        frames.push(encodePacket(packet));
        continue;
      }
      this.packetFaults.shift();
      if (fault.kind === 'bad-checksum') {
        const frame = encodePacket(packet);
        const last = frame.length - 1;
        frame[last] = (frame[last] ?? 0) ^ 0xff;
        frames.push(frame);
      } else if (fault.kind === 'wrong-address') {
        frames.push(encodePacket({ ...packet, address: fault.address ?? 0x12345678 }));
      } else {
        const frame = encodePacket(packet);
        frames.push(frame.subarray(0, fault.keepBytes ?? frame.length - 2));
        break; // the module "reset" mid-reply: nothing more of this reply is sent
      }
    }
    const bytes = concatBytes(frames);
    if (this.replyDelayMs === 0) {
      this.port.write(Buffer.from(bytes));
      return;
    }
    this.isAnswering = true;
    setTimeout(() => {
      this.isAnswering = false;
      if (this.port.isOpen) this.port.write(Buffer.from(bytes));
    }, this.replyDelayMs);
  }

  private acknowledgement(outcome: Exclude<ConfirmationOutcome, 'unrecognised-code'>, parameters?: Uint8Array): Packet {
    return { address: this.address, kind: 'acknowledgement', payload: encodeAcknowledgementPayload(confirmationCodeOf(outcome), parameters) };
  }

  // -------------------------------------------------------------------------------------------
  // The module

  private execute(command: FingerprintCommand): Packet[] {
    this.commandLog.push(command.instruction);
    const ack = (outcome: Exclude<ConfirmationOutcome, 'unrecognised-code'>, parameters?: Uint8Array): Packet[] => [this.acknowledgement(outcome, parameters)];
    // With a non-zero password set, the module refuses everything until VfyPwd succeeds.
    if (this.password !== DEFAULT_MODULE_PASSWORD && !this.isPasswordVerified && command.instruction !== 'verify-password') {
      return ack('password-required');
    }
    switch (command.instruction) {
      case 'verify-password':
        this.isPasswordVerified = command.password === this.password;
        return ack(this.isPasswordVerified ? 'ok' : 'wrong-password');
      case 'read-system-parameters':
        return ack(
          'ok',
          encodeSystemParameters({
            status: { isBusy: false, hasMatched: this.hasMatched, isPasswordVerified: this.isPasswordVerified, hasValidImage: this.image !== undefined },
            systemIdentifier: this.systemIdentifier,
            librarySize: this.librarySize,
            securityLevel: this.securityLevel,
            deviceAddress: this.address,
            packetSizeCode: this.packetSizeCode,
            baudMultiplier: this.baudMultiplier,
          }),
        );
      case 'generate-image': {
        const finger = this.nextFinger();
        if (finger.kind === 'absent') return ack('no-finger');
        this.image = { identity: finger.identity, quality: finger.quality };
        return ack('ok');
      }
      case 'image-to-features': {
        const image = this.image;
        if (image === undefined) return ack('no-valid-image');
        // An image from elsewhere has no finger the model knows: "over-disorderly" (0x06).
        if (image.identity === undefined || image.quality < MESSY_BELOW_QUALITY) return ack('image-too-messy');
        if (image.quality < FEW_POINTS_BELOW_QUALITY) return ack('too-few-feature-points');
        this.featureBuffers.set(command.bufferId, this.captureTemplate(image.identity, image.quality));
        return ack('ok');
      }
      case 'register-model': {
        const first = this.featureBuffers.get(1);
        const second = this.featureBuffers.get(2);
        if (first === undefined || second === undefined || matchScore(first, second) === 0) return ack('combine-failed');
        // The real module leaves the combined model in both buffers.
        const model = this.modelFrom(first, second);
        this.featureBuffers.set(1, model);
        this.featureBuffers.set(2, model);
        return ack('ok');
      }
      case 'upload-features': {
        const template = this.featureBuffers.get(command.bufferId);
        if (template === undefined) return ack('template-upload-failed');
        return [...ack('ok'), ...splitIntoDataPackets(this.address, template, packetSizeBytesOf(this.packetSizeCode))];
      }
      case 'download-features':
        this.download = { target: command.bufferId, parts: [], isRefused: false };
        return ack('ok');
      case 'download-image':
        // DownImage: "ready to transfer the following data packet"; the image follows.
        this.download = { target: 'image', parts: [], isRefused: false };
        return ack('ok');
      case 'match': {
        const first = this.featureBuffers.get(1);
        const second = this.featureBuffers.get(2);
        const score = first === undefined || second === undefined ? 0 : matchScore(first, second);
        this.hasMatched = score > 0;
        return ack(score > 0 ? 'ok' : 'no-match', uint16Bytes(score));
      }
      case 'search':
      case 'high-speed-search': {
        // HighSpeedSearch takes the same frames and answers as Search; on a module it only
        // stops at the first good-enough match instead of scanning the range.
        const probe = this.featureBuffers.get(command.bufferId);
        const lastPage = Math.min(command.startPage + command.pageCount, this.librarySize);
        for (let pageId = command.startPage; probe !== undefined && pageId < lastPage; pageId += 1) {
          const stored = this.library.get(pageId);
          const score = stored === undefined ? 0 : matchScore(probe, stored);
          if (score > 0) {
            this.hasMatched = true;
            return ack('ok', Uint8Array.of(...uint16Bytes(pageId), ...uint16Bytes(score)));
          }
        }
        this.hasMatched = false;
        return ack('not-found', new Uint8Array(4));
      }
      case 'store': {
        if (this.libraryFullRepliesLeft > 0) {
          this.libraryFullRepliesLeft -= 1;
          return ack('library-full');
        }
        if (command.pageId >= this.librarySize) return ack('page-beyond-library');
        const template = this.featureBuffers.get(command.bufferId);
        if (template === undefined) return ack('unspecified-module-error');
        if (this.flashWriteFailuresLeft > 0) {
          // Store's table lists 0x18 "error when writing Flash"; the slot keeps what it had.
          this.flashWriteFailuresLeft -= 1;
          return ack('flash-error');
        }
        this.library.set(command.pageId, template);
        return ack('ok');
      }
      case 'template-count':
        return ack('ok', uint16Bytes(this.library.size));
      case 'empty-library':
        this.library.clear();
        return ack('ok');
      case 'set-system-parameter':
        return ack(this.setSystemParameter(command.parameterNumber, command.value));
      case 'load-template': {
        // LoadChar: 0x0B beyond the library, 0x0C for an empty slot ("error when reading
        // template from library or the readout template is invalid").
        if (command.pageId >= this.librarySize) return ack('page-beyond-library');
        const template = this.library.get(command.pageId);
        if (template === undefined) return ack('template-read-failed');
        this.featureBuffers.set(command.bufferId, template.slice());
        return ack('ok');
      }
      case 'delete-templates': {
        // DeletChar lists only 0x10 ("fail to delete templates") for a range it cannot delete.
        if (command.startPage + command.count > this.librarySize) return ack('delete-failed');
        for (let pageId = command.startPage; pageId < command.startPage + command.count; pageId += 1) this.library.delete(pageId);
        return ack('ok');
      }
      case 'read-index-table': {
        // Four index pages (0–3) cover the 1,000-slot libraries the manuals describe; a bigger
        // library has more. Slots beyond the library read as 0 ("if the data bit less than 256
        // it should defined as 0", ZFM-70 manual). The only failure the manuals list is 0x01.
        const pageCount = Math.max(4, Math.ceil(this.librarySize / INDEX_TABLE_PAGE_SLOTS));
        if (command.indexPage >= pageCount) return ack('packet-receive-error');
        return ack('ok', encodeIndexTable(command.indexPage, this.library.keys()));
      }
      case 'get-random-code': {
        const bytes = new Uint8Array(4);
        new DataView(bytes.buffer).setUint32(0, this.randomCode() >>> 0);
        return ack('ok', bytes);
      }
      case 'upload-image': {
        // UpImage: 0x0F when there is no image to send ("can not transfer the following data packet").
        const image = this.image;
        if (image === undefined) return ack('image-upload-failed');
        return [...ack('ok'), ...splitIntoDataPackets(this.address, this.imageBytesOf(image), packetSizeBytesOf(this.packetSizeCode))];
      }
      case 'port-control':
        // PortControl: 0 off, 1 on; 0x1D "fail to operate the communication port" is the table's
        // only failure besides 0x01, so a control code that is neither gets it.
        if (command.controlCode !== 0 && command.controlCode !== 1) return ack('port-operation-failed');
        this.isOtherPortOn = command.controlCode === 1;
        return ack('ok');
      case 'aura-led':
        this.auraLed = { control: command.control, speed: command.speed, colourIndex: command.colourIndex, cycles: command.cycles };
        return ack('ok');
      case 'backlight-on':
      case 'backlight-off':
        this.isBacklightOn = command.instruction === 'backlight-on';
        return ack('ok');
      case 'check-sensor':
        return ack(this.isSensorAbnormal ? 'sensor-abnormal' : 'ok');
      case 'handshake':
        return ack('ok');
      case 'echo':
        return [{ address: this.address, kind: 'acknowledgement', payload: encodeAcknowledgementPayload(ECHO_READY_CODE) }];
      default:
        return assertNever(command);
    }
  }

  /**
   * SetSysPara: parameter 4 baud multiplier 1–12 (R30x / ZFM manuals: "N = 1~12"), 5 security
   * level 1–5, 6 packet size code 0–3. An unknown parameter number is 0x1A ("invalid register
   * number"); a value outside its range is 0x1B ("incorrect configuration of register").
   */
  private setSystemParameter(parameterNumber: number, value: number): Exclude<ConfirmationOutcome, 'unrecognised-code'> {
    switch (parameterNumber) {
      case 4:
        if (value < 1 || value > 12) return 'invalid-register-value';
        this.baudMultiplier = value;
        return 'ok';
      case 5:
        if (value < 1 || value > 5) return 'invalid-register-value';
        this.securityLevel = value;
        return 'ok';
      case 6:
        if (value !== 0 && value !== 1 && value !== 2 && value !== 3) return 'invalid-register-value';
        this.packetSizeCode = value;
        return 'ok';
      default:
        return 'invalid-register';
    }
  }

  /**
   * The bytes UpImage sends: a downloaded image as it came, or a deterministic 4-bit-per-pixel
   * image of the finger, remembered so that the host can download it back (DownImage).
   */
  private imageBytesOf(image: ImageBuffer): Uint8Array {
    if (image.bytes !== undefined) return image.bytes;
    const bytes = new Uint8Array(imageTransferBytes(this.imageWidthPixels, this.imageHeightPixels));
    fillNoise(bytes, 0, `image:${image.identity ?? ''}:${image.quality}`);
    if (image.identity !== undefined) this.uploadedImages.set(digestOf(bytes), { identity: image.identity, quality: image.quality });
    return bytes;
  }

  /** A downloaded image reads as the finger of an image this simulator uploaded, or as nobody's. */
  private imageFrom(bytes: Uint8Array): ImageBuffer {
    const known = this.uploadedImages.get(digestOf(bytes));
    return { identity: known?.identity, quality: known?.quality ?? 0, bytes };
  }

  private nextFinger(): SimulatedFinger {
    const step = this.fingerScript[0];
    if (step === undefined) return this.finger;
    if (step.pollsLeft === undefined) {
      this.setFinger(step.finger);
      return step.finger;
    }
    step.pollsLeft -= 1;
    if (step.pollsLeft <= 0) this.fingerScript.shift();
    return step.finger;
  }

  /**
   * magic | keyed hash of the identity | quality | noise. The noise differs on every capture (as
   * real captures of one finger never give identical bytes) but follows a fixed sequence per
   * simulator, so a test run is reproducible.
   */
  private captureTemplate(identity: string, quality: number): Uint8Array {
    this.captureCount += 1;
    const template = new Uint8Array(this.templateBytes);
    template.set(TEMPLATE_MAGIC, 0);
    template.set(createHmac('sha256', this.templateKey).update(identity).digest(), IDENTITY_OFFSET);
    template[QUALITY_OFFSET] = quality;
    fillNoise(template, NOISE_OFFSET, `${identity}#${this.captureCount}`);
    return template;
  }

  private modelFrom(first: Uint8Array, second: Uint8Array): Uint8Array {
    this.captureCount += 1;
    const model = first.slice();
    model[QUALITY_OFFSET] = Math.min(first[QUALITY_OFFSET] ?? 0, second[QUALITY_OFFSET] ?? 0);
    fillNoise(model, NOISE_OFFSET, `model#${this.captureCount}`);
    return model;
  }
}

/**
 * The model template a simulator (with the same `templateKey`) would upload after enrolling
 * `identity`: for demo data, so members can be enrolled in advance with fingers the simulator
 * will later match. Deterministic per identity.
 */
export function simulatedEnrolmentTemplate(
  identity: string,
  options: Pick<SimulatorOptions, 'templateKey' | 'templateBytes'> & { readonly quality?: number } = {},
): Uint8Array {
  const template = new Uint8Array(options.templateBytes ?? 512);
  template.set(TEMPLATE_MAGIC, 0);
  template.set(
    createHmac('sha256', options.templateKey ?? 'coverdesk-fingerprint-simulator')
      .update(identity)
      .digest(),
    IDENTITY_OFFSET,
  );
  template[QUALITY_OFFSET] = options.quality ?? 90;
  fillNoise(template, NOISE_OFFSET, `enrolled:${identity}`);
  return template;
}

/**
 * 0 unless both are this simulator's templates of the same identity; then 90–200, higher for
 * better captures, varying a little with the capture noise (real scores for a genuine match
 * usually land between 50 and 200).
 */
function matchScore(first: Uint8Array, second: Uint8Array): number {
  if (!isSimulatorTemplate(first) || !isSimulatorTemplate(second)) return 0;
  for (let index = IDENTITY_OFFSET; index < QUALITY_OFFSET; index += 1) {
    if (first[index] !== second[index]) return 0;
  }
  const quality = Math.min(first[QUALITY_OFFSET] ?? 0, second[QUALITY_OFFSET] ?? 0, 100);
  const jitter = ((first[NOISE_OFFSET] ?? 0) ^ (second[NOISE_OFFSET] ?? 0)) % 51;
  return 50 + quality + jitter;
}

function isSimulatorTemplate(template: Uint8Array): boolean {
  return template.length > NOISE_OFFSET && TEMPLATE_MAGIC.every((byte, index) => template[index] === byte);
}

function fillNoise(target: Uint8Array, from: number, seed: string): void {
  for (let block = 0, offset = from; offset < target.length; block += 1) {
    const digest = createHash('sha256').update(`${seed}/${block}`).digest();
    const slice = digest.subarray(0, Math.min(digest.length, target.length - offset));
    target.set(slice, offset);
    offset += slice.length;
  }
}

function digestOf(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  const joined = new Uint8Array(parts.reduce((total, part) => total + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    joined.set(part, offset);
    offset += part.length;
  }
  return joined;
}
