/**
 * The payer console's feed (issue 21 item 2): the answers of `GET /console/feed/session` and
 * `GET /console/feed/pull`, and one closed schema per collection's document, exactly as
 * src/console/feed.ts builds them. The server's routes list them as response schemas (so the
 * OpenAPI document describes them) and the renderer's console takes its document types from here
 * (type imports: the renderer compiles no schema at run time, its CSP forbids it).
 * Times are ISO 8601 strings as PostgreSQL wrote them; amounts are integers in minor units.
 */
import { Type, type Static, type TSchema } from 'typebox';
import { closed, Nullable, Id, Time, Minor } from './primitives';
import { roles } from '../domain/ids';
import { turnaroundStages } from '../domain/turnaround';
import { documentKinds } from './commands';

const Digits = Type.String({ pattern: '^[0-9]{1,20}$' });

/** The collections of the console's read model. */
export const consoleCollections = ['cases', 'claims'] as const;
export type ConsoleCollection = (typeof consoleCollections)[number];

export const preauthStatuses = ['pending', 'queried', 'committee-review', 'admin-review', 'approved', 'rejected', 'cancelled'] as const;
export const claimStatuses = ['submitted', 'processed', 'approved', 'denied', 'paid'] as const;

/** A case with everything a reviewer decides on (`cases` collection). */
export const ConsoleCaseDocument = Type.Object(
  {
    id: Id,
    caseId: Id,
    status: Type.Enum(['admitted', 'discharged', 'cancelled']),
    isEmergency: Type.Boolean(),
    identityMethod: Type.Enum(['fingerprint', 'face', 'otp', 'override', 'document']),
    admittedAt: Time,
    dischargedAt: Nullable(Time),
    cancelledAt: Nullable(Time),
    hospitalCode: Type.String(),
    hospitalName: Type.String(),
    turnaroundMinutes: Type.Integer(),
    member: Type.Object(
      {
        id: Id,
        schemeMemberId: Type.String(),
        fullName: Type.String(),
        birthYear: Type.Integer(),
        gender: Type.Enum(['F', 'M', 'X']),
        relation: Type.Enum(['head', 'spouse', 'son', 'daughter', 'parent', 'other']),
      },
      closed,
    ),
    family: Type.Object(
      {
        id: Id,
        familyNumber: Type.String(),
        cover: Minor,
        committed: Minor,
        available: Minor,
        /** Every active hold of the family (its other members, at any hospital). */
        holds: Type.Array(Type.Object({ caseId: Id, memberName: Type.String(), hospitalCode: Type.String(), amount: Minor, consumed: Minor }, closed)),
      },
      closed,
    ),
    preauth: Nullable(
      Type.Object(
        {
          id: Id,
          packageCode: Type.String(),
          packageName: Type.String(),
          specialty: Type.String(),
          isUnspecified: Type.Boolean(),
          packageVersion: Type.Integer(),
          packagePrice: Minor,
          requestedAmount: Minor,
          recommendedAmount: Nullable(Minor),
          approvedAmount: Nullable(Minor),
          status: Type.Enum([...preauthStatuses]),
          clinicalNote: Nullable(Type.String()),
          queryReason: Nullable(Type.String()),
          queryResponse: Nullable(Type.String()),
          decisionReason: Nullable(Type.String()),
          requestedAt: Time,
          decidedAt: Nullable(Time),
        },
        closed,
      ),
    ),
    hold: Nullable(Type.Object({ id: Id, amount: Minor, consumed: Minor, authorized: Minor, status: Type.Enum(['active', 'claimed', 'released']) }, closed)),
    enhancements: Type.Array(
      Type.Object(
        {
          id: Id,
          requestedAmount: Minor,
          approvedAmount: Nullable(Minor),
          grantedAmount: Nullable(Minor),
          status: Type.Enum(['pending', 'approved', 'rejected', 'cancelled']),
          reason: Type.String(),
          decisionReason: Nullable(Type.String()),
          requestedAt: Time,
          decidedAt: Nullable(Time),
        },
        closed,
      ),
    ),
    bookings: Type.Array(
      Type.Object(
        {
          id: Id,
          itemCode: Type.String(),
          description: Type.String(),
          quantity: Type.Integer(),
          unitPrice: Minor,
          amount: Minor,
          coveredAmount: Minor,
          shortfallAmount: Minor,
          status: Type.Enum(['active', 'voided']),
          createdAt: Time,
        },
        closed,
      ),
    ),
    claim: Nullable(
      Type.Object(
        {
          id: Id,
          status: Type.Enum([...claimStatuses]),
          amount: Minor,
          payerAmount: Minor,
          patientAmount: Minor,
          approvedAmount: Nullable(Minor),
          submittedAt: Time,
        },
        closed,
      ),
    ),
  },
  closed,
);
export type ConsoleCaseValue = Static<typeof ConsoleCaseDocument>;

const LineDecision = Nullable(Type.Enum(['full', 'partial', 'deny']));

/** A claim with its lines and supporting documents (`claims` collection). */
export const ConsoleClaimDocument = Type.Object(
  {
    id: Id,
    claimId: Id,
    caseId: Id,
    status: Type.Enum([...claimStatuses]),
    /** The case's emergency flag: an emergency's claim heads the claim and payment queues. */
    isEmergency: Type.Boolean(),
    amount: Minor,
    payerAmount: Minor,
    patientAmount: Minor,
    approvedAmount: Nullable(Minor),
    paymentId: Nullable(Id),
    submittedAt: Time,
    processedAt: Nullable(Time),
    verifiedAt: Nullable(Time),
    hospitalId: Id,
    hospitalCode: Type.String(),
    hospitalName: Type.String(),
    memberName: Type.String(),
    schemeMemberId: Type.String(),
    packageCode: Nullable(Type.String()),
    preauthApproved: Nullable(Minor),
    lines: Type.Array(
      Type.Object(
        {
          bookingId: Id,
          itemCode: Type.String(),
          description: Type.String(),
          quantity: Type.Integer(),
          unitPrice: Minor,
          amount: Minor,
          payerAmount: Minor,
          patientAmount: Minor,
          cexDecision: LineDecision,
          cexAmount: Nullable(Minor),
          cexReasonCode: Nullable(Type.String()),
          cpdDecision: LineDecision,
          approvedAmount: Nullable(Minor),
          reasonCode: Nullable(Type.String()),
          bookedAt: Time,
        },
        closed,
      ),
    ),
    documents: Type.Array(
      Type.Object(
        { position: Type.Integer({ minimum: 1 }), name: Type.String(), kind: Type.Enum([...documentKinds]), sizeBytes: Type.Integer(), sha256: Type.String() },
        closed,
      ),
    ),
    paymentReference: Nullable(Type.String()),
  },
  closed,
);
export type ConsoleClaimValue = Static<typeof ConsoleClaimDocument>;

/** The document schema of each collection. */
export const consoleDocuments = { cases: ConsoleCaseDocument, claims: ConsoleClaimDocument } satisfies Record<ConsoleCollection, TSchema>;
export interface ConsoleDocumentOf {
  readonly cases: ConsoleCaseValue;
  readonly claims: ConsoleClaimValue;
}

/** A console checkpoint: the desk feed's xid window (src/sync/pull.ts), paged by document id. */
export const ConsoleCheckpointSchema = Type.Object(
  {
    from: Digits,
    next: Digits,
    afterId: Type.Union([Type.String({ pattern: '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' }), Type.Null()]),
    // Transactions running when the window (or the next) began: see sync/pull.ts nextWindowStart (at most 16).
    fromRunning: Type.Optional(Type.Array(Digits, { maxItems: 16 })),
    nextRunning: Type.Optional(Type.Array(Digits, { maxItems: 16 })),
  },
  closed,
);
export type ConsoleCheckpointValue = Static<typeof ConsoleCheckpointSchema>;

const pullAnswerOf = <C extends ConsoleCollection>(collection: C) =>
  Type.Object(
    {
      collection: Type.Literal(collection),
      documents: Type.Array(consoleDocuments[collection]),
      checkpoint: ConsoleCheckpointSchema,
      /** True when the window is not finished: pull again at once. */
      hasMore: Type.Boolean(),
      serverTime: Time,
    },
    closed,
  );
/** `GET /console/feed/pull`: one page of one collection. */
export const ConsolePullAnswer = Type.Union([pullAnswerOf('cases'), pullAnswerOf('claims')]);
export type ConsolePullAnswerOf<C extends ConsoleCollection> = Static<ReturnType<typeof pullAnswerOf<C>>>;

export const ConsoleScheme = Type.Object(
  {
    name: Type.String(),
    currency: Type.String(),
    locale: Type.String(),
    minorPerUnit: Type.Integer(),
    preauthTurnaroundMinutes: Type.Integer(),
  },
  closed,
);

/** `GET /console/feed/session`: who the token belongs to and what their console shows. */
export const ConsoleSessionAnswer = Type.Object(
  {
    operatorId: Id,
    username: Type.String(),
    displayName: Type.String(),
    roles: Type.Array(Type.Enum([...roles])),
    expiresAt: Nullable(Time),
    collections: Type.Array(Type.Enum([...consoleCollections])),
    scheme: ConsoleScheme,
  },
  closed,
);
export type ConsoleSessionAnswerValue = Static<typeof ConsoleSessionAnswer>;

/**
 * The data of a `breach` event on /console/feed/stream (issue 15): the stages, of those the
 * operator's roles own (HA: all), that have just passed their service level. No ids: the console
 * reads its clock queue (`GET /queues/clocks`) for the work itself.
 */
export const ConsoleBreachEvent = Type.Object({ stages: Type.Array(Type.Enum([...turnaroundStages]), { minItems: 1 }) }, closed);
export type ConsoleBreachEventValue = Static<typeof ConsoleBreachEvent>;
