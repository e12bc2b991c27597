/**
 * The rows of the desk's pull feed, one closed schema per replicated table, exactly as
 * src/sync/pull.ts builds them (issue 21 item 2). `GET /sync/pull` lists `PullAnswerExact` as its
 * response schema, so the OpenAPI document describes every document a desk receives, and
 * src/command-answers.test.ts holds real pages to it. The desk itself checks each page line by line
 * against the envelope (`PullAnswer` in sync.ts: a known table, a string id, an object row) and
 * stores each row as the server wrote it; these schemas are the reference for what a row holds.
 * Times are ISO 8601 strings as PostgreSQL wrote them; amounts are integers in minor units.
 */
import { Type, type Static, type TSchema } from 'typebox';
import { closed, Nullable, Id, Time, Minor } from './primitives';
import { PullCheckpoint, replicatedTables, syncProtocolVersion, type ReplicatedTable } from './sync';
import { preauthStatuses, claimStatuses } from './console';
import { identifierKinds } from '../domain/identifiers';

export const pulledRows = {
  families: Type.Object(
    {
      id: Id,
      familyNumber: Type.String(),
      cover: Minor,
      committed: Minor,
      district: Type.String(),
      registeredPhoneEnding: Type.String({ description: 'The last four digits only' }),
      /** When the server read this family's figures (the desk shows "as of"). */
      confirmedAt: Time,
      /** Every admitted case of the family, at any hospital; another hospital's case without its id. */
      activeCases: Type.Array(
        Type.Object(
          {
            caseId: Nullable(Id),
            memberId: Id,
            hospitalCode: Type.String(),
            isOwnHospital: Type.Boolean(),
            holdAmount: Minor,
            preauthStatus: Nullable(Type.Enum([...preauthStatuses])),
          },
          closed,
        ),
      ),
    },
    closed,
  ),
  members: Type.Object(
    {
      id: Id,
      familyId: Id,
      schemeMemberId: Type.String(),
      fullName: Type.String(),
      birthYear: Type.Integer(),
      gender: Type.Enum(['F', 'M', 'X']),
      relation: Type.Enum(['head', 'spouse', 'son', 'daughter', 'parent', 'other']),
      healthCardNumber: Nullable(Type.String()),
    },
    closed,
  ),
  packages: Type.Object(
    { code: Type.String(), name: Type.String(), specialty: Type.String(), isUnspecified: Type.Boolean(), version: Type.Integer(), price: Minor },
    closed,
  ),
  cases: Type.Object(
    {
      id: Id,
      memberId: Id,
      familyId: Id,
      status: Type.Enum(['admitted', 'discharged', 'cancelled']),
      identityMethod: Type.Enum(['fingerprint', 'face', 'otp', 'override', 'document']),
      isEmergency: Type.Boolean(),
      /** When the operator admitted the patient; `receivedAt` when the server heard of it. */
      admittedAt: Time,
      receivedAt: Time,
      dischargedAt: Nullable(Time),
      cancelledAt: Nullable(Time),
    },
    closed,
  ),
  preauths: Type.Object(
    {
      id: Id,
      caseId: Id,
      packageCode: Type.String(),
      packageVersion: Type.Integer(),
      packagePrice: Minor,
      requestedAmount: Minor,
      recommendedAmount: Nullable(Minor),
      approvedAmount: Nullable(Minor),
      status: Type.Enum([...preauthStatuses]),
      queryReason: Nullable(Type.String()),
      queryResponse: Nullable(Type.String()),
      decisionReason: Nullable(Type.String()),
      requestedAt: Time,
      decidedAt: Nullable(Time),
    },
    closed,
  ),
  holds: Type.Object(
    {
      id: Id,
      caseId: Id,
      familyId: Id,
      amount: Minor,
      consumed: Minor,
      authorized: Minor,
      /**
       * Under a plan with cost sharing the hold is the plan's part of the authorized amount; this is
       * the patient's estimated part of it (deductible, co-insurance, co-pay, what the plan does not
       * pay: `holds.cost_share_estimate`, migrations 031 and 044), so that the desk compares bookings
       * with the hold plus this. 0 on the cashless cover.
       */
      costShareEstimate: Minor,
      packageCode: Type.String(),
      packageVersion: Type.Integer(),
      status: Type.Enum(['active', 'claimed', 'released']),
      confirmedAt: Time,
    },
    closed,
  ),
  enhancements: Type.Object(
    {
      id: Id,
      caseId: Id,
      requestedAmount: Minor,
      approvedAmount: Nullable(Minor),
      grantedAmount: Nullable(Minor),
      status: Type.Enum(['pending', 'approved', 'rejected', 'cancelled']),
      reason: Type.String(),
      decisionReason: Nullable(Type.String()),
      requestedAt: Time,
    },
    closed,
  ),
  bookings: Type.Object(
    {
      id: Id,
      caseId: Id,
      familyId: Id,
      itemCode: Type.String(),
      description: Type.String(),
      quantity: Type.Integer(),
      unitPrice: Minor,
      amount: Minor,
      coveredAmount: Minor,
      shortfallAmount: Minor,
      status: Type.Enum(['active', 'voided']),
      closedAt: Nullable(Time),
      createdAt: Time,
    },
    closed,
  ),
  claims: Type.Object(
    {
      id: Id,
      caseId: Id,
      amount: Minor,
      payerAmount: Minor,
      patientAmount: Minor,
      approvedAmount: Nullable(Minor),
      status: Type.Enum([...claimStatuses]),
      submittedAt: Time,
      lines: Type.Array(
        Type.Object(
          {
            bookingId: Id,
            payerAmount: Minor,
            approvedAmount: Nullable(Minor),
            decision: Nullable(Type.Enum(['full', 'partial', 'deny'])),
            reasonCode: Nullable(Type.String()),
          },
          closed,
        ),
      ),
    },
    closed,
  ),
  /** Sealed for the pulling desk only (biometricTransportInfo in sync.ts); never the template itself. */
  biometrics: Type.Object(
    {
      id: Id,
      memberId: Id,
      familyId: Id,
      modality: Type.Enum(['fingerprint', 'face']),
      enrolledAt: Time,
      sealedForDesk: Type.String({ contentEncoding: 'base64' }),
    },
    closed,
  ),
  /** A family that left the desk's scope: the desk purges it. */
  removals: Type.Object({ familyId: Id }, closed),
  /**
   * Member e-cards (issue 16, migration 052), sent to every desk whatever its scope, since a card
   * may be scanned anywhere: the scheme's card-signing public keys by key id (never withdrawn: a
   * rotated-out key's cards still verify), and the serials of revoked cards (nothing about the
   * member). A desk verifies a scanned card offline against both (node-shared/e-card.ts).
   */
  e_card_keys: Type.Object({ keyId: Type.String(), publicKey: Type.String() }, closed),
  e_card_revocations: Type.Object({ serial: Type.String(), revokedAt: Time }, closed),
  /**
   * A member's linked identifiers (issue 16, migration 058) in the desk's family scope, so any of
   * them finds the member offline: kind, issuer and value only (never a national ID QR's document);
   * this hospital's patient numbers only. `unlinkedAt` set: the link ended, the desk forgets it.
   */
  member_identifiers: Type.Object(
    {
      id: Id,
      memberId: Id,
      familyId: Id,
      kind: Type.Enum([...identifierKinds]),
      issuer: Type.String(),
      value: Type.String(),
      unlinkedAt: Nullable(Time),
    },
    closed,
  ),
} satisfies Record<ReplicatedTable, TSchema>;
export type PulledRowOf<T extends ReplicatedTable> = Static<(typeof pulledRows)[T]>;

const documentOf = <T extends ReplicatedTable>(table: T) => Type.Object({ table: Type.Literal(table), id: Type.String(), row: pulledRows[table] }, closed);

/** `GET /sync/pull`, described exactly: each document is one of the tables' rows, told apart by `table`. */
export const PullAnswerExact = Type.Object(
  {
    protocolVersion: Type.Literal(syncProtocolVersion),
    documents: Type.Array(Type.Union(replicatedTables.map((table) => documentOf(table)))),
    checkpoint: PullCheckpoint,
    hasMore: Type.Boolean(),
    serverTime: Time,
  },
  closed,
);
