import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Release } from '../../sync-server/src/testing/releases';

/**
 * The previous release as a deploy would have it (issue 23, rolling upgrades): its commit's tree
 * in a temporary folder, with dependencies to run its server. The commit is found by the release's
 * tag, else by the hash build/releases.json records (a tag may not travel with every clone).
 */
const root = fileURLToPath(new URL('../..', import.meta.url));

const git = (...args: string[]): string => execFileSync('git', args, { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();

export function releaseCommit(release: Release): { commit: string; foundBy: 'tag' | 'hash' } {
  let tagged: string | null = null;
  try {
    tagged = git('rev-parse', '--verify', '--quiet', `refs/tags/${release.name}^{commit}`);
  } catch {
    tagged = null;
  }
  if (tagged) {
    if (tagged !== release.commit)
      throw new Error(`The tag ${release.name} names commit ${tagged}, but build/releases.json records ${release.commit}: one of them is wrong.`);
    return { commit: tagged, foundBy: 'tag' };
  }
  try {
    git('cat-file', '-e', `${release.commit}^{commit}`);
  } catch {
    throw new Error(
      `Neither the tag ${release.name} nor its commit ${release.commit} is in this clone: fetch them (git fetch --tags, or git fetch --unshallow in a shallow CI clone).`,
    );
  }
  return { commit: release.commit, foundBy: 'hash' };
}

type Ranges = Record<string, string>;

function dependencyRanges(packageJson: string): Ranges {
  const parsed = JSON.parse(packageJson) as { dependencies?: Ranges; devDependencies?: Ranges };
  return { ...parsed.dependencies, ...parsed.devDependencies };
}

const parts = (version: string): [number, number, number] | null => {
  const m = /^(\d+)\.(\d+)\.(\d+)/.exec(version);
  return m ? [Number(m[1]), Number(m[2]), Number(m[3])] : null;
};

/**
 * Whether `version` satisfies `range` for the forms package.json uses here: exact, ^ and ~. Any
 * other form is "not known to satisfy" (the release then gets its own install).
 */
export function satisfies(version: string, range: string): boolean {
  const v = parts(version);
  const m = /^([\^~]?)(\d+\.\d+\.\d+)$/.exec(range.trim());
  const r = m ? parts(m[2]!) : null;
  if (!v || !m || !r || /-/.test(version)) return false;
  const [major, minor, patch] = v;
  const atLeast = major !== r[0] ? major > r[0] : minor !== r[1] ? minor > r[1] : patch >= r[2];
  if (m[1] === '') return major === r[0] && minor === r[1] && patch === r[2];
  if (m[1] === '~') return atLeast && major === r[0] && minor === r[1];
  // ^: the leftmost non-zero part is fixed.
  if (r[0] > 0) return atLeast && major === r[0];
  if (r[1] > 0) return atLeast && major === 0 && minor === r[1];
  return major === 0 && minor === 0 && patch === r[2];
}

/**
 * The release's dependencies that this checkout's node_modules does not satisfy (range not met,
 * or not installed). Empty: the release can run on this checkout's node_modules.
 */
export function unmetDependencies(releasePackageJson: string, nodeModules = join(root, 'node_modules')): string[] {
  const unmet: string[] = [];
  for (const [name, range] of Object.entries(dependencyRanges(releasePackageJson))) {
    const manifest = join(nodeModules, name, 'package.json');
    const installed = existsSync(manifest) ? (JSON.parse(readFileSync(manifest, 'utf8')) as { version: string }).version : null;
    if (!installed || !satisfies(installed, range)) unmet.push(`${name}@${range} (installed: ${installed ?? 'none'})`);
  }
  return unmet;
}

export interface MaterialisedRelease {
  readonly release: Release;
  readonly commit: string;
  readonly foundBy: 'tag' | 'hash';
  /** The folder holding the release's tree. */
  readonly root: string;
  /** 'shared': node_modules links to this checkout's; otherwise the release's own `npm ci`, and why. */
  readonly dependencies: { kind: 'shared' } | { kind: 'installed'; unmet: string[] };
  remove(): void;
}

/**
 * Write the release's tree to a temporary folder (`git archive`: no worktree to register or
 * forget). Its node_modules is a link to this checkout's when every dependency range of the
 * release is met by what is installed here; otherwise the release gets its own `npm ci`
 * (`--ignore-scripts`: the server needs no native module; minutes, and the registry).
 */
export async function materialiseRelease(release: Release, log: (line: string) => void = () => undefined): Promise<MaterialisedRelease> {
  const { commit, foundBy } = releaseCommit(release);
  const folder = mkdtempSync(join(tmpdir(), `coverdesk-${release.name}-`));
  const remove = () => rmSync(folder, { recursive: true, force: true });
  try {
    const archive = join(folder, 'release.tar');
    git('archive', '--format=tar', '-o', archive, commit);
    execFileSync('tar', ['-xf', archive, '-C', folder]);
    rmSync(archive);
    const unmet = unmetDependencies(readFileSync(join(folder, 'package.json'), 'utf8'));
    if (unmet.length === 0) {
      symlinkSync(join(root, 'node_modules'), join(folder, 'node_modules'), 'dir');
      return { release, commit, foundBy, root: folder, dependencies: { kind: 'shared' }, remove };
    }
    log(`${release.name} needs dependencies this checkout does not have (${unmet.join(', ')}): npm ci in ${folder}`);
    await run('npm', ['ci', '--ignore-scripts', '--no-audit', '--no-fund'], folder, { ELECTRON_SKIP_BINARY_DOWNLOAD: '1' });
    return { release, commit, foundBy, root: folder, dependencies: { kind: 'installed', unmet }, remove };
  } catch (error) {
    remove();
    throw error;
  }
}

/** Run a command to its end; its output is given back in the error when it fails. */
export async function run(command: string, args: string[], cwd: string, env: Record<string, string> = {}): Promise<string> {
  const child = spawn(command, args, { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', resolve);
  });
  if (code !== 0) throw new Error(`${command} ${args.join(' ')} (in ${cwd}) exited with ${code}: ${output}`);
  return output;
}
