/**
 * 024 — release the holds earlier releases stranded (issue 12 item 16, issue 24's leftovers). Before
 * those fixes a case discharged with nothing booked (none, or the only booking voided), or
 * cancelled, could keep an active hold that no command could ever release or claim: cover held
 * for nobody. The fixed commands release such holds; this repairs databases that already hold
 * some. Each is released as the command would: hold to 0 and 'released', the year's account given
 * the amount back, one ledger entry per hold (reason 'repair-stranded-hold', a fresh command id),
 * so committed = Σ ledger still holds. A discharged case with bookings or a claim is not touched.
 * Also: an empty hold left 'active' by a pre-auth rejected with nothing booked (issue 24 item 14)
 * is marked released, as rejecting does now; it holds no money, so no ledger entry.
 */
export const sql = /* sql */ `
WITH stranded AS (
  SELECT h.id, h.case_id, h.family_id, h.policy_year, h.amount
    FROM holds h JOIN cases c ON c.id = h.case_id
   WHERE h.status = 'active'
     AND (c.status = 'cancelled'
          OR (c.status = 'discharged'
              AND NOT EXISTS (SELECT 1 FROM bookings b WHERE b.case_id = c.id AND b.status = 'active')
              AND NOT EXISTS (SELECT 1 FROM claims k WHERE k.case_id = c.id)))
     FOR UPDATE OF h
),
released AS (
  UPDATE holds h SET amount = 0, consumed = 0, status = 'released', updated_at = now()
    FROM stranded s WHERE h.id = s.id
  RETURNING s.case_id, s.family_id, s.policy_year, s.amount
),
given_back AS (
  UPDATE family_years y SET committed = y.committed - r.total, last_change = -r.total, updated_at = now()
    FROM (SELECT family_id, policy_year, sum(amount) AS total FROM released GROUP BY family_id, policy_year) r
   WHERE y.family_id = r.family_id AND y.policy_year = r.policy_year
  RETURNING y.family_id
)
INSERT INTO ledger (family_id, policy_year, case_id, component, delta, reason, command_id)
  SELECT family_id, policy_year, case_id, 'hold', -amount, 'repair-stranded-hold', gen_random_uuid()
    FROM released WHERE amount > 0;

UPDATE holds h SET status = 'released', updated_at = now()
  FROM preauths p
 WHERE p.case_id = h.case_id AND p.status = 'rejected' AND h.status = 'active' AND h.amount = 0 AND h.consumed = 0;
`;
