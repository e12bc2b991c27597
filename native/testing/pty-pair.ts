import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A pair of connected pseudo-terminals made by socat: whatever is written to one end is read at
 * the other, byte for byte, with termios in raw mode. Simulators open one end, drivers the other,
 * exactly as they would a USB-CDC device node. `SerialPort.list()` never lists these, which is why
 * every driver takes its device path from configuration.
 */
export interface PtyPair {
  /** The end a driver opens (as if it were /dev/ttyUSB0). */
  readonly devicePath: string;
  /** The end a simulator opens. */
  readonly simulatorPath: string;
  close(): Promise<void>;
}

export async function openPtyPair(options: { timeoutMs?: number } = {}): Promise<PtyPair> {
  const timeoutMs = options.timeoutMs ?? 5_000;
  const dir = mkdtempSync(join(tmpdir(), 'coverdesk-pty-'));
  const devicePath = join(dir, 'device');
  const simulatorPath = join(dir, 'simulator');
  const socat: ChildProcess = spawn('socat', [`pty,raw,echo=0,link=${devicePath}`, `pty,raw,echo=0,link=${simulatorPath}`], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  socat.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const spawnError = new Promise<never>((_, reject) => {
    socat.once('error', (error) => reject(new Error(`socat could not start (${error.message}); install it with apt-get install socat`)));
  });

  const deadline = Date.now() + timeoutMs;
  const ready = (async () => {
    while (!(existsSync(devicePath) && existsSync(simulatorPath))) {
      if (socat.exitCode !== null) throw new Error(`socat exited with ${socat.exitCode}: ${stderr.trim()}`);
      if (Date.now() > deadline) throw new Error(`socat did not create the pseudo-terminals within ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  })();
  await Promise.race([ready, spawnError]);

  return {
    devicePath,
    simulatorPath,
    close: async () => {
      if (socat.exitCode === null) {
        const exited = new Promise((resolve) => socat.once('exit', resolve));
        socat.kill('SIGTERM');
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
