/**
 * Staged rollout of a desk release through the update feed (issue 23): `npm run release:rollout`.
 *
 * The mechanism is electron-updater's own: a `stagingPercentage` in the feed's `latest.yml`
 * (`latest-linux.yml`, `latest-mac.yml`). Each installed desk keeps a random staging id in its
 * user-data folder (`.updaterId`, written by electron-updater at its first check and never by
 * CoverDesk); it takes the release when the last four bytes of that id, read as a fraction of
 * 2^32 - 1, are below the percentage. So raising 20 → 100 keeps the first 20 % in and adds the
 * rest, and a desk decides the same way at every check. This tool only writes that field, and
 * writes the audit line that says who changed it, when and why.
 *
 *   publish --from dist/installers --feed DIR --percent 20 --by NAME [--reason TEXT]
 *       copy a release's installers into the feed, then its latest*.yml with the percentage set
 *       (the yml last, each renamed into place: no desk ever sees a yml without its installer,
 *       nor a new release at 100 % by mistake)
 *   set --feed DIR --percent 100 --by NAME [--reason TEXT]
 *       change the share of the release in the feed (0 pauses it: desks that took it keep it)
 *   status --feed DIR
 *       the release in the feed, its share, and the audit log's chain checked
 *
 * Audit: every change appends one JSON line to `DIR/rollout-log.jsonl` naming the version, the
 * share before and after, who (`--by`, and the OS account that ran the tool), why, and the
 * SHA-256 of each yml as written; each line carries the SHA-256 of the line before it, so a line
 * edited or removed afterwards breaks the chain, which `status` and every change check first.
 */
import { createHash } from 'node:crypto';
import { appendFileSync, copyFileSync, existsSync, readdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseDocument } from 'yaml';

export const rolloutLogName = 'rollout-log.jsonl';

/** The channel files electron-builder writes for the generic provider: latest.yml (Windows), latest-linux.yml, latest-mac.yml. */
const channelFilePattern = /^latest(-[a-z0-9-]+)?\.yml$/;

export class RolloutError extends Error {}

export interface RolloutEntry {
  readonly at: string;
  readonly action: 'publish' | 'set';
  readonly version: string;
  /** The share before the change (null: the release was not in the feed; 100: everyone). */
  readonly from: number | null;
  readonly to: number;
  readonly by: string;
  readonly account: string;
  readonly reason: string | null;
  readonly files: readonly { readonly name: string; readonly sha256: string }[];
  /** SHA-256 of the previous line of the log, or null for the first. */
  readonly previous: string | null;
}

export interface FeedStatus {
  readonly version: string;
  /** 100 when no stagingPercentage is set (electron-updater then offers it to every desk). */
  readonly percent: number;
  readonly files: readonly string[];
  readonly entries: number;
}

const sha256 = (text: string | Buffer) => createHash('sha256').update(text).digest('hex');

function checkPercent(percent: number): number {
  if (!Number.isInteger(percent) || percent < 0 || percent > 100) throw new RolloutError(`The share is a whole percentage from 0 to 100, not ${percent}.`);
  return percent;
}

function channelFiles(dir: string): string[] {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new RolloutError(`${dir} is not a folder.`);
  return readdirSync(dir)
    .filter((name) => channelFilePattern.test(name))
    .sort();
}

interface ChannelFile {
  readonly name: string;
  readonly version: string;
  readonly percent: number;
  readonly files: readonly string[];
  /** The yml with `stagingPercentage` set to `to` (removed at 100), formatting and other keys kept. */
  withPercent(to: number): string;
}

function readChannelFile(path: string): ChannelFile {
  const document = parseDocument(readFileSync(path, 'utf8'));
  if (document.errors.length > 0) throw new RolloutError(`${basename(path)} is not valid YAML: ${document.errors[0]!.message}`);
  const version = document.get('version');
  if (typeof version !== 'string' || version === '') throw new RolloutError(`${basename(path)} names no version: it is not an electron-builder update file.`);
  const raw = document.get('stagingPercentage');
  const percent = raw === undefined || raw === null ? 100 : Number(raw);
  const listed = document.toJS() as { files?: { url?: unknown }[]; path?: unknown };
  const files = [...new Set([...(listed.files ?? []).map((file) => file.url), listed.path].filter((url): url is string => typeof url === 'string'))];
  return {
    name: basename(path),
    version,
    percent,
    files,
    withPercent(to) {
      const copy = document.clone();
      // At 100 the key goes: electron-updater then offers the release to every desk. A literal 100
      // would leave out the one id in 2^32 whose fraction is exactly 1 (its test is `<`).
      if (to === 100) copy.delete('stagingPercentage');
      else copy.set('stagingPercentage', to);
      return copy.toString();
    },
  };
}

function readRelease(dir: string): ChannelFile[] {
  const files = channelFiles(dir).map((name) => readChannelFile(join(dir, name)));
  if (files.length === 0) throw new RolloutError(`${dir} holds no latest*.yml: no release to roll out.`);
  const versions = new Set(files.map((file) => file.version));
  if (versions.size > 1) throw new RolloutError(`The update files name different versions (${[...versions].join(', ')}): publish one release at a time.`);
  return files;
}

/** The log's entries, with the chain checked: each line names the SHA-256 of the line before it. */
export function readRolloutLog(dir: string): RolloutEntry[] {
  const path = join(dir, rolloutLogName);
  if (!existsSync(path)) return [];
  const lines = readFileSync(path, 'utf8')
    .split('\n')
    .filter((line) => line !== '');
  let previous: string | null = null;
  return lines.map((line, index) => {
    const entry = JSON.parse(line) as RolloutEntry;
    if (entry.previous !== previous)
      throw new RolloutError(
        `${rolloutLogName} line ${index + 1} does not follow the line before it: the log was edited. Nothing changed; restore the log first.`,
      );
    previous = sha256(line);
    return entry;
  });
}

/** Write `text` to `path` by a rename, so a desk reading the feed sees the old file or the new one. */
function replaceFile(path: string, text: string | Buffer): void {
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, text);
  renameSync(temporary, path);
}

interface Change {
  readonly by: string;
  readonly reason?: string | undefined;
  readonly now?: Date;
}

function appendEntry(dir: string, entry: Omit<RolloutEntry, 'previous' | 'account' | 'at'>, change: Change): RolloutEntry {
  const log = join(dir, rolloutLogName);
  const lines = existsSync(log)
    ? readFileSync(log, 'utf8')
        .split('\n')
        .filter((line) => line !== '')
    : [];
  const full: RolloutEntry = {
    at: (change.now ?? new Date()).toISOString(),
    ...entry,
    account: userInfo().username,
    previous: lines.length === 0 ? null : sha256(lines[lines.length - 1]!),
  };
  appendFileSync(log, `${JSON.stringify(full)}\n`);
  return full;
}

function checkWho(change: Change): void {
  if (change.by.trim() === '') throw new RolloutError('Say who makes this change (--by NAME): it goes into the rollout log.');
}

/**
 * Put a release into the feed at `percent`: its installers (and block maps) first, then each
 * latest*.yml with the share set. A feed holding another version is replaced as a whole.
 */
export function publishRelease(from: string, feed: string, percent: number, change: Change): RolloutEntry {
  checkPercent(percent);
  checkWho(change);
  readRolloutLog(feed);
  const release = readRelease(from);
  const before = channelFiles(feed).length > 0 ? readRelease(feed) : [];
  for (const file of release.flatMap((channel) => channel.files)) {
    const source = join(from, file);
    if (!existsSync(source)) throw new RolloutError(`${release[0]!.name} lists ${file}, which is not in ${from}.`);
  }
  const copied = new Set<string>();
  for (const file of release.flatMap((channel) => channel.files)) {
    for (const name of [file, `${file}.blockmap`]) {
      if (copied.has(name) || !existsSync(join(from, name))) continue;
      const temporary = join(feed, `${name}.${process.pid}.tmp`);
      copyFileSync(join(from, name), temporary);
      renameSync(temporary, join(feed, name));
      copied.add(name);
    }
  }
  const written = release.map((channel) => {
    const text = channel.withPercent(percent);
    replaceFile(join(feed, channel.name), text);
    return { name: channel.name, sha256: sha256(text) };
  });
  const previous = before.find((channel) => channel.version === release[0]!.version);
  return appendEntry(
    feed,
    {
      action: 'publish',
      version: release[0]!.version,
      from: previous ? previous.percent : null,
      to: percent,
      by: change.by,
      reason: change.reason ?? null,
      files: written,
    },
    change,
  );
}

/** Change the share of the release in the feed (every latest*.yml together). */
export function setRollout(feed: string, percent: number, change: Change): RolloutEntry {
  checkPercent(percent);
  checkWho(change);
  readRolloutLog(feed);
  const release = readRelease(feed);
  const written = release.map((channel) => {
    const text = channel.withPercent(percent);
    replaceFile(join(feed, channel.name), text);
    return { name: channel.name, sha256: sha256(text) };
  });
  return appendEntry(
    feed,
    {
      action: 'set',
      version: release[0]!.version,
      from: Math.min(...release.map((channel) => channel.percent)),
      to: percent,
      by: change.by,
      reason: change.reason ?? null,
      files: written,
    },
    change,
  );
}

export function feedStatus(feed: string): FeedStatus {
  const entries = readRolloutLog(feed);
  const release = readRelease(feed);
  return {
    version: release[0]!.version,
    percent: Math.min(...release.map((channel) => channel.percent)),
    files: release.map((channel) => channel.name),
    entries: entries.length,
  };
}

function option(args: readonly string[], name: string): string | undefined {
  const index = args.indexOf(`--${name}`);
  return index >= 0 ? args[index + 1] : undefined;
}

function required(args: readonly string[], name: string): string {
  const value = option(args, name);
  if (value === undefined || value.startsWith('--')) throw new RolloutError(`--${name} is required.`);
  return value;
}

export function runRolloutCli(args: readonly string[]): string {
  const [verb, ...rest] = args;
  const change = (): Change => ({ by: option(rest, 'by') ?? '', reason: option(rest, 'reason') });
  switch (verb) {
    case 'publish': {
      const entry = publishRelease(required(rest, 'from'), required(rest, 'feed'), Number(required(rest, 'percent')), change());
      return `Published ${entry.version} to ${entry.to} % of desks (${entry.files.map((file) => file.name).join(', ')}); logged in ${rolloutLogName}.`;
    }
    case 'set': {
      const entry = setRollout(required(rest, 'feed'), Number(required(rest, 'percent')), change());
      return `${entry.version}: ${entry.from} % → ${entry.to} % of desks; logged in ${rolloutLogName}.`;
    }
    case 'status': {
      const status = feedStatus(required(rest, 'feed'));
      return `${status.version} at ${status.percent} % of desks (${status.files.join(', ')}); ${status.entries} change(s) logged, chain intact.`;
    }
    default:
      throw new RolloutError(
        'Usage: release:rollout -- publish --from DIR --feed DIR --percent N --by NAME | set --feed DIR --percent N --by NAME | status --feed DIR',
      );
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  try {
    console.log(runRolloutCli(process.argv.slice(2)));
  } catch (error) {
    if (!(error instanceof RolloutError)) throw error;
    console.error(error.message);
    process.exitCode = 2;
  }
}
