/**
 * `npm run audit:verify`: recompute the audit hash chain from genesis and name the first entry that
 * was altered. Read-only. Exit code 0 when the chain is intact, 1 when it is not, 2 on error.
 */
import { openDatabase } from '../db/open';
import { migrate } from '../db/migrate';
import { verifyChain } from './chain';

async function main(): Promise<number> {
  const db = await openDatabase();
  try {
    await migrate(db);
    const verdict = await verifyChain(db);
    if (verdict.ok) {
      console.log(`Audit chain intact: ${verdict.entries} entries, head ${verdict.headHash.slice(0, 16)}…${verdict.unlinked > 0 ? ` (${verdict.unlinked} newest entries not yet linked by the server)` : ''}`);
      return 0;
    }
    console.log(`Audit chain BROKEN at entry ${verdict.firstBadSeq} (row id ${verdict.firstBadId}): ${verdict.problem}. ${verdict.entries} entries before it verified.`);
    return 1;
  } finally {
    await db.close();
  }
}

main().then((code) => process.exit(code), (error: unknown) => {
  console.error('Audit verification could not run:', error instanceof Error ? error.message : error);
  process.exit(2);
});
