// Pre-authorization from the desk: request it (the hold), answer PPD's query, ask for more.
import { randomUUID } from 'node:crypto';
import { failure, ok, type HandlerModule } from './context';

export const preauthHandlers: HandlerModule<'cases.requestPreauth' | 'cases.respondQuery' | 'cases.requestEnhancement'> = (desk, { requireMedco, queue }) => ({
  'cases.requestPreauth': async ({ caseId, packageCode, estimatedAmount, clinicalNote }) => {
    const refused = requireMedco();
    if (refused) return refused;
    const treatmentPackage = desk.reads.packageView(packageCode);
    if (!treatmentPackage) return failure('not-found', `There is no package ${packageCode} in the catalogue.`);
    const body = { caseId, packageCode, ...(estimatedAmount !== undefined ? { estimatedAmount } : {}), ...(clinicalNote ? { clinicalNote } : {}) };
    return queue('request-preauth', body, (commandId) =>
      desk.addPending('preauths', caseId, caseId, desk.familyOfCase(caseId), commandId, {
        packageCode,
        requestedAmount: estimatedAmount ?? treatmentPackage.price,
      }),
    );
  },
  'cases.respondQuery': async ({ caseId, response }) => requireMedco() ?? queue('respond-query', { caseId, response }),
  'cases.requestEnhancement': async ({ caseId, amount, reason }) => {
    const refused = requireMedco();
    if (refused) return refused;
    const enhancementId = randomUUID();
    const result = queue('request-enhancement', { enhancementId, caseId, amount, reason }, (commandId) =>
      desk.addPending('enhancements', enhancementId, caseId, desk.familyOfCase(caseId), commandId, { amount, reason }),
    );
    return result.ok ? ok({ enhancementId }) : result;
  },
});
