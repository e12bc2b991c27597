import { describe, expect, it } from 'vitest';
import { SerialPort } from 'serialport';
import { openPtyPair } from './pty-pair';

function open(path: string): Promise<SerialPort> {
  return new Promise((resolve, reject) => {
    const port = new SerialPort({ path, baudRate: 57600 }, (error) => (error ? reject(error) : resolve(port)));
  });
}

describe('pty pair', () => {
  it('carries bytes both ways and removes its links on close', async () => {
    const pair = await openPtyPair();
    const device = await open(pair.devicePath);
    const simulator = await open(pair.simulatorPath);
    const received = new Promise<Buffer>((resolve) => simulator.once('data', resolve));
    device.write(Buffer.from([0xef, 0x01, 0x00]));
    expect([...(await received)]).toEqual([0xef, 0x01, 0x00]);
    await new Promise((resolve) => device.close(resolve));
    await new Promise((resolve) => simulator.close(resolve));
    await pair.close();
    const { existsSync } = await import('node:fs');
    expect(existsSync(pair.devicePath)).toBe(false);
  });
});
