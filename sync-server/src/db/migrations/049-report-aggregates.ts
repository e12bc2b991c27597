/**
 * 049 — the turnaround clocks and the payment reconciliation kept by the transactions that write
 * their rows (issue 15, "Data and speed").
 *
 * ## Turnaround clocks
 *
 * 047's `stage_clocks` view derives every stage instance of all time from the audit trail at each
 * read: the turnaround report, the clock queue and the breach watcher (every 30 s) each found every
 * start entry and probed the trail for its stop and pauses. On 2 months of the seed's scale that is
 * seconds per report, and it grows with the whole history, not with the period asked for.
 *
 * `turnaround_clocks` holds the same rows as the view (plus the entity whose entries drive them
 * and the family's scheme), kept in the transaction that writes the entries: a deferred constraint
 * trigger on `audit_log`, at commit (when the claim, pre-auth and case rows of the command are all
 * written, whatever order the command wrote them in), recomputes the clocks of that one entry's
 * entity with the view's own definition restricted to it. A clock depends only on the entries of
 * its entity (its case, or its claim) and on that entity's rows, so the recomputed rows are exactly
 * the view's rows for it; a transaction-scoped advisory lock per entity keeps two commits on the
 * same entity from both inserting its clocks. Reports then read the clocks stopped in their
 * period and the open ones, by index (src/queries/turnaround.ts); `stage_clocks` stays the
 * definition, and src/demo/history.test.ts and src/queries/turnaround.test.ts check the table
 * against it.
 *
 * ## Payment reconciliation
 *
 * `paymentReconciliation` (src/queries/reads.ts) added up, for every payment of all time, its
 * claims and its payment-ledger entries and checked each entry against its claim: a read of every
 * paid claim and entry ever written, growing with the history. `payment_reconciliation` keeps those
 * figures per payment and `reconciliation_orphans` the paid claims without an entry and the entries
 * whose claim is not paid by their payment. Statement triggers on `claims` (insert, and updates that
 * change a claim's payment, approved amount or status) and on `payment_ledger` (insert) recompute,
 * at the end of each statement and in its transaction, the figures of the payments and claims the
 * statement touched, with the report's own definitions: once per payment per statement, so paying
 * 5,000 claims in one statement adds them up once. Row locks (the payments' and claims' rows, in id
 * order) make a second transaction on the same payment or claim recompute after the first commits.
 * Triggers also fire for a superuser's UPDATE behind the application (what the report is there to
 * catch); one who disables triggers can hide a change from these figures, as from the append-only
 * triggers: the audit chain is the check on that, and the definitions recomputed from the rows
 * (src/demo/history.test.ts, the bench's plain SQL) agree with these figures.
 */

const workflowActions = `'preauth-requested', 'preauth-queried', 'preauth-query-answered', 'preauth-recommended', 'preauth-approved',
    'preauth-rejected', 'case-cancelled', 'case-discharged', 'enhancement-requested', 'enhancement-approved', 'enhancement-rejected',
    'claim-submitted', 'claim-processed', 'claim-verified', 'claim-paid'`;

/**
 * 047's stage_clocks body with every start restricted to the entries of `entity`. The view joins a
 * case or claim by `id::text`, which no index serves (a scan of all cases or claims per call): here
 * the row is found by `entity_uuid` (the entity as a uuid) and still compared as text, as the view does.
 */
const clocksOfEntity = /* sql */ `
WITH starts AS (
  SELECT CASE WHEN pk.is_unspecified THEN 'committee' ELSE 'preauth-decision' END AS stage, s.entity_id AS subject_id,
         c.id AS case_id, NULL::uuid AS claim_id, c.hospital_id, c.family_id, s.id AS start_id, s.at AS started_at,
         CASE WHEN pk.is_unspecified THEN ARRAY['preauth-recommended', 'preauth-approved', 'preauth-rejected', 'case-cancelled', 'case-discharged']
              ELSE ARRAY['preauth-approved', 'preauth-rejected', 'case-cancelled', 'case-discharged'] END AS stops,
         NULL::text AS enhancement_id
    FROM audit_log s JOIN cases c ON c.id = entity_uuid AND c.id::text = s.entity_id JOIN preauths p ON p.case_id = c.id JOIN packages pk ON pk.code = p.package_code
   WHERE s.entity_id = entity AND s.action = 'preauth-requested' AND s.entity_type = 'case'
  UNION ALL
  SELECT 'admin-approval', s.entity_id, c.id, NULL::uuid, c.hospital_id, c.family_id, s.id, s.at,
         ARRAY['preauth-approved', 'preauth-rejected', 'case-cancelled', 'case-discharged'], NULL::text
    FROM audit_log s JOIN cases c ON c.id = entity_uuid AND c.id::text = s.entity_id
   WHERE s.entity_id = entity AND s.action = 'preauth-recommended' AND s.entity_type = 'case'
  UNION ALL
  SELECT 'enhancement', s.after->>'enhancementId', c.id, NULL::uuid, c.hospital_id, c.family_id, s.id, s.at,
         ARRAY['enhancement-approved', 'enhancement-rejected', 'case-cancelled', 'case-discharged'], s.after->>'enhancementId'
    FROM audit_log s JOIN cases c ON c.id = entity_uuid AND c.id::text = s.entity_id
   WHERE s.entity_id = entity AND s.action = 'enhancement-requested' AND s.entity_type = 'case'
  UNION ALL
  SELECT CASE s.action WHEN 'claim-submitted' THEN 'claim-processing' WHEN 'claim-processed' THEN 'claim-verification' ELSE 'payment' END,
         s.entity_id, k.case_id, k.id, k.hospital_id, k.family_id, s.id, s.at,
         CASE s.action WHEN 'claim-submitted' THEN ARRAY['claim-processed'] WHEN 'claim-processed' THEN ARRAY['claim-verified'] ELSE ARRAY['claim-paid'] END,
         NULL::text
    FROM audit_log s JOIN claims k ON k.id = entity_uuid AND k.id::text = s.entity_id
   WHERE s.entity_id = entity AND s.entity_type = 'claim'
     AND (s.action IN ('claim-submitted', 'claim-processed') OR (s.action = 'claim-verified' AND s.after->>'status' = 'approved'))
)
SELECT st.stage,
       CASE st.stage WHEN 'preauth-decision' THEN 'PPD' WHEN 'enhancement' THEN 'PPD' WHEN 'committee' THEN 'MC' WHEN 'admin-approval' THEN 'ADMIN'
         WHEN 'claim-processing' THEN 'CEX' WHEN 'claim-verification' THEN 'CPD' ELSE 'ACO' END AS owner_role,
       st.subject_id, st.case_id, st.claim_id, st.hospital_id, st.family_id, st.start_id, st.started_at,
       e.id AS stop_id, e.at AS stopped_at,
       CASE WHEN e.id IS NULL THEN 'open' WHEN e.action IN ('case-cancelled', 'case-discharged') THEN 'withdrawn' ELSE 'done' END AS outcome,
       COALESCE(q.paused_seconds, 0)::double precision AS paused_seconds, q.paused_since
  FROM starts st
  LEFT JOIN LATERAL (
    SELECT a.id, a.at, a.action FROM audit_log a
     WHERE a.entity_id = COALESCE(st.claim_id::text, st.case_id::text) AND a.id > st.start_id AND a.action = ANY (st.stops)
       AND a.action IN ('preauth-recommended', 'preauth-approved', 'preauth-rejected', 'case-cancelled', 'case-discharged', 'enhancement-approved',
         'enhancement-rejected', 'claim-processed', 'claim-verified', 'claim-paid')
       AND (st.enhancement_id IS NULL OR a.action NOT LIKE 'enhancement-%' OR a.after->>'enhancementId' = st.enhancement_id)
     ORDER BY a.id LIMIT 1) e ON true
  LEFT JOIN LATERAL (
    SELECT sum(extract(epoch FROM (r.at - qq.at))) FILTER (WHERE r.at IS NOT NULL) AS paused_seconds,
           max(qq.at) FILTER (WHERE r.at IS NULL) AS paused_since
      FROM audit_log qq
      LEFT JOIN LATERAL (
        SELECT x.at FROM audit_log x
         WHERE x.entity_id = qq.entity_id AND x.id > qq.id AND x.action = 'preauth-query-answered'
           AND x.action IN ('preauth-query-answered')
         ORDER BY x.id LIMIT 1) r ON true
     WHERE st.stage = 'preauth-decision' AND qq.entity_id = st.subject_id AND qq.action = 'preauth-queried'
       AND qq.action IN ('preauth-queried') AND qq.id > st.start_id AND (e.id IS NULL OR qq.id < e.id)) q ON true`;

const clockColumns =
  'stage, owner_role, subject_id, case_id, claim_id, hospital_id, family_id, start_id, started_at, stop_id, stopped_at, outcome, paused_seconds, paused_since';

export const sql = /* sql */ `
CREATE TABLE turnaround_clocks (
  -- the audit entity whose entries start, stop and pause this clock: the case, or the claim
  entity_id text NOT NULL,
  -- the family's scheme, whose service level applies (families never change scheme)
  scheme_id text NOT NULL,
  stage text NOT NULL,
  owner_role text NOT NULL,
  subject_id text,
  case_id uuid NOT NULL,
  claim_id uuid,
  hospital_id uuid NOT NULL,
  family_id uuid NOT NULL,
  start_id bigint NOT NULL,
  started_at timestamptz NOT NULL,
  stop_id bigint,
  stopped_at timestamptz,
  outcome text NOT NULL CHECK (outcome IN ('open', 'done', 'withdrawn')),
  paused_seconds double precision NOT NULL,
  paused_since timestamptz
);
CREATE INDEX turnaround_clocks_entity ON turnaround_clocks (entity_id);
CREATE INDEX turnaround_clocks_start ON turnaround_clocks (stage, start_id);
-- A report reads the clocks that stopped in its period (for the scheme, or one hospital) and the
-- open ones (a few per case in flight, whatever the history's length).
CREATE INDEX turnaround_clocks_done ON turnaround_clocks (stopped_at) WHERE outcome = 'done';
CREATE INDEX turnaround_clocks_hospital_done ON turnaround_clocks (hospital_id, stopped_at) WHERE outcome = 'done';
CREATE INDEX turnaround_clocks_open ON turnaround_clocks (hospital_id) WHERE outcome = 'open';

-- These functions run inside commands: jit off, because a generic plan's cost estimate can make
-- PostgreSQL spend milliseconds compiling a statement that touches a handful of rows.
CREATE FUNCTION turnaround_clocks_refresh(entity text) RETURNS void LANGUAGE plpgsql SET jit = off AS $fn$
DECLARE
  entity_uuid uuid;
BEGIN
  -- Two commits on one entity at once would each insert its clocks: the second waits here, and its
  -- statements below (READ COMMITTED: a snapshot each) then see the first one's entries and rows.
  PERFORM pg_advisory_xact_lock(7244949, hashtext(entity));
  DELETE FROM turnaround_clocks WHERE entity_id = entity;
  -- An entity that is not a uuid is no case or claim: it has no clocks (and must not fail a commit).
  IF entity !~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' THEN
    RETURN;
  END IF;
  entity_uuid := entity::uuid;
  INSERT INTO turnaround_clocks (entity_id, scheme_id, ${clockColumns})
    SELECT entity, f.scheme_id, ${clockColumns.replace(/(\w+)/g, 'k.$1')}
      FROM (${clocksOfEntity}) k JOIN families f ON f.id = k.family_id;
END $fn$;

CREATE FUNCTION turnaround_clock_event() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
  PERFORM turnaround_clocks_refresh(NEW.entity_id);
  RETURN NULL;
END $fn$;

-- Deferred to the commit: the command's rows (claim, pre-auth) are all written by then, and every
-- workflow entry of the transaction is there to be read.
CREATE CONSTRAINT TRIGGER audit_log_turnaround_clocks AFTER INSERT ON audit_log DEFERRABLE INITIALLY DEFERRED
  FOR EACH ROW WHEN (NEW.action IN (${workflowActions})) EXECUTE FUNCTION turnaround_clock_event();

-- All clocks again from the definition itself: the backfill below, and a bulk load that moved the
-- trail's stamps with the triggers off (npm run demo:history) calls it. Run it while no command runs.
CREATE FUNCTION turnaround_clocks_rebuild() RETURNS void LANGUAGE sql AS $fn$
  DELETE FROM turnaround_clocks;
  INSERT INTO turnaround_clocks (entity_id, scheme_id, ${clockColumns})
    SELECT COALESCE(k.claim_id::text, k.case_id::text), f.scheme_id, ${clockColumns.replace(/(\w+)/g, 'k.$1')}
      FROM stage_clocks k JOIN families f ON f.id = k.family_id;
$fn$;
SELECT turnaround_clocks_rebuild();

CREATE TABLE payment_reconciliation (
  payment_id uuid PRIMARY KEY,
  claims integer NOT NULL,
  approved bigint NOT NULL,
  ledger_entries integer NOT NULL,
  ledger_approved bigint NOT NULL,
  ledger_government bigint NOT NULL,
  ledger_insurer bigint NOT NULL,
  ledger_claim_mismatches integer NOT NULL
);
CREATE TABLE reconciliation_orphans (
  claim_id uuid NOT NULL,
  payment_id uuid,
  kind text NOT NULL CHECK (kind IN ('claim-without-ledger', 'ledger-without-paid-claim'))
);
CREATE INDEX reconciliation_orphans_claim ON reconciliation_orphans (claim_id);

-- The report's own per-payment sums (reads.ts before 049), for the payments given.
CREATE FUNCTION payment_reconciliation_refresh(payment_ids uuid[]) RETURNS void LANGUAGE plpgsql SET jit = off AS $fn$
BEGIN
  PERFORM 1 FROM payments WHERE id = ANY (payment_ids) ORDER BY id FOR NO KEY UPDATE;
  DELETE FROM payment_reconciliation WHERE payment_id = ANY (payment_ids);
  INSERT INTO payment_reconciliation
  SELECT p.id,
         (SELECT count(*) FROM claims c WHERE c.payment_id = p.id),
         COALESCE((SELECT sum(c.approved_amount) FROM claims c WHERE c.payment_id = p.id), 0),
         (SELECT count(*) FROM payment_ledger l WHERE l.payment_id = p.id),
         COALESCE((SELECT sum(l.approved_amount) FROM payment_ledger l WHERE l.payment_id = p.id), 0),
         COALESCE((SELECT sum(l.government_amount) FROM payment_ledger l WHERE l.payment_id = p.id), 0),
         COALESCE((SELECT sum(l.insurer_amount) FROM payment_ledger l WHERE l.payment_id = p.id), 0),
         (SELECT count(*) FROM payment_ledger l JOIN claims c ON c.id = l.claim_id
           WHERE l.payment_id = p.id AND (c.payment_id IS DISTINCT FROM p.id OR c.approved_amount IS DISTINCT FROM l.approved_amount OR c.status <> 'paid'))
    FROM payments p WHERE p.id = ANY (payment_ids);
END $fn$;

-- The report's own orphan definitions, for the claims given.
CREATE FUNCTION reconciliation_orphans_refresh(claim_ids uuid[]) RETURNS void LANGUAGE plpgsql SET jit = off AS $fn$
BEGIN
  PERFORM 1 FROM claims WHERE id = ANY (claim_ids) ORDER BY id FOR NO KEY UPDATE;
  DELETE FROM reconciliation_orphans WHERE claim_id = ANY (claim_ids);
  INSERT INTO reconciliation_orphans (claim_id, payment_id, kind)
  SELECT c.id, c.payment_id, 'claim-without-ledger' FROM claims c
   WHERE c.id = ANY (claim_ids) AND c.status = 'paid' AND NOT EXISTS (SELECT 1 FROM payment_ledger l WHERE l.claim_id = c.id)
  UNION ALL
  SELECT l.claim_id, l.payment_id, 'ledger-without-paid-claim' FROM payment_ledger l JOIN claims c ON c.id = l.claim_id
   WHERE l.claim_id = ANY (claim_ids) AND (c.status <> 'paid' OR c.payment_id IS DISTINCT FROM l.payment_id);
END $fn$;

-- A statement's claims whose payment, approved amount or status it set (or that it inserted or
-- deleted paid): their payments before and after, the payments of their ledger entries, and the
-- claims themselves. Each branch names only the transition tables its operation has.
CREATE FUNCTION reconciliation_claims_changed() RETURNS trigger LANGUAGE plpgsql SET jit = off AS $fn$
DECLARE
  changed uuid[];
  earlier uuid[] := '{}';
BEGIN
  IF TG_OP = 'INSERT' THEN
    SELECT array_agg(n.id) INTO changed FROM new_claims n WHERE n.payment_id IS NOT NULL OR n.status = 'paid';
  ELSIF TG_OP = 'UPDATE' THEN
    SELECT array_agg(n.id), array_agg(o.payment_id) FILTER (WHERE o.payment_id IS NOT NULL) INTO changed, earlier
      FROM new_claims n JOIN old_claims o ON o.id = n.id
     WHERE n.payment_id IS DISTINCT FROM o.payment_id OR n.approved_amount IS DISTINCT FROM o.approved_amount OR n.status IS DISTINCT FROM o.status;
  ELSE
    SELECT array_agg(o.id), array_agg(o.payment_id) FILTER (WHERE o.payment_id IS NOT NULL) INTO changed, earlier
      FROM old_claims o WHERE o.payment_id IS NOT NULL OR o.status = 'paid';
  END IF;
  IF changed IS NULL THEN RETURN NULL; END IF;
  PERFORM payment_reconciliation_refresh(ARRAY(
    SELECT c.payment_id FROM claims c WHERE c.id = ANY (changed) AND c.payment_id IS NOT NULL
    UNION SELECT l.payment_id FROM payment_ledger l WHERE l.claim_id = ANY (changed)
    UNION SELECT unnest(COALESCE(earlier, '{}'))));
  PERFORM reconciliation_orphans_refresh(changed);
  RETURN NULL;
END $fn$;
CREATE TRIGGER claims_reconciliation_insert AFTER INSERT ON claims REFERENCING NEW TABLE AS new_claims
  FOR EACH STATEMENT EXECUTE FUNCTION reconciliation_claims_changed();
CREATE TRIGGER claims_reconciliation_update AFTER UPDATE ON claims REFERENCING OLD TABLE AS old_claims NEW TABLE AS new_claims
  FOR EACH STATEMENT EXECUTE FUNCTION reconciliation_claims_changed();
CREATE TRIGGER claims_reconciliation_delete AFTER DELETE ON claims REFERENCING OLD TABLE AS old_claims
  FOR EACH STATEMENT EXECUTE FUNCTION reconciliation_claims_changed();

CREATE FUNCTION reconciliation_ledger_added() RETURNS trigger LANGUAGE plpgsql SET jit = off AS $fn$
BEGIN
  PERFORM payment_reconciliation_refresh(ARRAY(SELECT DISTINCT n.payment_id FROM new_entries n));
  PERFORM reconciliation_orphans_refresh(ARRAY(SELECT n.claim_id FROM new_entries n));
  RETURN NULL;
END $fn$;
CREATE TRIGGER payment_ledger_reconciliation AFTER INSERT ON payment_ledger REFERENCING NEW TABLE AS new_entries
  FOR EACH STATEMENT EXECUTE FUNCTION reconciliation_ledger_added();

-- The payments and problems of the history so far.
SELECT payment_reconciliation_refresh(ARRAY(SELECT id FROM payments));
SELECT reconciliation_orphans_refresh(ARRAY(SELECT id FROM claims WHERE status = 'paid' UNION SELECT claim_id FROM payment_ledger));
`;
