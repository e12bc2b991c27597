import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

/**
 * Starts the test files expected to take longest first, so that the run does not end on one long
 * file started last while the other workers stand idle. On a clean clone (CI) vitest has no
 * duration cache and orders files by size, which puts short files full of small cases first and,
 * for example, tests/e2e/face-capture.test.ts (231 lines, about 100 s) near the end.
 *
 * Expected seconds, in order of trust: the committed list `test-durations.json` (figures of a
 * CI run; refresh it with `npx tsx tests/support/test-durations.ts test-output/vitest.json` after
 * a run of .ci/run), else a folder's usual cost (tests/e2e, tests/ops and tests/chaos start
 * Chromium, servers, desks or clusters; tests/sync, tests/server, tests/contract and the models run
 * whole servers and desks), else none, and vitest's own order decides (duration cache or size).
 * Only the order changes: every file still runs.
 */
export const recordedSeconds: Readonly<Record<string, number>> = (
  JSON.parse(readFileSync(new URL('./test-durations.json', import.meta.url), 'utf8')) as { seconds: Record<string, number> }
).seconds;

const folderSeconds: ReadonlyArray<readonly [prefix: string, seconds: number]> = [
  ['tests/e2e/', 40],
  ['tests/ops/', 40],
  ['tests/chaos/', 40],
  ['tests/sync/', 30],
  ['tests/server/', 30],
  ['tests/contract/', 30],
  ['tests/model-api/', 30],
  ['tests/model/', 30],
];

/** A file's expected duration in seconds (its path relative to the repository root, with '/'). */
export function expectedSeconds(path: string): number {
  return recordedSeconds[path] ?? folderSeconds.find(([prefix]) => path.startsWith(prefix))?.[1] ?? 0;
}

export default class LongFilesFirstSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const ordered = await super.sort(files);
    const seconds = new Map(ordered.map((file) => [file, expectedSeconds(relative(file.project.config.root, file.moduleId).replaceAll('\\', '/'))]));
    // Array.prototype.sort is stable: files with the same expectation keep vitest's order.
    return ordered.sort((a, b) => seconds.get(b)! - seconds.get(a)!);
  }
}
