// The patient's past treatment at every hospital, with their consent (issue 16): online only.
import { uuidPattern } from '@contract/commands';
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
  'history.consent': async ({ caseId, otpChallengeId }) => {
    const refused = requireMedco();
    if (refused) return refused;
    if (typeof caseId !== 'string' || !uuid.test(caseId) || typeof otpChallengeId !== 'string' || !uuid.test(otpChallengeId))
      return failure('invalid-input', 'Open the case and verify a one-time code first: the case or code request id is not valid.');
    return online('grant-history-consent', { caseId, method: 'otp', otpChallengeId }, (result) => ({
      consentId: result.consentId,
      expiresAt: result.expiresAt,
    }));
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
