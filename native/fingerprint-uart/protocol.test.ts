import { describe, expect, it } from 'vitest';
import {
  PacketDecoder,
  confirmationCodeOf,
  decodeCommandPayload,
  describeConfirmation,
  encodeAcknowledgementPayload,
  encodeCommandPacket,
  encodeCommandPayload,
  encodePacket,
  encodeIndexTable,
  encodeSystemParameters,
  parseIndexTable,
  parseMatchScore,
  parseRandomCode,
  parseSearchResult,
  parseSystemParameters,
  splitIntoDataPackets,
  uint16Bytes,
  type DecoderEvent,
  type FingerprintCommand,
  type Packet,
} from './protocol';

const hex = (text: string): Uint8Array =>
  Uint8Array.from(
    text
      .trim()
      .split(/\s+/)
      .map((byte) => Number.parseInt(byte, 16)),
  );
const BROADCAST = 0xffffffff;

/**
 * Golden frames, each checksum worked out by hand from the datasheet rule
 * (low 16 bits of PID + length bytes + payload bytes) and written next to it.
 */
const goldenCommands: ReadonlyArray<readonly [string, number, FingerprintCommand, string]> = [
  // 01 + 00 + 03 + 01 = 0x0005
  ['GenImg', BROADCAST, { instruction: 'generate-image' }, 'EF 01 FF FF FF FF 01 00 03 01 00 05'],
  // 01 + 00 + 03 + 0F = 0x0013
  ['ReadSysPara', BROADCAST, { instruction: 'read-system-parameters' }, 'EF 01 FF FF FF FF 01 00 03 0F 00 13'],
  // 01 + 00 + 07 + 13 + 00 00 00 00 = 0x001B
  ['VfyPwd 0', BROADCAST, { instruction: 'verify-password', password: 0 }, 'EF 01 FF FF FF FF 01 00 07 13 00 00 00 00 00 1B'],
  // 01 + 07 + 13 + 12 + 34 + 56 + 78 = 1 + 7 + 19 + 18 + 52 + 86 + 120 = 303 = 0x012F (address is not summed)
  ['VfyPwd 12345678 at AABBCCDD', 0xaabbccdd, { instruction: 'verify-password', password: 0x12345678 }, 'EF 01 AA BB CC DD 01 00 07 13 12 34 56 78 01 2F'],
  // 01 + 04 + 02 + 01 = 0x0008
  ['Img2Tz 1', BROADCAST, { instruction: 'image-to-features', bufferId: 1 }, 'EF 01 FF FF FF FF 01 00 04 02 01 00 08'],
  // 01 + 04 + 02 + 02 = 0x0009
  ['Img2Tz 2', BROADCAST, { instruction: 'image-to-features', bufferId: 2 }, 'EF 01 FF FF FF FF 01 00 04 02 02 00 09'],
  // 01 + 03 + 03 = 0x0007
  ['Match', BROADCAST, { instruction: 'match' }, 'EF 01 FF FF FF FF 01 00 03 03 00 07'],
  // 01 + 08 + 04 + 01 + 00 00 + 00 A3 = 14 + 163 = 177 = 0x00B1
  ['Search 1 0..163', BROADCAST, { instruction: 'search', bufferId: 1, startPage: 0, pageCount: 0xa3 }, 'EF 01 FF FF FF FF 01 00 08 04 01 00 00 00 A3 00 B1'],
  // 01 + 03 + 05 = 0x0009
  ['RegModel', BROADCAST, { instruction: 'register-model' }, 'EF 01 FF FF FF FF 01 00 03 05 00 09'],
  // 01 + 06 + 06 + 01 + 00 05 = 0x0013
  ['Store 1 @5', BROADCAST, { instruction: 'store', bufferId: 1, pageId: 5 }, 'EF 01 FF FF FF FF 01 00 06 06 01 00 05 00 13'],
  // 01 + 04 + 08 + 01 = 0x000E
  ['UpChar 1', BROADCAST, { instruction: 'upload-features', bufferId: 1 }, 'EF 01 FF FF FF FF 01 00 04 08 01 00 0E'],
  // 01 + 04 + 09 + 02 = 0x0010
  ['DownChar 2', BROADCAST, { instruction: 'download-features', bufferId: 2 }, 'EF 01 FF FF FF FF 01 00 04 09 02 00 10'],
  // 01 + 03 + 0D = 0x0011
  ['Empty', BROADCAST, { instruction: 'empty-library' }, 'EF 01 FF FF FF FF 01 00 03 0D 00 11'],
  // 01 + 03 + 1D = 0x0021
  ['TempleteNum', BROADCAST, { instruction: 'template-count' }, 'EF 01 FF FF FF FF 01 00 03 1D 00 21'],
  // 01 + 04 + 1F + 02 = 0x0026
  ['ReadIndexTable 2', BROADCAST, { instruction: 'read-index-table', indexPage: 2 }, 'EF 01 FF FF FF FF 01 00 04 1F 02 00 26'],
  // 01 + 06 + 07 + 02 + 01 00 = 0x0011
  ['LoadChar 2 @256', BROADCAST, { instruction: 'load-template', bufferId: 2, pageId: 256 }, 'EF 01 FF FF FF FF 01 00 06 07 02 01 00 00 11'],
  // 01 + 07 + 0C + 00 0A + 00 03 = 0x0021
  ['DeletChar 10 ×3', BROADCAST, { instruction: 'delete-templates', startPage: 10, count: 3 }, 'EF 01 FF FF FF FF 01 00 07 0C 00 0A 00 03 00 21'],
  // 01 + 05 + 0E + 06 + 03 = 0x001D
  ['SetSysPara 6 ← 3', BROADCAST, { instruction: 'set-system-parameter', parameterNumber: 6, value: 3 }, 'EF 01 FF FF FF FF 01 00 05 0E 06 03 00 1D'],
  // 01 + 03 + 14 = 0x0018 (the R503 table prints this checksum)
  ['GetRandomCode', BROADCAST, { instruction: 'get-random-code' }, 'EF 01 FF FF FF FF 01 00 03 14 00 18'],
  // 01 + 03 + 0A = 0x000E
  ['UpImage', BROADCAST, { instruction: 'upload-image' }, 'EF 01 FF FF FF FF 01 00 03 0A 00 0E'],
  // 01 + 03 + 0B = 0x000F (the R503 table prints this checksum)
  ['DownImage', BROADCAST, { instruction: 'download-image' }, 'EF 01 FF FF FF FF 01 00 03 0B 00 0F'],
  // 01 + 04 + 17 + 00 = 0x001C (pyfingerprint's handShake())
  ['PortControl off', BROADCAST, { instruction: 'port-control', controlCode: 0 }, 'EF 01 FF FF FF FF 01 00 04 17 00 00 1C'],
  // 01 + 04 + 17 + 01 = 0x001D
  ['PortControl on', BROADCAST, { instruction: 'port-control', controlCode: 1 }, 'EF 01 FF FF FF FF 01 00 04 17 01 00 1D'],
  // 01 + 08 + 1B + 01 + 00 00 + 00 A3 = 0x00C8
  [
    'HighSpeedSearch 1 0..163',
    BROADCAST,
    { instruction: 'high-speed-search', bufferId: 1, startPage: 0, pageCount: 0xa3 },
    'EF 01 FF FF FF FF 01 00 08 1B 01 00 00 00 A3 00 C8',
  ],
  // 01 + 07 + 35 + 02 + 10 + 01 + 03 = 0x0053
  [
    'AuraLedConfig flash red ×3',
    BROADCAST,
    { instruction: 'aura-led', control: 2, speed: 0x10, colourIndex: 1, cycles: 3 },
    'EF 01 FF FF FF FF 01 00 07 35 02 10 01 03 00 53',
  ],
  // 01 + 03 + 36 = 0x003A
  ['CheckSensor', BROADCAST, { instruction: 'check-sensor' }, 'EF 01 FF FF FF FF 01 00 03 36 00 3A'],
  // 01 + 03 + 40 = 0x0044
  ['HandShake', BROADCAST, { instruction: 'handshake' }, 'EF 01 FF FF FF FF 01 00 03 40 00 44'],
  // 01 + 03 + 50 = 0x0054
  ['OpenLED', BROADCAST, { instruction: 'backlight-on' }, 'EF 01 FF FF FF FF 01 00 03 50 00 54'],
  // 01 + 03 + 51 = 0x0055
  ['CloseLED', BROADCAST, { instruction: 'backlight-off' }, 'EF 01 FF FF FF FF 01 00 03 51 00 55'],
  // 01 + 03 + 53 = 0x0057 (the ZFM-70 table prints this checksum)
  ['GetEcho', BROADCAST, { instruction: 'echo' }, 'EF 01 FF FF FF FF 01 00 03 53 00 57'],
];

/** Module → host frames. */
const goldenReplies: ReadonlyArray<readonly [string, Packet, string]> = [
  // 07 + 03 + 00 = 0x000A
  ['ack ok', { address: BROADCAST, kind: 'acknowledgement', payload: hex('00') }, 'EF 01 FF FF FF FF 07 00 03 00 00 0A'],
  // 07 + 03 + 02 = 0x000C
  ['ack no finger', { address: BROADCAST, kind: 'acknowledgement', payload: hex('02') }, 'EF 01 FF FF FF FF 07 00 03 02 00 0C'],
  // 07 + 05 + 00 + 00 64 = 12 + 100 = 0x0070
  ['match ok, score 100', { address: BROADCAST, kind: 'acknowledgement', payload: hex('00 00 64') }, 'EF 01 FF FF FF FF 07 00 05 00 00 64 00 70'],
  // 02 + 06 + 01 + 02 + 03 + 04 = 0x0012
  ['data packet', { address: BROADCAST, kind: 'data', payload: hex('01 02 03 04') }, 'EF 01 FF FF FF FF 02 00 06 01 02 03 04 00 12'],
  // 08 + 04 + 05 + 06 = 0x0017
  ['end-of-data packet', { address: BROADCAST, kind: 'end-of-data', payload: hex('05 06') }, 'EF 01 FF FF FF FF 08 00 04 05 06 00 17'],
  // 07 + 13 + [00 | 00 04 | 00 09 | 03 E8 | 00 03 | FF FF FF FF | 00 02 | 00 06]
  // = 26 + (4 + 9 + 3 + 232 + 3 + 1020 + 2 + 6) = 26 + 1279 = 1305 = 0x0519
  [
    'ReadSysPara ack',
    { address: BROADCAST, kind: 'acknowledgement', payload: hex('00 00 04 00 09 03 E8 00 03 FF FF FF FF 00 02 00 06') },
    'EF 01 FF FF FF FF 07 00 13 00 00 04 00 09 03 E8 00 03 FF FF FF FF 00 02 00 06 05 19',
  ],
];

function packetsOf(events: readonly DecoderEvent[]): Packet[] {
  return events.flatMap((event) => (event.type === 'packet' ? [event.packet] : []));
}

function errorKindsOf(events: readonly DecoderEvent[]): string[] {
  return events.flatMap((event) => (event.type === 'error' ? [event.error.kind] : []));
}

describe('encoding', () => {
  it.each(goldenCommands)('%s encodes to its golden frame', (_name, address, command, frame) => {
    expect(encodeCommandPacket(address, command)).toEqual(hex(frame));
  });

  it.each(goldenReplies)('%s encodes to its golden frame', (_name, packet, frame) => {
    expect(encodePacket(packet)).toEqual(hex(frame));
  });

  it('refuses a payload longer than the largest data packet', () => {
    expect(() => encodePacket({ address: BROADCAST, kind: 'data', payload: new Uint8Array(257) })).toThrow(RangeError);
  });

  it('round-trips every command through the module-side parser', () => {
    for (const [, , command] of goldenCommands) {
      expect(decodeCommandPayload(encodeCommandPayload(command))).toEqual({ ok: true, command });
    }
  });

  it('keeps SetSysPara, ReadIndexTable and AuraLedConfig values raw, so the module can answer 0x1A/0x1B itself', () => {
    expect(decodeCommandPayload(hex('0E 09 FF'))).toEqual({ ok: true, command: { instruction: 'set-system-parameter', parameterNumber: 9, value: 255 } });
    expect(decodeCommandPayload(hex('1F 09'))).toEqual({ ok: true, command: { instruction: 'read-index-table', indexPage: 9 } });
    expect(decodeCommandPayload(hex('0E 06'))).toEqual({ ok: false, reason: 'malformed-parameters', instructionCode: 0x0e });
    expect(decodeCommandPayload(hex('07 03 00 01'))).toEqual({ ok: false, reason: 'malformed-parameters', instructionCode: 0x07 });
    expect(decodeCommandPayload(hex('53 00'))).toEqual({ ok: false, reason: 'malformed-parameters', instructionCode: 0x53 });
    expect(decodeCommandPayload(hex('17 05'))).toEqual({ ok: true, command: { instruction: 'port-control', controlCode: 5 } });
    expect(decodeCommandPayload(hex('17'))).toEqual({ ok: false, reason: 'malformed-parameters', instructionCode: 0x17 });
  });

  it('rejects unknown instructions and bad buffer ids on the module side', () => {
    expect(decodeCommandPayload(hex('7F'))).toEqual({ ok: false, reason: 'unsupported-instruction', instructionCode: 0x7f });
    expect(decodeCommandPayload(hex('02 03'))).toEqual({ ok: false, reason: 'malformed-parameters', instructionCode: 0x02 });
    expect(decodeCommandPayload(hex('01 00'))).toEqual({ ok: false, reason: 'malformed-parameters', instructionCode: 0x01 });
  });

  it('splits a transfer into packets no larger than the packet size, ending with end-of-data', () => {
    const data = Uint8Array.from({ length: 300 }, (_, index) => index & 0xff);
    const packets = splitIntoDataPackets(BROADCAST, data, 128);
    expect(packets.map((packet) => [packet.kind, packet.payload.length])).toEqual([
      ['data', 128],
      ['data', 128],
      ['end-of-data', 44],
    ]);
    expect(splitIntoDataPackets(BROADCAST, new Uint8Array(64), 32).map((packet) => packet.kind)).toEqual(['data', 'end-of-data']);
    expect(() => splitIntoDataPackets(BROADCAST, new Uint8Array(0), 32)).toThrow(RangeError);
  });
});

describe('decoding', () => {
  it.each(goldenReplies)('%s decodes from its golden frame', (_name, packet, frame) => {
    const decoder = new PacketDecoder();
    expect(decoder.push(hex(frame))).toEqual([{ type: 'packet', packet }]);
    expect(decoder.pendingByteCount).toBe(0);
  });

  it('reassembles frames delivered one byte at a time', () => {
    const decoder = new PacketDecoder();
    const frames = goldenReplies.map(([, , frame]) => hex(frame));
    const events = frames.flatMap((frame) => [...frame].flatMap((byte) => decoder.push(Uint8Array.of(byte))));
    expect(packetsOf(events)).toEqual(goldenReplies.map(([, packet]) => packet));
    expect(errorKindsOf(events)).toEqual([]);
  });

  it('splits several frames arriving in one chunk', () => {
    const decoder = new PacketDecoder();
    const joined = hex(goldenReplies.map(([, , frame]) => frame).join(' '));
    expect(packetsOf(decoder.push(joined))).toHaveLength(goldenReplies.length);
  });

  it('skips garbage before a header, and a header split across chunks', () => {
    const decoder = new PacketDecoder();
    const first = decoder.push(hex('00 13 37 EF'));
    expect(first).toEqual([{ type: 'error', error: { kind: 'discarded-bytes', count: 3 } }]);
    const second = decoder.push(hex('01 FF FF FF FF 07 00 03 00 00 0A'));
    expect(packetsOf(second)).toEqual([{ address: BROADCAST, kind: 'acknowledgement', payload: hex('00') }]);
  });

  it('reports a bad checksum and decodes the next frame', () => {
    const decoder = new PacketDecoder();
    const events = decoder.push(hex('EF 01 FF FF FF FF 07 00 03 00 00 0B  EF 01 FF FF FF FF 07 00 03 02 00 0C'));
    expect(events[0]).toEqual({ type: 'error', error: { kind: 'bad-checksum', expected: 0x0a, received: 0x0b } });
    expect(packetsOf(events)).toEqual([{ address: BROADCAST, kind: 'acknowledgement', payload: hex('02') }]);
  });

  it('reports a frame cut short by the next one and decodes the next one', () => {
    const decoder = new PacketDecoder();
    // A 14-byte match ack that lost its last 4 bytes, then a complete ack.
    const events = decoder.push(hex('EF 01 FF FF FF FF 07 00 05 00  EF 01 FF FF FF FF 07 00 03 00 00 0A'));
    expect(events[0]).toEqual({ type: 'error', error: { kind: 'truncated-frame', declaredBytes: 14, receivedBytes: 10 } });
    expect(packetsOf(events)).toEqual([{ address: BROADCAST, kind: 'acknowledgement', payload: hex('00') }]);
  });

  it('reports a partial frame as truncated on flush and is then empty', () => {
    const decoder = new PacketDecoder();
    expect(decoder.push(hex('EF 01 FF FF FF FF 07 00 03 00'))).toEqual([]);
    expect(decoder.flush()).toEqual([{ type: 'error', error: { kind: 'truncated-frame', declaredBytes: 12, receivedBytes: 10 } }]);
    expect(decoder.pendingByteCount).toBe(0);
    expect(packetsOf(decoder.push(hex('EF 01 FF FF FF FF 07 00 03 00 00 0A')))).toHaveLength(1);
  });

  it('still decodes a complete frame buffered behind a truncated one on flush', () => {
    const decoder = new PacketDecoder();
    // A data packet declaring 130 bytes stops after 4; an ack follows, and the decoder cannot know
    // until flush that the data packet will never complete.
    expect(decoder.push(hex('EF 01 FF FF FF FF 02 00 82 AA BB  EF 01 FF FF FF FF 07 00 03 00 00 0A'))).toEqual([]);
    const events = decoder.flush();
    expect(errorKindsOf(events)).toContain('truncated-frame');
    expect(packetsOf(events)).toEqual([{ address: BROADCAST, kind: 'acknowledgement', payload: hex('00') }]);
  });

  it('resynchronises after a header with an unknown packet identifier or an impossible length', () => {
    const decoder = new PacketDecoder();
    const events = decoder.push(hex('EF 01 00 00 00 00 05 00 03  EF 01 FF FF FF FF 07 FF FF  EF 01 FF FF FF FF 07 00 03 00 00 0A'));
    expect(errorKindsOf(events).filter((kind) => kind !== 'discarded-bytes')).toEqual(['invalid-packet-identifier', 'invalid-length']);
    expect(packetsOf(events)).toHaveLength(1);
  });

  it('keeps EF 01 inside a valid payload as data', () => {
    const payload = hex('EF 01 EF 01 FF FF 07 00 03');
    const decoder = new PacketDecoder();
    const events = decoder.push(encodePacket({ address: BROADCAST, kind: 'data', payload }));
    expect(events).toEqual([{ type: 'packet', packet: { address: BROADCAST, kind: 'data', payload } }]);
  });

  it('survives random garbage around a template transfer split into random chunks', () => {
    // Deterministic pseudo-random generator so a failure is reproducible.
    let seed = 12345;
    const random = (): number => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed / 0x7fffffff;
    };
    const template = Uint8Array.from({ length: 512 }, () => Math.floor(random() * 256));
    const frames = splitIntoDataPackets(BROADCAST, template, 128).map(encodePacket);
    // Garbage without 0xEF, so it cannot accidentally form a header.
    const garbage = (): number[] => Array.from({ length: Math.floor(random() * 5) }, () => Math.floor(random() * 0xee));
    const stream = Uint8Array.from(frames.flatMap((frame) => [...garbage(), ...frame]));
    const decoder = new PacketDecoder();
    const events: DecoderEvent[] = [];
    for (let offset = 0; offset < stream.length;) {
      const size = 1 + Math.floor(random() * 40);
      events.push(...decoder.push(stream.subarray(offset, offset + size)));
      offset += size;
    }
    const packets = packetsOf(events);
    expect(packets.map((packet) => packet.kind)).toEqual(['data', 'data', 'data', 'end-of-data']);
    expect(Uint8Array.from(packets.flatMap((packet) => [...packet.payload]))).toEqual(template);
  });
});

describe('confirmation codes', () => {
  const named: ReadonlyArray<readonly [number, string]> = [
    [0x00, 'ok'],
    [0x01, 'packet-receive-error'],
    [0x02, 'no-finger'],
    [0x03, 'finger-capture-failed'],
    [0x06, 'image-too-messy'],
    [0x07, 'too-few-feature-points'],
    [0x08, 'no-match'],
    [0x09, 'not-found'],
    [0x0a, 'combine-failed'],
    [0x0b, 'page-beyond-library'],
    [0x0c, 'template-read-failed'],
    [0x0d, 'template-upload-failed'],
    [0x0e, 'data-receive-refused'],
    [0x0f, 'image-upload-failed'],
    [0x10, 'delete-failed'],
    [0x11, 'clear-library-failed'],
    [0x13, 'wrong-password'],
    [0x15, 'no-valid-image'],
    [0x18, 'flash-error'],
    [0x19, 'unspecified-module-error'],
    [0x1a, 'invalid-register'],
    [0x1b, 'invalid-register-value'],
    [0x1c, 'invalid-notepad-page'],
    [0x1f, 'library-full'],
    [0x20, 'address-error'],
    [0x21, 'password-required'],
  ];

  it.each(named)('0x%s has a named outcome and an operator sentence', (code, outcome) => {
    const confirmation = describeConfirmation(code);
    expect(confirmation.outcome).toBe(outcome);
    expect(confirmation.sentence).toMatch(/^[A-Z].*\.$/);
    expect(confirmationCodeOf(confirmation.outcome === 'unrecognised-code' ? 'ok' : confirmation.outcome)).toBe(code);
  });

  it('names 0x29, the R503 CheckSensor failure', () => {
    expect(describeConfirmation(0x29).outcome).toBe('sensor-abnormal');
    expect(confirmationCodeOf('sensor-abnormal')).toBe(0x29);
  });

  it('names 0xFC, the R503 answer to an instruction it does not have', () => {
    expect(describeConfirmation(0xfc).outcome).toBe('unsupported-instruction');
    expect(confirmationCodeOf('unsupported-instruction')).toBe(0xfc);
  });

  it('maps codes the datasheets do not agree on to unrecognised-code', () => {
    for (const code of [0x22, 0x23, 0x30, 0x99, 0xff]) expect(describeConfirmation(code).outcome).toBe('unrecognised-code');
  });

  it('builds acknowledgement payloads', () => {
    expect(encodeAcknowledgementPayload(0x08, uint16Bytes(0))).toEqual(hex('08 00 00'));
  });
});

describe('acknowledgement parameters', () => {
  const factoryParameters = hex('00 04 00 09 03 E8 00 03 FF FF FF FF 00 02 00 06');

  it('parses system parameters into typed fields', () => {
    expect(parseSystemParameters(factoryParameters)).toEqual({
      ok: true,
      value: {
        status: { isBusy: false, hasMatched: false, isPasswordVerified: true, hasValidImage: false },
        systemIdentifier: 9,
        librarySize: 1000,
        securityLevel: 3,
        deviceAddress: 0xffffffff,
        packetSizeCode: 2,
        packetSizeBytes: 128,
        baudMultiplier: 6,
        baudRate: 57_600,
      },
    });
  });

  it('round-trips system parameters and maps every packet size code', () => {
    const sizes = ([0, 1, 2, 3] as const).map((packetSizeCode) => {
      const bytes = encodeSystemParameters({
        status: { isBusy: true, hasMatched: true, isPasswordVerified: false, hasValidImage: true },
        systemIdentifier: 9,
        librarySize: 162,
        securityLevel: 5,
        deviceAddress: 0x01020304,
        packetSizeCode,
        baudMultiplier: 12,
      });
      const parsed = parseSystemParameters(bytes);
      if (!parsed.ok) throw new Error(parsed.reason);
      expect(parsed.value.status).toEqual({ isBusy: true, hasMatched: true, isPasswordVerified: false, hasValidImage: true });
      expect(parsed.value.baudRate).toBe(115_200);
      return parsed.value.packetSizeBytes;
    });
    expect(sizes).toEqual([32, 64, 128, 256]);
  });

  it('rejects impossible system parameters with a reason', () => {
    const badPacketSize = factoryParameters.slice();
    badPacketSize[13] = 4;
    expect(parseSystemParameters(badPacketSize)).toEqual({ ok: false, reason: 'packet size code must be 0-3, got 4' });
    expect(parseSystemParameters(factoryParameters.subarray(0, 15)).ok).toBe(false);
  });

  it('reads and writes the index table bit order of the manuals (slot 8i+b is bit b of byte i)', () => {
    const table = hex(`03 02 ${Array.from({ length: 29 }, () => '00').join(' ')} 80`);
    expect(parseIndexTable(0, table)).toEqual({ ok: true, value: [0, 1, 9, 255] });
    expect(parseIndexTable(1, hex(`01 ${Array.from({ length: 31 }, () => '00').join(' ')}`))).toEqual({ ok: true, value: [256] });
    expect(encodeIndexTable(0, [0, 1, 9, 255, 256, 700])).toEqual(table);
    expect(parseIndexTable(0, table.subarray(0, 31)).ok).toBe(false);
  });

  it('parses the random code', () => {
    expect(parseRandomCode(hex('12 34 56 78'))).toEqual({ ok: true, value: 0x12345678 });
    expect(parseRandomCode(hex('FF FF FF FF'))).toEqual({ ok: true, value: 0xffffffff });
    expect(parseRandomCode(hex('12 34 56')).ok).toBe(false);
  });

  it('parses match scores and search results', () => {
    expect(parseMatchScore(hex('00 C8'))).toEqual({ ok: true, value: 200 });
    expect(parseSearchResult(hex('00 05 00 64'))).toEqual({ ok: true, value: { pageId: 5, score: 100 } });
    expect(parseMatchScore(hex('00')).ok).toBe(false);
  });
});
