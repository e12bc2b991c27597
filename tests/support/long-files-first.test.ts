import { describe, expect, it } from 'vitest';
import type { TestSpecification, Vitest } from 'vitest/node';
import LongFilesFirstSequencer, { expectedSeconds, recordedSeconds } from './long-files-first';

const root = '/repo';
/** A specification as the sequencer sees it: a path, a project, and a size for vitest's own order. */
const spec = (path: string) => ({ moduleId: `${root}/${path}`, project: { name: '', config: { root, isolate: true, sequence: { groupOrder: 0 } } } });
function sequencer(sizes: Record<string, number>): LongFilesFirstSequencer {
  const cache = {
    getFileTestResults: () => undefined,
    getFileStats: (key: string) => {
      const size = sizes[key.slice(1)];
      return size === undefined ? undefined : { size };
    },
  };
  return new LongFilesFirstSequencer({ cache, config: { root } } as unknown as Vitest);
}

describe('long files first (the order of a clean clone, with no duration cache)', () => {
  it('starts the recorded long files first, longest first, however small they are', async () => {
    const paths = ['sync-server/domain/money.test.ts', 'tests/e2e/face-capture.test.ts', 'tests/ops/failover.test.ts', 'sync-server/src/role-matrix.test.ts'];
    const sizes = { [paths[0]!]: 90_000, [paths[1]!]: 9_000, [paths[2]!]: 16_000, [paths[3]!]: 17_000 };
    const sorted = await sequencer(sizes).sort(paths.map(spec) as unknown as TestSpecification[]);
    expect(sorted.map((file) => file.moduleId.slice(root.length + 1))).toEqual([
      'tests/e2e/face-capture.test.ts',
      'sync-server/src/role-matrix.test.ts',
      'tests/ops/failover.test.ts',
      'sync-server/domain/money.test.ts',
    ]);
  });

  it('puts files of the process-crossing folders next, and keeps vitest’s order (largest first) for the rest', async () => {
    const paths = ['renderer/src/a.test.ts', 'tests/sync/new.test.ts', 'renderer/src/b.test.ts', 'tests/e2e/new.test.ts'];
    const sizes = { [paths[0]!]: 100, [paths[1]!]: 100, [paths[2]!]: 200, [paths[3]!]: 100 };
    const sorted = await sequencer(sizes).sort(paths.map(spec) as unknown as TestSpecification[]);
    expect(sorted.map((file) => file.moduleId.slice(root.length + 1))).toEqual([
      'tests/e2e/new.test.ts',
      'tests/sync/new.test.ts',
      'renderer/src/b.test.ts',
      'renderer/src/a.test.ts',
    ]);
  });

  it('the committed list names files that exist, with positive seconds', async () => {
    const { existsSync } = await import('node:fs');
    for (const [path, seconds] of Object.entries(recordedSeconds)) {
      expect(existsSync(new URL(`../../${path}`, import.meta.url)), path).toBe(true);
      expect(seconds).toBeGreaterThan(0);
      expect(expectedSeconds(path)).toBe(seconds);
    }
  });
});
