/**
 * Where the CPU went during a benchmark phase, from Linux /proc: PostgreSQL's processes, the
 * server processes, this load generator, and everything else on the machine (other work that
 * shares the cores and makes a run noisy). Elsewhere than Linux it reports nothing.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';

export interface CpuSample {
  readonly at: number;
  /** Busy CPU time of the whole machine, ms (all cores). */
  readonly machine: number;
  readonly postgres: number;
  readonly servers: number;
  readonly generator: number;
}

export interface CpuSplit {
  /** Average busy cores over the phase, per part; `other` is the rest of the machine. */
  readonly cores: { readonly postgres: number; readonly servers: number; readonly generator: number; readonly other: number; readonly idle: number };
  /** CPU milliseconds per decision, per part. */
  readonly msPerDecision: { readonly postgres: number; readonly servers: number; readonly generator: number };
}

const isLinux = existsSync('/proc/stat');
const ticksPerSecond = isLinux ? Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100 : 100;
const coreCount = isLinux
  ? readFileSync('/proc/stat', 'utf8')
      .split('\n')
      .filter((line) => /^cpu\d/.test(line)).length
  : 1;

/** utime + stime of one process, ms; 0 if it is gone. */
function processMs(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name may contain spaces: fields are counted after its closing parenthesis.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / ticksPerSecond;
  } catch {
    return 0;
  }
}

function postgresPids(): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/comm`, 'utf8').trim() === 'postgres') pids.push(Number(entry));
    } catch {
      // The process ended while we looked.
    }
  }
  return pids;
}

function machineBusyMs(): number {
  const [cpu] = readFileSync('/proc/stat', 'utf8').split('\n');
  // cpu user nice system idle iowait irq softirq steal: busy is all but idle and iowait.
  const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = (cpu ?? '').trim().split(/\s+/).slice(1).map(Number);
  return ((user + nice + system + irq + softirq + steal) * 1000) / ticksPerSecond;
}

/** Sample CPU time so far; `serverPids` are the sync-server processes of the phase. */
export function sampleCpu(serverPids: readonly number[]): CpuSample | null {
  if (!isLinux) return null;
  const usage = process.cpuUsage();
  return {
    at: performance.now(),
    machine: machineBusyMs(),
    postgres: postgresPids().reduce((sum, pid) => sum + processMs(pid), 0),
    servers: serverPids.reduce((sum, pid) => sum + processMs(pid), 0),
    generator: (usage.user + usage.system) / 1000,
  };
}

/**
 * The split between two samples. PostgreSQL backends that ended during the phase are not
 * counted (pools keep theirs open, so this is small), which is why `other` is the remainder.
 */
export function cpuSplit(before: CpuSample | null, after: CpuSample | null, decisions: number): CpuSplit | null {
  if (!before || !after || decisions === 0) return null;
  const wall = after.at - before.at;
  const part = (key: 'postgres' | 'servers' | 'generator') => Math.max(0, after[key] - before[key]);
  const busy = after.machine - before.machine;
  const round = (value: number, digits: number) => Number(value.toFixed(digits));
  const known = part('postgres') + part('servers') + part('generator');
  return {
    cores: {
      postgres: round(part('postgres') / wall, 2),
      servers: round(part('servers') / wall, 2),
      generator: round(part('generator') / wall, 2),
      other: round(Math.max(0, busy - known) / wall, 2),
      idle: round(Math.max(0, coreCount - busy / wall), 2),
    },
    msPerDecision: {
      postgres: round(part('postgres') / decisions, 3),
      servers: round(part('servers') / decisions, 3),
      generator: round(part('generator') / decisions, 3),
    },
  };
}
