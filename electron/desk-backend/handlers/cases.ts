// A case at this desk: list and view, admit, discharge, claim, cancel (queued in the outbox).
import { randomUUID } from 'node:crypto';
import { failure, keepFamily, ok, type HandlerModule } from './context';
import { identityClaimProblem, signedIdentityEvidence } from './identity-evidence';

type CaseChannel = 'cases.list' | 'cases.view' | 'cases.admit' | 'cases.discharge' | 'cases.submitClaim' | 'cases.cancel';

export const caseHandlers: HandlerModule<CaseChannel> = (desk, { slot, signedOut, requireMedco, queue }) => ({
  'cases.list': async (filter) => signedOut() ?? ok(desk.reads.caseList(filter)),
  'cases.view': async ({ caseId }) => {
    const refused = signedOut();
    if (refused) return refused;
    const view = desk.reads.caseView(caseId);
    return view ? ok(view) : failure('not-found', 'There is no such case on this desk.');
  },
  'cases.admit': async ({ memberId, identityMethod, isEmergency, otpChallengeId, overrideReason, supervisorName, document }) => {
    const refused = requireMedco();
    if (refused) return refused;
    const member = desk.reads.member(memberId);
    if (!member) return failure('not-found', 'This member is not on this desk; search for them first.');
    const familyId = String(member.familyId);
    const family = desk.reads.family(familyId);
    const active = family?.members.find((m) => m.memberId === memberId)?.activeCase;
    if (active)
      return failure(
        'case-already-active',
        `This patient already has an active case at ${active.hospitalCode}; it must be discharged or cancelled there first.`,
      );
    const problem = identityClaimProblem({ memberId, identityMethod, overrideReason, supervisorName, document });
    if (problem) return problem;
    const caseId = randomUUID();
    const evidence = signedIdentityEvidence(slot, caseId, { memberId, identityMethod, document }, new Date());
    const body = {
      caseId,
      memberId,
      identityMethod,
      ...(isEmergency !== undefined ? { isEmergency } : {}),
      ...(otpChallengeId ? { otpChallengeId } : {}),
      ...(overrideReason ? { overrideReason } : {}),
      ...(supervisorName ? { supervisorName } : {}),
      ...(evidence ? { evidence } : {}),
    };
    const result = queue('admit', body, (commandId) => {
      const admittedAt = new Date().toISOString();
      keepFamily(desk, familyId, admittedAt);
      desk.db.prepare('INSERT INTO case_admissions (case_id, admitted_at) VALUES (?, ?) ON CONFLICT DO NOTHING').run(caseId, admittedAt);
      desk.addPending('cases', caseId, caseId, familyId, commandId, {
        id: caseId,
        memberId,
        familyId,
        identityMethod,
        isEmergency: isEmergency ?? false,
        admittedAt,
        status: 'admitted',
      });
    });
    return result.ok ? ok({ caseId }) : result;
  },
  'cases.discharge': async ({ caseId }) =>
    requireMedco() ??
    queue('discharge', { caseId }, (commandId) =>
      desk.addPending('case-status', caseId, caseId, desk.familyOfCase(caseId), commandId, { status: 'discharged' }),
    ),
  'cases.submitClaim': async ({ caseId, amount }) => {
    const refused = requireMedco();
    if (refused) return refused;
    const claimId = randomUUID();
    const result = queue('submit-claim', { claimId, caseId, amount }, (commandId) =>
      desk.addPending('claims', claimId, caseId, desk.familyOfCase(caseId), commandId, { amount }),
    );
    return result.ok ? ok({ claimId }) : result;
  },
  'cases.cancel': async ({ caseId, reason }) =>
    requireMedco() ??
    queue('cancel-case', { caseId, reason }, (commandId) =>
      desk.addPending('case-status', caseId, caseId, desk.familyOfCase(caseId), commandId, { status: 'cancelled' }),
    ),
});
