import { defineConfig } from 'vitest/config';
import { fileURLToPath } from 'node:url';
import LongFilesFirstSequencer from './tests/support/long-files-first';

const here = (p: string): string => fileURLToPath(new URL(p, import.meta.url));

export default defineConfig({
  resolve: {
    alias: {
      '@domain': here('./sync-server/domain'),
      '@contract': here('./sync-server/contract'),
      '@desk-api': here('./electron/desk-api'),
    },
  },
  test: {
    include: ['**/*.test.ts', '**/*.test.tsx'],
    exclude: ['node_modules/**', 'dist/**'],
    // Generous: a test's own waits are bounded by what it awaits, and a busy 2-core machine (CI
    // with other work on it) can make one scrypt-heavy or whole-scenario test take 30 s or more.
    testTimeout: 90_000,
    hookTimeout: 120_000,
    // Two cores, three files at a time: most files spend much of their time waiting on another
    // process (a server, PostgreSQL, Chromium, a desk), so a third keeps the cores busy; more than
    // that and the heavy files (servers, databases) crowd each other out.
    maxWorkers: 3,
    // The files known to take longest start first (tests/support/long-files-first.ts): on a clean
    // clone vitest orders by size, and a long file started last made the run's tail.
    sequence: { sequencer: LongFilesFirstSequencer },
    // Says, at the end of a run without DATABASE_URL, which PostgreSQL guarantees were not tested.
    reporters: ['default', './tests/support/postgres-skips-reporter.ts'],
  },
});
