/**
 * Emergencies before identity (issue 19, scenario S6): the list of emergency cases the desk and
 * the scheme read (`GET /emergencies`), with each one's window to identify and its overdue flag.
 */
import { Type, type Static } from 'typebox';
import { closed, Id, Nullable, Time } from './primitives';

export const EmergencyCase = Type.Object(
  {
    caseId: Id,
    hospitalCode: Type.String(),
    sex: Type.Enum(['male', 'female', 'other', 'unknown']),
    approximateAge: Type.Integer(),
    foundAt: Type.String(),
    hasPhoto: Type.Boolean(),
    admittedAt: Time,
    identifyBy: Time,
    status: Type.Enum(['unidentified', 'merged']),
    /** Whole minutes left to identify (negative once past), as of computedAt; null once merged. */
    remainingMinutes: Nullable(Type.Integer()),
    /** Unidentified past its window, or merged after it: flagged to the desk and the scheme. */
    isOverdue: Type.Boolean(),
    /** When a server process first saw it overdue and told the desks and consoles (null: not yet). */
    overdueNoticedAt: Nullable(Time),
    memberId: Nullable(Id),
    mergedAt: Nullable(Time),
  },
  closed,
);
export type EmergencyCaseValue = Static<typeof EmergencyCase>;

export const EmergencyList = Type.Object({ items: Type.Array(EmergencyCase), computedAt: Time }, closed);
export type EmergencyListValue = Static<typeof EmergencyList>;

export const EmergencyListQuery = Type.Object(
  {
    status: Type.Optional(Type.Enum(['unidentified', 'merged', 'overdue'], { description: 'overdue: unidentified past the window, or merged late' })),
    hospital: Type.Optional(Type.String({ minLength: 1, maxLength: 40, pattern: '^[A-Za-z0-9-]+$', description: 'A hospital code (payer roles and HA)' })),
  },
  closed,
);
export type EmergencyListQueryValue = Static<typeof EmergencyListQuery>;
