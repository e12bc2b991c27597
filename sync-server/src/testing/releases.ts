import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** A released version of CoverDesk, as build/releases.json records it. */
export interface Release {
  readonly name: string;
  /** The full commit hash: found by the tag `name` when the clone has it, else by this. */
  readonly commit: string;
  readonly date: string;
  /** The server migrations the release ran, in the order it ran them. */
  readonly migrations: readonly number[];
}

export const releasesFile = fileURLToPath(new URL('../../../build/releases.json', import.meta.url));

/** build/releases.json: every release so far, and the previous one (which the next must roll beside). */
export function readReleases(file = releasesFile): { previous: Release; releases: readonly Release[] } {
  const parsed = JSON.parse(readFileSync(file, 'utf8')) as { previous?: unknown; releases?: unknown };
  if (!Array.isArray(parsed.releases)) throw new Error(`${file}: "releases" must be a list`);
  const releases = parsed.releases.map((entry: unknown, index): Release => {
    const r = entry as Partial<Record<keyof Release, unknown>>;
    const isRelease =
      typeof r.name === 'string' &&
      typeof r.commit === 'string' &&
      /^[0-9a-f]{40}$/.test(r.commit) &&
      typeof r.date === 'string' &&
      Array.isArray(r.migrations) &&
      r.migrations.every((v) => Number.isInteger(v));
    if (!isRelease) throw new Error(`${file}: release ${index} needs a name, a full 40-digit commit hash, a date and its migrations' versions`);
    return { name: r.name as string, commit: r.commit as string, date: r.date as string, migrations: r.migrations as number[] };
  });
  const previous = releases.find((r) => r.name === parsed.previous);
  if (!previous) throw new Error(`${file}: "previous" (${String(parsed.previous)}) names no release in the list`);
  return { previous, releases };
}
