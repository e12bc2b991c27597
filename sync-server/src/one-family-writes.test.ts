import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoIds } from './demo/seed';
import { hasPostgres } from './testing/databases';
import { resultOf, startTestServer, type Answer, type TestServer } from './testing/harness';
import { pharmacyClient, registerPharmacy } from './testing/pharmacy';

const units = (n: number) => n * 100; // the demo scheme counts paise

/**
 * Every money table, and how a row of it names its family: its own `family_id`, or its case's or
 * its claim's (found by a join). `payments` is not here: a payment is a hospital's, not a
 * family's (docs/scale.md says how it shards).
 */
const moneyTables: Readonly<Record<string, 'family_id' | 'case_id' | 'claim_id'>> = {
  family_years: 'family_id',
  cases: 'family_id',
  holds: 'family_id',
  bookings: 'family_id',
  claims: 'family_id',
  ledger: 'family_id',
  accumulator_entries: 'family_id',
  accumulator_totals: 'family_id',
  patient_charges: 'family_id',
  patient_payments: 'family_id',
  pharmacy_claims: 'family_id',
  preauths: 'case_id',
  enhancements: 'case_id',
  patient_accounts: 'case_id',
  secondary_claims: 'case_id',
  secondary_claim_decisions: 'case_id',
  secondary_claim_remittances: 'case_id',
  secondary_claim_withdrawals: 'case_id',
  claim_lines: 'claim_id',
  payment_ledger: 'claim_id',
};

/**
 * The rule, as a test fixture in the scratch database only (never a product migration): after
 * every row written to a money table, the family it belongs to (before and after an UPDATE) is
 * kept in a transaction-local setting; a second, different family in the same transaction raises,
 * so the command fails. Every write is also logged with its transaction, so the test can show the
 * rule saw the command paths' writes (and a rule that saw nothing cannot pass).
 */
const guardSql = `
CREATE TABLE one_family_test_writes (txid xid8 NOT NULL DEFAULT pg_current_xact_id(), table_name text NOT NULL, family_id text NOT NULL);
GRANT INSERT, SELECT ON one_family_test_writes TO PUBLIC;
CREATE FUNCTION one_family_test_guard() RETURNS trigger LANGUAGE plpgsql AS $guard$
DECLARE
  images jsonb[] := ARRAY[CASE WHEN TG_OP = 'DELETE' THEN NULL ELSE to_jsonb(NEW) END, CASE WHEN TG_OP = 'INSERT' THEN NULL ELSE to_jsonb(OLD) END];
  image jsonb;
  family text;
  seen text;
BEGIN
  FOREACH image IN ARRAY images LOOP
    CONTINUE WHEN image IS NULL;
    family := CASE TG_ARGV[0]
      WHEN 'family_id' THEN image->>'family_id'
      WHEN 'case_id' THEN (SELECT c.family_id::text FROM cases c WHERE c.id = (image->>'case_id')::uuid)
      WHEN 'claim_id' THEN (SELECT c.family_id::text FROM claims c WHERE c.id = (image->>'claim_id')::uuid)
    END;
    IF family IS NULL THEN
      RAISE EXCEPTION 'one-family rule: a % row whose family cannot be found', TG_TABLE_NAME;
    END IF;
    seen := current_setting('coverdesk.test_family', true);
    IF seen IS NULL OR seen = '' THEN
      PERFORM set_config('coverdesk.test_family', family, true);
    ELSIF seen <> family THEN
      RAISE EXCEPTION 'one-family rule: % writes family % in a transaction that wrote family %', TG_TABLE_NAME, family, seen;
    END IF;
    INSERT INTO one_family_test_writes (table_name, family_id) VALUES (TG_TABLE_NAME, family);
  END LOOP;
  RETURN NULL;
END
$guard$;
${Object.entries(moneyTables)
  .map(
    ([table, by]) =>
      `CREATE TRIGGER one_family_test_guard AFTER INSERT OR UPDATE OR DELETE ON ${table} FOR EACH ROW EXECUTE FUNCTION one_family_test_guard('${by}');`,
  )
  .join('\n')}
`;

/**
 * The claim docs/scale.md rests on (issue 18): every transaction that changes money changes one
 * family's rows only, so the day the database is sharded by family (Citus) each such transaction
 * stays on one shard. Real command paths, through the server, with the rule above installed;
 * the one command that writes several families at once (a payment batch across families) is
 * shown to be exactly that, and a deliberate two-family transaction shows the rule can fire.
 */
// Both implementations of add-booking: the one statement (add_booking_decision) and the handler.
for (const via of ['database', 'handler'] as const)
  describe.skipIf(!hasPostgres)(
    `one family per money transaction, add-booking by the ${via} (${hasPostgres ? 'postgres' : 'postgres: skipped, DATABASE_URL is not set'})`,
    () => {
      let server: TestServer;
      let medcoA = '',
        medcoB = '',
        ppd = '',
        cex = '',
        cpd = '',
        aco = '';
      const answers: { step: string; answer: Answer }[] = [];
      /** Send a command, keep its answer (every answer is checked for the rule's refusal at the end), return its result. */
      const run = async (step: string, answer: Promise<Answer>) => {
        const settled = await answer;
        answers.push({ step, answer: settled });
        return resultOf(settled);
      };
      const book = (token: string, caseId: string, amount: number, bookingId = randomUUID()) =>
        run(
          `add-booking ${amount}`,
          server.command(token, 'add-booking', { bookingId, caseId, itemCode: 'SVC', description: 'Service', quantity: 1, unitPrice: units(amount) }),
        );
      /** Admit, pre-auth, approve, book, discharge, claim, process and verify: a claim ready to pay. */
      const approvedClaim = async (desk: string, memberId: string, packageCode: string, amounts: number[]) => {
        const caseId = randomUUID();
        await run('admit', server.command(desk, 'admit', { caseId, memberId, identityMethod: 'fingerprint' }));
        await run('request-preauth', server.command(desk, 'request-preauth', { caseId, packageCode }));
        await run('decide-preauth', server.command(ppd, 'decide-preauth', { caseId, decision: 'approve' }));
        const bookings: string[] = [];
        for (const amount of amounts) {
          const bookingId = randomUUID();
          bookings.push(bookingId);
          await book(desk, caseId, amount, bookingId);
        }
        await run('discharge', server.command(desk, 'discharge', { caseId }));
        const claimId = randomUUID();
        const total = amounts.reduce((sum, amount) => sum + units(amount), 0);
        await run('submit-claim', server.command(desk, 'submit-claim', { claimId, caseId, amount: total }));
        const lines = bookings.map((bookingId) => ({ bookingId, decision: 'full' as const }));
        await run('process-claim', server.command(cex, 'process-claim', { claimId, lines }));
        await run('verify-claim', server.command(cpd, 'verify-claim', { claimId, lines }));
        return { caseId, claimId };
      };

      beforeAll(async () => {
        server = await startTestServer('postgres', { extraFamilies: 2, addBookingVia: via });
        await server.scratch.db.query(guardSql);
        const tokens = await Promise.all(['medco.a', 'medco.b', 'ppd', 'cex', 'cpd', 'aco'].map((name) => server.login(name)));
        [medcoA, medcoB, ppd, cex, cpd, aco] = tokens as [string, string, string, string, string, string];
      });
      afterAll(async () => server?.close());

      it('the rule fires: a deliberate write of two families in one transaction is refused, and one family twice is not', async () => {
        const twoFamilies = server.scratch.db.transaction(async (sql) => {
          await sql.query('UPDATE family_years SET updated_at = now() WHERE family_id = $1', [demoIds.seedFamily]);
          await sql.query('UPDATE family_years SET updated_at = now() WHERE family_id = $1', [demoIds.s5Family]);
        });
        await expect(twoFamilies).rejects.toThrow(/one-family rule: family_years writes family .* in a transaction that wrote family/);
        // One family in several statements and tables of one transaction is what every command does.
        await server.scratch.db.transaction(async (sql) => {
          await sql.query('UPDATE family_years SET updated_at = now() WHERE family_id = $1', [demoIds.seedFamily]);
          await sql.query('UPDATE family_years SET updated_at = now() WHERE family_id = $1', [demoIds.seedFamily]);
        });
        // And the setting is the transaction's own: the next transaction may write another family.
        await server.scratch.db.query('UPDATE family_years SET updated_at = now() WHERE family_id = $1', [demoIds.s5Family]);
      });

      it('S1 through the server: admissions, pre-auths, bookings, a refusal, claim, adjudication and payment', async () => {
        const fatherCase = randomUUID();
        const motherCase = randomUUID();
        await run('identify', server.command(medcoA, 'identify-member', { by: 'scheme-id', value: 'PMJ-S1000001' }));
        await run('admit father', server.command(medcoA, 'admit', { caseId: fatherCase, memberId: demoIds.father, identityMethod: 'fingerprint' }));
        await run('preauth father', server.command(medcoA, 'request-preauth', { caseId: fatherCase, packageCode: 'MG012A' }));
        await run('identify at B', server.command(medcoB, 'identify-member', { by: 'scheme-id', value: 'PMJ-S1000002' }));
        await run('admit mother', server.command(medcoB, 'admit', { caseId: motherCase, memberId: demoIds.mother, identityMethod: 'face' }));
        await run('preauth mother', server.command(medcoB, 'request-preauth', { caseId: motherCase, packageCode: 'MG006A' }));
        const refused = await server.command(medcoB, 'admit', { caseId: randomUUID(), memberId: demoIds.father, identityMethod: 'fingerprint' });
        expect(refused.status).toBe(409);
        await run('approve father', server.command(ppd, 'decide-preauth', { caseId: fatherCase, decision: 'approve' }));
        await run('approve mother', server.command(ppd, 'decide-preauth', { caseId: motherCase, decision: 'approve' }));
        const bookings = [randomUUID(), randomUUID(), randomUUID()];
        for (const [index, amount] of [2500, 3000, 500].entries()) await book(medcoA, fatherCase, amount, bookings[index]);
        await run('discharge', server.command(medcoA, 'discharge', { caseId: fatherCase }));
        const claimId = randomUUID();
        await run('submit-claim', server.command(medcoA, 'submit-claim', { claimId, caseId: fatherCase, amount: units(6000) }));
        const lines = [
          { bookingId: bookings[0]!, decision: 'full' as const },
          { bookingId: bookings[1]!, decision: 'partial' as const, approvedAmount: units(2500), reasonCode: 'tariff-exceeded' as const },
          { bookingId: bookings[2]!, decision: 'full' as const },
        ];
        await run('process-claim', server.command(cex, 'process-claim', { claimId, lines }));
        expect(await run('verify-claim', server.command(cpd, 'verify-claim', { claimId, lines }))).toMatchObject({ returnedToCover: units(500) });
        expect(await run('approve-payment', server.command(aco, 'approve-payment', { paymentId: randomUUID(), claimIds: [claimId] }))).toMatchObject({
          amount: units(5500),
        });

        // The mother's bill: a shortfall charge, paid in part, a booking voided (the reversal), the credit refunded.
        const motherBooking = randomUUID();
        await book(medcoB, motherCase, 5000, motherBooking);
        await run(
          'take-payment',
          server.raw('POST', '/commands/take-payment', {
            token: medcoB,
            payload: { commandId: randomUUID(), paymentId: randomUUID(), caseId: motherCase, amount: units(400), method: 'cash' },
          }),
        );
        await run('void-booking', server.command(medcoB, 'void-booking', { bookingId: motherBooking, reason: 'Entered on the wrong case' }));
        await run(
          'refund-payment',
          server.raw('POST', '/commands/refund-payment', {
            token: medcoB,
            payload: { commandId: randomUUID(), refundId: randomUUID(), caseId: motherCase, amount: units(400), method: 'cash', reason: 'Booking voided' },
          }),
        );
        await run('cancel-case', server.command(medcoB, 'cancel-case', { caseId: motherCase, reason: 'Transferred' }));
      });

      it('S5 through the server: cost-shared bookings and pharmacy claims move accumulators of one family, a reversal too', async () => {
        const pharmacy = pharmacyClient(server, (await registerPharmacy(server)).credential);
        const rx = (scheme: string, amount: number, claimId = randomUUID()) => ({
          claimId,
          memberId: scheme,
          drugCode: 'RX-ATORVA-10',
          quantity: 1,
          unitPrice: units(amount),
        });
        await run('pharmacy claim', pharmacy.claim(rx('PMJ-S5000001', 2000)));
        const caseId = randomUUID();
        await run('admit S5 father', server.command(medcoA, 'admit', { caseId, memberId: demoIds.s5Father, identityMethod: 'fingerprint' }));
        await run('preauth S5 father', server.command(medcoA, 'request-preauth', { caseId, packageCode: 'MC024A' }));
        await book(medcoA, caseId, 25_000);
        await book(medcoA, caseId, 15_000);
        const reversed = randomUUID();
        await run('pharmacy claim 2', pharmacy.claim(rx('PMJ-S5000003', 10_000, reversed)));
        await run('pharmacy reversal', pharmacy.reverse(reversed));
      });

      it('a payment batch of one family passes; across two families it is the one multi-family write, as docs/scale.md says', async () => {
        // Two families of the generated ones (not S1's, whose cover S1 spent): a member each, identified at desk A.
        const members = await server.scratch.db.query<{ id: string; scheme_member_id: string }>(
          `SELECT DISTINCT ON (m.family_id) m.id, m.scheme_member_id FROM members m
        WHERE m.family_id NOT IN ($1, $2) ORDER BY m.family_id, m.id LIMIT 2`,
          [demoIds.seedFamily, demoIds.s5Family],
        );
        expect(members).toHaveLength(2);
        const claims: { claimId: string }[] = [];
        for (const member of members) {
          await run('identify', server.command(medcoA, 'identify-member', { by: 'scheme-id', value: member.scheme_member_id }));
          claims.push(await approvedClaim(medcoA, member.id, 'MG006A', [1000]));
        }
        const [first, second] = [claims[0]!, claims[1]!];
        const across = await server.command(aco, 'approve-payment', { paymentId: randomUUID(), claimIds: [first.claimId, second.claimId] });
        // Refused by the rule (a server error: the trigger raised), so nothing of it is written.
        expect(across.status).toBe(500);
        const [paid] = await server.scratch.db.query<{ n: number }>("SELECT count(*)::int AS n FROM claims WHERE id = ANY($1::uuid[]) AND status = 'paid'", [
          [first.claimId, second.claimId],
        ]);
        expect(paid?.n).toBe(0);
        // One payment per family: both pass.
        for (const { claimId } of [first, second])
          await run('approve-payment', server.command(aco, 'approve-payment', { paymentId: randomUUID(), claimIds: [claimId] }));
      });

      it('every money transaction of the command paths above wrote one family, and the rule saw them all', async () => {
        // Across two tables, one family found by a join (a pre-auth names its case, the case its family).
        await expect(
          server.scratch.db.transaction(async (sql) => {
            await sql.query('UPDATE family_years SET updated_at = now() WHERE family_id = $1', [demoIds.s5Family]);
            await sql.query('UPDATE preauths SET package_code = package_code WHERE case_id IN (SELECT id FROM cases WHERE family_id = $1)', [
              demoIds.seedFamily,
            ]);
          }),
        ).rejects.toThrow(/one-family rule: preauths writes family/);
        expect(answers.filter(({ answer }) => answer.status >= 500).map(({ step, answer }) => `${step}: ${JSON.stringify(answer.body)}`)).toEqual([]);
        const perTransaction = await server.scratch.db.query<{ families: number }>(
          'SELECT count(DISTINCT family_id)::int AS families FROM one_family_test_writes GROUP BY txid',
        );
        expect(perTransaction.length).toBeGreaterThan(40);
        expect(perTransaction.filter((row) => row.families !== 1)).toEqual([]);
        // The writes seen cover every kind of money row the walks make.
        const tables = (await server.scratch.db.query<{ table_name: string }>('SELECT DISTINCT table_name FROM one_family_test_writes ORDER BY 1')).map(
          (row) => row.table_name,
        );
        expect(tables).toEqual(
          expect.arrayContaining([
            'accumulator_entries',
            'accumulator_totals',
            'bookings',
            'cases',
            'claim_lines',
            'claims',
            'family_years',
            'holds',
            'ledger',
            'patient_accounts',
            'patient_charges',
            'patient_payments',
            'payment_ledger',
            'pharmacy_claims',
            'preauths',
          ]),
        );
      });
    },
  );
