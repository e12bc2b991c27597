import { randomUUID } from 'node:crypto';
import type { CoverageEligibilityRequest, CoverageEligibilityResponse } from '@medplum/fhirtypes';
import { formatAmount } from '@domain/money';
import { fail } from '@domain/outcomes';
import type { Principal } from '../auth/tokens';
import { familyBalance } from '../commands/case-access';
import { runCommand, type RunnerDependencies } from '../commands/runner';
import type { Database } from '../db/database';
import { memberOfReference } from './claim-input';
import { moneyOf } from './money';
import { schemeOrganizationId, type Presentation } from './resources';

/**
 * CoverageEligibilityRequest → CoverageEligibilityResponse: is the member covered, and how much of
 * the family's floater cover of the open policy year is allowed and used (committed: holds, claims
 * in adjudication and paid). Asking is a lookup of the member, exactly as a desk's identify-member
 * (limited, audited, and the family is in the hospital's reach for a day after): so it runs that
 * command first, then reads the balance. Nothing else is stored.
 */
export async function answerEligibility(
  db: Database,
  runner: RunnerDependencies,
  principal: Principal,
  p: Presentation,
  request: CoverageEligibilityRequest,
  now: Date,
): Promise<CoverageEligibilityResponse> {
  const member = await memberOfReference(db, request.patient, 'CoverageEligibilityRequest.patient');
  const lookup = await runCommand(runner, 'identify-member', { commandId: randomUUID(), by: 'scheme-id', value: member.scheme_member_id }, principal);
  if (lookup.status !== 200) throw fail('not-found', 'CoverageEligibilityRequest.patient names no scheme member.');
  const [row] = await db.query<{ family_id: string; policy_year: number; start: Date; end: Date }>(
    `SELECT m.family_id, s.policy_year, make_timestamptz(s.policy_year, s.year_start_month, 1, 0, 0, 0, s.time_zone) AS start,
            make_timestamptz(s.policy_year + 1, s.year_start_month, 1, 0, 0, 0, s.time_zone) - interval '1 millisecond' AS "end"
       FROM members m CROSS JOIN schemes s WHERE m.id = $1 AND s.is_current`,
    [member.id],
  );
  if (!row) throw new Error('No scheme is configured in this database.');
  const balance = await familyBalance(db, row.family_id, row.policy_year);
  const words = (minor: number) => formatAmount(minor, p.currency.code, p.locale, p.currency.minorPerUnit);
  const requestRef = request.id
    ? { reference: `CoverageEligibilityRequest/${request.id}` }
    : request.identifier?.[0]
      ? { identifier: request.identifier[0] }
      : { display: 'Eligibility request (not stored)' };
  return {
    resourceType: 'CoverageEligibilityResponse',
    ...(request.identifier ? { identifier: request.identifier } : {}),
    status: 'active',
    purpose: request.purpose,
    patient: { reference: `Patient/${member.id}` },
    created: now.toISOString(),
    request: requestRef,
    outcome: 'complete',
    disposition: `Covered: ${words(balance.available)} of the family's ${words(balance.cover)} cover is available in policy year ${row.policy_year}.`,
    insurer: { reference: `Organization/${schemeOrganizationId(p.schemeId)}` },
    insurance: [
      {
        coverage: { reference: `Coverage/${member.id}` },
        inforce: true,
        benefitPeriod: { start: new Date(row.start).toISOString(), end: new Date(row.end).toISOString() },
        item: [
          {
            category: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/ex-benefitcategory', code: '1', display: 'Medical Care' }] },
            name: 'Family floater cover',
            description: 'Shared by every member of the family for the policy year; used = held for admitted cases + claims in adjudication and paid.',
            network: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/benefit-network', code: 'in' }] },
            unit: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/benefit-unit', code: 'family' }] },
            term: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/benefit-term', code: 'annual' }] },
            benefit: [
              {
                type: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/benefit-type', code: 'benefit' }] },
                allowedMoney: moneyOf(balance.cover, p.currency),
                usedMoney: moneyOf(balance.committed, p.currency),
              },
            ],
          },
        ],
      },
    ],
  };
}
