/**
 * The packet protocol of the R30x / ZFM-20 / AS608 family of UART fingerprint modules (the
 * "Synochip" protocol, 57600 baud 8N1 by default). Pure: bytes in, typed messages out, no I/O,
 * no timers, no Node APIs — the driver and the simulator both build on this one file, so a frame
 * the driver sends is parsed by exactly the code the simulator uses, and the golden frames in
 * `protocol.test.ts` (checked by hand against the datasheet) keep both honest.
 *
 * Frame layout (every multi-byte field big-endian):
 *
 *   EF 01 | AA AA AA AA | PID | LL LL | payload … | CC CC
 *   header  module addr   kind  length             checksum
 *
 * - length counts the payload plus the two checksum bytes;
 * - checksum is the low 16 bits of the sum of PID, both length bytes and every payload byte
 *   (the header and the address are not covered, which is why a wrong-address reply still has a
 *   valid checksum and must be caught by comparing addresses).
 */

export const FRAME_HEADER = [0xef, 0x01] as const;
/** Every module ships with this address; the desk may configure another. */
export const DEFAULT_MODULE_ADDRESS = 0xffffffff;
/** Every module ships with password 0; a non-zero one must be verified before other commands. */
export const DEFAULT_MODULE_PASSWORD = 0x00000000;
/** Header (2) + address (4) + packet identifier (1) + length (2). */
export const FRAME_PREFIX_BYTES = 9;
const CHECKSUM_BYTES = 2;
/**
 * Data packets carry at most 256 payload bytes (packet size code 3); commands and acknowledgements
 * are far shorter. A length field above this is garbage that happens to follow an EF 01, and
 * waiting for that many bytes would stall the decoder, so it is rejected at once.
 */
export const MAX_PAYLOAD_BYTES = 256;

// ---------------------------------------------------------------------------------------------
// Packet kinds

export type PacketKind = 'command' | 'data' | 'acknowledgement' | 'end-of-data';

const packetIdentifiers = {
  command: 0x01,
  data: 0x02,
  acknowledgement: 0x07,
  'end-of-data': 0x08,
} as const satisfies Record<PacketKind, number>;

export function packetIdentifierOf(kind: PacketKind): number {
  return packetIdentifiers[kind];
}

export function packetKindOf(identifier: number): PacketKind | undefined {
  switch (identifier) {
    case 0x01:
      return 'command';
    case 0x02:
      return 'data';
    case 0x07:
      return 'acknowledgement';
    case 0x08:
      return 'end-of-data';
    default:
      return undefined;
  }
}

export interface Packet {
  /** The 32-bit module address carried in the frame. */
  readonly address: number;
  readonly kind: PacketKind;
  readonly payload: Uint8Array;
}

// ---------------------------------------------------------------------------------------------
// Encoding

export function checksumOf(identifier: number, length: number, payload: Uint8Array): number {
  let sum = identifier + (length >> 8) + (length & 0xff);
  for (const byte of payload) sum += byte;
  return sum & 0xffff;
}

export function encodePacket(packet: Packet): Uint8Array {
  if (packet.payload.length > MAX_PAYLOAD_BYTES) {
    throw new RangeError(`A packet payload holds at most ${MAX_PAYLOAD_BYTES} bytes, got ${packet.payload.length}`);
  }
  const identifier = packetIdentifierOf(packet.kind);
  const length = packet.payload.length + CHECKSUM_BYTES;
  const frame = new Uint8Array(FRAME_PREFIX_BYTES + length);
  frame[0] = FRAME_HEADER[0];
  frame[1] = FRAME_HEADER[1];
  writeUint32(frame, 2, packet.address);
  frame[6] = identifier;
  writeUint16(frame, 7, length);
  frame.set(packet.payload, FRAME_PREFIX_BYTES);
  writeUint16(frame, FRAME_PREFIX_BYTES + packet.payload.length, checksumOf(identifier, length, packet.payload));
  return frame;
}

// ---------------------------------------------------------------------------------------------
// Instructions (command packets). Names in comments are the datasheet's; the frame table each
// one follows is named in native/README.md ("Instruction set and sources").

/** The module has two feature buffers ("CharBuffer1/2"); templates are built and compared there. */
export type FeatureBufferId = 1 | 2;

/** SetSysPara parameter numbers (R30x / ZFM-70 / R503 manuals, "Set module system's basic parameter"). */
export const systemParameterNumbers = {
  /** Baud = 9600 × N. */
  'baud-multiplier': 4,
  /** Matching strictness 1–5. */
  'security-level': 5,
  /** Data packet size code 0–3 (32/64/128/256 bytes). */
  'packet-size': 6,
} as const;

export type SystemParameterName = keyof typeof systemParameterNumbers;

/** R503 AuraLedConfig control codes. */
export type AuraLedControl = 'breathing' | 'flashing' | 'always-on' | 'always-off' | 'gradually-on' | 'gradually-off';
/** R503 AuraLedConfig colour indexes. */
export type AuraLedColour = 'red' | 'blue' | 'purple' | 'green' | 'yellow' | 'cyan' | 'white';

export const auraLedControlCodes = {
  breathing: 0x01,
  flashing: 0x02,
  'always-on': 0x03,
  'always-off': 0x04,
  'gradually-on': 0x05,
  'gradually-off': 0x06,
} as const satisfies Record<AuraLedControl, number>;

export const auraLedColourCodes = {
  red: 0x01,
  blue: 0x02,
  purple: 0x03,
  green: 0x04,
  yellow: 0x05,
  cyan: 0x06,
  white: 0x07,
} as const satisfies Record<AuraLedColour, number>;

export type FingerprintCommand =
  | { readonly instruction: 'verify-password'; readonly password: number } // VfyPwd 0x13
  | { readonly instruction: 'read-system-parameters' } // ReadSysPara 0x0F
  | {
      // SetSysPara 0x0E. Number and value stay raw bytes: a module answers an unknown parameter
      // number with 0x1A and an out-of-range value with 0x1B, so the parser must not refuse them.
      readonly instruction: 'set-system-parameter';
      readonly parameterNumber: number;
      readonly value: number;
    }
  | { readonly instruction: 'generate-image' } // GenImg 0x01
  | { readonly instruction: 'image-to-features'; readonly bufferId: FeatureBufferId } // Img2Tz 0x02
  | { readonly instruction: 'match' } // Match 0x03
  | {
      readonly instruction: 'search'; // Search 0x04
      readonly bufferId: FeatureBufferId;
      readonly startPage: number;
      readonly pageCount: number;
    }
  | {
      readonly instruction: 'high-speed-search'; // HighSpeedSearch 0x1B: same frames as Search
      readonly bufferId: FeatureBufferId;
      readonly startPage: number;
      readonly pageCount: number;
    }
  | { readonly instruction: 'register-model' } // RegModel 0x05
  | { readonly instruction: 'store'; readonly bufferId: FeatureBufferId; readonly pageId: number } // Store 0x06
  | { readonly instruction: 'load-template'; readonly bufferId: FeatureBufferId; readonly pageId: number } // LoadChar 0x07
  | { readonly instruction: 'upload-features'; readonly bufferId: FeatureBufferId } // UpChar 0x08
  | { readonly instruction: 'download-features'; readonly bufferId: FeatureBufferId } // DownChar 0x09
  | { readonly instruction: 'upload-image' } // UpImage 0x0A
  | { readonly instruction: 'download-image' } // DownImage 0x0B: the host sends an image in data packets
  | { readonly instruction: 'delete-templates'; readonly startPage: number; readonly count: number } // DeletChar 0x0C
  | { readonly instruction: 'empty-library' } // Empty 0x0D
  | { readonly instruction: 'get-random-code' } // GetRandomCode 0x14
  | {
      // PortControl 0x17: 0 turns the module's other port off, 1 on (on a UART module, its USB
      // port). A raw byte: the module, not the parser, answers a code that is neither.
      readonly instruction: 'port-control';
      readonly controlCode: number;
    }
  | { readonly instruction: 'template-count' } // TempleteNum 0x1D (sic)
  | { readonly instruction: 'read-index-table'; readonly indexPage: number } // ReadIndexTable 0x1F (ReadConList on ZFM-70)
  | {
      // AuraLedConfig 0x35 (R503 class). Raw bytes, as the module receives them.
      readonly instruction: 'aura-led';
      readonly control: number;
      readonly speed: number;
      readonly colourIndex: number;
      readonly cycles: number;
    }
  | { readonly instruction: 'check-sensor' } // CheckSensor 0x36 (R503 class)
  | { readonly instruction: 'handshake' } // HandShake 0x40 (R503 class)
  | { readonly instruction: 'backlight-on' } // OpenLED 0x50 (ZFM-70)
  | { readonly instruction: 'backlight-off' } // CloseLED 0x51 (ZFM-70)
  | { readonly instruction: 'echo' }; // GetEcho 0x53 (ZFM-70 "handshake"; answers 0x55, not 0x00)

export type InstructionName = FingerprintCommand['instruction'];

export const instructionCodes = {
  'generate-image': 0x01,
  'image-to-features': 0x02,
  match: 0x03,
  search: 0x04,
  'register-model': 0x05,
  store: 0x06,
  'load-template': 0x07,
  'upload-features': 0x08,
  'download-features': 0x09,
  'upload-image': 0x0a,
  'download-image': 0x0b,
  'delete-templates': 0x0c,
  'empty-library': 0x0d,
  'set-system-parameter': 0x0e,
  'read-system-parameters': 0x0f,
  'verify-password': 0x13,
  'get-random-code': 0x14,
  'port-control': 0x17,
  'high-speed-search': 0x1b,
  'template-count': 0x1d,
  'read-index-table': 0x1f,
  'aura-led': 0x35,
  'check-sensor': 0x36,
  handshake: 0x40,
  'backlight-on': 0x50,
  'backlight-off': 0x51,
  echo: 0x53,
} as const satisfies Record<InstructionName, number>;

/**
 * GetEcho (0x53, ZFM-70 manual §6.3.5) is the one instruction whose "all is well" answer is not
 * 0x00: the module answers 0x55, the same byte it sends on its own at power-on.
 */
export const ECHO_READY_CODE = 0x55;

/** Instructions without parameters: the payload is the instruction code alone. */
const bareInstructions = [
  'read-system-parameters',
  'generate-image',
  'match',
  'register-model',
  'upload-image',
  'download-image',
  'empty-library',
  'get-random-code',
  'template-count',
  'check-sensor',
  'handshake',
  'backlight-on',
  'backlight-off',
  'echo',
] as const satisfies readonly InstructionName[];

type BareInstruction = (typeof bareInstructions)[number];

const bareInstructionByCode: ReadonlyMap<number, BareInstruction> = new Map(
  bareInstructions.map((instruction) => [instructionCodes[instruction], instruction]),
);

export function encodeCommandPayload(command: FingerprintCommand): Uint8Array {
  const code = instructionCodes[command.instruction];
  switch (command.instruction) {
    case 'verify-password': {
      const payload = new Uint8Array(5);
      payload[0] = code;
      writeUint32(payload, 1, command.password);
      return payload;
    }
    case 'set-system-parameter':
      return Uint8Array.of(code, command.parameterNumber & 0xff, command.value & 0xff);
    case 'image-to-features':
    case 'upload-features':
    case 'download-features':
      return Uint8Array.of(code, command.bufferId);
    case 'search':
    case 'high-speed-search': {
      const payload = Uint8Array.of(code, command.bufferId, 0, 0, 0, 0);
      writeUint16(payload, 2, command.startPage);
      writeUint16(payload, 4, command.pageCount);
      return payload;
    }
    case 'store':
    case 'load-template': {
      const payload = Uint8Array.of(code, command.bufferId, 0, 0);
      writeUint16(payload, 2, command.pageId);
      return payload;
    }
    case 'delete-templates': {
      const payload = Uint8Array.of(code, 0, 0, 0, 0);
      writeUint16(payload, 1, command.startPage);
      writeUint16(payload, 3, command.count);
      return payload;
    }
    case 'read-index-table':
      return Uint8Array.of(code, command.indexPage & 0xff);
    case 'port-control':
      return Uint8Array.of(code, command.controlCode & 0xff);
    case 'aura-led':
      return Uint8Array.of(code, command.control & 0xff, command.speed & 0xff, command.colourIndex & 0xff, command.cycles & 0xff);
    case 'read-system-parameters':
    case 'generate-image':
    case 'match':
    case 'register-model':
    case 'upload-image':
    case 'download-image':
    case 'empty-library':
    case 'get-random-code':
    case 'template-count':
    case 'check-sensor':
    case 'handshake':
    case 'backlight-on':
    case 'backlight-off':
    case 'echo':
      return Uint8Array.of(code);
    default:
      return assertNever(command);
  }
}

export function encodeCommandPacket(address: number, command: FingerprintCommand): Uint8Array {
  return encodePacket({ address, kind: 'command', payload: encodeCommandPayload(command) });
}

export type DecodedCommand =
  | { readonly ok: true; readonly command: FingerprintCommand }
  | { readonly ok: false; readonly reason: 'unsupported-instruction' | 'malformed-parameters'; readonly instructionCode: number };

/** The module's side of `encodeCommandPayload`, used by the simulator. */
export function decodeCommandPayload(payload: Uint8Array): DecodedCommand {
  const code = payload[0];
  if (code === undefined) return { ok: false, reason: 'malformed-parameters', instructionCode: -1 };
  const malformed = { ok: false, reason: 'malformed-parameters', instructionCode: code } as const;
  const expectLength = (length: number): boolean => payload.length === length;
  const bufferIdAt = (offset: number): FeatureBufferId | undefined => {
    const value = payload[offset];
    return value === 1 || value === 2 ? value : undefined;
  };
  const bare = bareInstructionByCode.get(code);
  if (bare !== undefined) return expectLength(1) ? { ok: true, command: { instruction: bare } } : malformed;
  switch (code) {
    case instructionCodes['verify-password']:
      return expectLength(5) ? { ok: true, command: { instruction: 'verify-password', password: readUint32(payload, 1) } } : malformed;
    case instructionCodes['set-system-parameter']:
      return expectLength(3)
        ? { ok: true, command: { instruction: 'set-system-parameter', parameterNumber: payload[1] ?? 0, value: payload[2] ?? 0 } }
        : malformed;
    case instructionCodes['image-to-features']:
    case instructionCodes['upload-features']:
    case instructionCodes['download-features']: {
      const bufferId = bufferIdAt(1);
      if (!expectLength(2) || bufferId === undefined) return malformed;
      const instruction =
        code === instructionCodes['image-to-features']
          ? 'image-to-features'
          : code === instructionCodes['upload-features']
            ? 'upload-features'
            : 'download-features';
      return { ok: true, command: { instruction, bufferId } };
    }
    case instructionCodes.search:
    case instructionCodes['high-speed-search']: {
      const bufferId = bufferIdAt(1);
      if (!expectLength(6) || bufferId === undefined) return malformed;
      return {
        ok: true,
        command: {
          instruction: code === instructionCodes.search ? 'search' : 'high-speed-search',
          bufferId,
          startPage: readUint16(payload, 2),
          pageCount: readUint16(payload, 4),
        },
      };
    }
    case instructionCodes.store:
    case instructionCodes['load-template']: {
      const bufferId = bufferIdAt(1);
      if (!expectLength(4) || bufferId === undefined) return malformed;
      const instruction = code === instructionCodes.store ? 'store' : 'load-template';
      return { ok: true, command: { instruction, bufferId, pageId: readUint16(payload, 2) } };
    }
    case instructionCodes['delete-templates']:
      return expectLength(5)
        ? { ok: true, command: { instruction: 'delete-templates', startPage: readUint16(payload, 1), count: readUint16(payload, 3) } }
        : malformed;
    case instructionCodes['read-index-table']:
      return expectLength(2) ? { ok: true, command: { instruction: 'read-index-table', indexPage: payload[1] ?? 0 } } : malformed;
    case instructionCodes['port-control']:
      return expectLength(2) ? { ok: true, command: { instruction: 'port-control', controlCode: payload[1] ?? 0 } } : malformed;
    case instructionCodes['aura-led']:
      return expectLength(5)
        ? {
            ok: true,
            command: { instruction: 'aura-led', control: payload[1] ?? 0, speed: payload[2] ?? 0, colourIndex: payload[3] ?? 0, cycles: payload[4] ?? 0 },
          }
        : malformed;
    default:
      return { ok: false, reason: 'unsupported-instruction', instructionCode: code };
  }
}

// ---------------------------------------------------------------------------------------------
// Confirmation codes (first payload byte of every acknowledgement)

/**
 * 0x00–0x21 are common to the R30x, ZFM-20 and AS608 datasheets. Above 0x21 the vendors disagree
 * (the same code means "template empty" on one manual and "template not empty" on another), so
 * only the codes no manual contradicts get a name: 0x26 and 0x27 (every manual), 0x29 (R503
 * manual: "sensor is abnormal", the CheckSensor failure; no other manual uses 0x29), 0xFC (R503
 * manual's code table: "unsupported command", what an R503 answers to an instruction it does not
 * have; no other manual uses it). The rest surface as `unrecognised-code` with the raw value kept
 * for the service log.
 */
const confirmationOutcomesByCode = {
  0x00: 'ok',
  0x01: 'packet-receive-error',
  0x02: 'no-finger',
  0x03: 'finger-capture-failed',
  0x04: 'image-too-dry',
  0x05: 'image-too-wet',
  0x06: 'image-too-messy',
  0x07: 'too-few-feature-points',
  0x08: 'no-match',
  0x09: 'not-found',
  0x0a: 'combine-failed',
  0x0b: 'page-beyond-library',
  0x0c: 'template-read-failed',
  0x0d: 'template-upload-failed',
  0x0e: 'data-receive-refused',
  0x0f: 'image-upload-failed',
  0x10: 'delete-failed',
  0x11: 'clear-library-failed',
  0x12: 'low-power-refused',
  0x13: 'wrong-password',
  0x14: 'reset-failed',
  0x15: 'no-valid-image',
  0x16: 'firmware-upgrade-failed',
  0x17: 'finger-not-moved',
  0x18: 'flash-error',
  0x19: 'unspecified-module-error',
  0x1a: 'invalid-register',
  0x1b: 'invalid-register-value',
  0x1c: 'invalid-notepad-page',
  0x1d: 'port-operation-failed',
  0x1e: 'automatic-enroll-failed',
  0x1f: 'library-full',
  0x20: 'address-error',
  0x21: 'password-required',
  0x26: 'module-timeout',
  0x27: 'fingerprint-already-exists',
  0x29: 'sensor-abnormal',
  0xfc: 'unsupported-instruction',
} as const;

export type ConfirmationOutcome = (typeof confirmationOutcomesByCode)[keyof typeof confirmationOutcomesByCode] | 'unrecognised-code';

/** What the desk operator reads. Keyed by every outcome, so adding one without a sentence fails to compile. */
const operatorSentences: Record<ConfirmationOutcome, string> = {
  ok: 'The fingerprint reader completed the step.',
  'packet-receive-error': 'The fingerprint reader did not understand the last request. Try again; if it repeats, reconnect the reader.',
  'no-finger': 'No finger is on the reader. Ask the patient to place a finger flat on the glass.',
  'finger-capture-failed': 'The reader could not take a picture of the finger. Ask the patient to press the finger flat and still, then try again.',
  'image-too-dry': 'The finger is too dry or pressed too lightly. Ask the patient to moisten the finger slightly and press a little harder.',
  'image-too-wet': 'The finger is too wet or smudged. Ask the patient to dry the finger, wipe the glass, and try again.',
  'image-too-messy': 'The fingerprint image is too unclear to read. Wipe the glass, ask the patient to press the finger flat and still, and try again.',
  'too-few-feature-points': 'Too little of the fingerprint was captured. Ask the patient to cover more of the glass with the centre of the finger.',
  'no-match': 'The fingerprint does not match the enrolled fingerprint.',
  'not-found': "This fingerprint is not in the reader's library.",
  'combine-failed': 'The two fingerprint captures do not look like the same finger. Start enrolment again with one finger only.',
  'page-beyond-library': 'The requested library slot does not exist on this reader.',
  'template-read-failed': 'The reader could not read the stored fingerprint, or it is damaged. Enrol the finger again.',
  'template-upload-failed': 'The reader could not send the fingerprint template to the desk. Try again.',
  'data-receive-refused': 'The reader could not accept the fingerprint template from the desk. Try again.',
  'image-upload-failed': 'The reader could not send the fingerprint image to the desk. Try again.',
  'delete-failed': 'The reader could not delete the stored fingerprint.',
  'clear-library-failed': 'The reader could not clear its fingerprint library.',
  'low-power-refused': 'The reader could not enter its low-power state.',
  'wrong-password': "The fingerprint reader refused the desk's password. Ask IT to check the reader password in the desk settings.",
  'reset-failed': 'The reader could not restart itself. Unplug it and plug it back in.',
  'no-valid-image': 'There was no usable fingerprint image to read. Ask the patient to place the finger again.',
  'firmware-upgrade-failed': "The reader's firmware update failed. Ask IT for help.",
  'finger-not-moved': 'The finger was not lifted between the two captures. Ask the patient to lift the finger and place it again.',
  'flash-error': "The reader's internal memory failed. The reader may need replacing; ask IT for help.",
  'unspecified-module-error': 'The fingerprint reader reported an internal error. Try again; if it repeats, reconnect the reader.',
  'invalid-register': 'The reader rejected a settings change (unknown setting). Ask IT to check the reader configuration.',
  'invalid-register-value': 'The reader rejected a settings change (value out of range). Ask IT to check the reader configuration.',
  'invalid-notepad-page': 'The reader rejected a notepad page number.',
  'port-operation-failed': 'The reader could not operate its communication port. Reconnect the reader.',
  'automatic-enroll-failed': "The reader's automatic enrolment failed. Try enrolling again.",
  'library-full': "The reader's fingerprint library is full. Ask IT to clear unused fingerprints from the reader.",
  'address-error': 'The fingerprint reader reported an address error. Ask IT to check the reader address in the desk settings.',
  'password-required': 'The fingerprint reader is locked with a password the desk has not given yet. Reconnect the reader from the desk settings.',
  'module-timeout': 'The fingerprint reader gave up waiting. Try again.',
  'fingerprint-already-exists': 'This fingerprint is already stored on the reader.',
  'sensor-abnormal':
    'The fingerprint reader reports that its sensor is faulty. Wipe the glass and reconnect the reader; if it repeats, the reader needs replacing.',
  'unsupported-instruction': 'This fingerprint reader model does not support the request. Ask IT to check that the reader model in the desk settings is right.',
  'unrecognised-code': 'The fingerprint reader answered with a code this desk does not know. Try again; if it repeats, ask IT for help.',
};

export interface Confirmation {
  readonly code: number;
  readonly outcome: ConfirmationOutcome;
  readonly sentence: string;
}

const outcomeByCode: ReadonlyMap<number, ConfirmationOutcome> = new Map(
  Object.entries(confirmationOutcomesByCode).map(([code, outcome]) => [Number(code), outcome]),
);
const codeByOutcome: ReadonlyMap<ConfirmationOutcome, number> = new Map([...outcomeByCode].map(([code, outcome]) => [outcome, code]));

export function describeConfirmation(code: number): Confirmation {
  const outcome = outcomeByCode.get(code) ?? 'unrecognised-code';
  return { code, outcome, sentence: operatorSentences[outcome] };
}

/** The inverse, for the simulator: each named outcome has exactly one code. */
export function confirmationCodeOf(outcome: Exclude<ConfirmationOutcome, 'unrecognised-code'>): number {
  const code = codeByOutcome.get(outcome);
  // Unreachable while the table above has every outcome; kept so a broken table is loud, not 0x00.
  if (code === undefined) throw new RangeError(`No confirmation code for ${outcome}`);
  return code;
}

export function encodeAcknowledgementPayload(code: number, parameters: Uint8Array = new Uint8Array(0)): Uint8Array {
  const payload = new Uint8Array(1 + parameters.length);
  payload[0] = code;
  payload.set(parameters, 1);
  return payload;
}

// ---------------------------------------------------------------------------------------------
// Acknowledgement parameters

export type ParseResult<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly reason: string };

export interface StatusRegister {
  /** The module is executing a command. */
  readonly isBusy: boolean;
  /** The last search or match found a matching finger ("Pass" bit). */
  readonly hasMatched: boolean;
  /** The handshake password has been verified ("PWD" bit). */
  readonly isPasswordVerified: boolean;
  /** The image buffer holds a valid image ("ImgBufStat" bit). */
  readonly hasValidImage: boolean;
}

export type PacketSizeBytes = 32 | 64 | 128 | 256;
export type PacketSizeCode = 0 | 1 | 2 | 3;

export interface SystemParameters {
  readonly status: StatusRegister;
  readonly systemIdentifier: number;
  /** Number of template slots ("pages") in the on-module library. */
  readonly librarySize: number;
  /** Matching strictness, 1 (most permissive) to 5 (strictest). */
  readonly securityLevel: number;
  readonly deviceAddress: number;
  readonly packetSizeCode: PacketSizeCode;
  /** Largest payload of one data packet, in bytes, for UpChar/DownChar transfers. */
  readonly packetSizeBytes: PacketSizeBytes;
  /** Baud = 9600 × multiplier (the module stores N, 1–12). */
  readonly baudMultiplier: number;
  readonly baudRate: number;
}

export const SYSTEM_PARAMETERS_BYTES = 16;

export function packetSizeBytesOf(code: PacketSizeCode): PacketSizeBytes {
  switch (code) {
    case 0:
      return 32;
    case 1:
      return 64;
    case 2:
      return 128;
    case 3:
      return 256;
    default:
      return assertNever(code);
  }
}

/** `parameters` are the 16 bytes after the confirmation code of a ReadSysPara acknowledgement. */
export function parseSystemParameters(parameters: Uint8Array): ParseResult<SystemParameters> {
  if (parameters.length !== SYSTEM_PARAMETERS_BYTES) {
    return { ok: false, reason: `system parameters are ${SYSTEM_PARAMETERS_BYTES} bytes, got ${parameters.length}` };
  }
  const statusBits = readUint16(parameters, 0);
  const packetSizeCode = readUint16(parameters, 12);
  const baudMultiplier = readUint16(parameters, 14);
  if (packetSizeCode !== 0 && packetSizeCode !== 1 && packetSizeCode !== 2 && packetSizeCode !== 3) {
    return { ok: false, reason: `packet size code must be 0-3, got ${packetSizeCode}` };
  }
  if (baudMultiplier < 1 || baudMultiplier > 12) {
    return { ok: false, reason: `baud multiplier must be 1-12, got ${baudMultiplier}` };
  }
  return {
    ok: true,
    value: {
      status: {
        isBusy: (statusBits & 0b0001) !== 0,
        hasMatched: (statusBits & 0b0010) !== 0,
        isPasswordVerified: (statusBits & 0b0100) !== 0,
        hasValidImage: (statusBits & 0b1000) !== 0,
      },
      systemIdentifier: readUint16(parameters, 2),
      librarySize: readUint16(parameters, 4),
      securityLevel: readUint16(parameters, 6),
      deviceAddress: readUint32(parameters, 8),
      packetSizeCode,
      packetSizeBytes: packetSizeBytesOf(packetSizeCode),
      baudMultiplier,
      baudRate: 9600 * baudMultiplier,
    },
  };
}

export function encodeSystemParameters(parameters: Omit<SystemParameters, 'packetSizeBytes' | 'baudRate'>): Uint8Array {
  const bytes = new Uint8Array(SYSTEM_PARAMETERS_BYTES);
  const { status } = parameters;
  const statusBits =
    (status.isBusy ? 0b0001 : 0) | (status.hasMatched ? 0b0010 : 0) | (status.isPasswordVerified ? 0b0100 : 0) | (status.hasValidImage ? 0b1000 : 0);
  writeUint16(bytes, 0, statusBits);
  writeUint16(bytes, 2, parameters.systemIdentifier);
  writeUint16(bytes, 4, parameters.librarySize);
  writeUint16(bytes, 6, parameters.securityLevel);
  writeUint32(bytes, 8, parameters.deviceAddress);
  writeUint16(bytes, 12, parameters.packetSizeCode);
  writeUint16(bytes, 14, parameters.baudMultiplier);
  return bytes;
}

/** Match (0x03) answers a 2-byte score after the confirmation code. */
export function parseMatchScore(parameters: Uint8Array): ParseResult<number> {
  return parameters.length === 2 ? { ok: true, value: readUint16(parameters, 0) } : { ok: false, reason: `match score is 2 bytes, got ${parameters.length}` };
}

/** Search (0x04) answers the page id found and its score. */
export function parseSearchResult(parameters: Uint8Array): ParseResult<{ readonly pageId: number; readonly score: number }> {
  return parameters.length === 4
    ? { ok: true, value: { pageId: readUint16(parameters, 0), score: readUint16(parameters, 2) } }
    : { ok: false, reason: `search result is 4 bytes, got ${parameters.length}` };
}

/** TempleteNum (0x1D) answers the number of stored templates. */
export function parseTemplateCount(parameters: Uint8Array): ParseResult<number> {
  return parameters.length === 2
    ? { ok: true, value: readUint16(parameters, 0) }
    : { ok: false, reason: `template count is 2 bytes, got ${parameters.length}` };
}

/** GetRandomCode (0x14) answers a 4-byte random number. */
export function parseRandomCode(parameters: Uint8Array): ParseResult<number> {
  return parameters.length === 4 ? { ok: true, value: readUint32(parameters, 0) } : { ok: false, reason: `random code is 4 bytes, got ${parameters.length}` };
}

/** Library slots described by one ReadIndexTable page. */
export const INDEX_TABLE_PAGE_SLOTS = 256;
export const INDEX_TABLE_BYTES = INDEX_TABLE_PAGE_SLOTS / 8;

/**
 * ReadIndexTable (0x1F) answers 32 bytes for one index page of 256 slots. Byte i covers slots
 * 8i…8i+7 of that page and bit b (0 = least significant) is slot 8i+b: the manuals' table lists
 * "template number 7 6 5 4 3 2 1 0" over the bits of the lowest byte, and pyfingerprint reads it
 * the same way. Returns the used slot numbers (library page ids), ascending.
 */
export function parseIndexTable(indexPage: number, parameters: Uint8Array): ParseResult<number[]> {
  if (parameters.length !== INDEX_TABLE_BYTES) {
    return { ok: false, reason: `index table is ${INDEX_TABLE_BYTES} bytes, got ${parameters.length}` };
  }
  const used: number[] = [];
  parameters.forEach((byte, index) => {
    for (let bit = 0; bit < 8; bit += 1) {
      if ((byte >> bit) & 1) used.push(indexPage * INDEX_TABLE_PAGE_SLOTS + index * 8 + bit);
    }
  });
  return { ok: true, value: used };
}

/** The module's side of `parseIndexTable`: slots outside this page are ignored. */
export function encodeIndexTable(indexPage: number, usedPageIds: Iterable<number>): Uint8Array {
  const bytes = new Uint8Array(INDEX_TABLE_BYTES);
  const first = indexPage * INDEX_TABLE_PAGE_SLOTS;
  for (const pageId of usedPageIds) {
    const slot = pageId - first;
    if (slot < 0 || slot >= INDEX_TABLE_PAGE_SLOTS) continue;
    bytes[slot >> 3] = (bytes[slot >> 3] ?? 0) | (1 << (slot & 7));
  }
  return bytes;
}

/**
 * UpImage (0x0A) sends the image buffer as data packets, two pixels per byte (the high nibble of
 * each 8-bit pixel, left pixel first): 256 × 288 pixels = 36,864 bytes on the R30x / ZFM-20 /
 * AS608 (R30x manual, "Buffer"; pyfingerprint's downloadImage decodes exactly this).
 */
export function imageTransferBytes(widthPixels: number, heightPixels: number): number {
  return (widthPixels * heightPixels) / 2;
}

export function uint16Bytes(value: number): Uint8Array {
  const bytes = new Uint8Array(2);
  writeUint16(bytes, 0, value);
  return bytes;
}

// ---------------------------------------------------------------------------------------------
// Multi-packet transfers (UpChar / DownChar / UpImage)

/**
 * Splits a template into data packets of at most `packetSizeBytes` payload each; the last one is
 * an end-of-data packet, which is how the receiver knows the transfer is complete (there is no
 * total length anywhere in the protocol).
 */
export function splitIntoDataPackets(address: number, data: Uint8Array, packetSizeBytes: PacketSizeBytes): Packet[] {
  if (data.length === 0) throw new RangeError('A transfer needs at least one byte');
  const packets: Packet[] = [];
  for (let offset = 0; offset < data.length; offset += packetSizeBytes) {
    const end = Math.min(offset + packetSizeBytes, data.length);
    packets.push({ address, kind: end === data.length ? 'end-of-data' : 'data', payload: data.slice(offset, end) });
  }
  return packets;
}

// ---------------------------------------------------------------------------------------------
// Incremental decoding

export type FrameError =
  /** A complete frame whose checksum does not add up: the bytes were damaged on the wire. */
  | { readonly kind: 'bad-checksum'; readonly expected: number; readonly received: number }
  /** A frame that stopped before its declared length (seen when another header arrives inside it, or at `flush`). */
  | { readonly kind: 'truncated-frame'; readonly declaredBytes: number; readonly receivedBytes: number }
  /** An EF 01 followed by an unknown packet identifier: garbage that happened to look like a header. */
  | { readonly kind: 'invalid-packet-identifier'; readonly identifier: number }
  /** An EF 01 followed by an impossible length: garbage that happened to look like a header. */
  | { readonly kind: 'invalid-length'; readonly length: number }
  /** Bytes outside any frame, skipped while looking for the next header. */
  | { readonly kind: 'discarded-bytes'; readonly count: number };

export type DecoderEvent = { readonly type: 'packet'; readonly packet: Packet } | { readonly type: 'error'; readonly error: FrameError };

/**
 * Turns a stream of arbitrary chunks into packets. Serial reads split and merge frames at random,
 * so nothing here assumes a chunk boundary means anything. On any damage it resynchronises by
 * searching for the next EF 01 rather than dropping everything buffered, because a damaged frame
 * is often followed immediately by a good one (the module's next reply).
 */
export class PacketDecoder {
  private buffer: Uint8Array = new Uint8Array(0);

  /** Bytes held while waiting for the rest of a frame. */
  get pendingByteCount(): number {
    return this.buffer.length;
  }

  push(chunk: Uint8Array): DecoderEvent[] {
    this.buffer = concatBytes(this.buffer, chunk);
    const events: DecoderEvent[] = [];
    this.drain(events);
    return events;
  }

  /**
   * Declares that no more bytes are coming for now (the caller's timeout expired): a partly
   * received frame is reported as truncated, any complete frames after it are still decoded, and
   * the decoder is left empty.
   */
  flush(): DecoderEvent[] {
    const events: DecoderEvent[] = [];
    this.drain(events);
    while (this.buffer.length > 0) {
      if (this.buffer.length >= 2 && startsWithHeader(this.buffer, 0)) {
        events.push({ type: 'error', error: { kind: 'truncated-frame', declaredBytes: this.declaredFrameBytes(), receivedBytes: this.buffer.length } });
        // The truncated frame's bytes are accounted for by this report; a complete frame may
        // still start inside them, so resume at the next header rather than dropping everything.
        const innerHeaderAt = findHeader(this.buffer, 2);
        this.buffer = innerHeaderAt === -1 ? new Uint8Array(0) : this.buffer.subarray(innerHeaderAt);
        this.drain(events);
      } else {
        events.push({ type: 'error', error: { kind: 'discarded-bytes', count: this.buffer.length } });
        this.buffer = new Uint8Array(0);
      }
    }
    return events;
  }

  /** Forgets everything buffered without reporting it (used when the caller already knows the link is dirty). */
  reset(): void {
    this.buffer = new Uint8Array(0);
  }

  private declaredFrameBytes(): number {
    if (this.buffer.length < FRAME_PREFIX_BYTES) return FRAME_PREFIX_BYTES;
    return FRAME_PREFIX_BYTES + readUint16(this.buffer, 7);
  }

  private drain(events: DecoderEvent[]): void {
    for (;;) {
      const headerAt = findHeader(this.buffer, 0);
      if (headerAt === -1) {
        // A lone trailing 0xEF may be the first half of the next header: keep it.
        const keep = this.buffer.at(-1) === FRAME_HEADER[0] ? 1 : 0;
        this.discard(this.buffer.length - keep, events);
        return;
      }
      this.discard(headerAt, events);
      if (this.buffer.length < FRAME_PREFIX_BYTES) return;

      const identifier = this.buffer[6] ?? 0;
      const kind = packetKindOf(identifier);
      if (kind === undefined) {
        events.push({ type: 'error', error: { kind: 'invalid-packet-identifier', identifier } });
        this.buffer = this.buffer.subarray(2);
        continue;
      }
      const length = readUint16(this.buffer, 7);
      if (length < CHECKSUM_BYTES || length > MAX_PAYLOAD_BYTES + CHECKSUM_BYTES) {
        events.push({ type: 'error', error: { kind: 'invalid-length', length } });
        this.buffer = this.buffer.subarray(2);
        continue;
      }
      const frameBytes = FRAME_PREFIX_BYTES + length;
      if (this.buffer.length < frameBytes) return;

      const payload = this.buffer.slice(FRAME_PREFIX_BYTES, frameBytes - CHECKSUM_BYTES);
      const received = readUint16(this.buffer, frameBytes - CHECKSUM_BYTES);
      const expected = checksumOf(identifier, length, payload);
      if (received === expected) {
        events.push({ type: 'packet', packet: { address: readUint32(this.buffer, 2), kind, payload } });
        this.buffer = this.buffer.subarray(frameBytes);
        continue;
      }
      // A header inside a frame that fails its checksum means the frame was cut short and the
      // next one began where its tail should have been: report it as truncated and resume at that
      // header. (Inside a frame whose checksum is good, EF 01 is just template data.)
      const innerHeaderAt = findHeader(this.buffer.subarray(0, frameBytes), 2);
      if (innerHeaderAt !== -1) {
        events.push({ type: 'error', error: { kind: 'truncated-frame', declaredBytes: frameBytes, receivedBytes: innerHeaderAt } });
        this.buffer = this.buffer.subarray(innerHeaderAt);
      } else {
        events.push({ type: 'error', error: { kind: 'bad-checksum', expected, received } });
        this.buffer = this.buffer.subarray(frameBytes);
      }
    }
  }

  private discard(count: number, events: DecoderEvent[]): void {
    if (count <= 0) return;
    events.push({ type: 'error', error: { kind: 'discarded-bytes', count } });
    this.buffer = this.buffer.subarray(count);
  }
}

// ---------------------------------------------------------------------------------------------
// Byte helpers

export function formatAddress(address: number): string {
  return `0x${(address >>> 0).toString(16).toUpperCase().padStart(8, '0')}`;
}

export function formatHex(bytes: Uint8Array): string {
  return [...bytes].map((byte) => byte.toString(16).toUpperCase().padStart(2, '0')).join(' ');
}

function findHeader(bytes: Uint8Array, from: number): number {
  for (let index = from; index + 1 < bytes.length; index += 1) {
    if (startsWithHeader(bytes, index)) return index;
  }
  return -1;
}

function startsWithHeader(bytes: Uint8Array, index: number): boolean {
  return bytes[index] === FRAME_HEADER[0] && bytes[index + 1] === FRAME_HEADER[1];
}

function concatBytes(first: Uint8Array, second: Uint8Array): Uint8Array {
  if (first.length === 0) return second.slice();
  const joined = new Uint8Array(first.length + second.length);
  joined.set(first, 0);
  joined.set(second, first.length);
  return joined;
}

function readUint16(bytes: Uint8Array, offset: number): number {
  return ((bytes[offset] ?? 0) << 8) | (bytes[offset + 1] ?? 0);
}

function readUint32(bytes: Uint8Array, offset: number): number {
  return (((bytes[offset] ?? 0) << 24) | ((bytes[offset + 1] ?? 0) << 16) | ((bytes[offset + 2] ?? 0) << 8) | (bytes[offset + 3] ?? 0)) >>> 0;
}

function writeUint16(bytes: Uint8Array, offset: number, value: number): void {
  bytes[offset] = (value >> 8) & 0xff;
  bytes[offset + 1] = value & 0xff;
}

function writeUint32(bytes: Uint8Array, offset: number, value: number): void {
  bytes[offset] = (value >>> 24) & 0xff;
  bytes[offset + 1] = (value >>> 16) & 0xff;
  bytes[offset + 2] = (value >>> 8) & 0xff;
  bytes[offset + 3] = value & 0xff;
}

export function assertNever(value: never): never {
  throw new Error(`Unexpected value: ${JSON.stringify(value)}`);
}
