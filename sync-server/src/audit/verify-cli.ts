/**
 * `npm run audit:verify [-- --anchors FILE]`: recompute the whole keyed audit chain from genesis
 * with the audit keyring (COVERDESK_AUDIT_KEY or the key file, as the server reads them) and name
 * the first entry that was altered; with --anchors, also check every anchor written outside the
 * database (its signature, and that its entry is still there with the anchored hash: entries cut
 * off the end or a rewritten chain show up here). Read-only. Exit code 0 when intact, 1 when not,
 * 2 on error.
 */
import { join } from 'node:path';
import { isProductionMode, loadServerKeys } from '../auth/keyring';
import { defaultDataDir, openDatabase } from '../db/open';
import { pendingMigrations } from '../db/roles';
import { checkAnchors, readAnchors } from './anchors';
import { verifyChain } from './chain';

function anchorsArgument(args: readonly string[]): string | null {
  const at = args.indexOf('--anchors');
  if (at === -1) return null;
  const file = args[at + 1];
  if (!file || file.startsWith('--')) throw new Error('--anchors needs the anchor file: npm run audit:verify -- --anchors /path/to/audit-anchors.jsonl');
  return file;
}

async function main(): Promise<number> {
  const anchorFile = anchorsArgument(process.argv.slice(2));
  const keys = loadServerKeys(
    process.env,
    isProductionMode(process.env) ? {} : { demoKeyFile: join(process.env.COVERDESK_DATA_DIR ?? defaultDataDir, '..', 'server-keys.json') },
  );
  const db = await openDatabase();
  try {
    const pending = await pendingMigrations(db);
    if (pending.length > 0)
      throw new Error(`the database lacks migrations ${pending.join(', ')}; start the server once (it migrates and re-keys the chain) and verify again.`);
    const [head] = await db.query<{ is_keyed: boolean }>('SELECT is_keyed FROM audit_head WHERE id = 1');
    if (!head?.is_keyed)
      throw new Error('the chain from before migration 025 has not been re-keyed yet; start the server once (it re-keys at start) and verify again.');
    const verdict = await verifyChain(db, keys.audit);
    if (!verdict.ok) {
      console.log(
        `Audit chain BROKEN at entry ${verdict.firstBadSeq} (row id ${verdict.firstBadId}): ${verdict.problem}. ${verdict.entries} entries before it verified.`,
      );
      return 1;
    }
    console.log(
      `Audit chain intact: ${verdict.entries} entries, head ${verdict.headHash.slice(0, 16)}…${verdict.unlinked > 0 ? ` (${verdict.unlinked} newest entries not yet linked by the server)` : ''}`,
    );
    if (anchorFile) {
      const anchors = await checkAnchors(db, readAnchors(anchorFile, keys.audit));
      if (!anchors.ok) {
        console.log(`Audit anchors BROKEN (${anchorFile}): ${anchors.problem}.`);
        return 1;
      }
      if (anchors.anchors === 0) {
        console.log(`Audit anchors: ${anchorFile} holds no anchor; nothing proves the chain was not cut short.`);
        return 1;
      }
      console.log(
        `Audit anchors intact: ${anchors.anchors} in ${anchorFile}; the newest (${anchors.newest?.at}) names entry ${anchors.newest?.seq}, still in the chain with its hash.`,
      );
    }
    return 0;
  } finally {
    await db.close();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error('Audit verification could not run:', error instanceof Error ? error.message : error);
    process.exit(2);
  },
);
