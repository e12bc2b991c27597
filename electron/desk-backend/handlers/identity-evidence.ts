import { identityDocumentTypes, type IdentityDocumentType } from '@domain/identity-evidence';
import type { DeskResult } from '../../desk-api/contract';
import type { OperatorSlot } from '../backend';
import { failure } from './context';
import { admissionEvidence } from '../match-evidence';
import { usableSigner } from '../operator-key';

/**
 * What an admission (cases.admit) and an emergency's identification (emergencies.merge) both
 * check at the desk before queueing, and the signed match evidence both send (issue 13 item 6):
 * what this desk's reader or face engine matched for this operator, or the document attested,
 * signed for this case and member. None to send: the server admits and lists the case for review.
 */
export interface IdentityClaim {
  readonly memberId: string;
  readonly identityMethod: string;
  readonly overrideReason?: string | undefined;
  readonly supervisorName?: string | undefined;
  readonly document?: { readonly type: IdentityDocumentType; readonly numberLast4: string } | undefined;
}

/** An override without its reason and supervisor, or a document not named properly: refused here. */
export function identityClaimProblem(claim: IdentityClaim): DeskResult<never> | null {
  if (claim.identityMethod === 'override' && (!claim.overrideReason || claim.overrideReason.trim().length < 15 || !claim.supervisorName))
    return failure('invalid-input', "An identity override needs a written reason (at least 15 characters) and the authorising supervisor's name.");
  const document = claim.document;
  if (document && (!identityDocumentTypes.includes(document.type) || !/^[0-9A-Za-z]{4}$/.test(document.numberLast4)))
    return failure('invalid-input', 'Name the document shown and the last 4 letters or digits of its number (never the whole number).');
  return null;
}

export function signedIdentityEvidence(slot: OperatorSlot, caseId: string, claim: IdentityClaim, now: Date): Record<string, unknown> | undefined {
  const { memberId, identityMethod, document } = claim;
  const usable = usableSigner(slot.signer, now);
  const match =
    (identityMethod === 'fingerprint' || identityMethod === 'face') && slot.session
      ? (slot.matches?.take(memberId, identityMethod, slot.session.operatorId, now) ?? null)
      : null;
  return usable.ok ? admissionEvidence(usable.signer, { caseId, memberId, identityMethod }, { match, document }, now) : undefined;
}
