/**
 * The desk fleet (issue 23): what a desk reports about itself in its sync traffic, what HA reads
 * about every desk, and the minimum desk version. The desk sends its report with every pull and
 * push (no endpoint of its own); the server keeps the latest per desk (src/fleet/).
 */
import { Type, type Static } from 'typebox';
import { closed, Count, Id, Nullable, Time } from './primitives';
import { deskVersionMaxLength, deskVersionPattern } from '../domain/desk-version';

/** The header that carries a desk's report: base64url of the JSON of `DeskReport`. */
export const deskReportHeader = 'x-coverdesk-desk-report';
/** A report header longer than this is not read at all. */
export const deskReportHeaderMaxLength = 1024;

export const DeskVersionText = Type.String({ pattern: deskVersionPattern, maxLength: deskVersionMaxLength });

export const DeskReport = Type.Object(
  {
    /** The desk app's version (Semantic Versioning). */
    appVersion: DeskVersionText,
    /** Commands queued in the outbox, not yet answered by the server. */
    outboxDepth: Type.Integer({ minimum: 0, maximum: 100_000_000 }),
    /** When the oldest of them was queued, by the desk's clock; null with an empty outbox. */
    oldestUnsentAt: Nullable(Type.String({ format: 'date-time', maxLength: 40 })),
    /** The replica's size on disk (the SQLite file and its WAL), in bytes. */
    replicaBytes: Type.Integer({ minimum: 0, maximum: 2 ** 50 }),
    /** The desk's clock when it sent the request: the server keeps the difference from its own. */
    deskTime: Type.String({ format: 'date-time', maxLength: 40 }),
  },
  closed,
);
export type DeskReportValue = Static<typeof DeskReport>;

/** One desk in HA's fleet page. Times are the server's clock (a desk's own are corrected by its offset). */
export const FleetDesk = Type.Object(
  {
    deskId: Id,
    deskName: Type.String(),
    status: Type.Enum(['active', 'revoked']),
    enrolledAt: Nullable(Time),
    hospitalId: Id,
    hospitalCode: Type.String(),
    hospitalName: Type.String(),
    /** The last sync request of this desk any server process answered (pull, push, one-time command, stream). */
    lastSeenAt: Nullable(Time),
    /** The last pull that reached the end of the desk's scope. */
    lastPullAt: Nullable(Time),
    /** When the figures below were reported; null for a desk that never sent a report the server could read. */
    reportedAt: Nullable(Time),
    appVersion: Nullable(Type.String()),
    outboxDepth: Nullable(Count),
    /** When the oldest unsent command was queued, on the server's clock; null with none. */
    oldestUnsentAt: Nullable(Time),
    /** Its age now, in seconds. */
    oldestUnsentAgeSeconds: Nullable(Count),
    /** The desk's clock minus the server's when the report arrived (positive: the desk is ahead). */
    clockOffsetMs: Nullable(Type.Integer()),
    replicaBytes: Nullable(Count),
    /** An enrolled, active desk not seen for longer than `silentAfterMinutes`. */
    isSilent: Type.Boolean(),
    /** It reported a version below the minimum (or none while a minimum is set): its pushes are refused. */
    isBelowMinimum: Type.Boolean(),
  },
  closed,
);
export type FleetDeskValue = Static<typeof FleetDesk>;

export const MinimumDeskVersion = Type.Object(
  {
    /** null: no minimum. */
    version: Nullable(Type.String()),
    setAt: Time,
    setBy: Type.String({ description: "the HA operator's username" }),
    reason: Type.String(),
  },
  closed,
);
export type MinimumDeskVersionValue = Static<typeof MinimumDeskVersion>;

/** GET /admin/desk-fleet. */
export const DeskFleet = Type.Object(
  {
    items: Type.Array(FleetDesk),
    /** The threshold this answer flagged silent desks with. */
    silentAfterMinutes: Type.Integer({ minimum: 1 }),
    /** The minimum desk version as last set; null when it was never set. */
    minimumVersion: Nullable(MinimumDeskVersion),
    computedAt: Time,
  },
  closed,
);
export type DeskFleetValue = Static<typeof DeskFleet>;

/** The longest silence threshold one may ask for: a week. */
export const silentAfterMinutesMax = 7 * 24 * 60;

export const DeskFleetQuery = Type.Object(
  { silentAfterMinutes: Type.Optional(Type.String({ pattern: '^[1-9][0-9]{0,4}$', description: `minutes, 1–${silentAfterMinutesMax}` })) },
  closed,
);

/** POST /admin/desk-fleet/minimum-version: HA sets (or clears, with null) the minimum desk version. */
export const SetMinimumDeskVersion = Type.Object(
  {
    version: Nullable(DeskVersionText),
    reason: Type.String({ minLength: 3, maxLength: 500 }),
  },
  closed,
);
export type SetMinimumDeskVersionValue = Static<typeof SetMinimumDeskVersion>;
