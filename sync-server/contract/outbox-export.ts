/**
 * An exported desk outbox (issue 23): the commands a desk had queued and not yet pushed, exactly as
 * queued (command id, operator, body, the operator's signature), written to a file before the
 * desk's replica is reset, or when IT asks. The desk that wrote it queues it again
 * (`replica.importOutbox`, also after a reinstall that kept or restored the data folder) and
 * pushes it as any outbox: each command applies once on the server, by its id.
 * Checked by `sha256` over the rest of the file (node-shared/outbox-export.ts); each command's own
 * integrity rests on its operator's signature, which the server verifies as on any push.
 */
import { Type, type Static } from 'typebox';
import { uuidPattern } from './commands';
import { PushMutation } from './sync';

export const outboxExportFormat = 'coverdesk-outbox-export';

/** Why the outbox was written out. */
export const outboxExportCauses = ['replica-reset', 'manual'] as const;
export type OutboxExportCause = (typeof outboxExportCauses)[number];

export const OutboxExportApproval = Type.Object(
  {
    /** The operator signed in at the desk who asked for the reset. */
    operatorId: Type.String({ format: 'uuid', pattern: uuidPattern }),
    /** The supervisor who authorised losing the local copy of these commands (as for an identity override). */
    supervisorName: Type.String({ minLength: 1, maxLength: 200 }),
    reason: Type.String({ minLength: 15, maxLength: 2000 }),
  },
  { additionalProperties: false },
);

export const OutboxExportContent = Type.Object(
  {
    format: Type.Literal(outboxExportFormat),
    formatVersion: Type.Literal(1),
    deskId: Type.String({ format: 'uuid', pattern: uuidPattern }),
    hospitalId: Type.String({ format: 'uuid', pattern: uuidPattern }),
    /** The server the desk was enrolled with when it wrote the file. */
    serverUrl: Type.Union([Type.String({ maxLength: 2000 }), Type.Null()]),
    exportedAt: Type.String({ format: 'date-time', maxLength: 40 }),
    cause: Type.Enum([...outboxExportCauses]),
    /** Present when the export came with a supervisor's approval (a reset with commands waiting). */
    approval: Type.Union([OutboxExportApproval, Type.Null()]),
    /** In the order they were queued (`sequence`); at most what a desk would push in 500 batches. */
    mutations: Type.Array(PushMutation, { maxItems: 100_000 }),
  },
  { additionalProperties: false },
);
export type OutboxExportContentValue = Static<typeof OutboxExportContent>;

export const OutboxExportFile = Type.Object(
  {
    ...OutboxExportContent.properties,
    /** SHA-256 (hex) of the canonical JSON of every other field. */
    sha256: Type.String({ pattern: '^[0-9a-f]{64}$' }),
  },
  { additionalProperties: false },
);
export type OutboxExportFileValue = Static<typeof OutboxExportFile>;
