import { afterEach, describe, expect, it } from 'vitest';
import { openPtyPair, type PtyPair } from '../testing/pty-pair';
import { replaySessionStart, type SessionStep } from './pyfingerprint-session';
import { FingerprintModuleSimulator, type SimulatorOptions } from './simulator';

/**
 * The frames pyfingerprint sends at the start of a session, replayed over a real socat pty to the
 * simulator, each answer checked byte for byte and judged as pyfingerprint judges it.
 */

interface Rig {
  readonly pair: PtyPair;
  readonly simulator: FingerprintModuleSimulator;
}

const rigs: Rig[] = [];

async function startSimulator(options: SimulatorOptions = {}): Promise<Rig> {
  const pair = await openPtyPair();
  const simulator = await FingerprintModuleSimulator.open(pair.simulatorPath, options);
  const rig = { pair, simulator };
  rigs.push(rig);
  return rig;
}

afterEach(async () => {
  for (const rig of rigs.splice(0)) {
    await rig.simulator.close();
    await rig.pair.close();
  }
});

const ackOk = 'EF 01 FF FF FF FF 07 00 03 00 00 0A'; // 07 + 00 03 + 00 = 0x000A
const emptyIndexPage = `EF 01 FF FF FF FF 07 00 23 00 ${Array.from({ length: 32 }, () => '00').join(' ')} 00 2A`; // 07 + 23 = 0x002A

describe('pyfingerprint against the simulator over a pty', () => {
  it.each(['zfm', 'r503'] as const)('a pyfingerprint session start is answered without a communication error (%s)', async (model) => {
    const { pair, simulator } = await startSimulator({ model });
    const results = await replaySessionStart(pair.devicePath);
    expect(results.map(({ step, verdict }) => [step.label, verdict])).toEqual(
      [
        'verifyPassword()',
        'handShake()',
        'getSystemParameters()',
        'getTemplateCount()',
        'getTemplateIndex(0)',
        'getTemplateIndex(1)',
        'getTemplateIndex(2)',
        'getTemplateIndex(3)',
      ].map((label) => [label, { ok: true }]),
    );
    expect(results.map(({ reply }) => reply)).toEqual([
      ackOk,
      ackOk,
      // Status 0004 (password verified) | id 0009 | library 03E8 | level 0003 | address FFFFFFFF |
      // packet code 0002 | baud ×6: 07 + 13 + 04 + 09 + 03 + E8 + 03 + 4 × FF + 02 + 06 = 0x0519.
      'EF 01 FF FF FF FF 07 00 13 00 00 04 00 09 03 E8 00 03 FF FF FF FF 00 02 00 06 05 19',
      'EF 01 FF FF FF FF 07 00 05 00 00 00 00 0C', // no templates: 07 + 05 = 0x000C
      emptyIndexPage,
      emptyIndexPage,
      emptyIndexPage,
      emptyIndexPage,
    ]);
    expect(simulator.commandLog).toEqual([
      'verify-password',
      'port-control',
      'read-system-parameters',
      'template-count',
      'read-index-table',
      'read-index-table',
      'read-index-table',
      'read-index-table',
    ]);
    expect(simulator.isOtherPortOn).toBe(false);
    expect(simulator.unknownInstructionCodes).toEqual([]);
  });

  it('reports what pyfingerprint would raise: "Communication error" for 0x01, a wrong password, "Unknown error" after it', async () => {
    const { pair } = await startSimulator({ password: 0x12345678 });
    // PortControl without its control code (01 + 00 03 + 17 = 0x001B) is answered 0x01, which is
    // what every 0x17 got before the simulator knew the instruction.
    const steps: SessionStep[] = [
      { method: 'verifyPassword', label: 'verifyPassword()', command: 'EF 01 FF FF FF FF 01 00 07 13 00 00 00 00 00 1B' },
      { method: 'handShake', label: 'handShake() cut short', command: 'EF 01 FF FF FF FF 01 00 03 17 00 1B' },
      { method: 'getTemplateCount', label: 'getTemplateCount()', command: 'EF 01 FF FF FF FF 01 00 03 1D 00 21' },
    ];
    const results = await replaySessionStart(pair.devicePath, { steps });
    expect(results.map(({ reply, verdict }) => [reply, verdict])).toEqual([
      ['EF 01 FF FF FF FF 07 00 03 13 00 1D', { ok: false, raises: '(returns False: the given fingerprint sensor password is wrong)' }], // 07 + 03 + 13 = 0x001D
      ['EF 01 FF FF FF FF 07 00 03 01 00 0B', { ok: false, raises: 'Communication error' }],
      ['EF 01 FF FF FF FF 07 00 03 21 00 2B', { ok: false, raises: 'Unknown error 0x21' }], // password required: 07 + 03 + 21 = 0x002B
    ]);
  });
});
