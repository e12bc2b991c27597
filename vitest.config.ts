import { defineConfig } from 'vitest/config';
import { fileURLToPath } from 'node:url';

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
    testTimeout: 30_000,
    hookTimeout: 120_000,
    // Two cores: files that start servers or PostgreSQL databases are heavy, keep the pool small.
    maxWorkers: 2,
    // Says, at the end of a run without DATABASE_URL, which PostgreSQL guarantees were not tested.
    reporters: ['default', './tests/support/postgres-skips-reporter.ts'],
  },
});
