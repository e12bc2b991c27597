// Pre-authorization at the desk: request-preauth places the hold on the family cover; respond-query answers PPD.
import { randomUUID } from 'node:crypto';
import type { CommandBody } from '@contract/commands';
import { decideHold } from '@domain/money';
import { fail, reject } from '@domain/outcomes';
import { appendAudit } from '../audit/chain';
import { appendLedger, openAccount, reserveCover } from '../money/family-cover';
import { familyBalance, lockCase, lockPreauth, requireAdmitted } from './case-access';
import { preauthEstimate } from './cost-shared-booking';
import { formatMoney, yearParameters, type CommandContext, type CommandResult } from './context';
import { currentPackage } from './packages';
import { requireDocuments } from '../documents/requirements';

export async function requestPreauth(context: CommandContext, body: CommandBody<'request-preauth'>): Promise<CommandResult<'request-preauth'>> {
  const caseRow = await lockCase(context, body.caseId);
  const treatmentPackage = await currentPackage(context, body.packageCode);
  if (treatmentPackage.is_unspecified && body.estimatedAmount === undefined) {
    throw fail('invalid-input', `${treatmentPackage.code} is an unspecified package: give the estimated amount (estimatedAmount).`);
  }
  if (!treatmentPackage.is_unspecified && body.estimatedAmount !== undefined) {
    throw fail('invalid-input', `${treatmentPackage.code} has a catalogue price; estimatedAmount is only for unspecified packages.`);
  }
  requireAdmitted(caseRow);
  const [already] = await context.sql.query('SELECT 1 FROM preauths WHERE case_id = $1', [caseRow.id]);
  if (already) throw reject('preauth-already-requested', 'A pre-authorization was already requested for this case; ask for an enhancement instead.');
  // The package's pre-auth checklist (issue 19), before the cover is touched.
  await requireDocuments(context.sql, caseRow.id, treatmentPackage.code, 'preauth');
  const requested = body.estimatedAmount ?? treatmentPackage.price;
  const allowPartial = (await yearParameters(context.sql, caseRow.policy_year)).shortfall_policy === 'partial-hold';
  // The hold: one conditional statement on the family's account of the case's policy year decides
  // how much of the request the cover can take, atomically against every other desk and server.
  await openAccount(context.sql, caseRow.family_id, caseRow.policy_year);
  // The hold asks the cover for the plan's part only: under a plan with cost sharing the patient's
  // estimated part (deductible, co-insurance, co-pay) is not the family cover's (issue 14, S5 step 2).
  const estimate = await preauthEstimate(context, caseRow, treatmentPackage.code, requested);
  const grant = await reserveCover(context.sql, caseRow.family_id, caseRow.policy_year, estimate.planPart, allowPartial);
  if (!grant) {
    const balance = await familyBalance(context.sql, caseRow.family_id, caseRow.policy_year);
    const decision = decideHold(estimate.planPart, balance.available, 'refuse');
    throw reject(
      'insufficient-cover',
      `The family has ${formatMoney(context, balance.available)} available, less than the ${formatMoney(context, estimate.planPart)} requested, and the scheme refuses partial holds.`,
      { available: balance.available, requested: estimate.planPart, decision: typeof decision === 'string' ? decision : 'granted' },
    );
  }
  const shortfall = estimate.planPart - grant.granted;
  const holdId = randomUUID();
  await context.sql.defer(
    // The estimate and its parts (migration 044): what a FHIR ClaimResponse tells apart from shortfall.
    `INSERT INTO holds (id, case_id, family_id, policy_year, amount, consumed, authorized, package_code, package_version, status, cost_share_estimate,
                        estimate_deductible, estimate_coinsurance, estimate_copay, estimate_not_covered)
     VALUES ($1, $2, $3, $4, $5, 0, $6, $7, $8, 'active', $9, $10, $11, $12, $13)`,
    [
      holdId,
      caseRow.id,
      caseRow.family_id,
      caseRow.policy_year,
      grant.granted,
      requested,
      treatmentPackage.code,
      treatmentPackage.version,
      estimate.total,
      estimate.deductible,
      estimate.coinsurance,
      estimate.copay,
      estimate.notPaid,
    ],
  );
  const status = treatmentPackage.is_unspecified ? 'committee-review' : 'pending';
  await context.sql.defer(
    `INSERT INTO preauths (id, case_id, package_code, package_version, package_price, requested_amount, status, clinical_note)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
    [randomUUID(), caseRow.id, treatmentPackage.code, treatmentPackage.version, treatmentPackage.price, requested, status, body.clinicalNote ?? null],
  );
  await appendLedger(context.sql, {
    familyId: caseRow.family_id,
    policyYear: caseRow.policy_year,
    caseId: caseRow.id,
    component: 'hold',
    delta: grant.granted,
    reason: 'preauth-hold',
    commandId: context.commandId,
  });
  // The shortfall is an estimate, stated in the answer and kept on the hold (authorized − amount);
  // the patient owes only what bookings leave uncovered (booking-shortfall shares, migration 011).
  await appendAudit(context.sql, {
    actorId: context.principal.operatorId,
    action: 'preauth-requested',
    entityType: 'case',
    entityId: caseRow.id,
    before: { committed: grant.committed - grant.granted },
    after: {
      holdId,
      packageCode: treatmentPackage.code,
      packageVersion: treatmentPackage.version,
      requested,
      hold: grant.granted,
      shortfall,
      patientEstimate: estimate.total,
      committed: grant.committed,
    },
    commandId: context.commandId,
  });
  return {
    caseId: caseRow.id,
    preauthStatus: status,
    packageCode: treatmentPackage.code,
    packageVersion: treatmentPackage.version,
    requestedAmount: requested,
    holdId,
    holdAmount: grant.granted,
    shortfall,
    patientEstimate: {
      deductible: estimate.deductible,
      coinsurance: estimate.coinsurance,
      copay: estimate.copay,
      notPaid: estimate.notPaid,
      total: estimate.total,
    },
    summary:
      estimate.total === 0
        ? holdSummary(context, requested, grant.granted)
        : `The patient is estimated to pay ${formatMoney(context, estimate.total)} of ${formatMoney(context, requested)} under the plan. ${holdSummary(context, estimate.planPart, grant.granted)}`,
    family: { cover: grant.cover, committed: grant.committed, available: grant.cover - grant.committed },
  };
}

/**
 * The hold a pre-auth placed, in the desk's words. A hold of nothing (cover used up) is not an
 * error: the request still goes to the reviewer, and a later approval holds what has freed up.
 */
export function holdSummary(context: CommandContext, requested: number, held: number): string {
  if (held === requested) return `${formatMoney(context, held)} is held on the family's cover.`;
  const short = formatMoney(context, requested - held);
  if (held === 0)
    return `Nothing could be held: the family's cover is used up. The request waits for its decision; ${short} would be the patient's shortfall unless cover frees up before then.`;
  return `${formatMoney(context, held)} is held, all the cover had left; ${short} would be the patient's shortfall unless cover frees up before the decision.`;
}

export async function respondQuery(context: CommandContext, body: CommandBody<'respond-query'>): Promise<CommandResult<'respond-query'>> {
  const caseRow = await lockCase(context, body.caseId);
  // A discharged or cancelled case takes no more decisions (issue 24 item 14).
  requireAdmitted(caseRow);
  const preauth = await lockPreauth(context.sql, caseRow.id);
  if (!preauth) throw reject('preauth-not-requested', 'No pre-authorization was requested for this case.');
  if (preauth.status !== 'queried') throw reject('preauth-not-pending', `The pre-authorization is ${preauth.status}, not queried; there is nothing to answer.`);
  await requireDocuments(context.sql, caseRow.id, preauth.package_code, 'query-response');
  await context.sql.query("UPDATE preauths SET status = 'pending', query_response = $2 WHERE id = $1", [preauth.id, body.response]);
  await appendAudit(context.sql, {
    actorId: context.principal.operatorId,
    action: 'preauth-query-answered',
    entityType: 'case',
    entityId: caseRow.id,
    before: { status: 'queried' },
    after: { status: 'pending' },
    commandId: context.commandId,
  });
  return { caseId: caseRow.id, preauthStatus: 'pending' };
}
