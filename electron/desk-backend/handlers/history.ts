// The patient's past treatment at every hospital, with their consent (issue 16): online only.
import { uuidPattern } from '@contract/commands';
import { consentMatchMinutes } from '@domain/member-record';
import { usableSigner } from '../operator-key';
import { ServerCallError } from '../server-client';
import { failure, ok, type HandlerModule } from './context';

type HistoryChannel = 'history.consent' | 'history.view';

const uuid = new RegExp(uuidPattern);
const offline = 'Past treatment comes from the server, which cannot be reached now; nothing of it is kept on this desk.';

/**
 * Nothing of another hospital's record is stored on the desk: the history is read from the server
 * each time it is shown (the server logs each look for the member), and offline the desk says so.
 */
export const historyHandlers: HandlerModule<HistoryChannel> = (desk, { slot, requireMedco, online }) => ({
  'history.consent': async (args) => {
    const refused = requireMedco();
    if (refused) return refused;
    const { caseId } = args;
    if (typeof caseId !== 'string' || !uuid.test(caseId)) return failure('invalid-input', 'Open the case first: the case id is not valid.');
    const method = args.method ?? 'otp';
    if (method === 'otp') {
      const { otpChallengeId } = args;
      if (typeof otpChallengeId !== 'string' || !uuid.test(otpChallengeId))
        return failure('invalid-input', 'Verify a one-time code first: the code request id is not valid.');
      return online('grant-history-consent', { caseId, method: 'otp', otpChallengeId }, (result) => ({
        consentId: result.consentId,
        expiresAt: result.expiresAt,
      }));
    }
    if (method !== 'fingerprint' && method !== 'face') return failure('invalid-input', 'A consent is given by one-time code, fingerprint or face.');
    // The match this desk's reader or face engine made for this operator moments ago (identity.ts
    // records it in the desk process: the renderer cannot invent one), used once, signed for the consent.
    const memberId = desk.reads.caseView(caseId)?.memberId;
    const operatorId = slot.session?.operatorId;
    if (!memberId || !operatorId) return failure('not-found', 'This case is not on this desk.');
    const now = new Date();
    const match = slot.matches?.take(memberId, method, operatorId, now) ?? null;
    if (!match || now.getTime() - Date.parse(match.capturedAt) > consentMatchMinutes * 60_000)
      return failure(
        'consent-refused',
        `Match the patient's ${method} now, after asking them, then record the consent: a consent by ${method} needs a match made at this desk in the last ${consentMatchMinutes} minutes.`,
      );
    const usable = usableSigner(slot.signer, now);
    if (!usable.ok) return usable;
    const evidence = usable.signer.signConsentEvidence(
      { caseId, memberId },
      { kind: method, enrolmentId: match.enrolmentId, score: match.score, capturedAt: match.capturedAt },
    );
    return online('grant-history-consent', { caseId, method, evidence }, (result) => ({ consentId: result.consentId, expiresAt: result.expiresAt }));
  },
  'history.view': async ({ caseId }) => {
    const refused = requireMedco();
    if (refused) return refused;
    if (typeof caseId !== 'string' || !uuid.test(caseId)) return failure('invalid-input', 'Open a case first: the case id is not valid.');
    const client = desk.client();
    const operatorId = slot.session?.operatorId;
    if (!client || !operatorId) return failure('offline-unavailable', offline);
    const usable = usableSigner(slot.signer, new Date());
    if (!usable.ok) return usable;
    try {
      return ok(await client.memberHistory(operatorId, caseId, usable.signer.requestProof('history', { caseId })));
    } catch (error) {
      if (!(error instanceof ServerCallError)) throw error;
      if (error.fault.kind === 'unreachable') return failure('offline-unavailable', offline);
      return failure(error.fault.kind === 'refused' ? error.fault.code : 'bad-answer', error.fault.message);
    }
  },
});
