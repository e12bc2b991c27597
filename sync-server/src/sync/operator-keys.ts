import { randomUUID } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import {
  deskCredentialHeader,
  OperatorKeyAnswer,
  OperatorKeyRequest,
  RequestProof,
  type MutationProofValue,
  type OperatorKeyAnswerValue,
  type PushMutationValue,
  type RequestProofValue,
} from '@contract/sync';
import { ErrorAnswer } from '@contract/commands';
import type { OperatorProofReason } from '@contract/results';
import { fail, type Refusal } from '@domain/outcomes';
import { Compile } from 'typebox/compile';
import { keyRegistrationBytes, mutationProofBytes, requestProofBytes, verifyBytes, type RequestPurpose } from '../../node-shared/operator-proof';
import { appendAudit } from '../audit/chain';
import type { Principal } from '../auth/tokens';
import type { Database } from '../db/database';
import { authenticateDesk, type DeskPrincipal } from './desk-auth';

/**
 * Operator keys (issue 13 item 4; the proof format is node-shared/operator-proof.ts, the table
 * migration 028). A desk credential names a desk; what the desk sends on an operator's behalf must
 * also carry that operator's signature, made with the key the desk registered for them at their
 * online sign-in there.
 */

/** How long a key signs after its registration. The desk makes a new one at each online sign-in. */
export const operatorKeyLifetimeMs = 7 * 24 * 3600_000;
/** Clock difference tolerated between a desk and the server. */
export const proofClockSkewMs = 5 * 60_000;
/** An online request's proof is fresh for this long (identify, template pulls, online commands). */
export const requestProofMaxAgeMs = 5 * 60_000;

export interface KeyRow {
  operator_id: string;
  desk_id: string;
  public_key: string;
  issued_at: Date;
  expires_at: Date;
  superseded_at: Date | null;
  revoked_at: Date | null;
}

const sentences: Readonly<Record<OperatorProofReason, string>> = {
  missing: 'This change carries no signature of its operator: sign in on the desk while it can reach the server, then make the change again.',
  'unknown-key': "This change is signed with a key the server does not know: sign in on the desk while online to get the operator's key again.",
  'wrong-key': "This change is signed with a key of another operator or another desk: it is not this operator's.",
  'bad-signature': 'The signature does not match this change: it was altered after its operator made it, or sent under another id.',
  'not-yet-valid': "This change says it was made before its operator's key existed.",
  'key-expired': "This change was made after its operator's key expired: sign in on the desk while it can reach the server, then make the change again.",
  'key-superseded': "This change was made after its operator's key was replaced by a newer one at this desk.",
  'key-revoked': "The operator's key was revoked (the operator was deactivated or moved, or the desk was revoked): nothing signed with it is taken any more.",
  stale: 'This request was signed too long ago (or with a clock far from the server’s): check the desk’s clock and try again.',
};

export function proofRefusal(reason: OperatorProofReason): Refusal {
  return { kind: 'error', code: 'operator-proof-refused', message: sentences[reason], details: { reason } };
}

export async function keyRow(db: Pick<Database, 'query'>, keyId: string): Promise<KeyRow | undefined> {
  const [row] = await db.query<KeyRow>(
    'SELECT operator_id, desk_id, public_key, issued_at, expires_at, superseded_at, revoked_at FROM operator_keys WHERE id = $1',
    [keyId],
  );
  return row;
}

/**
 * Whether the key was this operator's at this desk when `madeAt` says the thing was made, and is
 * not revoked now. A revoked key verifies nothing pushed after its revocation, whatever it claims:
 * a key of a deactivated operator may be in someone else's hands, and backdating is free.
 */
export function keyValidity(
  row: KeyRow | undefined,
  desk: Pick<DeskPrincipal, 'deskId'>,
  operatorId: string,
  madeAt: number,
  now: number,
): OperatorProofReason | null {
  if (!row) return 'unknown-key';
  if (row.operator_id !== operatorId || row.desk_id !== desk.deskId) return 'wrong-key';
  if (row.revoked_at) return 'key-revoked';
  if (!Number.isFinite(madeAt) || madeAt > now + proofClockSkewMs) return 'stale';
  if (madeAt < row.issued_at.getTime() - proofClockSkewMs) return 'not-yet-valid';
  if (madeAt >= row.expires_at.getTime()) return 'key-expired';
  if (row.superseded_at && madeAt >= row.superseded_at.getTime() + proofClockSkewMs) return 'key-superseded';
  return null;
}

/**
 * Check a pushed (or online) mutation's proof: a refusal, or null when it verifies. `fresh`: an
 * online command runs now, so it must also have been signed within requestProofMaxAgeMs.
 */
export async function checkMutationProof(
  db: Database,
  desk: DeskPrincipal,
  // name: a command's, or `attach-document` for a desk's queued document (contract/documents.ts).
  mutation: Pick<PushMutationValue, 'commandId' | 'operatorId' | 'body'> & { readonly name: string; readonly proof?: MutationProofValue | undefined },
  now: number,
  options: { readonly fresh?: boolean } = {},
): Promise<Refusal | null> {
  const proof = mutation.proof;
  if (!proof) return proofRefusal('missing');
  const madeAt = Date.parse(proof.createdAt);
  if (options.fresh && !(madeAt >= now - requestProofMaxAgeMs)) return proofRefusal('stale');
  const row = await keyRow(db, proof.keyId);
  const invalid = keyValidity(row, desk, mutation.operatorId, madeAt, now);
  if (invalid || !row) return proofRefusal(invalid ?? 'unknown-key');
  const bytes = mutationProofBytes(
    { deskId: desk.deskId, operatorId: mutation.operatorId, commandId: mutation.commandId, name: mutation.name, body: mutation.body },
    proof.keyId,
    proof.createdAt,
  );
  return verifyBytes(row.public_key, bytes, proof.signature) ? null : proofRefusal('bad-signature');
}

const requestProofCheck = Compile(RequestProof);

/**
 * Check an online request's proof (a member search, a template pull): the operator it proves, or a
 * refusal. Fresh within requestProofMaxAgeMs either way of the server's clock.
 */
export async function checkRequestProof(
  db: Database,
  desk: DeskPrincipal,
  purpose: RequestPurpose,
  proof: RequestProofValue | undefined,
  request: Readonly<Record<string, unknown>>,
  now: number,
): Promise<{ ok: true; operatorId: string } | { ok: false; refusal: Refusal }> {
  if (!proof) return { ok: false, refusal: proofRefusal('missing') };
  const signedAt = Date.parse(proof.signedAt);
  if (!(Math.abs(now - signedAt) <= requestProofMaxAgeMs)) return { ok: false, refusal: proofRefusal('stale') };
  const row = await keyRow(db, proof.keyId);
  const invalid = keyValidity(row, desk, proof.operatorId, signedAt, now);
  if (invalid || !row) return { ok: false, refusal: proofRefusal(invalid ?? 'unknown-key') };
  const { signature, ...signed } = proof;
  if (!verifyBytes(row.public_key, requestProofBytes(purpose, desk.deskId, signed, request), signature))
    return { ok: false, refusal: proofRefusal('bad-signature') };
  return { ok: true, operatorId: proof.operatorId };
}

/** A request proof carried in a header (template pulls): base64url of its JSON. Undefined when absent or not a proof. */
export function requestProofFromHeader(header: string | string[] | undefined): RequestProofValue | undefined {
  if (typeof header !== 'string' || header.length > 1024) return undefined;
  try {
    const parsed: unknown = JSON.parse(Buffer.from(header, 'base64url').toString('utf8'));
    return requestProofCheck.Check(parsed) ? parsed : undefined;
  } catch {
    return undefined;
  }
}

export interface OperatorKeyRouteOptions {
  readonly db: Database;
  readonly authenticateOperator: (request: FastifyRequest) => Promise<Principal>;
  readonly now?: () => number;
}

/**
 * `POST /sync/operator-keys`: at an operator's online sign-in the desk registers the public half of
 * a key pair it just made. Both must prove themselves: the operator with the bearer token of that
 * sign-in (Authorization), the desk with its credential (`x-coverdesk-desk`), and the key signs its
 * own registration (the desk holds its private half). The operator must be an active operator of
 * the desk's hospital. The operator's earlier key at this desk is superseded: what was made with
 * it before now still verifies when it is pushed.
 */
export function registerOperatorKeyRoutes(app: FastifyInstance, options: OperatorKeyRouteOptions): void {
  const { db } = options;
  const now = options.now ?? Date.now;
  app.post(
    '/sync/operator-keys',
    {
      schema: {
        tags: ['sync'],
        summary: "Register the signing key a desk made for an operator at their online sign-in (the operator's token and the desk's credential)",
        security: [{ bearerAuth: [], deskAuth: [] }],
        body: OperatorKeyRequest,
        response: { 200: OperatorKeyAnswer, 400: ErrorAnswer, 401: ErrorAnswer, 403: ErrorAnswer, 415: ErrorAnswer, 500: ErrorAnswer, 503: ErrorAnswer },
      },
    },
    async (request): Promise<OperatorKeyAnswerValue> => {
      const principal = await options.authenticateOperator(request);
      const header = request.headers[deskCredentialHeader];
      const desk = await authenticateDesk(db, typeof header === 'string' ? header : undefined);
      if (principal.hospitalId !== desk.hospitalId)
        throw fail('forbidden-role', "Only an operator of this desk's hospital can get a signing key at this desk.");
      const { publicKey, possession } = request.body as { publicKey: string; possession: string };
      if (!verifyBytes(publicKey, keyRegistrationBytes(desk.deskId, principal.operatorId, publicKey), possession))
        throw fail('invalid-input', "The key's signature of its own registration does not verify: the desk must sign it with the key's private half.");
      const keyId = randomUUID();
      const issuedAt = new Date(now());
      const expiresAt = new Date(issuedAt.getTime() + operatorKeyLifetimeMs);
      await db.transaction(async (sql) => {
        const [taken] = await sql.query('SELECT 1 FROM operator_keys WHERE public_key = $1', [publicKey]);
        if (taken) throw fail('invalid-input', 'This public key is already registered: the desk must make a new key pair for each sign-in.');
        await sql.query('UPDATE operator_keys SET superseded_at = $3 WHERE operator_id = $1 AND desk_id = $2 AND superseded_at IS NULL', [
          principal.operatorId,
          desk.deskId,
          issuedAt,
        ]);
        await sql.query('INSERT INTO operator_keys (id, operator_id, desk_id, public_key, issued_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6)', [
          keyId,
          principal.operatorId,
          desk.deskId,
          publicKey,
          issuedAt,
          expiresAt,
        ]);
        await appendAudit(sql, {
          actorId: principal.operatorId,
          action: 'operator-key-registered',
          entityType: 'desk',
          entityId: desk.deskId,
          after: { keyId, expiresAt: expiresAt.toISOString() },
        });
      });
      return { keyId, operatorId: principal.operatorId, issuedAt: issuedAt.toISOString(), expiresAt: expiresAt.toISOString() };
    },
  );
}
