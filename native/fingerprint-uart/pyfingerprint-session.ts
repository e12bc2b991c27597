import { pathToFileURL } from 'node:url';
import { SerialPort } from 'serialport';

/**
 * The start of a session as pyfingerprint (bastianraschke/pyfingerprint, the widely used Python
 * client for these modules) makes it, replayed byte for byte over a serial line, with each answer
 * judged the way that library judges it. pyfingerprint's source was read for its frame layout and
 * its answer handling only; nothing of it is copied here, and no Python is needed.
 *
 * pyfingerprint writes every frame itself: EF 01, the address, PID, length, the instruction and
 * its parameters, then the sum of PID, length and payload. The frames below are those for the
 * factory address FFFFFFFF and password 0, each checksum summed by hand beside it.
 *
 * Run it against a real module or the simulator:
 *   npx tsx native/fingerprint-uart/pyfingerprint-session.ts /dev/ttyUSB0 [baud]
 * It prints each step's answer and pyfingerprint's verdict, and exits 1 if pyfingerprint would
 * have raised at any step.
 */

/** The pyfingerprint methods whose answer handling is modelled in `judgeLikePyfingerprint`. */
export type PyfingerprintMethod = 'verifyPassword' | 'handShake' | 'getSystemParameters' | 'getTemplateCount' | 'getTemplateIndex';

export interface SessionStep {
  readonly method: PyfingerprintMethod;
  /** What the step is, for the report (e.g. `getTemplateIndex(2)`). */
  readonly label: string;
  /** The frame the method writes, as hex bytes. */
  readonly command: string;
}

/**
 * The usual start: the constructor opens the port and sends nothing; applications then call
 * verifyPassword(), often handShake() (PortControl 0x17 with control code 0), then
 * getTemplateCount() and getStorageCapacity() (= getSystemParameters()), and the enrolment flow's
 * storeTemplate() without a position reads getTemplateIndex(0), (1), … until it finds a free slot.
 */
export const pyfingerprintSessionStart: readonly SessionStep[] = [
  // VfyPwd 0x13, password 00000000: 01 + 00 07 + 13 = 0x001B.
  { method: 'verifyPassword', label: 'verifyPassword()', command: 'EF 01 FF FF FF FF 01 00 07 13 00 00 00 00 00 1B' },
  // PortControl 0x17, control code 00: 01 + 00 04 + 17 + 00 = 0x001C.
  { method: 'handShake', label: 'handShake()', command: 'EF 01 FF FF FF FF 01 00 04 17 00 00 1C' },
  // ReadSysPara 0x0F: 01 + 00 03 + 0F = 0x0013.
  { method: 'getSystemParameters', label: 'getSystemParameters()', command: 'EF 01 FF FF FF FF 01 00 03 0F 00 13' },
  // TempleteNum 0x1D: 01 + 00 03 + 1D = 0x0021.
  { method: 'getTemplateCount', label: 'getTemplateCount()', command: 'EF 01 FF FF FF FF 01 00 03 1D 00 21' },
  // ReadIndexTable 0x1F, pages 0–3 (the only pages pyfingerprint accepts): 01 + 00 04 + 1F + page = 0x0024 + page.
  { method: 'getTemplateIndex', label: 'getTemplateIndex(0)', command: 'EF 01 FF FF FF FF 01 00 04 1F 00 00 24' },
  { method: 'getTemplateIndex', label: 'getTemplateIndex(1)', command: 'EF 01 FF FF FF FF 01 00 04 1F 01 00 25' },
  { method: 'getTemplateIndex', label: 'getTemplateIndex(2)', command: 'EF 01 FF FF FF FF 01 00 04 1F 02 00 26' },
  { method: 'getTemplateIndex', label: 'getTemplateIndex(3)', command: 'EF 01 FF FF FF FF 01 00 04 1F 03 00 27' },
];

export type Verdict = { readonly ok: true } | { readonly ok: false; readonly raises: string };

export interface StepResult {
  readonly step: SessionStep;
  /** Every byte that came back for this step (one frame, or less on a timeout), as hex. */
  readonly reply: string;
  readonly verdict: Verdict;
}

/** pyfingerprint opens the port with a 2 s read timeout. */
const PYFINGERPRINT_TIMEOUT_MS = 2_000;

/**
 * What pyfingerprint does with an answer: its packet reader checks the header, waits for the
 * declared length and checks the checksum (not the address); then each method wants an
 * acknowledgement (PID 07) and branches on the confirmation code. 0x01 is "Communication error"
 * in every method, which is what an instruction the module did not know used to get here.
 */
export function judgeLikePyfingerprint(method: PyfingerprintMethod, reply: Uint8Array): Verdict {
  const raises = (message: string): Verdict => ({ ok: false, raises: message });
  if (reply.length >= 2 && (reply[0] !== 0xef || reply[1] !== 0x01)) return raises('The received packet do not begin with a valid header!');
  const length = reply.length >= 9 ? ((reply[7] ?? 0) << 8) | (reply[8] ?? 0) : undefined;
  // pyfingerprint reads at least 12 bytes, then up to 9 + length.
  if (length === undefined || reply.length < Math.max(12, 9 + length)) return raises('no complete answer within the 2 s read timeout');
  let sum = 0;
  for (let index = 6; index < 9 + length - 2; index += 1) sum += reply[index] ?? 0;
  const checksum = ((reply[9 + length - 2] ?? 0) << 8) | (reply[9 + length - 1] ?? 0);
  if (checksum !== sum) return raises('The received packet is corrupted (the checksum is wrong)!');
  if (reply[6] !== 0x07) return raises('The received packet is no ack packet!');
  const payload = reply.subarray(9, 9 + length - 2);
  const code = payload[0] ?? 0;
  if (code === 0x01) return raises('Communication error');
  if (code !== 0x00) {
    if (method === 'verifyPassword' && code === 0x13) return raises('(returns False: the given fingerprint sensor password is wrong)');
    if (method === 'verifyPassword' && code === 0x20) return raises('The address is wrong');
    if (method === 'handShake' && code === 0x1d) return raises('Communication port error');
    return raises(`Unknown error 0x${code.toString(16)}`);
  }
  // The fields each method reads after the code (an IndexError in Python if they are missing).
  const fieldBytes: Record<PyfingerprintMethod, number> = {
    verifyPassword: 0,
    handShake: 0,
    getSystemParameters: 16,
    getTemplateCount: 2,
    getTemplateIndex: 0,
  };
  if (payload.length - 1 < fieldBytes[method]) return raises('IndexError: the answer is shorter than the fields this method reads');
  return { ok: true };
}

/** Sends each step's frame in turn and collects its answer (one frame, or what came before the timeout). */
export async function replaySessionStart(
  path: string,
  options: { readonly baudRate?: number; readonly timeoutMs?: number; readonly steps?: readonly SessionStep[] } = {},
): Promise<StepResult[]> {
  const port = await new Promise<SerialPort>((resolve, reject) => {
    const opened = new SerialPort({ path, baudRate: options.baudRate ?? 57_600, dataBits: 8, parity: 'none', stopBits: 1 }, (error) =>
      error ? reject(error) : resolve(opened),
    );
  });
  try {
    const results: StepResult[] = [];
    for (const step of options.steps ?? pyfingerprintSessionStart) {
      const reply = await exchangeFrame(port, hexBytes(step.command), options.timeoutMs ?? PYFINGERPRINT_TIMEOUT_MS);
      results.push({ step, reply: formatHex(reply), verdict: judgeLikePyfingerprint(step.method, reply) });
    }
    return results;
  } finally {
    await new Promise<void>((resolve) => port.close(() => resolve()));
  }
}

/** Resolves with the answer as soon as one whole frame is in, or with what arrived by the deadline. */
function exchangeFrame(port: SerialPort, command: Uint8Array, timeoutMs: number): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    let received = Buffer.alloc(0);
    const finish = (): void => {
      clearTimeout(timer);
      port.off('data', onData);
      resolve(new Uint8Array(received));
    };
    const onData = (chunk: Buffer): void => {
      received = Buffer.concat([received, chunk]);
      if (received.length >= 9 && received.length >= 9 + received.readUInt16BE(7)) finish();
    };
    const timer = setTimeout(finish, timeoutMs);
    port.on('data', onData);
    port.write(Buffer.from(command), (error) => {
      if (error) {
        clearTimeout(timer);
        port.off('data', onData);
        reject(error);
      }
    });
  });
}

function hexBytes(text: string): Uint8Array {
  return Uint8Array.from(text.trim().split(/\s+/), (byte) => Number.parseInt(byte, 16));
}

function formatHex(bytes: Uint8Array): string {
  return [...bytes].map((byte) => byte.toString(16).toUpperCase().padStart(2, '0')).join(' ');
}

// Command line: the device path, and the baud rate if not 57600.
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const [path, baud] = process.argv.slice(2);
  if (path === undefined) {
    process.stderr.write('usage: npx tsx native/fingerprint-uart/pyfingerprint-session.ts <device path> [baud]\n');
    process.exit(2);
  }
  replaySessionStart(path, baud === undefined ? {} : { baudRate: Number(baud) }).then(
    (results) => {
      for (const { step, reply, verdict } of results) {
        process.stdout.write(`${step.label.padEnd(24)} ${verdict.ok ? 'ok' : `raises: ${verdict.raises}`}\n  sent ${step.command}\n  got  ${reply}\n`);
      }
      process.exit(results.every((result) => result.verdict.ok) ? 0 : 1);
    },
    (error: unknown) => {
      process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
      process.exit(2);
    },
  );
}
