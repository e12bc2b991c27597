/**
 * Turnaround clocks and service levels (issue 15, migration 047): the answers of the clock queue
 * (`GET /queues/clocks`) and of the turnaround report (`GET /reports/turnaround`), and every
 * stage's service level as the scheme's parameters show it.
 */
import { Type, type Static, type TSchema } from 'typebox';
import { closed, Nullable, Id, Time, Count } from './primitives';
import { roles } from '../domain/ids';
import { turnaroundStages, type TurnaroundStage } from '../domain/turnaround';

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
    computedAt: Time,
  },
  closed,
);

export type OpenClockValue = Static<typeof OpenClock>;
export type ClockQueueValue = Static<typeof ClockQueue>;
export type TurnaroundReportValue = Static<typeof TurnaroundReport>;
