import { Compile } from 'typebox/compile';
import { DeskReport, deskReportHeaderMaxLength, type DeskReportValue, type FleetDeskValue, type MinimumDeskVersionValue } from '@contract/fleet';
import { isDeskVersionAllowed } from '@domain/desk-version';
import { fail } from '@domain/outcomes';
import type { Database } from '../db/database';

/**
 * The desk fleet (issue 23, migration 050): every desk reports itself in the sync traffic it
 * already sends (a header on its pulls and pushes, `x-coverdesk-desk-report`), and the server keeps
 * the latest per desk, one row each (`desk_fleet_reports`, an upsert: never a growing log).
 *
 * A report that cannot be read (not base64url JSON, not the contract's shape, a time that is no
 * time) is **ignored**: the sync is answered as usual and none of the desk's own figures change —
 * the desk is not stopped from syncing by its report, and a wrong figure never replaces a right one.
 * What the server saw itself (the desk was there, its pull reached the end) is written either way.
 */

const reportValidator = Compile(DeskReport);

export type DeskReportReading =
  { readonly kind: 'none' } | { readonly kind: 'report'; readonly report: DeskReportValue } | { readonly kind: 'malformed'; readonly problem: string };

/** The report in a request's header, read without throwing. */
export function readDeskReport(header: string | readonly string[] | undefined): DeskReportReading {
  if (header === undefined) return { kind: 'none' };
  if (typeof header !== 'string') return { kind: 'malformed', problem: 'the report header was sent more than once' };
  if (header.length > deskReportHeaderMaxLength)
    return { kind: 'malformed', problem: `the report header is longer than ${deskReportHeaderMaxLength} characters` };
  if (!/^[A-Za-z0-9_-]+$/.test(header)) return { kind: 'malformed', problem: 'the report header is not base64url' };
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(header, 'base64url').toString('utf8'));
  } catch {
    return { kind: 'malformed', problem: 'the report is not JSON' };
  }
  if (!reportValidator.Check(value)) {
    const first = [...reportValidator.Errors(value)][0];
    return { kind: 'malformed', problem: `the report does not match the contract (${first ? `${first.instancePath || 'report'} ${first.message}` : 'shape'})` };
  }
  if (!Number.isFinite(Date.parse(value.deskTime)) || (value.oldestUnsentAt !== null && !Number.isFinite(Date.parse(value.oldestUnsentAt))))
    return { kind: 'malformed', problem: 'a time in the report is not a time' };
  if ((value.outboxDepth === 0) !== (value.oldestUnsentAt === null))
    return { kind: 'malformed', problem: 'the oldest unsent command and the outbox depth disagree' };
  return { kind: 'report', report: value };
}

export interface DeskContact {
  readonly deskId: string;
  /** A pull page that reached the end of the desk's scope. */
  readonly isCaughtUp: boolean;
  /** A pull page with more to come: written at most every `pageWriteIntervalMs` (a first sync is thousands of pages). */
  readonly isMidPull: boolean;
}

/** How often a desk's mid-pull pages refresh its row (its last page always does). */
export const pageWriteIntervalMs = 10_000;

/** Records each desk's contact and report (one upsert per request; mid-pull pages thinned out). */
export class DeskContacts {
  private readonly writtenAt = new Map<string, number>();

  constructor(
    private readonly db: Database,
    private readonly now: () => number,
  ) {}

  async record(contact: DeskContact, reading: DeskReportReading): Promise<void> {
    const at = this.now();
    const last = this.writtenAt.get(contact.deskId);
    if (contact.isMidPull && last !== undefined && at - last < pageWriteIntervalMs) return;
    this.writtenAt.set(contact.deskId, at);
    const report = reading.kind === 'report' ? reading.report : null;
    // The desk's clock against ours when the request arrived; its oldest unsent command moved onto our clock.
    const offsetMs = report ? Date.parse(report.deskTime) - at : null;
    const oldestUnsentAt = report?.oldestUnsentAt ? new Date(Date.parse(report.oldestUnsentAt) - offsetMs!) : null;
    // A newer report replaces an older one whole; a request without a readable report leaves it.
    const isNewer = '(excluded.reported_at IS NOT NULL AND (r.reported_at IS NULL OR excluded.reported_at >= r.reported_at))';
    const column = (name: string) => `${name} = CASE WHEN ${isNewer} THEN excluded.${name} ELSE r.${name} END`;
    await this.db.query(
      `INSERT INTO desk_fleet_reports AS r (desk_id, last_seen_at, last_pull_at, reported_at, app_version, outbox_depth, oldest_unsent_at, replica_bytes, clock_offset_ms)
       VALUES ($1::uuid, $2::timestamptz, CASE WHEN $3::boolean THEN $2::timestamptz END, $4::timestamptz, $5::text, $6::integer, $7::timestamptz, $8::bigint, $9::bigint)
       ON CONFLICT (desk_id) DO UPDATE SET
         last_seen_at = GREATEST(r.last_seen_at, excluded.last_seen_at),
         last_pull_at = GREATEST(r.last_pull_at, excluded.last_pull_at),
         ${['app_version', 'outbox_depth', 'oldest_unsent_at', 'replica_bytes', 'clock_offset_ms'].map(column).join(',\n         ')},
         reported_at = GREATEST(r.reported_at, excluded.reported_at)`,
      [
        contact.deskId,
        new Date(at),
        contact.isCaughtUp,
        report ? new Date(at) : null,
        report?.appVersion ?? null,
        report?.outboxDepth ?? null,
        oldestUnsentAt,
        report?.replicaBytes ?? null,
        offsetMs,
      ],
    );
  }
}

interface PolicyRow {
  minimum_version: string | null;
  set_at: Date;
  set_by: string;
  reason: string;
}

/** The minimum desk version as last set by HA, or null when it never was. */
export async function minimumDeskVersion(db: Database): Promise<MinimumDeskVersionValue | null> {
  const [row] = await db.query<PolicyRow>(
    'SELECT p.minimum_version, p.set_at, o.username AS set_by, p.reason FROM desk_update_policy p JOIN operators o ON o.id = p.set_by',
  );
  return row ? { version: row.minimum_version, setAt: new Date(row.set_at).toISOString(), setBy: row.set_by, reason: row.reason } : null;
}

/**
 * A desk below the minimum version sends nothing (issue 23): refused with `desk-update-required`
 * (426) before any of its changes is looked at, so its outbox stays whole on the desk and goes
 * once it is updated. Pulls are not refused: the desk keeps working from fresh data.
 */
export async function requireDeskVersion(db: Database, reading: DeskReportReading): Promise<void> {
  const [row] = await db.query<{ minimum_version: string | null }>('SELECT minimum_version FROM desk_update_policy');
  const minimum = row?.minimum_version ?? null;
  const reported = reading.kind === 'report' ? reading.report.appVersion : null;
  if (isDeskVersionAllowed(reported, minimum)) return;
  throw fail(
    'desk-update-required',
    `Update CoverDesk to ${minimum} before sending: this desk runs ${reported ?? 'a version that does not say which'}. Its changes are kept on this desk and are sent once it is updated.`,
    { minimumVersion: minimum, deskVersion: reported },
  );
}

interface FleetRow {
  desk_id: string;
  desk_name: string;
  status: 'active' | 'revoked';
  enrolled_at: Date | null;
  hospital_id: string;
  hospital_code: string;
  hospital_name: string;
  last_seen_at: Date | null;
  last_pull_at: Date | null;
  reported_at: Date | null;
  app_version: string | null;
  outbox_depth: number | null;
  oldest_unsent_at: Date | null;
  replica_bytes: string | number | null;
  clock_offset_ms: string | number | null;
}

const iso = (value: Date | null) => (value === null ? null : new Date(value).toISOString());
const numberOrNull = (value: string | number | null) => (value === null ? null : Number(value));

/**
 * Every desk with its hospital and latest report. Silent: enrolled, active, and not seen (or, never
 * seen, not since its enrollment) for longer than `silentAfterMinutes`.
 */
export async function deskFleet(
  db: Database,
  now: Date,
  silentAfterMinutes: number,
): Promise<{ items: FleetDeskValue[]; minimumVersion: MinimumDeskVersionValue | null }> {
  const rows = await db.query<FleetRow>(
    `SELECT d.id AS desk_id, d.name AS desk_name, d.status, d.enrolled_at, h.id AS hospital_id, h.code AS hospital_code, h.name AS hospital_name,
            r.last_seen_at, r.last_pull_at, r.reported_at, r.app_version, r.outbox_depth, r.oldest_unsent_at, r.replica_bytes, r.clock_offset_ms
       FROM desks d JOIN hospitals h ON h.id = d.hospital_id LEFT JOIN desk_fleet_reports r ON r.desk_id = d.id
      ORDER BY h.code, d.name, d.id`,
  );
  const minimumVersion = await minimumDeskVersion(db);
  const silentBefore = now.getTime() - silentAfterMinutes * 60_000;
  const items = rows.map((row): FleetDeskValue => {
    const heardAt = row.last_seen_at ?? row.enrolled_at;
    const isSilent = row.status === 'active' && row.enrolled_at !== null && heardAt !== null && new Date(heardAt).getTime() < silentBefore;
    return {
      deskId: row.desk_id,
      deskName: row.desk_name,
      status: row.status,
      enrolledAt: iso(row.enrolled_at),
      hospitalId: row.hospital_id,
      hospitalCode: row.hospital_code,
      hospitalName: row.hospital_name,
      lastSeenAt: iso(row.last_seen_at),
      lastPullAt: iso(row.last_pull_at),
      reportedAt: iso(row.reported_at),
      appVersion: row.app_version,
      outboxDepth: row.outbox_depth,
      oldestUnsentAt: iso(row.oldest_unsent_at),
      oldestUnsentAgeSeconds: row.oldest_unsent_at === null ? null : Math.max(0, Math.floor((now.getTime() - new Date(row.oldest_unsent_at).getTime()) / 1000)),
      clockOffsetMs: numberOrNull(row.clock_offset_ms),
      replicaBytes: numberOrNull(row.replica_bytes),
      isSilent,
      isBelowMinimum: row.last_seen_at !== null && !isDeskVersionAllowed(row.app_version, minimumVersion?.version ?? null),
    };
  });
  return { items, minimumVersion };
}

/** What the metrics gauges read at scrape time: every desk's latest report, from any server process. */
export async function fleetGaugeRows(db: Database): Promise<{ deskId: string; outboxDepth: number; oldestUnsentAt: Date | null; clockOffsetMs: number }[]> {
  const rows = await db.query<{ desk_id: string; outbox_depth: number; oldest_unsent_at: Date | null; clock_offset_ms: string | number }>(
    'SELECT desk_id, outbox_depth, oldest_unsent_at, clock_offset_ms FROM desk_fleet_reports WHERE reported_at IS NOT NULL',
  );
  return rows.map((row) => ({
    deskId: row.desk_id,
    outboxDepth: row.outbox_depth,
    oldestUnsentAt: row.oldest_unsent_at === null ? null : new Date(row.oldest_unsent_at),
    clockOffsetMs: Number(row.clock_offset_ms),
  }));
}
