import type { IdentityDocumentType } from '@domain/identity-evidence';
import { evidenceWindow } from '@domain/identity-evidence';
import type { OperatorSigner } from './operator-key';

/**
 * Match evidence for an admission (issue 13 item 6; the server's check is
 * sync-server/src/identity/match-evidence.ts). When the reader or the face engine matches a
 * member's cached enrolment, this desk process — not the renderer — records what matched: the
 * enrolment's server id, the module's score or the face similarity, and when. An admission of that
 * member by that method, by the same operator and within the server's window, then carries it,
 * signed with the operator's key over the case. The renderer only says which method it used, so a
 * page (or an XSS) cannot invent a score.
 *
 * No evidence is sent when there is none to send: a match on an enrolment made here whose id the
 * pull has not yet brought, or no match at all. The server then admits the patient anyway and
 * lists the case for review.
 */
export interface RecordedMatch {
  readonly operatorId: string;
  readonly modality: 'fingerprint' | 'face';
  readonly enrolmentId: string;
  readonly score: number;
  readonly capturedAt: string;
}

/** The matches of one operator slot, by member: the latest per member and modality. */
export class MatchBook {
  private readonly matches = new Map<string, RecordedMatch>();

  record(memberId: string, match: RecordedMatch): void {
    this.matches.set(`${memberId}:${match.modality}`, match);
  }

  /** The match an admission at `at` may carry: same operator, captured within the window; used once. */
  take(memberId: string, modality: 'fingerprint' | 'face', operatorId: string, at: Date): RecordedMatch | null {
    const key = `${memberId}:${modality}`;
    const match = this.matches.get(key);
    this.matches.delete(key);
    if (!match || match.operatorId !== operatorId) return null;
    const age = at.getTime() - Date.parse(match.capturedAt);
    return age >= 0 && age <= evidenceWindow.beforeAdmissionMs ? match : null;
  }

  clear(): void {
    this.matches.clear();
  }
}

/** The admit command's `evidence`, signed, or undefined when there is nothing to send. */
export function admissionEvidence(
  signer: OperatorSigner,
  admission: { readonly caseId: string; readonly memberId: string; readonly identityMethod: string },
  source: { readonly match: RecordedMatch | null; readonly document?: { readonly type: IdentityDocumentType; readonly numberLast4: string } | undefined },
  at: Date,
): Record<string, unknown> | undefined {
  if ((admission.identityMethod === 'fingerprint' || admission.identityMethod === 'face') && source.match) {
    const { modality, enrolmentId, score, capturedAt } = source.match;
    return signer.signEvidence(admission, { kind: modality, enrolmentId, score, capturedAt });
  }
  if (admission.identityMethod === 'document' && source.document) {
    return signer.signEvidence(admission, {
      kind: 'document',
      documentType: source.document.type,
      numberLast4: source.document.numberLast4,
      capturedAt: at.toISOString(),
    });
  }
  return undefined;
}
