import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachBackend } from '../testing/backends';
import { createScratchDatabase, type ScratchDatabase } from '../testing/databases';
import { migrate, migrations } from './migrate';

/**
 * Migration 023 on a database that already holds money (issue 24 item 10): every family's
 * committed amount moves to its account of the open policy year unchanged, and existing cases,
 * holds, claims and ledger entries belong to that year; the admission time becomes the receipt
 * time too. The append-only ledger is not rewritten (its trigger refuses UPDATE).
 */
describeEachBackend('migration 023 on a database with money in it (%s)', (backend) => {
  let scratch: ScratchDatabase;
  const ids = {
    hospital: randomUUID(),
    operator: randomUUID(),
    held: randomUUID(),
    claimed: randomUUID(),
    stranded: randomUUID(),
    heldCase: randomUUID(),
    claimedCase: randomUUID(),
    strandedCase: randomUUID(),
    rejectedCase: randomUUID(),
  };
  const admittedAt = '2026-06-01T10:00:00.000Z';

  beforeAll(async () => {
    scratch = await createScratchDatabase(backend);
    await scratch.db.transaction(async (sql) => {
      await sql.query(
        'CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())',
      );
      for (const migration of migrations.filter((m) => m.version < 23)) {
        await sql.script(migration.sql);
        await sql.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [migration.version, migration.name]);
      }
      await sql.query("INSERT INTO schemes (id, name, policy_year, currency, locale, government_share_bp) VALUES ('S', 'Scheme', 2026, 'INR', 'en-IN', 6000)");
      await sql.query("INSERT INTO hospitals (id, code, name, district) VALUES ($1, 'H', 'Hospital', 'Pune')", [ids.hospital]);
      await sql.query("INSERT INTO operators (id, username, display_name, password_hash, roles, hospital_id) VALUES ($1, 'm', 'M', 'x', '{MEDCO}', $2)", [
        ids.operator,
        ids.hospital,
      ]);
      await sql.query("INSERT INTO packages (code, specialty, name) VALUES ('P', 'S', 'Package')");
      await sql.query("INSERT INTO package_prices (package_code, version, price) VALUES ('P', 1, 600000)");
      for (const [family, caseId, committed, status] of [
        [ids.held, ids.heldCase, 600_000, 'admitted'],
        [ids.claimed, ids.claimedCase, 300_000, 'discharged'],
        [ids.stranded, ids.strandedCase, 400_000, 'discharged'],
      ] as const) {
        const member = randomUUID();
        await sql.query(
          "INSERT INTO families (id, scheme_id, family_number, cover, committed, registered_phone, district) VALUES ($1, 'S', $2, 1000000, $3, '+910000000000', 'Pune')",
          [family, `F-${family.slice(0, 8)}`, committed],
        );
        await sql.query(
          "INSERT INTO members (id, family_id, scheme_member_id, full_name, birth_year, gender, relation) VALUES ($1, $2, $3, 'Name', 1980, 'M', 'head')",
          [member, family, `M-${member.slice(0, 8)}`],
        );
        await sql.query(
          "INSERT INTO cases (id, member_id, family_id, hospital_id, status, identity_method, admitted_by, admitted_at) VALUES ($1, $2, $3, $4, $7, 'fingerprint', $5, $6)",
          [caseId, member, family, ids.hospital, ids.operator, admittedAt, status],
        );
        await sql.query("INSERT INTO ledger (family_id, case_id, component, delta, reason, command_id) VALUES ($1, $2, 'hold', $3, 'preauth-hold', $4)", [
          family,
          caseId,
          committed,
          randomUUID(),
        ]);
      }
      await sql.query(
        "INSERT INTO holds (id, case_id, family_id, amount, consumed, authorized, package_code, package_version, status) VALUES ($1, $2, $3, 600000, 0, 600000, 'P', 1, 'active')",
        [randomUUID(), ids.heldCase, ids.held],
      );
      await sql.query(
        "INSERT INTO holds (id, case_id, family_id, amount, consumed, authorized, package_code, package_version, status) VALUES ($1, $2, $3, 300000, 300000, 300000, 'P', 1, 'claimed')",
        [randomUUID(), ids.claimedCase, ids.claimed],
      );
      await sql.query(
        "INSERT INTO ledger (family_id, case_id, component, delta, reason, command_id) VALUES ($1, $2, 'hold', -300000, 'hold-to-claim', $3), ($1, $2, 'claim', 300000, 'claim-submitted', $3)",
        [ids.claimed, ids.claimedCase, randomUUID()],
      );
      await sql.query(
        "INSERT INTO claims (id, case_id, family_id, hospital_id, amount, payer_amount, patient_amount, status) VALUES ($1, $2, $3, $4, 300000, 300000, 0, 'submitted')",
        [randomUUID(), ids.claimedCase, ids.claimed, ids.hospital],
      );
      // Stranded by the old discharge: discharged with nothing booked, its hold still active (issue 12 item 16).
      await sql.query(
        "INSERT INTO holds (id, case_id, family_id, amount, consumed, authorized, package_code, package_version, status) VALUES ($1, $2, $3, 400000, 0, 400000, 'P', 1, 'active')",
        [randomUUID(), ids.strandedCase, ids.stranded],
      );
      // An empty hold left active by a rejected pre-auth (issue 24 item 14), on the held family's second member.
      const rejectedMember = randomUUID();
      await sql.query(
        "INSERT INTO members (id, family_id, scheme_member_id, full_name, birth_year, gender, relation) VALUES ($1, $2, $3, 'Name', 1982, 'F', 'spouse')",
        [rejectedMember, ids.held, `M-${rejectedMember.slice(0, 8)}`],
      );
      await sql.query(
        "INSERT INTO cases (id, member_id, family_id, hospital_id, status, identity_method, admitted_by, admitted_at) VALUES ($1, $2, $3, $4, 'admitted', 'fingerprint', $5, $6)",
        [ids.rejectedCase, rejectedMember, ids.held, ids.hospital, ids.operator, admittedAt],
      );
      await sql.query(
        "INSERT INTO preauths (id, case_id, package_code, package_version, package_price, requested_amount, status) VALUES ($1, $2, 'P', 1, 600000, 600000, 'rejected')",
        [randomUUID(), ids.rejectedCase],
      );
      await sql.query(
        "INSERT INTO holds (id, case_id, family_id, amount, consumed, authorized, package_code, package_version, status) VALUES ($1, $2, $3, 0, 0, 0, 'P', 1, 'active')",
        [randomUUID(), ids.rejectedCase, ids.held],
      );
    });
    expect((await migrate(scratch.db)).applied).toEqual(expect.arrayContaining([23, 24]));
  });
  afterAll(async () => scratch?.drop());

  it("moves each family's committed amount to its account of the open year", async () => {
    expect(await scratch.db.query('SELECT family_id, policy_year, cover::int, committed::int FROM family_years ORDER BY committed DESC')).toEqual([
      { family_id: ids.held, policy_year: 2026, cover: 1_000_000, committed: 600_000 },
      { family_id: ids.claimed, policy_year: 2026, cover: 1_000_000, committed: 300_000 },
      // Released by migration 024 (below).
      { family_id: ids.stranded, policy_year: 2026, cover: 1_000_000, committed: 0 },
    ]);
    const [column] = await scratch.db.query(
      "SELECT count(*)::int AS count FROM information_schema.columns WHERE table_name = 'families' AND column_name IN ('committed', 'last_change')",
    );
    expect(column).toEqual({ count: 0 });
  });

  it('puts existing cases, holds, claims and ledger entries in that year, and keeps the admission time as the receipt time', async () => {
    for (const table of ['cases', 'holds', 'claims', 'ledger']) {
      expect(await scratch.db.query(`SELECT DISTINCT policy_year FROM ${table}`), table).toEqual([{ policy_year: 2026 }]);
    }
    const cases = await scratch.db.query<{ admitted_at: Date; received_at: Date }>('SELECT admitted_at, received_at FROM cases');
    expect(cases.map((c) => [new Date(c.admitted_at).toISOString(), new Date(c.received_at).toISOString()])).toEqual(cases.map(() => [admittedAt, admittedAt]));
    expect(cases).toHaveLength(4);
  });

  it('024 releases a hold stranded on a case discharged with nothing booked, with its ledger entry, and touches no other', async () => {
    expect(await scratch.db.query('SELECT case_id, amount::int, status FROM holds ORDER BY amount DESC, case_id')).toEqual(
      expect.arrayContaining([
        { case_id: ids.heldCase, amount: 600_000, status: 'active' },
        { case_id: ids.claimedCase, amount: 300_000, status: 'claimed' },
        { case_id: ids.strandedCase, amount: 0, status: 'released' },
        { case_id: ids.rejectedCase, amount: 0, status: 'released' },
      ]),
    );
    expect(await scratch.db.query("SELECT case_id, delta::int, policy_year FROM ledger WHERE reason = 'repair-stranded-hold'")).toEqual([
      { case_id: ids.strandedCase, delta: -400_000, policy_year: 2026 },
    ]);
    const sums = await scratch.db.query<{ family_id: string; committed: number; ledger: number }>(
      'SELECT y.family_id, y.committed::int AS committed, (SELECT sum(delta)::int FROM ledger l WHERE l.family_id = y.family_id AND l.policy_year = y.policy_year) AS ledger FROM family_years y',
    );
    for (const row of sums) expect(row.committed, row.family_id).toBe(row.ledger);
  });

  it('still refuses, per account, a commitment beyond the cover', async () => {
    await expect(scratch.db.query('UPDATE family_years SET committed = cover + 1 WHERE family_id = $1', [ids.held])).rejects.toThrow(/committed_within_cover/);
  });
});
