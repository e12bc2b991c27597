/**
 * Runs the Promela model of the sync protocol (protocol.pml) through spin: generate pan.c with the
 * run's -D macros, compile it with gcc, run the verifier, read its report, and for a refuted run
 * replay the trail as the model's MSC lines. Used by `npm run model:check` (model-check.ts) and by
 * model.test.ts; see README.md for what each property and broken variant stands for.
 */
import { execFile } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
export const modelPath = fileURLToPath(new URL('./protocol.pml', import.meta.url));

export type PropertyName = 'no-over-commit' | 'applied-once' | 'confirmed-kept' | 'outbox-order' | 'pull-complete' | 'every-entry-answered' | 'desks-converge';
export type Profile = 'full' | 'quick';

/** Fault budgets of one run: how many of each fault the model may inject (then the network is fair). */
export interface Budgets {
  readonly drops: number;
  readonly dups: number;
  readonly serverCrashes: number;
  readonly deskCrashes: number;
  readonly earlyTimeouts: number;
}

export interface Property {
  readonly name: PropertyName;
  readonly kind: 'safety' | 'liveness';
  /** The -D macro selecting the property's monitor (safety) or the ltl block's name (liveness). */
  readonly check: string;
  /**
   * Safety properties of one design run: the three push properties share one state space (pulls
   * left out), so the design is checked for all three in one search; each broken variant is
   * checked for its own property alone.
   */
  readonly designChecks?: readonly string[];
  /** The broken variant spin must refute. */
  readonly broken: string;
  /** Extra macros of every run of this property (NO_PULL: push properties leave pulls out). */
  readonly defines: readonly string[];
  readonly budgets: Record<Profile, Budgets>;
}

const all1: Budgets = { drops: 1, dups: 1, serverCrashes: 1, deskCrashes: 1, earlyTimeouts: 1 };
const pushChecks = ['CHECK_COVER', 'CHECK_ONCE', 'CHECK_CONFIRMED'];
const pushQuick: Budgets = { drops: 1, dups: 1, serverCrashes: 1, deskCrashes: 0, earlyTimeouts: 0 };

export const properties: readonly Property[] = [
  {
    name: 'no-over-commit',
    kind: 'safety',
    check: 'CHECK_COVER',
    designChecks: pushChecks,
    broken: 'BROKEN_ARBITRATION',
    defines: ['NO_PULL'],
    budgets: { full: all1, quick: pushQuick },
  },
  {
    name: 'applied-once',
    kind: 'safety',
    check: 'CHECK_ONCE',
    designChecks: pushChecks,
    broken: 'BROKEN_IDEMPOTENCY',
    defines: ['NO_PULL'],
    budgets: { full: all1, quick: pushQuick },
  },
  {
    name: 'confirmed-kept',
    kind: 'safety',
    check: 'CHECK_CONFIRMED',
    designChecks: pushChecks,
    broken: 'BROKEN_ANSWER_EARLY',
    defines: ['NO_PULL'],
    budgets: { full: all1, quick: pushQuick },
  },
  {
    // Two entries per desk: batches of two, the second entry decided only after the first; the
    // design run checks the three push properties again with batches.
    name: 'outbox-order',
    kind: 'safety',
    check: 'CHECK_ORDER',
    designChecks: ['CHECK_ORDER', ...pushChecks],
    broken: 'BROKEN_PARALLEL_PUSH',
    defines: ['NO_PULL', 'NE=2'],
    budgets: {
      full: { drops: 1, dups: 0, serverCrashes: 1, deskCrashes: 0, earlyTimeouts: 0 },
      quick: { drops: 0, dups: 0, serverCrashes: 1, deskCrashes: 0, earlyTimeouts: 0 },
    },
  },
  {
    name: 'pull-complete',
    kind: 'safety',
    check: 'CHECK_PULL',
    broken: 'BROKEN_PULL_WINDOW',
    defines: [],
    budgets: {
      full: { drops: 0, dups: 1, serverCrashes: 1, deskCrashes: 1, earlyTimeouts: 0 },
      quick: { drops: 0, dups: 0, serverCrashes: 1, deskCrashes: 1, earlyTimeouts: 0 },
    },
  },
  {
    name: 'every-entry-answered',
    kind: 'liveness',
    check: 'answered',
    broken: 'BROKEN_NO_RETRY',
    defines: [],
    budgets: {
      full: { drops: 1, dups: 1, serverCrashes: 1, deskCrashes: 0, earlyTimeouts: 0 },
      quick: { drops: 1, dups: 0, serverCrashes: 1, deskCrashes: 0, earlyTimeouts: 0 },
    },
  },
  {
    name: 'desks-converge',
    kind: 'liveness',
    check: 'converge',
    broken: 'BROKEN_NO_TIMER',
    defines: [],
    budgets: {
      // Convergence searches every infinite run: one more fault kind here passes 5 minutes.
      full: { drops: 1, dups: 0, serverCrashes: 1, deskCrashes: 0, earlyTimeouts: 0 },
      quick: { drops: 1, dups: 0, serverCrashes: 1, deskCrashes: 0, earlyTimeouts: 0 },
    },
  },
];

/** Outbox entries per desk in a property's runs (NE, default 1). */
export function entriesPerDesk(property: Property): number {
  const define = property.defines.find((d) => d.startsWith('NE='));
  return define ? Number(define.slice(3)) : 1;
}

export interface SpinRun {
  readonly property: PropertyName;
  /** The properties this search checked (the push properties share their design run). */
  readonly checks: readonly string[];
  readonly variant: 'design' | string;
  readonly defines: readonly string[];
  readonly errors: number;
  readonly statesStored: number;
  readonly transitions: number;
  readonly memoryMb: number;
  readonly panSeconds: number;
  /** Wall time of the whole run: spin -a, gcc, pan (and the trail replay). */
  readonly wallSeconds: number;
  readonly isComplete: boolean;
  /** The counterexample as the model's MSC lines and the violated assertion or the cycle's start. */
  readonly trail: readonly string[];
  readonly panOutput: string;
}

function budgetDefines(budgets: Budgets): string[] {
  return [
    `DROPS=${budgets.drops}`,
    `DUPS=${budgets.dups}`,
    `SERVER_CRASHES=${budgets.serverCrashes}`,
    `DESK_CRASHES=${budgets.deskCrashes}`,
    `EARLY_TIMEOUTS=${budgets.earlyTimeouts}`,
  ];
}

function numberAfter(output: string, pattern: RegExp): number {
  const match = pattern.exec(output);
  return match?.[1] === undefined ? Number.NaN : Number(match[1]);
}

/**
 * One spin run of `property`, on the design or on its broken variant. `optimize` compiles pan with
 * -O1 (for millions of states; -O2 compiles twice as long for a few percent) or -O0 (gcc takes a
 * fifth of the time, for small bounds).
 */
const sharedRuns = new Map<string, Promise<Omit<SpinRun, 'property'>>>();

export async function checkProperty(property: Property, options: { profile: Profile; isBroken: boolean; optimize: boolean }): Promise<SpinRun> {
  const checks = property.kind === 'liveness' ? [property.check] : options.isBroken ? [property.check] : (property.designChecks ?? [property.check]);
  const defines = [
    ...(property.kind === 'safety' ? checks : []),
    ...property.defines,
    // A broken variant is refuted at the small bounds already: larger ones only lengthen its search.
    ...budgetDefines(property.budgets[options.isBroken ? 'quick' : options.profile]),
    ...(options.isBroken ? [property.broken] : []),
  ];
  const key = JSON.stringify([property.kind, options, defines, property.kind === 'liveness' ? property.check : '']);
  let shared = sharedRuns.get(key);
  if (!shared) {
    shared = search(property, defines, checks, { ...options });
    sharedRuns.set(key, shared);
  }
  return { ...(await shared), property: property.name };
}

async function search(
  property: Property,
  defines: readonly string[],
  checks: readonly string[],
  options: { profile: Profile; isBroken: boolean; optimize: boolean },
): Promise<Omit<SpinRun, 'property'>> {
  const started = performance.now();
  const work = mkdtempSync(join(tmpdir(), 'coverdesk-spin-'));
  try {
    copyFileSync(modelPath, join(work, 'protocol.pml'));
    const spinFlags = defines.map((define) => `-D${define}`);
    await run('spin', [...spinFlags, '-a', 'protocol.pml'], { cwd: work });
    // Safety: no never claim (-DNOCLAIM), no cycle detection (-DSAFETY); a refuted broken safety
    // run searches breadth first (-DBFS) so that its trail is a shortest counterexample.
    // Liveness: acceptance cycles under weak fairness (pan -a -f).
    const ccFlags = property.kind === 'safety' ? ['-DSAFETY', '-DNOCLAIM', ...(options.isBroken ? ['-DBFS'] : [])] : ['-DNFAIR=3'];
    await run('gcc', [options.optimize ? '-O1' : '-O0', '-w', '-DMEMLIM=3072', '-DCOLLAPSE', ...ccFlags, '-o', 'pan', 'pan.c'], {
      cwd: work,
      maxBuffer: 16 * 1024 * 1024,
    });
    // Small bounds get a small hash table and stack (allocating 200 MB costs more than their search).
    const sizes = options.profile === 'full' && !options.isBroken ? ['-m2000000', '-w26'] : ['-m200000', '-w20'];
    const panFlags = property.kind === 'safety' ? sizes : [...sizes, '-a', '-f', '-N', property.check];
    // pan exits non-zero when it finds an error: the report is read either way.
    const pan = await run('./pan', panFlags, { cwd: work, maxBuffer: 64 * 1024 * 1024 }).catch((error: unknown) => {
      if (error && typeof error === 'object' && 'stdout' in error && typeof error.stdout === 'string') return { stdout: error.stdout, stderr: '' };
      throw error;
    });
    const output = pan.stdout;
    const errors = numberAfter(output, /errors: (\d+)/);
    let trail: string[] = [];
    if (errors > 0 && existsSync(join(work, 'protocol.pml.trail'))) {
      const replay = await run('spin', ['-t', ...spinFlags, 'protocol.pml'], { cwd: work, maxBuffer: 16 * 1024 * 1024 }).catch((error: unknown) => {
        if (error && typeof error === 'object' && 'stdout' in error && typeof error.stdout === 'string') return { stdout: error.stdout, stderr: '' };
        throw error;
      });
      trail = replay.stdout
        .split('\n')
        .map((line) => line.trim())
        .filter(
          (line) => line.startsWith('MSC:') || line.includes('assertion violated') || line.includes('START OF CYCLE') || line.startsWith('spin: trail ends'),
        )
        .map((line) => line.replace(/^MSC: /, ''));
    }
    return {
      checks,
      variant: options.isBroken ? property.broken : 'design',
      defines,
      errors,
      statesStored: numberAfter(output, /([\d.e+]+) states, stored/),
      transitions: numberAfter(output, /([\d.e+]+) transitions \(= (?:stored|visited)\+matched\)/),
      memoryMb: numberAfter(output, /([\d.]+)\s+total actual memory usage/),
      panSeconds: numberAfter(output, /pan: elapsed time ([\d.e+]+) seconds/),
      wallSeconds: (performance.now() - started) / 1000,
      // A run cut short by its depth or memory bound proves nothing.
      isComplete: !/max search depth too small|Search not completed|out of memory/i.test(output) || errors > 0,
      trail,
      panOutput: output,
    };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/**
 * What the model found about the design itself (README.md, "Findings"): a desk whose first outbox
 * entry fails on the server with an error that is not a business rejection (POISON) never pulls
 * again, because SyncEngine.cycle runs pullAll only after pushAll succeeded; with a pull after a
 * failed push (PULL_ON_PUSH_FAILURE, not in the code) the desk converges.
 */
export interface Finding {
  readonly name: string;
  readonly defines: readonly string[];
  readonly isViolationExpected: boolean;
}

export const findings: readonly Finding[] = [
  { name: 'failing push starves the pull (sync-engine.ts before its fix)', defines: ['POISON'], isViolationExpected: true },
  { name: 'same, with a pull after a failed push', defines: ['POISON', 'PULL_ON_PUSH_FAILURE'], isViolationExpected: false },
];

const noFaults: Budgets = { drops: 0, dups: 0, serverCrashes: 0, deskCrashes: 0, earlyTimeouts: 0 };

/** A finding is checked against `desks-converge` without other faults. */
export async function checkFinding(finding: Finding): Promise<SpinRun> {
  const converge = properties.find((property) => property.name === 'desks-converge');
  if (!converge) throw new Error('desks-converge is missing from the properties');
  const defines = [...budgetDefines(noFaults), ...finding.defines];
  return {
    ...(await search(converge, defines, [converge.check], { profile: 'quick', isBroken: finding.isViolationExpected, optimize: false })),
    property: converge.name,
    variant: finding.defines.join('+'),
  };
}
