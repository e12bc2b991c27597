import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decideCharge, noAccumulation, type PlanYear } from '@domain/plan-design';
import { demoIds, demoPlans } from '../demo/seed';
import { hasPostgres } from '../testing/databases';
import { startTestServer, type Answer, type TestServer } from '../testing/harness';
import { pharmacyClient, registerPharmacy } from '../testing/pharmacy';

const units = (n: number) => n * 100;
const plan: PlanYear = {
  planId: demoPlans.stateTopUp.id,
  policyYear: 0,
  familyDeductible: demoPlans.stateTopUp.familyDeductible,
  memberDeductible: null,
  coinsuranceBp: { medical: demoPlans.stateTopUp.coinsuranceMedicalBp, pharmacy: demoPlans.stateTopUp.coinsurancePharmacyBp },
  copayAdmission: 0,
  copayPrescription: 0,
  memberOutOfPocketMax: demoPlans.stateTopUp.memberOutOfPocketMax,
  familyOutOfPocketMax: demoPlans.stateTopUp.familyOutOfPocketMax,
  memberSubLimit: null,
  categoryLimit: { medical: null, pharmacy: null },
  isNetworkRestricted: false,
};
const cover = units(60_000);

interface Claim {
  readonly member: 0 | 1 | 2;
  readonly amount: number;
}

/** The sequential model: the claims and reversals applied one at a time in `order`. */
function model(order: readonly ({ kind: 'claim'; key: string; claim: Claim } | { kind: 'reversal'; key: string })[]) {
  const acc = { deductible: 0, oop: 0, committed: 0, members: [0, 0, 0], memberDeductible: [0, 0, 0] };
  const decided = new Map<string, { member: number; deductible: number; costShare: number; paid: number; memberPays: number }>();
  for (const step of order) {
    if (step.kind === 'claim') {
      const { member, amount } = step.claim;
      const d = decideCharge(
        plan,
        {
          ...noAccumulation,
          familyDeductibleMet: acc.deductible,
          familyOutOfPocket: acc.oop,
          memberOutOfPocket: acc.members[member]!,
          memberDeductibleMet: acc.memberDeductible[member]!,
        },
        { coverage: 'pharmacy', amount, isCopayDue: true, isInNetwork: true, isInWaitingPeriod: false },
      );
      const paid = Math.min(d.planPart, cover - acc.committed);
      acc.deductible += d.deductible;
      acc.memberDeductible[member]! += d.deductible;
      acc.oop += d.costShare;
      acc.members[member]! += d.costShare;
      acc.committed += paid;
      decided.set(step.key, { member, deductible: d.deductible, costShare: d.costShare, paid, memberPays: amount - paid });
    } else {
      const c = decided.get(step.key)!;
      acc.deductible -= c.deductible;
      acc.memberDeductible[c.member]! -= c.deductible;
      acc.oop -= c.costShare;
      acc.members[c.member]! -= c.costShare;
      acc.committed -= c.paid;
    }
  }
  return { acc, decided };
}

/**
 * Random interleavings of concurrent pharmacy claims and reversals on one family (real
 * PostgreSQL: a pool of connections, so the database decides the order) give exactly what the
 * sequential model gives in the order the database committed them (read back from the audit
 * log's order, written under the family's lock): every answer, and the accumulators and the cover
 * at the end. Claims of up to 15,000 on a cover of 60,000 reach the deductible, both maximums and
 * the end of the cover within a few steps.
 */
describe.skipIf(!hasPostgres)('accumulators under random interleavings equal a sequential model (PostgreSQL)', () => {
  let server: TestServer;
  let pharmacy: ReturnType<typeof pharmacyClient>;
  beforeAll(async () => {
    server = await startTestServer('postgres', { extraFamilies: 0 });
    pharmacy = pharmacyClient(server, (await registerPharmacy(server, 'PH-PROP')).credential);
  });
  afterAll(async () => server?.close());

  let run = 0;
  const newFamily = async () => {
    run += 1;
    const familyId = randomUUID();
    await server.scratch.db.query(
      "INSERT INTO families (id, scheme_id, family_number, cover, registered_phone, district, plan_id) VALUES ($1, $2, $3, $4, '+919800007777', 'Pune', $5)",
      [familyId, demoIds.schemeId, `FAM-P-${run}`, cover, demoPlans.stateTopUp.id],
    );
    const schemeIds = [0, 1, 2].map((m) => `PMJ-P${String(run).padStart(5, '0')}${m}`);
    for (const schemeId of schemeIds)
      await server.scratch.db.query(
        "INSERT INTO members (id, family_id, scheme_member_id, full_name, birth_year, gender, relation) VALUES ($1, $2, $3, 'Property Test', 1980, 'X', 'other')",
        [randomUUID(), familyId, schemeId],
      );
    return { familyId, schemeIds };
  };

  it('every answer and the end state are those of a sequential run in the commit order', async () => {
    const claim = fc.record({ member: fc.constantFrom<0 | 1 | 2>(0, 1, 2), amount: fc.integer({ min: 1, max: units(15_000) }) });
    await fc.assert(
      fc.asyncProperty(
        fc.array(claim, { minLength: 2, maxLength: 8 }),
        fc.array(claim, { maxLength: 5 }),
        fc.array(fc.nat(), { maxLength: 4 }),
        async (first, second, reversing) => {
          const { familyId, schemeIds } = await newFamily();
          const refs = new Map<string, Claim>();
          const send = (c: Claim) => {
            const ref = randomUUID();
            refs.set(ref, c);
            return pharmacy
              .claim({ claimId: ref, memberId: schemeIds[c.member]!, drugCode: 'RX-P', quantity: 1, unitPrice: c.amount })
              .then((a) => [ref, a] as const);
          };
          // Round 1: claims at once. Round 2: reversals of some of round 1's, with new claims, at once.
          const answers = new Map<string, Answer>(await Promise.all(first.map(send)));
          const firstRefs = [...answers.keys()];
          const reversed = [...new Set(reversing.map((n) => firstRefs[n % firstRefs.length]!))];
          const round2 = await Promise.all([...second.map(send), ...reversed.map((ref) => pharmacy.reverse(ref).then((a) => [`reversal:${ref}`, a] as const))]);
          for (const [key, answer] of round2) answers.set(key, answer);
          for (const [key, answer] of answers) expect(answer.status, `${key}: ${JSON.stringify(answer.body)}`).toBe(200);

          // The order the database decided them in: the audit entries, written under the family's lock.
          const order = await server.scratch.db.query<{ action: string; claim_ref: string }>(
            `SELECT a.action, p.claim_ref FROM audit_log a JOIN pharmacy_claims p ON p.id::text = a.entity_id
            WHERE p.family_id = $1 AND a.action IN ('pharmacy-claim-paid', 'pharmacy-claim-reversed') ORDER BY a.id`,
            [familyId],
          );
          const { acc, decided } = model(
            order.map((o) =>
              o.action === 'pharmacy-claim-paid'
                ? { kind: 'claim' as const, key: o.claim_ref, claim: refs.get(o.claim_ref)! }
                : { kind: 'reversal' as const, key: o.claim_ref },
            ),
          );
          for (const [ref, expected] of decided) {
            expect(answers.get(ref)?.body, ref).toMatchObject({ memberPays: expected.memberPays, planPays: expected.paid });
            if (answers.has(`reversal:${ref}`))
              expect(answers.get(`reversal:${ref}`)?.body).toMatchObject({ planReturned: expected.paid, refund: expected.memberPays });
          }
          const [state] = await server.scratch.db.query<{ deductible: number; oop: number; committed: number; members: number[] }>(
            `SELECT (SELECT medical + pharmacy FROM accumulator_totals WHERE holder_id = $1 AND kind = 'deductible') AS deductible,
                  (SELECT medical + pharmacy FROM accumulator_totals WHERE holder_id = $1 AND kind = 'out-of-pocket') AS oop,
                  (SELECT committed FROM family_years WHERE family_id = $1 AND policy_year = (SELECT policy_year FROM schemes WHERE is_current)) AS committed,
                  ARRAY(SELECT COALESCE((SELECT t.medical + t.pharmacy FROM accumulator_totals t WHERE t.member_id = m.id AND t.kind = 'out-of-pocket'), 0)::int
                          FROM members m WHERE m.family_id = $1 ORDER BY m.scheme_member_id) AS members`,
            [familyId],
          );
          expect(state).toEqual({ deductible: acc.deductible, oop: acc.oop, committed: acc.committed, members: acc.members });
          expect(acc.deductible).toBeLessThanOrEqual(plan.familyDeductible);
          expect(acc.oop).toBeLessThanOrEqual(plan.familyOutOfPocketMax!);
        },
      ),
      { numRuns: Number(process.env.PROPERTY_RUNS ?? 25), seed: 20_261_207 },
    );
  }, 600_000);
});
