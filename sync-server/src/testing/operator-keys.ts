import { randomBytes } from 'node:crypto';
import type { PushMutationValue, RequestProofValue } from '@contract/sync';
import {
  consentEvidenceBytes,
  keyRegistrationBytes,
  matchEvidenceBytes,
  mutationProofBytes,
  newOperatorKeyPair,
  privateKeyOf,
  requestProofBytes,
  signBytes,
  type RequestPurpose,
} from '../../node-shared/operator-proof';
import type { TestServer } from './harness';

/**
 * What a desk does for an operator at online sign-in (issue 13 item 4), for server tests that
 * talk to the sync routes the way a desk does: sign in, make a key pair, register its public half
 * with the operator's token and the desk credential, then sign mutations and requests with it.
 */
export interface OperatorSigner {
  readonly operatorId: string;
  readonly deskId: string;
  readonly keyId: string;
  /** The mutation with its proof, signed as made at `createdAt` (default now). */
  sign<M extends { readonly commandId: string; readonly name: string; readonly operatorId: string; readonly body: Record<string, unknown> }>(
    mutation: M,
    createdAt?: string,
  ): M & { readonly proof: NonNullable<PushMutationValue['proof']> };
  /** A request proof of `request` for `purpose`, signed at `signedAt` (default now). */
  requestProof(purpose: RequestPurpose, request: Record<string, unknown>, signedAt?: string): RequestProofValue;
  /** The pull header value (templates are sent only with one). */
  pullHeader(signedAt?: string): string;
  /** A consent's match evidence (issue 16), signed for that case and member with the consent's purpose. */
  consentEvidence<const E extends Record<string, unknown>>(
    consent: { readonly caseId: string; readonly memberId: string },
    evidence: E,
  ): E & { readonly keyId: string; readonly signature: string };
  /** An admission's match evidence (issue 13 item 6), signed for that case, member and method. */
  evidence<const E extends Record<string, unknown>>(
    admission: { readonly caseId: string; readonly memberId: string; readonly identityMethod: string },
    evidence: E,
  ): E & { readonly keyId: string; readonly signature: string };
}

export async function registerOperatorKey(server: TestServer, deskAuthorization: string, username: string, password?: string): Promise<OperatorSigner> {
  const token = await server.login(username, password);
  const deskId = /^Desk ([0-9a-f-]{36})\./.exec(deskAuthorization)?.[1];
  if (!deskId) throw new Error('not a desk credential');
  const keys = newOperatorKeyPair();
  const privateKey = privateKeyOf(keys.privateKeyDer);
  const operatorId = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString('utf8')).sub as string;
  const answer = await server.raw('POST', '/sync/operator-keys', {
    token,
    headers: { 'x-coverdesk-desk': deskAuthorization },
    payload: { publicKey: keys.publicKey, possession: signBytes(privateKey, keyRegistrationBytes(deskId, operatorId, keys.publicKey)) },
  });
  if (answer.status !== 200) throw new Error(`key registration failed: ${JSON.stringify(answer.body)}`);
  const keyId = String(answer.body.keyId);
  const requestProof = (purpose: RequestPurpose, request: Record<string, unknown>, signedAt = new Date().toISOString()): RequestProofValue => {
    const unsigned = { operatorId, keyId, signedAt, nonce: randomBytes(16).toString('base64url') };
    return { ...unsigned, signature: signBytes(privateKey, requestProofBytes(purpose, deskId, unsigned, request)) };
  };
  return {
    operatorId,
    deskId,
    keyId,
    sign: (mutation, createdAt = new Date().toISOString()) => ({
      ...mutation,
      proof: {
        keyId,
        createdAt,
        signature: signBytes(
          privateKey,
          mutationProofBytes(
            { deskId, operatorId: mutation.operatorId, commandId: mutation.commandId, name: mutation.name, body: mutation.body },
            keyId,
            createdAt,
          ),
        ),
      },
    }),
    requestProof,
    evidence: (admission, evidence) => {
      const unsigned = { ...evidence, keyId };
      const subject = { deskId, operatorId, caseId: admission.caseId, memberId: admission.memberId, identityMethod: admission.identityMethod };
      return { ...unsigned, signature: signBytes(privateKey, matchEvidenceBytes(subject, unsigned)) };
    },
    consentEvidence: (consent, evidence) => {
      const unsigned = { ...evidence, keyId };
      return { ...unsigned, signature: signBytes(privateKey, consentEvidenceBytes({ deskId, operatorId, ...consent }, unsigned)) };
    },
    pullHeader: (signedAt) => Buffer.from(JSON.stringify(requestProof('pull-templates', {}, signedAt))).toString('base64url'),
  };
}
