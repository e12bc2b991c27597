import { Type, type Static } from 'typebox';
import type { Database } from '../db/database';
import type { ChangeNotifier } from './notifier';

/**
 * What /health says about replication (sync-server/docs/operations.md says what to watch):
 * whether this process hears the other processes' changes, and how far back the oldest open
 * write transaction holds every desk's and console's pull window (see migration 002: a window
 * starts at the oldest transaction still running, so one forgotten transaction anywhere in the
 * cluster makes every round re-send everything written since it began).
 */
export const SyncHealth = Type.Object(
  {
    crossProcessPokes: Type.Object(
      {
        state: Type.Union([
          Type.Literal('local'),
          Type.Literal('connecting'),
          Type.Literal('listening'),
          Type.Literal('reconnecting'),
          Type.Literal('stopped'),
        ]),
        downSince: Type.Union([Type.String(), Type.Null()]),
        failedAttempts: Type.Integer({ minimum: 0 }),
        reconnects: Type.Integer({ minimum: 0 }),
        lastError: Type.Union([Type.String(), Type.Null()]),
      },
      { additionalProperties: false },
    ),
    replicationWindow: Type.Object(
      {
        /** Transactions the next window reaches back (newest transaction id − the window's start). */
        heldBackTransactions: Type.Union([Type.Integer({ minimum: 0 }), Type.Null()]),
        /** Age of the oldest running transaction that has written anything, in any database of the cluster. */
        oldestWriteTransactionSeconds: Type.Union([Type.Number({ minimum: 0 }), Type.Null()]),
        /** Age of the oldest prepared (two-phase) transaction: it holds the window until someone commits or rolls it back. */
        oldestPreparedTransactionSeconds: Type.Union([Type.Number({ minimum: 0 }), Type.Null()]),
        /** True when either age passes `windowAlertSeconds`: page the operator on call. */
        isHeldBack: Type.Boolean(),
      },
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false },
);
export type SyncHealthValue = Static<typeof SyncHealth>;

/** A write transaction open this long is alerted on (a normal command takes milliseconds, a pull page is read-only). */
export const windowAlertSeconds = 60;

export async function syncHealth(db: Database, notifier: ChangeNotifier): Promise<SyncHealthValue> {
  let window: SyncHealthValue['replicationWindow'] = {
    heldBackTransactions: null,
    oldestWriteTransactionSeconds: null,
    oldestPreparedTransactionSeconds: null,
    isHeldBack: false,
  };
  try {
    const [row] = await db.query<{ held_back: string | null; oldest_write: number | null; oldest_prepared: number | null }>(
      `SELECT (pg_snapshot_xmax(pg_current_snapshot())::text::numeric - pg_snapshot_xmin(pg_current_snapshot())::text::numeric)::text AS held_back,
              (SELECT extract(epoch FROM now() - min(xact_start))::float8 FROM pg_stat_activity WHERE backend_xid IS NOT NULL AND pid <> pg_backend_pid()) AS oldest_write,
              (SELECT extract(epoch FROM now() - min(prepared))::float8 FROM pg_prepared_xacts) AS oldest_prepared`,
    );
    const oldestWrite = row?.oldest_write ?? null;
    const oldestPrepared = row?.oldest_prepared ?? null;
    window = {
      heldBackTransactions: row?.held_back === null || row?.held_back === undefined ? null : Number(row.held_back),
      oldestWriteTransactionSeconds: oldestWrite === null ? null : Math.max(0, oldestWrite),
      oldestPreparedTransactionSeconds: oldestPrepared === null ? null : Math.max(0, oldestPrepared),
      isHeldBack: (oldestWrite ?? 0) > windowAlertSeconds || (oldestPrepared ?? 0) > windowAlertSeconds,
    };
  } catch {
    // A database that cannot answer: /health still answers, with the window unknown (nulls).
  }
  return { crossProcessPokes: notifier.status(), replicationWindow: window };
}
