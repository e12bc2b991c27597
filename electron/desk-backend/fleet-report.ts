import { readFileSync, statSync } from 'node:fs';
import type { DeskReportValue } from '@contract/fleet';
import type { ReplicaDatabase } from './database';

/**
 * What this desk tells the server about itself with every pull and push (issue 23, the HA fleet
 * page): its app version, its outbox depth and when the oldest unsent command was queued, its
 * replica's size on disk and its clock. The server keeps the latest (sync-server/src/fleet/).
 * Nothing here is about a patient.
 */
export function deskReport(db: ReplicaDatabase, replicaPath: string | null, appVersion: string, now: Date = new Date()): DeskReportValue {
  const outbox = db.prepare("SELECT count(*) AS depth, min(created_at) AS oldest FROM outbox WHERE state = 'pending'").get() as {
    depth: number;
    oldest: string | null;
  };
  const sizeOf = (path: string) => {
    try {
      return statSync(path).size;
    } catch {
      return 0;
    }
  };
  return {
    appVersion,
    outboxDepth: outbox.depth,
    oldestUnsentAt: outbox.depth === 0 ? null : outbox.oldest,
    replicaBytes: replicaPath === null ? 0 : sizeOf(replicaPath) + sizeOf(`${replicaPath}-wal`),
    deskTime: now.toISOString(),
  };
}

/** The header value: base64url of the report's JSON. */
export function encodeDeskReport(report: DeskReportValue): string {
  return Buffer.from(JSON.stringify(report), 'utf8').toString('base64url');
}

/**
 * The version of the desk app that runs: Electron's app.getVersion() when main passes it, else the
 * `version` of the package.json this code ships in (browser mode, tests).
 */
export function packageAppVersion(): string {
  const text = readFileSync(new URL('../../package.json', import.meta.url), 'utf8');
  const version: unknown = (JSON.parse(text) as { version?: unknown }).version;
  if (typeof version !== 'string') throw new Error('package.json has no version');
  return version;
}
