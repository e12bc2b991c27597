import { createHash, randomUUID } from 'node:crypto';
import type { PharmacyClaimAnswerValue, PharmacyClaimBodyValue, PharmacyReversalAnswerValue } from '@contract/accumulators';
import { maxAmount } from '@domain/money';
import { fail } from '@domain/outcomes';
import { cashlessPlanYear, decideCharge, movementsOf } from '@domain/plan-design';
import { appendAudit } from '../audit/chain';
import { canonicalJson } from '../canonical-json';
import { currentScheme } from '../commands/context';
import { pgErrorCode, pgErrors, type Database } from '../db/database';
import { accumulatorEnquiry } from '../money/accumulator-enquiry';
import { applyMovements, isInNetwork, lockAccumulators, lockExistingAccumulators, movementsOfSource, planOfAccount } from '../money/accumulators';
import { openAccount, releaseCover, reserveCover } from '../money/family-cover';
import { rollPolicyYear } from '../money/policy-year';
import type { PharmacyPrincipal } from './auth';

export interface PharmacyOutcome<T> {
  readonly answer: T;
  readonly isReplay: boolean;
  /** The family whose cover and accumulators moved (the caller pokes its desks). */
  readonly familyId: string | null;
}

function requestHash(body: PharmacyClaimBodyValue): string {
  return createHash('sha256').update(canonicalJson(body)).digest('hex');
}

/** The same claim id sent twice at the same instant: the second insert fails; it then replays. */
async function retryingDuplicates<T>(work: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await work();
    } catch (error) {
      if (pgErrorCode(error) === pgErrors.uniqueViolation && attempt < 3) continue;
      throw error;
    }
  }
}

/**
 * A real-time pharmacy claim (S5 steps 1, 5, 6, 7), decided in ONE transaction: the family's
 * accumulator rows locked (the same lock every booking of the family takes), the charge split by
 * the plan year (domain/plan-design.ts: deductible, co-insurance, the co-pay per prescription,
 * the maximums, the pharmacy limit and network), the plan's part drawn from the family's cover
 * through the conditional arbitration statement (what the cover cannot take is the member's),
 * the accumulators moved, the ledger and the claim written. Idempotent on the pharmacy's claim id:
 * the same body again answers the first answer and changes nothing; another body is refused.
 */
export async function submitPharmacyClaim(
  db: Database,
  pharmacy: PharmacyPrincipal,
  body: PharmacyClaimBodyValue,
  now: Date,
): Promise<PharmacyOutcome<PharmacyClaimAnswerValue>> {
  const hash = requestHash(body);
  const amount = body.quantity * body.unitPrice;
  if (amount > maxAmount) throw fail('invalid-input', `quantity × unitPrice is ${amount}, above the largest amount accepted (${maxAmount}).`);
  return retryingDuplicates(() =>
    db.transaction(async (sql) => {
      const [prior] = await sql.query<{ request_hash: string; answer: PharmacyClaimAnswerValue }>(
        'SELECT request_hash, answer FROM pharmacy_claims WHERE pharmacy_id = $1 AND claim_ref = $2',
        [pharmacy.pharmacyId, body.claimId],
      );
      if (prior) {
        if (prior.request_hash !== hash)
          throw fail('command-id-reused', `Claim ${body.claimId} was already sent with other content; a new claim needs a new claim id.`);
        return { answer: prior.answer, isReplay: true, familyId: null };
      }
      const [member] = await sql.query<{ id: string; family_id: string }>('SELECT id, family_id FROM members WHERE scheme_member_id = $1', [body.memberId]);
      if (!member) throw fail('not-found', `There is no member ${body.memberId} in the scheme.`);
      // Dispensed now: the open policy year (rolled first, before any lock, as the runner does).
      const scheme = await rollPolicyYear(sql, await currentScheme(sql), now);
      const year = scheme.policy_year;
      await openAccount(sql, member.family_id, year);
      const account = await planOfAccount(sql, member.family_id, year);
      const plan = account?.plan ?? cashlessPlanYear(year);
      const isInNetworkHere = await isInNetwork(sql, plan, 'pharmacy', pharmacy.pharmacyId);
      const state = await lockAccumulators(sql, member.family_id, member.id, plan);
      const decision = decideCharge(plan, state, { coverage: 'pharmacy', amount, isCopayDue: true, isInNetwork: isInNetworkHere, isInWaitingPeriod: false });
      const grant = decision.planPart > 0 ? await reserveCover(sql, member.family_id, year, decision.planPart, true) : null;
      const paid = grant?.granted ?? 0;
      const uncoveredByCover = decision.planPart - paid;
      const notPaid = decision.notPaid + uncoveredByCover;
      const notPaidReason = decision.notPaidReason ?? (uncoveredByCover > 0 ? 'cover-used-up' : null);
      const id = randomUUID();
      await applyMovements(
        sql,
        { familyId: member.family_id, memberId: member.id, policyYear: year, planId: plan.planId, sourceKind: 'pharmacy-claim', sourceId: id, commandId: id },
        movementsOf(decision, paid, 'pharmacy'),
      );
      if (paid > 0)
        await sql.query(
          "INSERT INTO ledger (family_id, policy_year, case_id, component, delta, reason, command_id) VALUES ($1, $2, NULL, 'pharmacy', $3, 'pharmacy-claim', $4)",
          [member.family_id, year, paid, id],
        );
      const answer: PharmacyClaimAnswerValue = {
        claimId: body.claimId,
        status: 'paid',
        memberId: body.memberId,
        policyYear: year,
        planId: plan.planId,
        amount,
        planPays: paid,
        memberPays: amount - paid,
        costShare: { deductible: decision.deductible, coinsurance: decision.coinsurance, copay: decision.copay, total: decision.costShare },
        notPaid: { amount: notPaid, reason: notPaidReason },
        accumulators: await accumulatorEnquiry(sql, member.family_id, [member.id], year),
      };
      await sql.query(
        `INSERT INTO pharmacy_claims (id, pharmacy_id, claim_ref, request_hash, family_id, member_id, policy_year, plan_id, drug_code, quantity, unit_price, amount,
                                      deductible, coinsurance, copay, plan_paid, not_paid, not_paid_reason, status, answer)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, 'paid', $19)`,
        [
          id,
          pharmacy.pharmacyId,
          body.claimId,
          hash,
          member.family_id,
          member.id,
          year,
          plan.planId,
          body.drugCode,
          body.quantity,
          body.unitPrice,
          amount,
          decision.deductible,
          decision.coinsurance,
          decision.copay,
          paid,
          notPaid,
          notPaidReason,
          JSON.stringify(answer),
        ],
      );
      // Ids and amounts only (STYLE 13): never the member's name.
      await appendAudit(sql, {
        actorId: null,
        action: 'pharmacy-claim-paid',
        entityType: 'pharmacy-claim',
        entityId: id,
        after: {
          pharmacyId: pharmacy.pharmacyId,
          claimRef: body.claimId,
          familyId: member.family_id,
          amount,
          planPaid: paid,
          costShare: decision.costShare,
          notPaid,
        },
        commandId: id,
      });
      return { answer, isReplay: false, familyId: member.family_id };
    }),
  );
}

/**
 * The pharmacy reverses one of its claims (S5 step 8): exactly what the claim moved goes back —
 * the member's payment refunded, the plan's part returned to the family's cover, the accumulators
 * restored by reversing entries — whatever was claimed since (later claims are not re-adjudicated).
 * Reversing again answers the first reversal.
 */
export async function reversePharmacyClaim(db: Database, pharmacy: PharmacyPrincipal, claimRef: string): Promise<PharmacyOutcome<PharmacyReversalAnswerValue>> {
  return db.transaction(async (sql) => {
    const [claim] = await sql.query<{
      id: string;
      family_id: string;
      member_id: string;
      policy_year: number;
      plan_id: string | null;
      amount: number;
      plan_paid: number;
      status: string;
      reversal_answer: PharmacyReversalAnswerValue | null;
    }>(
      'SELECT id, family_id, member_id, policy_year, plan_id, amount, plan_paid, status, reversal_answer FROM pharmacy_claims WHERE pharmacy_id = $1 AND claim_ref = $2 FOR UPDATE',
      [pharmacy.pharmacyId, claimRef],
    );
    if (!claim) throw fail('not-found', `This pharmacy sent no claim ${claimRef}.`);
    if (claim.status === 'reversed' && claim.reversal_answer) return { answer: claim.reversal_answer, isReplay: true, familyId: null };
    await lockExistingAccumulators(sql, claim.family_id, claim.member_id, claim.policy_year);
    const moved = await movementsOfSource(sql, 'pharmacy-claim', claim.id);
    await applyMovements(
      sql,
      {
        familyId: claim.family_id,
        memberId: claim.member_id,
        policyYear: claim.policy_year,
        planId: claim.plan_id,
        sourceKind: 'pharmacy-reversal',
        sourceId: claim.id,
        commandId: claim.id,
      },
      moved.map((m) => ({ ...m, delta: -m.delta })),
    );
    if (claim.plan_paid > 0) {
      await releaseCover(sql, claim.family_id, claim.policy_year, claim.plan_paid);
      await sql.query(
        "INSERT INTO ledger (family_id, policy_year, case_id, component, delta, reason, command_id) VALUES ($1, $2, NULL, 'pharmacy', $3, 'pharmacy-reversal', $4)",
        [claim.family_id, claim.policy_year, -claim.plan_paid, claim.id],
      );
    }
    const answer: PharmacyReversalAnswerValue = {
      claimId: claimRef,
      status: 'reversed',
      refund: claim.amount - claim.plan_paid,
      planReturned: claim.plan_paid,
      accumulators: await accumulatorEnquiry(sql, claim.family_id, [claim.member_id], claim.policy_year),
    };
    await sql.query("UPDATE pharmacy_claims SET status = 'reversed', reversed_at = now(), reversal_answer = $2 WHERE id = $1", [
      claim.id,
      JSON.stringify(answer),
    ]);
    await appendAudit(sql, {
      actorId: null,
      action: 'pharmacy-claim-reversed',
      entityType: 'pharmacy-claim',
      entityId: claim.id,
      before: { status: 'paid', planPaid: claim.plan_paid },
      after: { status: 'reversed', refund: answer.refund, planReturned: answer.planReturned },
      commandId: claim.id,
    });
    return { answer, isReplay: false, familyId: claim.family_id };
  });
}
