/**
 * The member's record (issue 16): the cross-hospital history a treating hospital sees with the
 * member's consent (`GET /cases/:caseId/history`, `/sync/history/:caseId`), and the log of those
 * looks. Amounts in minor units; times ISO 8601.
 */
import { Type, type Static } from 'typebox';
import { closed, Count, Id, Minor, Nullable, Time } from './primitives';

/** One past case of the member at any hospital: no case id of another hospital, only what treatment needs. */
export const PastCase = Type.Object(
  {
    hospitalCode: Type.String(),
    hospitalName: Type.String(),
    isThisHospital: Type.Boolean(),
    admittedAt: Time,
    dischargedAt: Nullable(Time),
    /** The case's outcome: discharged, cancelled, or still admitted (another hospital's open case). */
    status: Type.Union([Type.Literal('admitted'), Type.Literal('discharged'), Type.Literal('cancelled')]),
    isEmergency: Type.Boolean(),
    package: Nullable(Type.Object({ code: Type.String(), name: Type.String(), specialty: Type.String() }, closed)),
    /** The pre-authorization's decision: pending, queried, committee-review, admin-review, approved, rejected, cancelled. */
    preauthStatus: Nullable(Type.String()),
    claim: Nullable(
      Type.Object(
        {
          status: Type.String({ description: 'submitted, processed, approved, denied or paid' }),
          amount: Minor,
          approvedAmount: Nullable(Minor),
        },
        closed,
      ),
    ),
  },
  closed,
);

export const MemberHistory = Type.Object(
  {
    memberId: Id,
    caseId: Id,
    consent: Type.Object({ consentId: Id, method: Type.Literal('otp'), grantedAt: Time, expiresAt: Time }, closed),
    /** Every other case of the member, newest first (at most 200). */
    pastCases: Type.Array(PastCase),
    truncated: Type.Boolean(),
    lookedAt: Time,
  },
  closed,
);
export type MemberHistoryValue = Static<typeof MemberHistory>;

/** One look at a member's history (the access log), as the member sees it. */
export const HistoryLook = Type.Object(
  { lookedAt: Time, hospitalName: Type.String(), operatorName: Type.String(), casesShown: Count, memberName: Type.String() },
  closed,
);
