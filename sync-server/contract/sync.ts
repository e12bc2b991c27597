/**
 * The sync wire format between desks and the server: one schema module, imported by the server
 * (validation, OpenAPI) and by the desk backend (it checks every server answer before applying it).
 */
import { Type, type Static } from 'typebox';
import { commandNames, uuidPattern } from './commands';

/** Bumped on any incompatible change; desks and servers refuse to talk across a mismatch. */
export const syncProtocolVersion = 1;
export const protocolHeader = 'x-coverdesk-protocol';
/**
 * The id a client gives each request (8–64 of A–Z, a–z, 0–9, '.', '_', '-'); the server uses it
 * for its log lines and transactions and sends it back in the answer (a fresh one when none or a
 * malformed one was sent).
 */
export const requestIdHeader = 'x-request-id';

/** Appended only: a checkpoint names a table by its index. */
export const replicatedTables = [
  'families',
  'members',
  'packages',
  'cases',
  'preauths',
  'holds',
  'enhancements',
  'bookings',
  'claims',
  'biometrics',
  'removals',
  'e_card_keys',
  'e_card_revocations',
  'member_identifiers',
] as const;
export type ReplicatedTable = (typeof replicatedTables)[number];

/**
 * `removals` documents are tombstones, not rows: `{ table: 'removals', id: familyId, row: { familyId } }`
 * for a family that has left the desk's scope (its registry district changed). The desk deletes
 * the family, its members, their search entries and cached biometric enrolments.
 */
export const RemovalRow = Type.Object({ familyId: Type.String({ pattern: uuidPattern }) }, { additionalProperties: false });

/**
 * Documents per pull page: `GET /sync/pull?limit=` above `max` is refused (400), never cut down in
 * silence, because a client that pages like RxDB takes a page shorter than it asked for as the end
 * of the pull.
 */
export const pullPageLimit = { default: 1000, max: 5000 } as const;

export const PullCheckpoint = Type.Object(
  {
    /** Lower bound of the current window: rows written by transactions with id ≥ from. */
    from: Type.String({ pattern: '^[0-9]+$' }),
    /** Where the next window starts: the newest transaction id when this window began (xmax; with nextRunning). */
    next: Type.String({ pattern: '^[0-9]+$' }),
    /** Paging inside the window: table index and last id sent. */
    table: Type.Integer({ minimum: 0, maximum: 64 }),
    afterId: Type.Union([Type.String(), Type.Null()]),
    /**
     * Transactions that were still running when the current window began (ids below `from`): rows
     * they commit later belong to this window too. Absent when there were none.
     */
    fromRunning: Type.Optional(Type.Array(Type.String({ pattern: '^[0-9]+$' }), { maxItems: 16 })),
    /** The same for the next window: the transactions running when this window's first page was read. */
    nextRunning: Type.Optional(Type.Array(Type.String({ pattern: '^[0-9]+$' }), { maxItems: 16 })),
  },
  { additionalProperties: false },
);
export type PullCheckpointValue = Static<typeof PullCheckpoint>;

/**
 * A transaction id as a checkpoint carries it: decimal digits within PostgreSQL's xid8 range
 * (at most 2^64 − 1). The schemas check the digits; this checks the range, which a pattern cannot,
 * so a forged checkpoint is a 400 rather than a failed cast in the database.
 */
export function isTransactionIdText(value: string): boolean {
  return /^[0-9]{1,20}$/.test(value) && BigInt(value) <= 0xffff_ffff_ffff_ffffn;
}

export const PulledDocument = Type.Object(
  {
    table: Type.Enum([...replicatedTables]),
    id: Type.String(),
    row: Type.Record(Type.String(), Type.Unknown()),
  },
  { additionalProperties: false },
);
export type PulledDocumentValue = Static<typeof PulledDocument>;

export const PullAnswer = Type.Object(
  {
    protocolVersion: Type.Literal(syncProtocolVersion),
    documents: Type.Array(PulledDocument),
    checkpoint: PullCheckpoint,
    /** True when the window is not finished: pull again at once. */
    hasMore: Type.Boolean(),
    serverTime: Type.String(),
  },
  { additionalProperties: false },
);
export type PullAnswerValue = Static<typeof PullAnswer>;

/**
 * Operator proofs (issue 13 item 4, sync-server/node-shared/operator-proof.ts): Ed25519 signatures
 * of the operator's own key for this desk, base64url. Optional in the schemas so that a change
 * without one is refused on its own (403 `operator-proof-refused`, reason `missing`) rather than
 * failing the whole push as malformed.
 */
const Signature = Type.String({ pattern: '^[A-Za-z0-9_-]{86}$', description: 'Ed25519 signature, base64url' });
const ProofTime = Type.String({ format: 'date-time', maxLength: 40 });
export const MutationProof = Type.Object(
  {
    keyId: Type.String({ format: 'uuid', pattern: uuidPattern }),
    /** When the operator made the change (the desk's clock): the key must have been valid then. */
    createdAt: ProofTime,
    signature: Signature,
  },
  { additionalProperties: false },
);
export type MutationProofValue = Static<typeof MutationProof>;

export const RequestProof = Type.Object(
  {
    operatorId: Type.String({ format: 'uuid', pattern: uuidPattern }),
    keyId: Type.String({ format: 'uuid', pattern: uuidPattern }),
    signedAt: ProofTime,
    nonce: Type.String({ pattern: '^[A-Za-z0-9_-]{16,64}$' }),
    signature: Signature,
  },
  { additionalProperties: false },
);
export type RequestProofValue = Static<typeof RequestProof>;
/** The header a pull carries an operator's request proof in (base64url of its JSON): templates are sent only with one. */
export const operatorProofHeader = 'x-coverdesk-operator-proof';

/** `POST /sync/operator-keys`: the operator (bearer token) and the desk (desk credential header) register the key the desk made. */
export const OperatorKeyRequest = Type.Object(
  {
    publicKey: Type.String({ pattern: '^[A-Za-z0-9_-]{43}$', description: 'Ed25519 public key, raw 32 bytes, base64url' }),
    /** The key's signature of its own registration: the desk holds the private half. */
    possession: Signature,
  },
  { additionalProperties: false },
);
export const OperatorKeyAnswer = Type.Object(
  {
    keyId: Type.String({ format: 'uuid', pattern: uuidPattern }),
    operatorId: Type.String({ format: 'uuid', pattern: uuidPattern }),
    issuedAt: Type.String({ format: 'date-time' }),
    expiresAt: Type.String({ format: 'date-time' }),
  },
  { additionalProperties: false },
);
export type OperatorKeyAnswerValue = Static<typeof OperatorKeyAnswer>;
/** The header that carries the desk's credential when the operator's token is in Authorization (key registration). */
export const deskCredentialHeader = 'x-coverdesk-desk';

export const PushMutation = Type.Object(
  {
    /** Strictly increasing per desk. */
    sequence: Type.Integer({ minimum: 1 }),
    commandId: Type.String({ format: 'uuid', pattern: uuidPattern }),
    name: Type.Enum([...commandNames]),
    operatorId: Type.String({ format: 'uuid', pattern: uuidPattern }),
    body: Type.Record(Type.String(), Type.Unknown()),
    /** The operator's signature of this change, made when it was queued. */
    proof: Type.Optional(MutationProof),
  },
  { additionalProperties: false },
);
export type PushMutationValue = Static<typeof PushMutation>;

export const PushRequest = Type.Object(
  {
    protocolVersion: Type.Literal(syncProtocolVersion),
    mutations: Type.Array(PushMutation, { minItems: 1, maxItems: 200 }),
  },
  { additionalProperties: false },
);

export const PushAnswer = Type.Object(
  {
    protocolVersion: Type.Literal(syncProtocolVersion),
    /** One answer per processed mutation, in order. A business rejection is an answer, not an error. */
    answers: Type.Array(
      Type.Object(
        {
          commandId: Type.String(),
          status: Type.Integer(),
          answer: Type.Record(Type.String(), Type.Unknown()),
        },
        { additionalProperties: false },
      ),
    ),
    /** Set when processing stopped early on a transient failure: retry from this mutation. */
    stoppedAt: Type.Union([Type.String(), Type.Null()]),
  },
  { additionalProperties: false },
);
export type PushAnswerValue = Static<typeof PushAnswer>;

export const EnrollRequest = Type.Object(
  {
    code: Type.String({ minLength: 6, maxLength: 64 }),
  },
  { additionalProperties: false },
);

export const EnrollAnswer = Type.Object(
  {
    protocolVersion: Type.Literal(syncProtocolVersion),
    deskId: Type.String(),
    hospitalId: Type.String(),
    hospitalName: Type.String(),
    hospitalCode: Type.String(),
    /** The desk's own secret: shown once, kept in safeStorage / an owner-only file. */
    credential: Type.String(),
    scheme: Type.Object(
      {
        name: Type.String(),
        currency: Type.String(),
        locale: Type.String(),
        minorPerUnit: Type.Integer(),
        preauthTurnaroundMinutes: Type.Integer(),
      },
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false },
);
export type EnrollAnswerValue = Static<typeof EnrollAnswer>;

/**
 * `GET /sync/operators`: the operators of the desk's hospital who may still sign in. A desk drops
 * the offline sign-in verifier of every cached operator not listed (deactivated, or moved to
 * another hospital), so a laptop that was offline since keeps no way in for them.
 */
export const DeskOperatorsAnswer = Type.Object(
  {
    protocolVersion: Type.Literal(syncProtocolVersion),
    activeOperatorIds: Type.Array(Type.String({ pattern: uuidPattern })),
  },
  { additionalProperties: false },
);
export type DeskOperatorsAnswerValue = Static<typeof DeskOperatorsAnswer>;

/**
 * Biometric enrolments travel in the pull feed sealed for the one desk that pulls them, so a page
 * that is proxied, captured or logged on the way carries no usable template or descriptor.
 *
 * `sealedForDesk` = base64(iv[12] | tag[16] | ciphertext), AES-256-GCM, additional data
 * `${memberId}:${modality}`, key = HKDF-SHA256(ikm: SHA-256 of the desk's credential secret,
 * salt: the desk id, info: biometricTransportInfo, 32 bytes). The server keeps only that SHA-256
 * (its verifier of the credential), the desk has the secret: both derive the key, nobody else.
 * The plaintext is the fingerprint template's bytes, or the face descriptor as little-endian float32.
 */
export const biometricTransportInfo = 'coverdesk biometric transport v1';
export const biometricModalities = ['fingerprint', 'face'] as const;
export type BiometricModality = (typeof biometricModalities)[number];
