import { afterEach, describe, expect, it } from 'vitest';
import { SerialPort } from 'serialport';
import { openPtyPair, type PtyPair } from '../testing/pty-pair';
import { FingerprintModuleSimulator } from './simulator';

/**
 * The simulator checked byte for byte from the host side of a real pty, with hand-written frames
 * (not the shared encoder), so a bug shared by protocol.ts and the simulator cannot hide here.
 */

const hex = (text: string): Buffer => Buffer.from(text.trim().split(/\s+/).map((byte) => Number.parseInt(byte, 16)));

interface RawRig {
  readonly pair: PtyPair;
  readonly simulator: FingerprintModuleSimulator;
  readonly host: SerialPort;
  received: Buffer;
}

const rigs: RawRig[] = [];

async function startRawRig(): Promise<RawRig> {
  const pair = await openPtyPair();
  const simulator = await FingerprintModuleSimulator.open(pair.simulatorPath);
  const host = await new Promise<SerialPort>((resolve, reject) => {
    const port = new SerialPort({ path: pair.devicePath, baudRate: 57_600 }, (error) => (error ? reject(error) : resolve(port)));
  });
  const rig: RawRig = { pair, simulator, host, received: Buffer.alloc(0) };
  host.on('data', (chunk: Buffer) => { rig.received = Buffer.concat([rig.received, chunk]); });
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
    expect(await exchange(rig, 'EF 01 FF FF FF FF 01 00 03 0F 00 13', 28))
      .toBe('EF 01 FF FF FF FF 07 00 13 00 00 00 00 09 03 E8 00 03 FF FF FF FF 00 02 00 06 05 15');
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
