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
  const ids = { hospital: randomUUID(), operator: randomUUID(), held: randomUUID(), claimed: randomUUID(), heldCase: randomUUID(), claimedCase: randomUUID() };
  const admittedAt = '2026-06-01T10:00:00.000Z';

  beforeAll(async () => {
    scratch = await createScratchDatabase(backend);
    await scratch.db.transaction(async (sql) => {
      await sql.query('CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())');
      for (const migration of migrations.filter((m) => m.version < 23)) {
        await sql.script(migration.sql);
        await sql.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [migration.version, migration.name]);
      }
      await sql.query("INSERT INTO schemes (id, name, policy_year, currency, locale, government_share_bp) VALUES ('S', 'Scheme', 2026, 'INR', 'en-IN', 6000)");
      await sql.query("INSERT INTO hospitals (id, code, name, district) VALUES ($1, 'H', 'Hospital', 'Pune')", [ids.hospital]);
      await sql.query("INSERT INTO operators (id, username, display_name, password_hash, roles, hospital_id) VALUES ($1, 'm', 'M', 'x', '{MEDCO}', $2)", [ids.operator, ids.hospital]);
      await sql.query("INSERT INTO packages (code, specialty, name) VALUES ('P', 'S', 'Package')");
      await sql.query("INSERT INTO package_prices (package_code, version, price) VALUES ('P', 1, 600000)");
      for (const [family, caseId, committed] of [[ids.held, ids.heldCase, 600_000], [ids.claimed, ids.claimedCase, 300_000]] as const) {
        const member = randomUUID();
        await sql.query("INSERT INTO families (id, scheme_id, family_number, cover, committed, registered_phone, district) VALUES ($1, 'S', $2, 1000000, $3, '+910000000000', 'Pune')", [family, `F-${family.slice(0, 8)}`, committed]);
        await sql.query("INSERT INTO members (id, family_id, scheme_member_id, full_name, birth_year, gender, relation) VALUES ($1, $2, $3, 'Name', 1980, 'M', 'head')", [member, family, `M-${member.slice(0, 8)}`]);
        await sql.query("INSERT INTO cases (id, member_id, family_id, hospital_id, status, identity_method, admitted_by, admitted_at) VALUES ($1, $2, $3, $4, 'discharged', 'fingerprint', $5, $6)", [caseId, member, family, ids.hospital, ids.operator, admittedAt]);
        await sql.query("INSERT INTO ledger (family_id, case_id, component, delta, reason, command_id) VALUES ($1, $2, 'hold', $3, 'preauth-hold', $4)", [family, caseId, committed, randomUUID()]);
      }
      await sql.query("INSERT INTO holds (id, case_id, family_id, amount, consumed, authorized, package_code, package_version, status) VALUES ($1, $2, $3, 600000, 0, 600000, 'P', 1, 'active')", [randomUUID(), ids.heldCase, ids.held]);
      await sql.query("INSERT INTO holds (id, case_id, family_id, amount, consumed, authorized, package_code, package_version, status) VALUES ($1, $2, $3, 300000, 300000, 300000, 'P', 1, 'claimed')", [randomUUID(), ids.claimedCase, ids.claimed]);
      await sql.query("INSERT INTO ledger (family_id, case_id, component, delta, reason, command_id) VALUES ($1, $2, 'hold', -300000, 'hold-to-claim', $3), ($1, $2, 'claim', 300000, 'claim-submitted', $3)", [ids.claimed, ids.claimedCase, randomUUID()]);
      await sql.query("INSERT INTO claims (id, case_id, family_id, hospital_id, amount, payer_amount, patient_amount, status) VALUES ($1, $2, $3, $4, 300000, 300000, 0, 'submitted')", [randomUUID(), ids.claimedCase, ids.claimed, ids.hospital]);
    });
    expect((await migrate(scratch.db)).applied).toContain(23);
  });
  afterAll(async () => scratch?.drop());

  it("moves each family's committed amount to its account of the open year", async () => {
    expect(await scratch.db.query('SELECT family_id, policy_year, cover::int, committed::int FROM family_years ORDER BY committed DESC')).toEqual([
      { family_id: ids.held, policy_year: 2026, cover: 1_000_000, committed: 600_000 },
      { family_id: ids.claimed, policy_year: 2026, cover: 1_000_000, committed: 300_000 },
    ]);
    const [column] = await scratch.db.query("SELECT count(*)::int AS count FROM information_schema.columns WHERE table_name = 'families' AND column_name IN ('committed', 'last_change')");
    expect(column).toEqual({ count: 0 });
  });

  it('puts existing cases, holds, claims and ledger entries in that year, and keeps the admission time as the receipt time', async () => {
    for (const table of ['cases', 'holds', 'claims', 'ledger']) {
      expect(await scratch.db.query(`SELECT DISTINCT policy_year FROM ${table}`), table).toEqual([{ policy_year: 2026 }]);
    }
    const cases = await scratch.db.query<{ admitted_at: Date; received_at: Date }>('SELECT admitted_at, received_at FROM cases');
    expect(cases.map((c) => [new Date(c.admitted_at).toISOString(), new Date(c.received_at).toISOString()])).toEqual([[admittedAt, admittedAt], [admittedAt, admittedAt]]);
  });

  it('still refuses, per account, a commitment beyond the cover', async () => {
    await expect(scratch.db.query('UPDATE family_years SET committed = cover + 1 WHERE family_id = $1', [ids.held])).rejects.toThrow(/committed_within_cover/);
  });
});
