/**
 * Turnaround clocks and service levels (issue 15, migration 047): the answers of the clock queue
 * (`GET /queues/clocks`) and of the turnaround report (`GET /reports/turnaround`), and every
 * stage's service level as the scheme's parameters show it.
 */
import { Type, type Static, type TSchema } from 'typebox';
import { closed, Nullable, Id, Time, Count } from './primitives';
import { roles } from '../domain/ids';
import { turnaroundBuckets, turnaroundStages, type TurnaroundStage } from '../domain/turnaround';

/** Every stage's service level in minutes. */
export const ServiceLevelsAnswer = Type.Object(
  {
    'preauth-decision': Type.Integer(),
    committee: Type.Integer(),
    'admin-approval': Type.Integer(),
    enhancement: Type.Integer(),
    'claim-processing': Type.Integer(),
    'claim-verification': Type.Integer(),
    payment: Type.Integer(),
  } satisfies Record<TurnaroundStage, TSchema>,
  closed,
);

const Stage = Type.Enum([...turnaroundStages]);

/** One open stage in a role's queue: its clock, the time left and whether it is past its service level. */
export const OpenClock = Type.Object(
  {
    stage: Stage,
    ownerRole: Type.Enum([...roles]),
    /** The case, and the claim for claim stages; the enhancement id for an enhancement. */
    caseId: Id,
    claimId: Nullable(Id),
    enhancementId: Nullable(Id),
    hospitalCode: Type.String(),
    /** The audit-trail entry that started the clock, and its time. */
    startAuditId: Type.Integer(),
    startedAt: Time,
    serviceLevelMinutes: Type.Integer(),
    /** Minutes the clock has run (query pauses excluded) and minutes left; negative once past. */
    elapsedMinutes: Type.Integer(),
    remainingMinutes: Type.Integer(),
    /** When it falls due at the current pace; null while paused (waiting on the hospital's answer). */
    dueAt: Nullable(Time),
    isPaused: Type.Boolean(),
    isPastServiceLevel: Type.Boolean(),
    /** When the owning role was told it breached (service_level_breaches); null if not yet. */
    breachNoticedAt: Nullable(Time),
  },
  closed,
);

export const ClockQueue = Type.Object({ items: Type.Array(OpenClock), computedAt: Time }, closed);

export const StageTurnaround = Type.Object(
  {
    stage: Stage,
    ownerRole: Type.Enum([...roles]),
    serviceLevelMinutes: Type.Integer(),
    /** Stages that ended with a decision in the period (withdrawn ones are not turnarounds). */
    completed: Count,
    /** Average and 90th percentile (nearest rank) of their durations in minutes; null with none. */
    averageMinutes: Nullable(Type.Number()),
    p90Minutes: Nullable(Type.Number()),
    /** Of those, how many took longer than the service level. */
    completedPastServiceLevel: Count,
    /** Open now, and open now past the service level. */
    openNow: Count,
    openPastServiceLevel: Count,
  },
  closed,
);

export const TurnaroundReport = Type.Object(
  {
    /** `scheme` (all hospitals) or `hospital` (one hospital's own cases). */
    perspective: Type.Enum(['scheme', 'hospital']),
    hospitalCode: Nullable(Type.String()),
    from: Time,
    to: Time,
    stages: Type.Array(StageTurnaround),
    /** Claims with a claim stage (CEX, CPD or payment) open past its service level now. */
    claimsPastServiceLevel: Count,
    /** Per stage, the stages completed in the period by time taken against the service level (domain/turnaround.ts turnaroundBuckets). */
    distribution: Type.Array(
      Type.Object(
        { stage: Stage, completed: Count, buckets: Type.Array(Type.Object({ bucket: Type.Enum([...turnaroundBuckets]), completed: Count }, closed)) },
        closed,
      ),
    ),
    computedAt: Time,
  },
  closed,
);

export type OpenClockValue = Static<typeof OpenClock>;
export type ClockQueueValue = Static<typeof ClockQueue>;
export type TurnaroundReportValue = Static<typeof TurnaroundReport>;

/** `GET /reports/turnaround/stages`: the stages behind a bar of the turnaround distribution (a stage, optionally a bucket), paged. */
export const TurnaroundDrillQuery = Type.Object(
  {
    from: Type.String({ format: 'date-time', description: 'Start of the period' }),
    to: Type.String({ format: 'date-time', description: 'End of the period, exclusive' }),
    hospital: Type.Optional(Type.String({ minLength: 1, maxLength: 40, pattern: '^[A-Za-z0-9-]+$', description: 'A hospital code, e.g. HSP-A' })),
    stage: Stage,
    bucket: Type.Optional(Type.Enum([...turnaroundBuckets])),
    limit: Type.Optional(Type.String({ pattern: '^[0-9]{1,3}$', description: '1–500, default 50' })),
    offset: Type.Optional(Type.String({ pattern: '^[0-9]{1,7}$', description: 'Stages to skip, default 0' })),
  },
  closed,
);
export type TurnaroundDrillQueryValue = Static<typeof TurnaroundDrillQuery>;

export const TurnaroundDrillDown = Type.Object(
  {
    perspective: Type.Enum(['scheme', 'hospital']),
    hospitalCode: Nullable(Type.String()),
    from: Time,
    to: Time,
    stage: Stage,
    bucket: Nullable(Type.Enum([...turnaroundBuckets])),
    serviceLevelMinutes: Type.Integer(),
    /** Stages completed in the period in the bucket (all pages), and this page, longest first. */
    total: Count,
    offset: Count,
    limit: Count,
    items: Type.Array(
      Type.Object(
        {
          caseId: Id,
          claimId: Nullable(Id),
          enhancementId: Nullable(Id),
          hospitalCode: Type.String(),
          startedAt: Time,
          stoppedAt: Time,
          /** Minutes the clock ran, query pauses excluded. */
          elapsedMinutes: Type.Number(),
          bucket: Type.Enum([...turnaroundBuckets]),
        },
        closed,
      ),
    ),
  },
  closed,
);
export type TurnaroundDrillDownValue = Static<typeof TurnaroundDrillDown>;
