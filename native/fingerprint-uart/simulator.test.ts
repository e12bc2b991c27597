import { afterEach, describe, expect, it } from 'vitest';
import { SerialPort } from 'serialport';
import { openPtyPair, type PtyPair } from '../testing/pty-pair';
import { FingerprintModuleSimulator, simulatedEnrolmentTemplate, type SimulatorOptions } from './simulator';

/**
 * The simulator checked byte for byte from the host side of a real pty, with hand-written frames
 * (not the shared encoder), so a bug shared by protocol.ts and the simulator cannot hide here.
 */

const hex = (text: string): Buffer =>
  Buffer.from(
    text
      .trim()
      .split(/\s+/)
      .map((byte) => Number.parseInt(byte, 16)),
  );

interface RawRig {
  readonly pair: PtyPair;
  readonly simulator: FingerprintModuleSimulator;
  readonly host: SerialPort;
  received: Buffer;
}

const rigs: RawRig[] = [];

async function startRawRig(options: SimulatorOptions = {}): Promise<RawRig> {
  const pair = await openPtyPair();
  const simulator = await FingerprintModuleSimulator.open(pair.simulatorPath, options);
  const host = await new Promise<SerialPort>((resolve, reject) => {
    const port = new SerialPort({ path: pair.devicePath, baudRate: 57_600 }, (error) => (error ? reject(error) : resolve(port)));
  });
  const rig: RawRig = { pair, simulator, host, received: Buffer.alloc(0) };
  host.on('data', (chunk: Buffer) => {
    rig.received = Buffer.concat([rig.received, chunk]);
  });
  rigs.push(rig);
  return rig;
}

/** Sends a frame and returns what came back once `byteCount` bytes arrived or `waitMs` passed. */
async function exchange(rig: RawRig, frame: string, byteCount: number, waitMs = 500): Promise<string> {
  rig.received = Buffer.alloc(0);
  rig.host.write(hex(frame));
  const deadline = Date.now() + waitMs;
  while (rig.received.length < byteCount && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 5));
  return [...rig.received].map((byte) => byte.toString(16).toUpperCase().padStart(2, '0')).join(' ');
}

/**
 * A transfer as the host sends it: data packets of `size` bytes, the last an end-of-data packet,
 * each checksum summed here (PID + length + payload), not by protocol.ts.
 */
function dataPackets(data: Buffer, size: number): string {
  const frames: Buffer[] = [];
  for (let offset = 0; offset < data.length; offset += size) {
    const payload = data.subarray(offset, Math.min(offset + size, data.length));
    const identifier = offset + size >= data.length ? 0x08 : 0x02;
    const length = payload.length + 2;
    let sum = identifier + (length >> 8) + (length & 0xff);
    for (const byte of payload) sum += byte;
    const frame = Buffer.alloc(9 + length);
    frame.set([0xef, 0x01, 0xff, 0xff, 0xff, 0xff, identifier], 0);
    frame.writeUInt16BE(length, 7);
    frame.set(payload, 9);
    frame.writeUInt16BE(sum & 0xffff, 9 + payload.length);
    frames.push(frame);
  }
  return [...Buffer.concat(frames)].map((byte) => byte.toString(16).padStart(2, '0')).join(' ');
}

afterEach(async () => {
  for (const rig of rigs.splice(0)) {
    await new Promise((resolve) => rig.host.close(resolve));
    await rig.simulator.close();
    await rig.pair.close();
  }
});

describe('fingerprint simulator on the wire', () => {
  it('answers GenImg with "no finger", then "ok" once a finger is placed', async () => {
    const rig = await startRawRig();
    expect(await exchange(rig, 'EF 01 FF FF FF FF 01 00 03 01 00 05', 12)).toBe('EF 01 FF FF FF FF 07 00 03 02 00 0C');
    rig.simulator.placeFinger('member-1-right-thumb');
    expect(await exchange(rig, 'EF 01 FF FF FF FF 01 00 03 01 00 05', 12)).toBe('EF 01 FF FF FF FF 07 00 03 00 00 0A');
  });

  it('answers ReadSysPara with the factory parameters', async () => {
    const rig = await startRawRig();
    // Status 0000 | id 0009 | library 03E8 | level 0003 | address FFFFFFFF | packet code 0002 | baud ×6;
    // checksum 07 + 13 + 9 + 3 + E8 + 3 + 4×FF + 2 + 6 = 26 + 1275 = 1301 = 0x0515.
    expect(await exchange(rig, 'EF 01 FF FF FF FF 01 00 03 0F 00 13', 28)).toBe(
      'EF 01 FF FF FF FF 07 00 13 00 00 00 00 09 03 E8 00 03 FF FF FF FF 00 02 00 06 05 15',
    );
  });

  it('answers a command with a damaged checksum with "packet receive error"', async () => {
    const rig = await startRawRig();
    expect(await exchange(rig, 'EF 01 FF FF FF FF 01 00 03 01 00 06', 12)).toBe('EF 01 FF FF FF FF 07 00 03 01 00 0B');
  });

  it('ignores commands addressed to another module', async () => {
    const rig = await startRawRig();
    expect(await exchange(rig, 'EF 01 12 34 56 78 01 00 03 01 00 05', 12, 100)).toBe('');
    expect(rig.simulator.commandLog).toEqual([]);
  });

  it('uploads a template as data packets of the configured size, ending with an end-of-data packet', async () => {
    const rig = await startRawRig();
    rig.simulator.placeFinger('member-2-left-index');
    await exchange(rig, 'EF 01 FF FF FF FF 01 00 03 01 00 05', 12);
    expect(await exchange(rig, 'EF 01 FF FF FF FF 01 00 04 02 01 00 08', 12)).toBe('EF 01 FF FF FF FF 07 00 03 00 00 0A');
    // UpChar 1: ack (12 bytes) + 4 packets of 9 + 128 + 2 bytes for a 512-byte template.
    const reply = hex(await exchange(rig, 'EF 01 FF FF FF FF 01 00 04 08 01 00 0E', 12 + 4 * 139));
    expect(reply.length).toBe(12 + 4 * 139);
    const kinds = [0, 1, 2, 3].map((index) => reply[12 + index * 139 + 6]);
    const lengths = [0, 1, 2, 3].map((index) => reply.readUInt16BE(12 + index * 139 + 7));
    expect(kinds).toEqual([0x02, 0x02, 0x02, 0x08]);
    expect(lengths).toEqual([130, 130, 130, 130]);
  });
});

/**
 * One conformance case per instruction the issue-12 clients tripped over. Every command frame is
 * the datasheet's frame table filled in (header EF01, address FFFFFFFF, PID 01, length, code,
 * parameters) and every answer is the table's acknowledgement, with each checksum summed by hand
 * in the comment beside it (PID + both length bytes + payload; header and address not summed).
 * Sources: R503 user manual (Hangzhou Grow, 2019/2020), ZFM-70 series user manual (Zhian, as
 * shipped with the Velleman VMA329), R30x user manual (SFG), ZFM-20 (DY001) datasheet; see
 * native/README.md.
 */
describe('datasheet conformance of the simulator, frame for frame over a pty', () => {
  const ackOk = 'EF 01 FF FF FF FF 07 00 03 00 00 0A'; // 07 + 03 + 00 = 0x000A
  const zeros = (count: number): string => Array.from({ length: count }, () => '00').join(' ');

  it('ReadIndexTable (0x1F): 32-byte bitmap of used slots, bit 0 of byte 0 = slot 0; 0x01 past the last index page', async () => {
    const rig = await startRawRig();
    // Command 01 + 00 04 + 1F + page 00 = 0x0024; answer 07 + 00 23 + 00 + 32 × 00 = 0x002A.
    expect(await exchange(rig, 'EF 01 FF FF FF FF 01 00 04 1F 00 00 24', 44)).toBe(`EF 01 FF FF FF FF 07 00 23 00 ${zeros(32)} 00 2A`);
    for (const pageId of [0, 1, 9, 255, 256]) rig.simulator.storeTemplateDirectly(pageId, simulatedEnrolmentTemplate(`slot-${pageId}`));
    // Page 0: slots 0, 1 → byte 0 = 0x03; slot 9 → byte 1 = 0x02; slot 255 → byte 31 = 0x80.
    // 07 + 23 + 00 + 03 + 02 + 80 = 0x00AF.
    expect(await exchange(rig, 'EF 01 FF FF FF FF 01 00 04 1F 00 00 24', 44)).toBe(`EF 01 FF FF FF FF 07 00 23 00 03 02 ${zeros(29)} 80 00 AF`);
    // Page 1 (01 + 04 + 1F + 01 = 0x0025): slot 256 → byte 0 = 0x01; 07 + 23 + 01 = 0x002B.
    expect(await exchange(rig, 'EF 01 FF FF FF FF 01 00 04 1F 01 00 25', 44)).toBe(`EF 01 FF FF FF FF 07 00 23 00 01 ${zeros(31)} 00 2B`);
    // Page 4 does not exist on a 1,000-slot module; the only failure the tables list is 0x01 (07 + 03 + 01 = 0x000B).
    expect(await exchange(rig, 'EF 01 FF FF FF FF 01 00 04 1F 04 00 28', 12)).toBe('EF 01 FF FF FF FF 07 00 03 01 00 0B');
  });

  it('LoadChar (0x07): loads a stored template into a buffer; 0x0C for an empty slot, 0x0B beyond the library', async () => {
    const rig = await startRawRig();
    // 01 + 00 06 + 07 + 01 + 00 05 = 0x0014; empty slot → 0x0C (07 + 03 + 0C = 0x0016).
    expect(await exchange(rig, 'EF 01 FF FF FF FF 01 00 06 07 01 00 05 00 14', 12)).toBe('EF 01 FF FF FF FF 07 00 03 0C 00 16');
    const stored = simulatedEnrolmentTemplate('member-9-left-thumb');
    rig.simulator.storeTemplateDirectly(5, stored);
    expect(await exchange(rig, 'EF 01 FF FF FF FF 01 00 06 07 01 00 05 00 14', 12)).toBe(ackOk);
    // Page 1000 = 03 E8 on a 1,000-slot module: 01 + 06 + 07 + 01 + 03 + E8 = 0x00FA → 0x0B (07 + 03 + 0B = 0x0015).
    expect(await exchange(rig, 'EF 01 FF FF FF FF 01 00 06 07 01 03 E8 00 FA', 12)).toBe('EF 01 FF FF FF FF 07 00 03 0B 00 15');
    // The buffer now holds exactly the stored template: UpChar 1 (0x000E) sends it back.
    const reply = hex(await exchange(rig, 'EF 01 FF FF FF FF 01 00 04 08 01 00 0E', 12 + 4 * 139));
    const uploaded = Buffer.concat([0, 1, 2, 3].map((index) => reply.subarray(12 + index * 139 + 9, 12 + index * 139 + 9 + 128)));
    expect(Buffer.compare(uploaded, Buffer.from(stored))).toBe(0);
  });

  it('DeletChar (0x0C): deletes N templates from a page id; 0x10 for a range past the library', async () => {
    const rig = await startRawRig();
    rig.simulator.storeTemplateDirectly(5, simulatedEnrolmentTemplate('a'));
    rig.simulator.storeTemplateDirectly(6, simulatedEnrolmentTemplate('b'));
    // 01 + 00 07 + 0C + 00 05 + 00 01 = 0x001A.
    expect(await exchange(rig, 'EF 01 FF FF FF FF 01 00 07 0C 00 05 00 01 00 1A', 12)).toBe(ackOk);
    expect(rig.simulator.storedPageIds).toEqual([6]);
    // TempleteNum (0x0021) → 1: 07 + 05 + 00 + 00 01 = 0x000D.
    expect(await exchange(rig, 'EF 01 FF FF FF FF 01 00 03 1D 00 21', 14)).toBe('EF 01 FF FF FF FF 07 00 05 00 00 01 00 0D');
    // 999 + 2 > 1,000: 01 + 07 + 0C + 03 + E7 + 00 + 02 = 0x0100 → 0x10 (07 + 03 + 10 = 0x001A); nothing deleted.
    expect(await exchange(rig, 'EF 01 FF FF FF FF 01 00 07 0C 03 E7 00 02 01 00', 12)).toBe('EF 01 FF FF FF FF 07 00 03 10 00 1A');
    expect(rig.simulator.storedPageIds).toEqual([6]);
  });

  it('SetSysPara (0x0E): parameters 4/5/6 change what ReadSysPara reports; 0x1A for another number, 0x1B for a value out of range', async () => {
    const rig = await startRawRig();
    // 6 ← 0 (32-byte packets): 01 + 05 + 0E + 06 + 00 = 0x001A.
    expect(await exchange(rig, 'EF 01 FF FF FF FF 01 00 05 0E 06 00 00 1A', 12)).toBe(ackOk);
    // 5 ← 5 (security level): 01 + 05 + 0E + 05 + 05 = 0x001E.
    expect(await exchange(rig, 'EF 01 FF FF FF FF 01 00 05 0E 05 05 00 1E', 12)).toBe(ackOk);
    // 4 ← 12 (115200 baud): 01 + 05 + 0E + 04 + 0C = 0x0024.
    expect(await exchange(rig, 'EF 01 FF FF FF FF 01 00 05 0E 04 0C 00 24', 12)).toBe(ackOk);
    // ReadSysPara: … level 0005 | address FFFFFFFF | packet code 0000 | baud ×12;
    // 07 + 13 + 09 + 03 + E8 + 05 + 4 × FF + 0C = 26 + 9 + 3 + 232 + 5 + 1020 + 12 = 1307 = 0x051B.
    expect(await exchange(rig, 'EF 01 FF FF FF FF 01 00 03 0F 00 13', 28)).toBe(
      'EF 01 FF FF FF FF 07 00 13 00 00 00 00 09 03 E8 00 05 FF FF FF FF 00 00 00 0C 05 1B',
    );
    // Parameter 7 does not exist: 01 + 05 + 0E + 07 + 01 = 0x001C → 0x1A (07 + 03 + 1A = 0x0024).
    expect(await exchange(rig, 'EF 01 FF FF FF FF 01 00 05 0E 07 01 00 1C', 12)).toBe('EF 01 FF FF FF FF 07 00 03 1A 00 24');
    // Values out of range → 0x1B (07 + 03 + 1B = 0x0025): level 6 (0x001F), packet code 4 (0x001E), baud ×0 (0x0018), baud ×13 (0x0025).
    const invalidValue = 'EF 01 FF FF FF FF 07 00 03 1B 00 25';
    expect(await exchange(rig, 'EF 01 FF FF FF FF 01 00 05 0E 05 06 00 1F', 12)).toBe(invalidValue);
    expect(await exchange(rig, 'EF 01 FF FF FF FF 01 00 05 0E 06 04 00 1E', 12)).toBe(invalidValue);
    expect(await exchange(rig, 'EF 01 FF FF FF FF 01 00 05 0E 04 00 00 18', 12)).toBe(invalidValue);
    expect(await exchange(rig, 'EF 01 FF FF FF FF 01 00 05 0E 04 0D 00 25', 12)).toBe(invalidValue);
    // A refused value changes nothing.
    expect([rig.simulator.currentPacketSizeCode, rig.simulator.currentSecurityLevel, rig.simulator.currentBaudMultiplier]).toEqual([0, 5, 12]);
  });

  it('GetRandomCode (0x14): confirmation code + 4-byte random number', async () => {
    const rig = await startRawRig({ randomCode: () => 0x12345678 });
    // The R503 table gives this command's checksum as 0018H; answer 07 + 07 + 12 + 34 + 56 + 78 = 0x0122.
    expect(await exchange(rig, 'EF 01 FF FF FF FF 01 00 03 14 00 18', 16)).toBe('EF 01 FF FF FF FF 07 00 07 00 12 34 56 78 01 22');
  });

  it('UpImage (0x0A): 0x0F without an image; after GenImg, an ack then the image as data packets of the packet size', async () => {
    const rig = await startRawRig();
    // 01 + 03 + 0A = 0x000E → 0x0F (07 + 03 + 0F = 0x0019).
    expect(await exchange(rig, 'EF 01 FF FF FF FF 01 00 03 0A 00 0E', 12)).toBe('EF 01 FF FF FF FF 07 00 03 0F 00 19');
    rig.simulator.placeFinger('member-3-right-index');
    expect(await exchange(rig, 'EF 01 FF FF FF FF 01 00 03 01 00 05', 12)).toBe(ackOk);
    // 256 × 288 pixels, two per byte = 36,864 bytes = 288 packets of 128 (9 + 128 + 2 bytes each).
    const reply = hex(await exchange(rig, 'EF 01 FF FF FF FF 01 00 03 0A 00 0E', 12 + 288 * 139, 5_000));
    expect(reply.subarray(0, 12).equals(hex(ackOk))).toBe(true);
    expect(reply.length).toBe(12 + 288 * 139);
    const kinds = new Set<number>();
    for (let index = 0; index < 288; index += 1) {
      const frame = reply.subarray(12 + index * 139, 12 + (index + 1) * 139);
      expect(frame.readUInt16BE(7)).toBe(130);
      let sum = 0;
      for (let byte = 6; byte < 137; byte += 1) sum += frame[byte] ?? 0;
      expect(frame.readUInt16BE(137)).toBe(sum & 0xffff);
      kinds.add(index === 287 ? 0x100 + (frame[6] ?? 0) : (frame[6] ?? 0));
    }
    expect([...kinds]).toEqual([0x02, 0x108]); // data packets, then one end-of-data packet last
  });

  it('HighSpeedSearch (0x1B): the Search frames under another code; found page and score, or 0x09 with zeros', async () => {
    const rig = await startRawRig();
    // Buffer 1, pages 0–163 as client libraries send it: 01 + 08 + 1B + 01 + 00 00 + 00 A3 = 0x00C8.
    // Nothing in buffer 1 → 0x09 with page 0 and score 0 (07 + 07 + 09 = 0x0017).
    expect(await exchange(rig, 'EF 01 FF FF FF FF 01 00 08 1B 01 00 00 00 A3 00 C8', 16)).toBe('EF 01 FF FF FF FF 07 00 07 09 00 00 00 00 00 17');
    rig.simulator.storeTemplateDirectly(5, simulatedEnrolmentTemplate('member-4-left-index'));
    // LoadChar 1 @ 5 puts the same template in buffer 1: the simulator scores a template against
    // itself 50 + quality 90 = 140 = 0x8C. Answer 07 + 07 + 00 + 00 05 + 00 8C = 0x009F.
    expect(await exchange(rig, 'EF 01 FF FF FF FF 01 00 06 07 01 00 05 00 14', 12)).toBe(ackOk);
    expect(await exchange(rig, 'EF 01 FF FF FF FF 01 00 08 1B 01 00 00 00 A3 00 C8', 16)).toBe('EF 01 FF FF FF FF 07 00 07 00 00 05 00 8C 00 9F');
  });

  it('HandShake (0x40, R503) answers 0x00; GetEcho (0x53, ZFM-70) answers 0x55', async () => {
    const rig = await startRawRig();
    // 01 + 03 + 40 = 0x0044.
    expect(await exchange(rig, 'EF 01 FF FF FF FF 01 00 03 40 00 44', 12)).toBe(ackOk);
    // The ZFM-70 table gives 0x0057 for this command; answer 07 + 03 + 55 = 0x005F.
    expect(await exchange(rig, 'EF 01 FF FF FF FF 01 00 03 53 00 57', 12)).toBe('EF 01 FF FF FF FF 07 00 03 55 00 5F');
  });

  it('CheckSensor (0x36, R503) answers 0x00, or 0x29 when the sensor is abnormal', async () => {
    const rig = await startRawRig();
    // 01 + 03 + 36 = 0x003A.
    expect(await exchange(rig, 'EF 01 FF FF FF FF 01 00 03 36 00 3A', 12)).toBe(ackOk);
    rig.simulator.setSensorAbnormal(true);
    // 07 + 03 + 29 = 0x0033.
    expect(await exchange(rig, 'EF 01 FF FF FF FF 01 00 03 36 00 3A', 12)).toBe('EF 01 FF FF FF FF 07 00 03 29 00 33');
  });

  it('AuraLedConfig (0x35, R503) and OpenLED/CloseLED (0x50/0x51, ZFM-70) answer 0x00 and take effect', async () => {
    const rig = await startRawRig();
    // Breathing (01), speed 80, blue (02), forever (00): 01 + 07 + 35 + 01 + 80 + 02 + 00 = 0x00C0.
    expect(await exchange(rig, 'EF 01 FF FF FF FF 01 00 07 35 01 80 02 00 00 C0', 12)).toBe(ackOk);
    expect(rig.simulator.auraLed).toEqual({ control: 1, speed: 0x80, colourIndex: 2, cycles: 0 });
    // 01 + 03 + 50 = 0x0054; 01 + 03 + 51 = 0x0055.
    expect(await exchange(rig, 'EF 01 FF FF FF FF 01 00 03 50 00 54', 12)).toBe(ackOk);
    expect(rig.simulator.isBacklightOn).toBe(true);
    expect(await exchange(rig, 'EF 01 FF FF FF FF 01 00 03 51 00 55', 12)).toBe(ackOk);
    expect(rig.simulator.isBacklightOn).toBe(false);
  });

  it('refuses a DownChar data packet longer than the packet size with 0x0E, drops the rest of that transfer and the buffer', async () => {
    const rig = await startRawRig();
    // DownChar 1: 01 + 04 + 09 + 01 = 0x000F → ready.
    expect(await exchange(rig, 'EF 01 FF FF FF FF 01 00 04 09 01 00 0F', 12)).toBe(ackOk);
    // A 129-byte data packet on a 128-byte module: length 0x0083, checksum 02 + 00 + 83 = 0x0085.
    // Answer 0x0E, "fail to receive the following data packages": 07 + 03 + 0E = 0x0018.
    expect(await exchange(rig, `EF 01 FF FF FF FF 02 00 83 ${zeros(129)} 00 85`, 12)).toBe('EF 01 FF FF FF FF 07 00 03 0E 00 18');
    // The rest of the refused transfer gets no answer, and buffer 1 holds nothing: the next
    // command's answer is the first thing on the line, and Match fails with score 0
    // (end-of-data 08 + 06 + 01 02 03 04 = 0x0018; Match 0x0007 → 07 + 05 + 08 = 0x0014).
    expect(await exchange(rig, 'EF 01 FF FF FF FF 08 00 06 01 02 03 04 00 18  EF 01 FF FF FF FF 01 00 03 03 00 07', 14)).toBe(
      'EF 01 FF FF FF FF 07 00 05 08 00 00 00 14',
    );
    expect(rig.simulator.ignoredDataPacketCount).toBe(1);
  });

  it('PortControl (0x17): control code 0 (off) and 1 (on) answer 0x00; another code 0x1D; no parameter byte 0x01', async () => {
    const rig = await startRawRig();
    // Off, as pyfingerprint's handShake() sends it: 01 + 00 04 + 17 + 00 = 0x001C.
    expect(await exchange(rig, 'EF 01 FF FF FF FF 01 00 04 17 00 00 1C', 12)).toBe(ackOk);
    expect(rig.simulator.isOtherPortOn).toBe(false);
    // On: 01 + 04 + 17 + 01 = 0x001D.
    expect(await exchange(rig, 'EF 01 FF FF FF FF 01 00 04 17 01 00 1D', 12)).toBe(ackOk);
    expect(rig.simulator.isOtherPortOn).toBe(true);
    // Control code 2 is neither: 01 + 04 + 17 + 02 = 0x001E → 0x1D "fail to operate the
    // communication port" (07 + 03 + 1D = 0x0027), the table's only failure besides 0x01.
    expect(await exchange(rig, 'EF 01 FF FF FF FF 01 00 04 17 02 00 1E', 12)).toBe('EF 01 FF FF FF FF 07 00 03 1D 00 27');
    expect(rig.simulator.isOtherPortOn).toBe(true);
    // The instruction without its control code (01 + 03 + 17 = 0x001B): 0x01 (07 + 03 + 01 = 0x000B).
    expect(await exchange(rig, 'EF 01 FF FF FF FF 01 00 03 17 00 1B', 12)).toBe('EF 01 FF FF FF FF 07 00 03 01 00 0B');
    expect(rig.simulator.commandLog).toEqual(['port-control', 'port-control', 'port-control']);
  });

  it('an instruction code the module does not know: 0x01 on the R30x / ZFM family, 0xFC ("unsupported command") on the R503', async () => {
    // 0x60 is in no manual's instruction table: 01 + 00 03 + 60 = 0x0064.
    const unknown = 'EF 01 FF FF FF FF 01 00 03 60 00 64';
    const zfm = await startRawRig();
    expect(await exchange(zfm, unknown, 12)).toBe('EF 01 FF FF FF FF 07 00 03 01 00 0B'); // 07 + 03 + 01 = 0x000B
    const r503 = await startRawRig({ model: 'r503' });
    expect(await exchange(r503, unknown, 12)).toBe('EF 01 FF FF FF FF 07 00 03 FC 01 06'); // 07 + 03 + FC = 0x0106
    // A known instruction with the wrong parameter length was not received right: 0x01 on both
    // (Store without its page id: 01 + 04 + 06 + 01 = 0x000C).
    expect(await exchange(r503, 'EF 01 FF FF FF FF 01 00 04 06 01 00 0C', 12)).toBe('EF 01 FF FF FF FF 07 00 03 01 00 0B');
    expect([zfm.simulator.unknownInstructionCodes, r503.simulator.unknownInstructionCodes]).toEqual([[0x60], [0x60]]);
  });

  it("DownImage (0x0B): ack 0x00, then the host's image in data packets fills the image buffer that Img2Tz and UpImage use", async () => {
    const rig = await startRawRig();
    const imageBytes = (256 * 288) / 2;
    const packets = imageBytes / 128;
    // An image of finger A, taken by GenImg (0x0005) and uploaded by UpImage (0x000E).
    rig.simulator.placeFinger('member-8-left-thumb');
    expect(await exchange(rig, 'EF 01 FF FF FF FF 01 00 03 01 00 05', 12)).toBe(ackOk);
    const upload = hex(await exchange(rig, 'EF 01 FF FF FF FF 01 00 03 0A 00 0E', 12 + packets * 139, 5_000));
    const imageOfA = Buffer.concat(Array.from({ length: packets }, (_, index) => upload.subarray(12 + index * 139 + 9, 12 + index * 139 + 9 + 128)));
    expect(imageOfA.length).toBe(imageBytes);
    // Finger B is now in the image buffer.
    rig.simulator.placeFinger('member-9-right-ring');
    expect(await exchange(rig, 'EF 01 FF FF FF FF 01 00 03 01 00 05', 12)).toBe(ackOk);
    // DownImage: the manuals print this command's checksum, 0x000F (01 + 03 + 0B); answer "ready".
    expect(await exchange(rig, 'EF 01 FF FF FF FF 01 00 03 0B 00 0F', 12)).toBe(ackOk);
    // A's image back in 288 data packets of 128 bytes, the last an end-of-data packet, followed by
    // Img2Tz 1 (0x0008): the module answers no data packet, so Img2Tz's answer is the first thing
    // on the line. It reads finger A, which matches A's enrolment in slot 5, found by Search
    // buffer 1, pages 0–999 (01 + 08 + 04 + 01 + 00 00 + 03 E7 = 0x00F8). The simulator scores
    // A against A 50 + 90 + jitter, so only code and page are pinned here.
    expect(await exchange(rig, `${dataPackets(imageOfA, 128)} EF 01 FF FF FF FF 01 00 04 02 01 00 08`, 12, 5_000)).toBe(ackOk);
    rig.simulator.storeTemplateDirectly(5, simulatedEnrolmentTemplate('member-8-left-thumb'));
    const found = hex(await exchange(rig, 'EF 01 FF FF FF FF 01 00 08 04 01 00 00 03 E7 00 F8', 16));
    expect([found[9], found.readUInt16BE(10)]).toEqual([0x00, 5]);
    // UpImage sends the downloaded image back unchanged.
    const again = hex(await exchange(rig, 'EF 01 FF FF FF FF 01 00 03 0A 00 0E', 12 + packets * 139, 5_000));
    const roundTrip = Buffer.concat(Array.from({ length: packets }, (_, index) => again.subarray(12 + index * 139 + 9, 12 + index * 139 + 9 + 128)));
    expect(roundTrip.equals(imageOfA)).toBe(true);
    expect(rig.simulator.protocolViolations).toEqual([]);
  });

  it('DownImage (0x0B): an image this module never took reads as too disorderly (0x06); an oversize packet is refused (0x0E) and leaves no image (0x15)', async () => {
    const rig = await startRawRig();
    expect(await exchange(rig, 'EF 01 FF FF FF FF 01 00 03 0B 00 0F', 12)).toBe(ackOk);
    // A grey image, then Img2Tz 1 → 0x06 (07 + 03 + 06 = 0x0010), the first answer on the line.
    expect(await exchange(rig, `${dataPackets(Buffer.alloc((256 * 288) / 2, 0x77), 128)} EF 01 FF FF FF FF 01 00 04 02 01 00 08`, 12, 5_000)).toBe(
      'EF 01 FF FF FF FF 07 00 03 06 00 10',
    );
    // A 129-byte data packet (02 + 00 83 = 0x0085) on a 128-byte module: 0x0E (07 + 03 + 0E = 0x0018).
    expect(await exchange(rig, 'EF 01 FF FF FF FF 01 00 03 0B 00 0F', 12)).toBe(ackOk);
    expect(await exchange(rig, `EF 01 FF FF FF FF 02 00 83 ${zeros(129)} 00 85`, 12)).toBe('EF 01 FF FF FF FF 07 00 03 0E 00 18');
    // The image buffer holds nothing usable: Img2Tz → 0x15 (07 + 03 + 15 = 0x001F).
    expect(await exchange(rig, 'EF 01 FF FF FF FF 01 00 04 02 01 00 08', 12)).toBe('EF 01 FF FF FF FF 07 00 03 15 00 1F');
  });

  it('Store (0x06) answers 0x18 ("error when writing flash") when a flash write failure is injected, and stores nothing', async () => {
    const rig = await startRawRig();
    rig.simulator.storeTemplateDirectly(5, simulatedEnrolmentTemplate('member-10-left-index'));
    // LoadChar 1 @ 5 (0x0014) fills buffer 1.
    expect(await exchange(rig, 'EF 01 FF FF FF FF 01 00 06 07 01 00 05 00 14', 12)).toBe(ackOk);
    rig.simulator.injectFault({ kind: 'flash-write-failure' });
    // Store 1 @ 3: 01 + 06 + 06 + 01 + 00 03 = 0x0011 → 0x18 (07 + 03 + 18 = 0x0022).
    expect(await exchange(rig, 'EF 01 FF FF FF FF 01 00 06 06 01 00 03 00 11', 12)).toBe('EF 01 FF FF FF FF 07 00 03 18 00 22');
    expect(rig.simulator.storedPageIds).toEqual([5]);
    // The fault was for one write: the same Store now succeeds.
    expect(await exchange(rig, 'EF 01 FF FF FF FF 01 00 06 06 01 00 03 00 11', 12)).toBe(ackOk);
    expect(rig.simulator.storedPageIds).toEqual([3, 5]);
  });

  it('follows a packet size changed by SetSysPara: a 64-byte packet is refused once the size is 32', async () => {
    const rig = await startRawRig();
    expect(await exchange(rig, 'EF 01 FF FF FF FF 01 00 05 0E 06 00 00 1A', 12)).toBe(ackOk);
    expect(await exchange(rig, 'EF 01 FF FF FF FF 01 00 04 09 01 00 0F', 12)).toBe(ackOk);
    // 64 zero bytes: length 0x0042, checksum 02 + 00 + 42 = 0x0044.
    expect(await exchange(rig, `EF 01 FF FF FF FF 02 00 42 ${zeros(64)} 00 44`, 12)).toBe('EF 01 FF FF FF FF 07 00 03 0E 00 18');
  });
});
