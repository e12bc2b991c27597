import { FakeDeskBackend } from '../../renderer/dev/fake-backend';
import { describeDeskBackendContract, type ContractDesk } from './desk-backend.contract';

/**
 * The same contract against the renderer's fake desk backend (renderer/dev/fake-backend.ts), which
 * plays desk, server and payer side in memory: what the renderer's tests and the `?fake=1` desk
 * show must be what the real desk shows.
 */
async function openFakeDesk(): Promise<ContractDesk> {
  const desk = new FakeDeskBackend({ signedInAs: 'medco.a' });
  return {
    call: (channel, args) => desk.call(channel, args),
    async sync() {
      const answer = await desk.call('sync.now', {});
      if (!answer.ok) throw new Error(answer.error.message);
    },
    async setOnline(isOnline) {
      desk.setOnline(isOnline);
    },
    async decidePreauth(caseId, decision, details = {}) {
      if (decision === 'reject') desk.rejectPreauth(caseId, details.reason ?? 'Rejected');
      else desk.approvePreauth(caseId, decision === 'approve-lower' ? details.amount : undefined);
    },
    async approveEnhancementLower(caseId, _enhancementId, amount) {
      desk.decideEnhancement(caseId, amount);
    },
    async recommendPreauth(caseId, amount) {
      desk.recommendPreauth(caseId, amount);
    },
    async approveUnspecified(caseId) {
      desk.approvePreauth(caseId);
    },
    async admitElsewhere(memberId, packageCode) {
      desk.admitElsewhere(memberId, 'HSP-B', packageCode);
    },
    async setAutoExtension(basisPoints) {
      desk.setAutoExtension(basisPoints);
    },
    async close() {
      desk.close();
    },
  };
}

describeDeskBackendContract("the renderer's fake desk backend", openFakeDesk, 10_000);
