/**
 * 045 — revenue-cycle measures kept as incremental aggregates (issue 15; definitions in
 * sync-server/docs/kpis.md, why this design and not summary tables refreshed on a timer).
 *
 * Every money event a measure counts — a claim submitted, verified by CPD (approved, part-approved,
 * denied), paid; a patient charged or settling — is written as a DELTA row by a trigger, in the
 * transaction of the command that caused it. Deltas are insert-only: no command ever waits for
 * another on a shared counter row, and no two commands can deadlock over aggregate rows locked in
 * different orders (an approve-payment paying claims of many packages, say). One folder at a time
 * (`kpi_fold()`, an advisory lock; the server runs it every few seconds, src/kpis/fold.ts) moves the
 * deltas into the fact tables in one statement per table, adding them up at four grains: hospital
 * and package, hospital, package, all (GROUPING SETS: a NULL hospital or package is "all"). A
 * report reads facts + the deltas not yet folded in one snapshot, so it is exact at every instant,
 * and its cost is bounded by months × hospitals × packages it selects, not by the number of cases.
 *
 * - `kpi_month` by the month of the event (scheme time zone): claims submitted (charges), verified
 *   (adjudicated, denied, disallowed, contractual, clean, reworked), paid; cohort figures by the
 *   claim's submission month (paid, contractual); the patient's account by the case's admission
 *   month (charged, settled).
 * - `kpi_receivables` by submission day and event month: a claim adds its payer amount on the day
 *   it is submitted and takes away what is disallowed and what is paid in the month that happens,
 *   so the open receivables of any month end (or now), aged by whole days since submission, are a
 *   sum over rows with event month ≤ that month.
 * - `kpi_disallowed` by month of verification and CPD reason code: lines disallowed and amounts.
 *
 * The package of a claim or a patient account is its case's pre-auth package ('' when none).
 */
const values = `
  submitted_claims bigint NOT NULL DEFAULT 0,
  submitted_amount bigint NOT NULL DEFAULT 0,
  adjudicated_claims bigint NOT NULL DEFAULT 0,
  adjudicated_amount bigint NOT NULL DEFAULT 0,
  denied_claims bigint NOT NULL DEFAULT 0,
  disallowed_amount bigint NOT NULL DEFAULT 0,
  contractual_amount bigint NOT NULL DEFAULT 0,
  clean_claims bigint NOT NULL DEFAULT 0,
  reworked_claims bigint NOT NULL DEFAULT 0,
  paid_claims bigint NOT NULL DEFAULT 0,
  paid_amount bigint NOT NULL DEFAULT 0,
  cohort_paid_amount bigint NOT NULL DEFAULT 0,
  cohort_contractual_amount bigint NOT NULL DEFAULT 0,
  patient_charged bigint NOT NULL DEFAULT 0,
  patient_settled bigint NOT NULL DEFAULT 0`;

const monthColumns = [
  'submitted_claims',
  'submitted_amount',
  'adjudicated_claims',
  'adjudicated_amount',
  'denied_claims',
  'disallowed_amount',
  'contractual_amount',
  'clean_claims',
  'reworked_claims',
  'paid_claims',
  'paid_amount',
  'cohort_paid_amount',
  'cohort_contractual_amount',
  'patient_charged',
  'patient_settled',
];
const sums = monthColumns.map((c) => `sum(${c})`).join(', ');
const adds = monthColumns.map((c) => `${c} = kpi_month.${c} + EXCLUDED.${c}`).join(', ');

export const sql = /* sql */ `
CREATE TABLE kpi_month (
  month date NOT NULL,
  hospital_id uuid,
  package_code text,
  ${values},
  -- Keyed selection first (a NULL is "all"), then the months: a report reads one prefix per grain.
  CONSTRAINT kpi_month_key UNIQUE NULLS NOT DISTINCT (hospital_id, package_code, month)
);
-- The by-hospital breakdown (every hospital, all packages).
CREATE INDEX kpi_month_by_package ON kpi_month (package_code, hospital_id, month);
CREATE TABLE kpi_month_deltas (
  id bigserial PRIMARY KEY,
  month date NOT NULL,
  hospital_id uuid NOT NULL,
  package_code text NOT NULL,
  ${values}
);

CREATE TABLE kpi_receivables (
  submitted_on date NOT NULL,
  month date NOT NULL,
  hospital_id uuid,
  package_code text,
  amount bigint NOT NULL,
  claims bigint NOT NULL,
  CONSTRAINT kpi_receivables_key UNIQUE NULLS NOT DISTINCT (hospital_id, package_code, month, submitted_on)
);
CREATE TABLE kpi_receivable_deltas (
  id bigserial PRIMARY KEY,
  submitted_on date NOT NULL,
  month date NOT NULL,
  hospital_id uuid NOT NULL,
  package_code text NOT NULL,
  amount bigint NOT NULL,
  claims bigint NOT NULL
);

CREATE TABLE kpi_disallowed (
  month date NOT NULL,
  hospital_id uuid,
  package_code text,
  reason_code text NOT NULL,
  lines bigint NOT NULL,
  amount bigint NOT NULL,
  CONSTRAINT kpi_disallowed_key UNIQUE NULLS NOT DISTINCT (hospital_id, package_code, month, reason_code)
);
CREATE TABLE kpi_disallowed_deltas (
  id bigserial PRIMARY KEY,
  month date NOT NULL,
  hospital_id uuid NOT NULL,
  package_code text NOT NULL,
  reason_code text NOT NULL,
  lines bigint NOT NULL,
  amount bigint NOT NULL
);

-- Drill-down (src/kpis/drill-down.ts) reads the claims behind a point by these dates.
CREATE INDEX claims_submitted_at ON claims (submitted_at);
CREATE INDEX claims_verified_at ON claims (verified_at) WHERE verified_at IS NOT NULL;
CREATE INDEX claims_payment ON claims (payment_id) WHERE payment_id IS NOT NULL;
CREATE INDEX payments_created_at ON payments (created_at);

CREATE FUNCTION kpi_time_zone() RETURNS text LANGUAGE sql STABLE AS $$
  SELECT COALESCE((SELECT time_zone FROM schemes WHERE is_current), 'UTC')
$$;

-- The verification part of a claim (CPD's decision), signed: +1 adds it, -1 takes it back.
CREATE FUNCTION kpi_claim_verified(c claims, sign integer, tz text, pkg text) RETURNS void LANGUAGE plpgsql AS $fn$
DECLARE
  v_month date := date_trunc('month', (c.verified_at AT TIME ZONE tz))::date;
  s_day date := (c.submitted_at AT TIME ZONE tz)::date;
  s_month date := date_trunc('month', (c.submitted_at AT TIME ZONE tz))::date;
  disallowed bigint := c.payer_amount - COALESCE(c.approved_amount, 0);
  contractual bigint;
  is_all_full boolean;
  is_reworked boolean;
  is_denied integer := CASE WHEN COALESCE(c.approved_amount, 0) = 0 THEN 1 ELSE 0 END;
BEGIN
  -- The package rates' disallowance: what CPD cut for tariff-exceeded (a contractual adjustment).
  SELECT COALESCE(sum(l.payer_amount - COALESCE(l.approved_amount, 0)) FILTER (WHERE l.reason_code = 'tariff-exceeded' AND l.cpd_decision IN ('partial', 'deny')), 0),
         COALESCE(bool_and(l.cpd_decision = 'full'), false)
    INTO contractual, is_all_full
    FROM claim_lines l WHERE l.claim_id = c.id;
  -- Reworked: the case's pre-auth was queried at least once (query_reason stays after the answer).
  SELECT EXISTS (SELECT 1 FROM preauths p WHERE p.case_id = c.case_id AND p.query_reason IS NOT NULL) INTO is_reworked;
  INSERT INTO kpi_month_deltas (month, hospital_id, package_code, adjudicated_claims, adjudicated_amount, denied_claims, disallowed_amount,
                                contractual_amount, clean_claims, reworked_claims)
    VALUES (v_month, c.hospital_id, pkg, sign, sign * c.payer_amount, sign * is_denied, sign * disallowed, sign * contractual,
            sign * CASE WHEN is_all_full AND NOT is_reworked THEN 1 ELSE 0 END, sign * CASE WHEN is_reworked THEN 1 ELSE 0 END);
  IF contractual <> 0 THEN
    INSERT INTO kpi_month_deltas (month, hospital_id, package_code, cohort_contractual_amount) VALUES (s_month, c.hospital_id, pkg, sign * contractual);
  END IF;
  IF disallowed <> 0 OR is_denied = 1 THEN
    INSERT INTO kpi_receivable_deltas (submitted_on, month, hospital_id, package_code, amount, claims)
      VALUES (s_day, v_month, c.hospital_id, pkg, -sign * disallowed, -sign * is_denied);
  END IF;
  INSERT INTO kpi_disallowed_deltas (month, hospital_id, package_code, reason_code, lines, amount)
    SELECT v_month, c.hospital_id, pkg, COALESCE(l.reason_code, 'other'), sign * count(*), sign * sum(l.payer_amount - COALESCE(l.approved_amount, 0))
      FROM claim_lines l WHERE l.claim_id = c.id AND l.cpd_decision IN ('partial', 'deny')
     GROUP BY COALESCE(l.reason_code, 'other');
END $fn$;

-- The payment part of a claim (ACO's payment), signed.
CREATE FUNCTION kpi_claim_paid(c claims, sign integer, tz text, pkg text) RETURNS void LANGUAGE plpgsql AS $fn$
DECLARE
  paid_at timestamptz;
  p_month date;
  s_day date := (c.submitted_at AT TIME ZONE tz)::date;
  s_month date := date_trunc('month', (c.submitted_at AT TIME ZONE tz))::date;
  approved bigint := COALESCE(c.approved_amount, 0);
BEGIN
  SELECT created_at INTO paid_at FROM payments WHERE id = c.payment_id;
  p_month := date_trunc('month', (COALESCE(paid_at, now()) AT TIME ZONE tz))::date;
  INSERT INTO kpi_month_deltas (month, hospital_id, package_code, paid_claims, paid_amount) VALUES (p_month, c.hospital_id, pkg, sign, sign * approved);
  INSERT INTO kpi_month_deltas (month, hospital_id, package_code, cohort_paid_amount) VALUES (s_month, c.hospital_id, pkg, sign * approved);
  INSERT INTO kpi_receivable_deltas (submitted_on, month, hospital_id, package_code, amount, claims)
    VALUES (s_day, p_month, c.hospital_id, pkg, -sign * approved, -sign);
END $fn$;

-- A claim's measures follow its row: each part (submitted, verified, paid) is added when it
-- appears and taken back if it ever changes, so any path that writes claims keeps the aggregates.
CREATE FUNCTION kpi_claim_delta() RETURNS trigger LANGUAGE plpgsql AS $fn$
DECLARE
  tz text := kpi_time_zone();
  pkg text;
BEGIN
  SELECT package_code INTO pkg FROM preauths WHERE case_id = NEW.case_id;
  pkg := COALESCE(pkg, '');
  IF TG_OP = 'INSERT' THEN
    INSERT INTO kpi_month_deltas (month, hospital_id, package_code, submitted_claims, submitted_amount)
      VALUES (date_trunc('month', (NEW.submitted_at AT TIME ZONE tz))::date, NEW.hospital_id, pkg, 1, NEW.payer_amount);
    INSERT INTO kpi_receivable_deltas (submitted_on, month, hospital_id, package_code, amount, claims)
      VALUES ((NEW.submitted_at AT TIME ZONE tz)::date, date_trunc('month', (NEW.submitted_at AT TIME ZONE tz))::date, NEW.hospital_id, pkg, NEW.payer_amount, 1);
    IF NEW.verified_at IS NOT NULL THEN PERFORM kpi_claim_verified(NEW, 1, tz, pkg); END IF;
    IF NEW.payment_id IS NOT NULL THEN PERFORM kpi_claim_paid(NEW, 1, tz, pkg); END IF;
    RETURN NULL;
  END IF;
  IF OLD.verified_at IS DISTINCT FROM NEW.verified_at OR OLD.approved_amount IS DISTINCT FROM NEW.approved_amount THEN
    IF OLD.verified_at IS NOT NULL THEN PERFORM kpi_claim_verified(OLD, -1, tz, pkg); END IF;
    IF NEW.verified_at IS NOT NULL THEN PERFORM kpi_claim_verified(NEW, 1, tz, pkg); END IF;
  END IF;
  IF OLD.payment_id IS DISTINCT FROM NEW.payment_id OR (NEW.payment_id IS NOT NULL AND OLD.approved_amount IS DISTINCT FROM NEW.approved_amount) THEN
    IF OLD.payment_id IS NOT NULL THEN PERFORM kpi_claim_paid(OLD, -1, tz, pkg); END IF;
    IF NEW.payment_id IS NOT NULL THEN PERFORM kpi_claim_paid(NEW, 1, tz, pkg); END IF;
  END IF;
  RETURN NULL;
END $fn$;
CREATE TRIGGER claims_kpi AFTER INSERT OR UPDATE OF verified_at, approved_amount, payment_id ON claims
  FOR EACH ROW EXECUTE FUNCTION kpi_claim_delta();

-- The patient's account of a case (036): charged, and settled = paid − refunded + sent to a
-- secondary payer and not rejected, by the case's admission month.
CREATE FUNCTION kpi_patient_account_delta() RETURNS trigger LANGUAGE plpgsql AS $fn$
DECLARE
  tz text := kpi_time_zone();
  charged bigint := NEW.charged - CASE WHEN TG_OP = 'UPDATE' THEN OLD.charged ELSE 0 END;
  settled bigint := (NEW.paid - NEW.refunded + NEW.secondary) - CASE WHEN TG_OP = 'UPDATE' THEN OLD.paid - OLD.refunded + OLD.secondary ELSE 0 END;
BEGIN
  IF charged = 0 AND settled = 0 THEN RETURN NULL; END IF;
  INSERT INTO kpi_month_deltas (month, hospital_id, package_code, patient_charged, patient_settled)
    SELECT date_trunc('month', (c.admitted_at AT TIME ZONE tz))::date, NEW.hospital_id,
           COALESCE((SELECT p.package_code FROM preauths p WHERE p.case_id = c.id), ''), charged, settled
      FROM cases c WHERE c.id = NEW.case_id;
  RETURN NULL;
END $fn$;
CREATE TRIGGER patient_accounts_kpi AFTER INSERT OR UPDATE ON patient_accounts
  FOR EACH ROW EXECUTE FUNCTION kpi_patient_account_delta();

-- Fold the deltas into the facts, one folder at a time; rows committed while it runs wait for the
-- next fold (a DELETE sees only committed rows). Returns the number of delta rows folded.
CREATE FUNCTION kpi_fold() RETURNS bigint LANGUAGE plpgsql AS $fn$
DECLARE
  folded bigint := 0;
  n bigint;
BEGIN
  IF NOT pg_try_advisory_xact_lock(7244945) THEN RETURN 0; END IF;
  WITH d AS (DELETE FROM kpi_month_deltas RETURNING *),
  ins AS (
    INSERT INTO kpi_month (month, hospital_id, package_code, ${monthColumns.join(', ')})
    SELECT month, hospital_id, package_code, ${sums} FROM d
     GROUP BY GROUPING SETS ((month, hospital_id, package_code), (month, hospital_id), (month, package_code), (month))
    ON CONFLICT ON CONSTRAINT kpi_month_key DO UPDATE SET ${adds}
    RETURNING 1)
  SELECT (SELECT count(*) FROM d) INTO n;
  folded := folded + n;
  WITH d AS (DELETE FROM kpi_receivable_deltas RETURNING *),
  ins AS (
    INSERT INTO kpi_receivables (submitted_on, month, hospital_id, package_code, amount, claims)
    SELECT submitted_on, month, hospital_id, package_code, sum(amount), sum(claims) FROM d
     GROUP BY GROUPING SETS ((submitted_on, month, hospital_id, package_code), (submitted_on, month, hospital_id), (submitted_on, month, package_code), (submitted_on, month))
    ON CONFLICT ON CONSTRAINT kpi_receivables_key DO UPDATE SET amount = kpi_receivables.amount + EXCLUDED.amount, claims = kpi_receivables.claims + EXCLUDED.claims
    RETURNING 1)
  SELECT (SELECT count(*) FROM d) INTO n;
  folded := folded + n;
  -- A day whose claims are all settled adds nothing to any later aging: keep the table to open days.
  DELETE FROM kpi_receivables WHERE amount = 0 AND claims = 0;
  WITH d AS (DELETE FROM kpi_disallowed_deltas RETURNING *),
  ins AS (
    INSERT INTO kpi_disallowed (month, hospital_id, package_code, reason_code, lines, amount)
    SELECT month, hospital_id, package_code, reason_code, sum(lines), sum(amount) FROM d
     GROUP BY GROUPING SETS ((month, hospital_id, package_code, reason_code), (month, hospital_id, reason_code), (month, package_code, reason_code), (month, reason_code))
    ON CONFLICT ON CONSTRAINT kpi_disallowed_key DO UPDATE SET lines = kpi_disallowed.lines + EXCLUDED.lines, amount = kpi_disallowed.amount + EXCLUDED.amount
    RETURNING 1)
  SELECT (SELECT count(*) FROM d) INTO n;
  folded := folded + n;
  RETURN folded;
END $fn$;

-- The aggregates recomputed from the money rows themselves, as if every event had been recorded
-- when it happened: the migration's backfill, and the check that the triggers agree with the rows
-- (src/kpis/kpis.test.ts). Run it while no command runs: a command committing between its
-- statements could be counted twice.
CREATE FUNCTION kpi_rebuild() RETURNS bigint LANGUAGE plpgsql AS $fn$
BEGIN
  PERFORM pg_advisory_xact_lock(7244945);
  DELETE FROM kpi_month_deltas;
  DELETE FROM kpi_receivable_deltas;
  DELETE FROM kpi_disallowed_deltas;
  DELETE FROM kpi_month;
  DELETE FROM kpi_receivables;
  DELETE FROM kpi_disallowed;
  INSERT INTO kpi_month_deltas (month, hospital_id, package_code, submitted_claims, submitted_amount)
  SELECT date_trunc('month', (c.submitted_at AT TIME ZONE kpi_time_zone()))::date, c.hospital_id, COALESCE(p.package_code, ''), 1, c.payer_amount
    FROM claims c LEFT JOIN preauths p ON p.case_id = c.case_id;
  INSERT INTO kpi_receivable_deltas (submitted_on, month, hospital_id, package_code, amount, claims)
  SELECT (c.submitted_at AT TIME ZONE kpi_time_zone())::date, date_trunc('month', (c.submitted_at AT TIME ZONE kpi_time_zone()))::date, c.hospital_id,
         COALESCE(p.package_code, ''), c.payer_amount, 1
    FROM claims c LEFT JOIN preauths p ON p.case_id = c.case_id;
  PERFORM kpi_claim_verified(c, 1, kpi_time_zone(), COALESCE((SELECT p.package_code FROM preauths p WHERE p.case_id = c.case_id), ''))
    FROM claims c WHERE c.verified_at IS NOT NULL;
  PERFORM kpi_claim_paid(c, 1, kpi_time_zone(), COALESCE((SELECT p.package_code FROM preauths p WHERE p.case_id = c.case_id), ''))
    FROM claims c WHERE c.payment_id IS NOT NULL;
  INSERT INTO kpi_month_deltas (month, hospital_id, package_code, patient_charged, patient_settled)
  SELECT date_trunc('month', (c.admitted_at AT TIME ZONE kpi_time_zone()))::date, a.hospital_id, COALESCE(p.package_code, ''), a.charged, a.paid - a.refunded + a.secondary
    FROM patient_accounts a JOIN cases c ON c.id = a.case_id LEFT JOIN preauths p ON p.case_id = c.id;
  RETURN kpi_fold();
END $fn$;
SELECT kpi_rebuild();

-- The deltas are the aggregates' only writers besides the folder; nobody edits a fact by hand.
REVOKE TRUNCATE ON kpi_month, kpi_receivables, kpi_disallowed, kpi_month_deltas, kpi_receivable_deltas, kpi_disallowed_deltas FROM coverdesk_runtime;
`;
