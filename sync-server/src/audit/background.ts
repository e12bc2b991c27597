import type { Keyring } from '../auth/keyring';
import type { Database } from '../db/database';
import { AnchorWriter, type AnchorStatus } from './anchors';
import { linkPending, rekeyLegacyChain, verifyIncrementally, type RekeyRecord } from './chain';

export interface AuditWork {
  /** What a chain linked before migration 025 became at this start (null: nothing to re-key). */
  readonly rekeyed: RekeyRecord | null;
  /** Where anchors go and the newest this process wrote (the payer console shows it); null without anchors. */
  readonly anchors: () => AnchorStatus | null;
  readonly stop: () => Promise<void>;
}

export interface AuditWorkOptions {
  readonly chainIntervalMs?: number;
  /** Append-only file the head is anchored to; null: no anchors (tests that do not look at them). */
  readonly anchorFile?: string | null;
  readonly anchorIntervalMs?: number;
}

/**
 * The audit chain's background work in one server process: re-key an old chain once (before
 * anything new is linked), link committed entries every `chainIntervalMs`, advance the
 * verified-up-to checkpoint, and anchor the head outside the database every `anchorIntervalMs`
 * (also at start and at stop). Each step runs after the previous one finished.
 */
export async function startAuditWork(db: Database, ring: Keyring, options: AuditWorkOptions = {}): Promise<AuditWork> {
  const rekeyed = await rekeyLegacyChain(db, ring);
  const writer = options.anchorFile ? new AnchorWriter(options.anchorFile, ring, Math.round((options.anchorIntervalMs ?? 60_000) / 1000)) : null;
  let stopped = false;
  let work: Promise<unknown> = Promise.resolve();
  const then = (step: () => Promise<unknown>) => {
    work = work.then(() => (stopped ? undefined : step())).catch(() => undefined);
  };
  const anchorNow = async () => {
    await linkPending(db, ring);
    await verifyIncrementally(db, ring);
    await writer?.anchor(db);
  };
  if (writer) await anchorNow();
  const chainer = setInterval(() => then(() => linkPending(db, ring)), options.chainIntervalMs ?? 250);
  chainer.unref();
  const anchorer = writer ? setInterval(() => then(anchorNow), options.anchorIntervalMs ?? 60_000) : null;
  anchorer?.unref();
  return {
    rekeyed,
    anchors: () => writer?.status() ?? null,
    stop: async () => {
      stopped = true;
      clearInterval(chainer);
      if (anchorer) clearInterval(anchorer);
      await work;
      await linkPending(db, ring).catch(() => undefined);
      await writer?.anchor(db).catch(() => undefined);
    },
  };
}
