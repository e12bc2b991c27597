import { describe } from 'vitest';
import { hasPostgres, type Backend } from './databases';

/**
 * Declare a suite once per backend. Both are always declared: without DATABASE_URL the PostgreSQL
 * suite is declared skipped, so the run counts what it did not test (and the PostgreSQL reporter,
 * tests/support/postgres-skips-reporter.ts, names it) instead of quietly running less. `%s` in the
 * name becomes the backend.
 */
export function describeEachBackend(name: string, body: (backend: Backend) => void): void {
  for (const backend of ['postgres', 'pglite'] as const) {
    const isAvailable = backend === 'pglite' || hasPostgres;
    describe.skipIf(!isAvailable)(name.replace('%s', isAvailable ? backend : 'postgres: skipped, DATABASE_URL is not set'), () => body(backend));
  }
}
