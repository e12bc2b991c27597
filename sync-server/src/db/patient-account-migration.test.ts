import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachBackend } from '../testing/backends';
import { createScratchDatabase, type ScratchDatabase } from '../testing/databases';
import type { Sql } from './database';
import { migrate, migrations } from './migrate';

/**
 * Migration 034 on a database with a history (issue 14): shares written before migration 011 —
 * the double count, a pre-auth's shortfall of 1,000 and then the same 1,000 again as booking
 * shortfall — 011's reversal, later booking shortfalls, a void and a shortfall covered later.
 * After 034 each case's account holds exactly what its active bookings leave uncovered, once.
 */
describeEachBackend('migration 034: one patient account per case (%s)', (backend) => {
  let scratch: ScratchDatabase;
  const ids = {
    hospital: randomUUID(),
    operator: randomUUID(),
    family: randomUUID(),
    mother: randomUUID(),
    son: randomUUID(),
    motherCase: randomUUID(),
    sonCase: randomUUID(),
    motherBooking: randomUUID(),
    sonVoided: randomUUID(),
    sonCovered: randomUUID(),
  };

  async function applyMigrations(sql: Sql, below: number, from = 0): Promise<void> {
    for (const migration of migrations.filter((m) => m.version >= from && m.version < below)) {
      await sql.script(migration.sql);
      await sql.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [migration.version, migration.name]);
    }
  }

  async function share(sql: Sql, memberId: string, caseId: string, bookingId: string | null, kind: string, amount: number): Promise<void> {
    await sql.query('INSERT INTO patient_shares (family_id, member_id, case_id, booking_id, kind, amount, command_id) VALUES ($1, $2, $3, $4, $5, $6, $7)', [
      ids.family,
      memberId,
      caseId,
      bookingId,
      kind,
      amount,
      randomUUID(),
    ]);
  }

  async function booking(sql: Sql, id: string, caseId: string, covered: number, shortfall: number, status: 'active' | 'voided'): Promise<void> {
    await sql.query(
      `INSERT INTO bookings (id, case_id, family_id, item_code, description, quantity, unit_price, amount, covered_amount, shortfall_amount, package_code, package_version, status, created_by)
       VALUES ($1, $2, $3, 'X', 'Item', 1, $4, $4, $5, $6, 'P', 1, $7, $8)`,
      [id, caseId, ids.family, covered + shortfall, covered, shortfall, status, ids.operator],
    );
  }

  beforeAll(async () => {
    scratch = await createScratchDatabase(backend);
    await scratch.db.transaction(async (sql) => {
      await sql.query(
        'CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())',
      );
      // Before 011: request-preauth still wrote its shortfall as a share.
      await applyMigrations(sql, 11);
      await sql.query("INSERT INTO schemes (id, name, policy_year, currency, locale, government_share_bp) VALUES ('S', 'Scheme', 2026, 'INR', 'en-IN', 6000)");
      await sql.query("INSERT INTO hospitals (id, code, name, district) VALUES ($1, 'H', 'Hospital', 'Pune')", [ids.hospital]);
      await sql.query("INSERT INTO operators (id, username, display_name, password_hash, roles, hospital_id) VALUES ($1, 'm', 'M', 'x', '{MEDCO}', $2)", [
        ids.operator,
        ids.hospital,
      ]);
      await sql.query("INSERT INTO packages (code, specialty, name) VALUES ('P', 'S', 'Package')");
      await sql.query("INSERT INTO package_prices (package_code, version, price) VALUES ('P', 1, 500000)");
      await sql.query(
        "INSERT INTO families (id, scheme_id, family_number, cover, committed, registered_phone, district) VALUES ($1, 'S', 'F-1', 1000000, 0, '+910000000000', 'Pune')",
        [ids.family],
      );
      for (const [member, caseId] of [
        [ids.mother, ids.motherCase],
        [ids.son, ids.sonCase],
      ] as const) {
        await sql.query(
          "INSERT INTO members (id, family_id, scheme_member_id, full_name, birth_year, gender, relation) VALUES ($1, $2, $3, 'Name', 1980, 'F', 'spouse')",
          [member, ids.family, `M-${member.slice(0, 8)}`],
        );
        await sql.query(
          "INSERT INTO cases (id, member_id, family_id, hospital_id, status, identity_method, admitted_by, admitted_at) VALUES ($1, $2, $3, $4, 'admitted', 'fingerprint', $5, now())",
          [caseId, member, ids.family, ids.hospital, ids.operator],
        );
      }
      // S1 step 2 as it was recorded before 011: 1,000 at the pre-auth, and 1,000 again at booking.
      await share(sql, ids.mother, ids.motherCase, null, 'preauth-shortfall', 100_000);
      await booking(sql, ids.motherBooking, ids.motherCase, 400_000, 100_000, 'active');
      await share(sql, ids.mother, ids.motherCase, ids.motherBooking, 'booking-shortfall', 100_000);
      // 011 reverses the pre-auth shortfalls and forbids new ones.
      await applyMigrations(sql, 34, 11);
      // The son: a booking with 300 short then voided, and one with 700 short of which 200 was covered later.
      await booking(sql, ids.sonVoided, ids.sonCase, 0, 30_000, 'voided');
      await share(sql, ids.son, ids.sonCase, ids.sonVoided, 'booking-shortfall', 30_000);
      await share(sql, ids.son, ids.sonCase, ids.sonVoided, 'booking-shortfall', -30_000);
      await booking(sql, ids.sonCovered, ids.sonCase, 20_000, 50_000, 'active');
      await share(sql, ids.son, ids.sonCase, ids.sonCovered, 'booking-shortfall', 70_000);
      await share(sql, ids.son, ids.sonCase, ids.sonCovered, 'booking-shortfall', -20_000);
      const [before] = await sql.query<{ total: number }>('SELECT sum(amount)::bigint AS total FROM patient_shares WHERE member_id = $1', [ids.mother]);
      expect(before?.total).toBe(100_000); // 011 had already netted the pre-auth pair to zero
    });
    expect((await migrate(scratch.db)).applied).toContain(34);
  });

  afterAll(async () => {
    await scratch?.drop();
  });

  it('carries every booking shortfall over once, and not the pre-auth shortfalls nor their reversals', async () => {
    const rows = await scratch.db.query<{ case_id: string; kind: string; amount: number; source_kind: string; booking_id: string | null; policy_year: number }>(
      'SELECT case_id, kind, amount, source_kind, booking_id, policy_year FROM patient_charges ORDER BY id',
    );
    expect(rows).toEqual([
      { case_id: ids.motherCase, kind: 'shortfall', amount: 100_000, source_kind: 'patient-share', booking_id: ids.motherBooking, policy_year: 2026 },
      { case_id: ids.sonCase, kind: 'shortfall', amount: 30_000, source_kind: 'patient-share', booking_id: ids.sonVoided, policy_year: 2026 },
      { case_id: ids.sonCase, kind: 'shortfall', amount: -30_000, source_kind: 'patient-share', booking_id: ids.sonVoided, policy_year: 2026 },
      { case_id: ids.sonCase, kind: 'shortfall', amount: 70_000, source_kind: 'patient-share', booking_id: ids.sonCovered, policy_year: 2026 },
      { case_id: ids.sonCase, kind: 'shortfall', amount: -20_000, source_kind: 'patient-share', booking_id: ids.sonCovered, policy_year: 2026 },
    ]);
  });

  it("each case's account equals what its active bookings leave uncovered", async () => {
    const mismatches = await scratch.db.query(
      `SELECT c.id,
              COALESCE((SELECT sum(amount) FROM patient_charges p WHERE p.case_id = c.id), 0)::bigint AS owed,
              COALESCE((SELECT sum(shortfall_amount) FROM bookings b WHERE b.case_id = c.id AND b.status = 'active'), 0)::bigint AS uncovered
         FROM cases c
        WHERE COALESCE((SELECT sum(amount) FROM patient_charges p WHERE p.case_id = c.id), 0)
              <> COALESCE((SELECT sum(shortfall_amount) FROM bookings b WHERE b.case_id = c.id AND b.status = 'active'), 0)`,
    );
    expect(mismatches).toEqual([]);
  });

  it('patient_shares is gone: nothing can write the old account', async () => {
    const [row] = await scratch.db.query<{ name: string | null }>("SELECT to_regclass('patient_shares')::text AS name");
    expect(row?.name).toBeNull();
  });

  it('the account is append-only and charges one source once per kind and line', async () => {
    const db = scratch.db;
    await expect(db.query('UPDATE patient_charges SET amount = amount + 1 WHERE id = (SELECT min(id) FROM patient_charges)')).rejects.toThrow(
      /patient_charges is append-only/,
    );
    await expect(db.query('DELETE FROM patient_charges WHERE id = (SELECT min(id) FROM patient_charges)')).rejects.toThrow(/patient_charges is append-only/);
    // Since 043 a plain TRUNCATE is stopped first by secondary_claim_withdrawals' foreign key; with
    // CASCADE it reaches the append-only triggers (each table's refuses it).
    await expect(db.query('TRUNCATE patient_charges')).rejects.toThrow(
      /patient_charges is append-only: TRUNCATE is refused|cannot truncate a table referenced in a foreign key constraint/,
    );
    await expect(db.query('TRUNCATE patient_charges CASCADE')).rejects.toThrow(
      /(patient_charges|secondary_claim_withdrawals) is append-only: TRUNCATE is refused/,
    );
    const source = randomUUID();
    await db.transaction(async (sql) => {
      await sql.query('SAVEPOINT s');
      await sql.query(
        `INSERT INTO patient_charges (case_id, family_id, member_id, policy_year, kind, amount, booking_id, source_kind, source_id, command_id)
         VALUES ($1, $2, $3, 2026, 'shortfall', 5000, $4, 'booking', $5, $6)`,
        [ids.sonCase, ids.family, ids.son, ids.sonCovered, source, randomUUID()],
      );
      await expect(
        sql.query(
          `INSERT INTO patient_charges (case_id, family_id, member_id, policy_year, kind, amount, booking_id, source_kind, source_id, command_id)
           VALUES ($1, $2, $3, 2026, 'shortfall', 5000, $4, 'booking', $5, $6)`,
          [ids.sonCase, ids.family, ids.son, ids.sonCovered, source, randomUUID()],
        ),
      ).rejects.toThrow(/patient_charges_once_per_source/);
      await sql.query('ROLLBACK TO SAVEPOINT s');
      // A kind outside the list is refused by its CHECK.
      await sql.query('SAVEPOINT k');
      await expect(
        sql.query(
          `INSERT INTO patient_charges (case_id, family_id, member_id, policy_year, kind, amount, booking_id, source_kind, source_id, command_id)
           VALUES ($1, $2, $3, 2026, 'tip', 5000, $4, 'booking', $5, $6)`,
          [ids.sonCase, ids.family, ids.son, ids.sonCovered, randomUUID(), randomUUID()],
        ),
      ).rejects.toThrow(/patient_charges_kind_check/);
      await sql.query('ROLLBACK TO SAVEPOINT k');
    });
    const [count] = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM patient_charges');
    expect(count?.n).toBe(5);
  });

  it('the runtime role may add entries but not change or remove them', async () => {
    const rows = await scratch.db.query<{ privilege_type: string }>(
      "SELECT privilege_type FROM information_schema.role_table_grants WHERE grantee = 'coverdesk_runtime' AND table_name = 'patient_charges' ORDER BY privilege_type",
    );
    expect(rows.map((r) => r.privilege_type)).toEqual(['INSERT', 'SELECT']);
  });
});
