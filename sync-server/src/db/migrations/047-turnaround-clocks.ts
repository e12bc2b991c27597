/**
 * 047 — turnaround clocks and service levels (issue 15).
 *
 * A stage's clock starts and stops at audit-trail entries that the workflow commands already write
 * in the transaction of each step (`preauth-requested`, `preauth-approved`, `claim-processed`, …).
 * No stage gets a timestamp of its own: a second clock could disagree with the trail that an
 * auditor reads, so the trail is the clock. `stage_clocks` derives, per stage instance, when it
 * started, when it stopped (and how: decided, or withdrawn when the case was cancelled or
 * discharged first), and how long it waited on the hospital (a pre-auth query: the clock pauses
 * from `preauth-queried` to `preauth-query-answered`, the hospital's turn, as PM-JAY counts TAT).
 *
 * Stages and their owners (the role whose queue holds the work):
 *   preauth-decision   PPD    preauth-requested (catalogue package) → preauth-approved | -rejected
 *   committee          MC     preauth-requested (unspecified package) → preauth-recommended
 *   admin-approval     ADMIN  preauth-recommended → preauth-approved | -rejected
 *   enhancement        PPD    enhancement-requested → enhancement-approved | -rejected (same enhancementId)
 *   claim-processing   CEX    claim-submitted → claim-processed
 *   claim-verification CPD    claim-processed → claim-verified
 *   payment            ACO    claim-verified (approved, not denied) → claim-paid
 * A pre-auth or enhancement stage still open when its case is cancelled or discharged stops there
 * as `withdrawn` (its request was cancelled with the case: bookings.ts).
 *
 * - `service_levels`: the scheme's target per stage in minutes, set by HA through
 *   set-scheme-parameters (audited with the reason). The pre-auth decision's target stays where it
 *   always was, `schemes.preauth_turnaround_minutes` (one home), and `stage_service_levels` shows
 *   all seven together.
 * - `service_level_breaches`: one notice per stage instance whose open clock passed its target,
 *   written once by whichever server process sees it first (primary key), so the owning role's
 *   console is poked exactly when a stage breaches. It records that a notice was sent, not when
 *   the stage started or stopped (those stay in the trail).
 * - `audit_workflow_events`: the trail's workflow entries by entity, so each clock finds its events
 *   with an index probe instead of reading the whole trail.
 */
export const sql = /* sql */ `
CREATE TABLE service_levels (
  scheme_id text NOT NULL REFERENCES schemes(id),
  stage text NOT NULL CHECK (stage IN ('committee', 'admin-approval', 'enhancement', 'claim-processing', 'claim-verification', 'payment')),
  minutes integer NOT NULL CHECK (minutes BETWEEN 5 AND 86400),
  change_xid xid8 NOT NULL DEFAULT pg_current_xact_id(),
  PRIMARY KEY (scheme_id, stage)
);

-- Defaults from PM-JAY's published turnaround times: committee and admin within a day, an
-- enhancement as fast as a pre-auth (6 h), claim adjudication 15 days split between CEX and CPD,
-- payment 15 days after approval (intra-state claims are to be settled within 30 days).
CREATE FUNCTION default_service_levels() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO service_levels (scheme_id, stage, minutes) VALUES
    (NEW.id, 'committee', 1440), (NEW.id, 'admin-approval', 1440), (NEW.id, 'enhancement', 360),
    (NEW.id, 'claim-processing', 10080), (NEW.id, 'claim-verification', 10080), (NEW.id, 'payment', 21600)
  ON CONFLICT DO NOTHING;
  RETURN NEW;
END $$;
CREATE TRIGGER schemes_default_service_levels AFTER INSERT ON schemes FOR EACH ROW EXECUTE FUNCTION default_service_levels();
INSERT INTO service_levels (scheme_id, stage, minutes)
  SELECT s.id, d.stage, d.minutes FROM schemes s CROSS JOIN (VALUES ('committee', 1440), ('admin-approval', 1440), ('enhancement', 360),
    ('claim-processing', 10080), ('claim-verification', 10080), ('payment', 21600)) AS d(stage, minutes);

CREATE VIEW stage_service_levels AS
  SELECT s.id AS scheme_id, 'preauth-decision'::text AS stage, s.preauth_turnaround_minutes AS minutes FROM schemes s
  UNION ALL
  SELECT scheme_id, stage, minutes FROM service_levels;

CREATE INDEX audit_workflow_events ON audit_log (entity_id, id)
  WHERE action IN ('preauth-requested', 'preauth-queried', 'preauth-query-answered', 'preauth-recommended', 'preauth-approved',
    'preauth-rejected', 'case-cancelled', 'case-discharged', 'enhancement-requested', 'enhancement-approved', 'enhancement-rejected',
    'claim-submitted', 'claim-processed', 'claim-verified', 'claim-paid');
CREATE INDEX audit_workflow_starts ON audit_log (action, id)
  WHERE action IN ('preauth-requested', 'preauth-recommended', 'enhancement-requested', 'claim-submitted', 'claim-processed', 'claim-verified');

-- One row per stage instance: started_at / stopped_at are the audit entries' own times.
-- paused_seconds: finished query pauses; paused_since: the start of a pause still running.
CREATE VIEW stage_clocks AS
WITH starts AS (
  -- pre-auth decision (catalogue) and committee (unspecified): from the request
  SELECT CASE WHEN pk.is_unspecified THEN 'committee' ELSE 'preauth-decision' END AS stage, s.entity_id AS subject_id,
         c.id AS case_id, NULL::uuid AS claim_id, c.hospital_id, c.family_id, s.id AS start_id, s.at AS started_at,
         CASE WHEN pk.is_unspecified THEN ARRAY['preauth-recommended', 'preauth-approved', 'preauth-rejected', 'case-cancelled', 'case-discharged']
              ELSE ARRAY['preauth-approved', 'preauth-rejected', 'case-cancelled', 'case-discharged'] END AS stops,
         NULL::text AS enhancement_id
    FROM audit_log s JOIN cases c ON c.id::text = s.entity_id JOIN preauths p ON p.case_id = c.id JOIN packages pk ON pk.code = p.package_code
   WHERE s.action = 'preauth-requested' AND s.entity_type = 'case'
  UNION ALL
  -- admin approval of a committee recommendation
  SELECT 'admin-approval', s.entity_id, c.id, NULL::uuid, c.hospital_id, c.family_id, s.id, s.at,
         ARRAY['preauth-approved', 'preauth-rejected', 'case-cancelled', 'case-discharged'], NULL::text
    FROM audit_log s JOIN cases c ON c.id::text = s.entity_id
   WHERE s.action = 'preauth-recommended' AND s.entity_type = 'case'
  UNION ALL
  SELECT 'enhancement', s.after->>'enhancementId', c.id, NULL::uuid, c.hospital_id, c.family_id, s.id, s.at,
         ARRAY['enhancement-approved', 'enhancement-rejected', 'case-cancelled', 'case-discharged'], s.after->>'enhancementId'
    FROM audit_log s JOIN cases c ON c.id::text = s.entity_id
   WHERE s.action = 'enhancement-requested' AND s.entity_type = 'case'
  UNION ALL
  SELECT CASE s.action WHEN 'claim-submitted' THEN 'claim-processing' WHEN 'claim-processed' THEN 'claim-verification' ELSE 'payment' END,
         s.entity_id, k.case_id, k.id, k.hospital_id, k.family_id, s.id, s.at,
         CASE s.action WHEN 'claim-submitted' THEN ARRAY['claim-processed'] WHEN 'claim-processed' THEN ARRAY['claim-verified'] ELSE ARRAY['claim-paid'] END,
         NULL::text
    FROM audit_log s JOIN claims k ON k.id::text = s.entity_id
   WHERE s.entity_type = 'claim' AND (s.action IN ('claim-submitted', 'claim-processed') OR (s.action = 'claim-verified' AND s.after->>'status' = 'approved'))
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
       AND qq.action IN ('preauth-queried') AND qq.id > st.start_id AND (e.id IS NULL OR qq.id < e.id)) q ON true;

CREATE TABLE service_level_breaches (
  stage text NOT NULL,
  subject_id text NOT NULL,
  start_id bigint NOT NULL REFERENCES audit_log(id),
  case_id uuid NOT NULL REFERENCES cases(id),
  claim_id uuid REFERENCES claims(id),
  hospital_id uuid NOT NULL REFERENCES hospitals(id),
  owner_role text NOT NULL CHECK (owner_role IN ('PPD', 'MC', 'ADMIN', 'CEX', 'CPD', 'ACO')),
  service_level_minutes integer NOT NULL,
  noticed_at timestamptz NOT NULL DEFAULT now(),
  change_xid xid8 NOT NULL DEFAULT pg_current_xact_id(),
  PRIMARY KEY (stage, start_id)
);
CREATE INDEX service_level_breaches_role ON service_level_breaches (owner_role, noticed_at);
`;
