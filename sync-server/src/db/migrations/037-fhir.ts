/**
 * 037 — FHIR R4 for hospital systems (issue 17; src/fhir/).
 *
 * `fhir_clients`: a hospital system registered by HA (SMART Backend Services). It authenticates
 * with a JWT signed by a private key it keeps; only the public keys (`jwks`) are stored. Each
 * client acts as its own operator (`operator_id`: MEDCO of its hospital, a password no one can
 * know), so its commands, holds and audit entries name it, and deactivating that operator or the
 * client stops it at once.
 *
 * `fhir_assertions_used`: the `jti` of every client assertion until it expires, so an assertion
 * seen on the wire cannot be replayed for a second token.
 *
 * `fhir_claims`: the FHIR Claim.identifier (system, value) a pre-auth or claim was submitted
 * under, and which case and claim it became: written in the transaction of the decision, read by
 * searches by identifier and shown on the Claim and ClaimResponse.
 */
export const sql = /* sql */ `
CREATE TABLE fhir_clients (
  client_id text PRIMARY KEY CHECK (client_id ~ '^[A-Za-z0-9._-]{3,64}$'),
  hospital_id uuid NOT NULL REFERENCES hospitals (id),
  operator_id uuid NOT NULL UNIQUE REFERENCES operators (id),
  name text NOT NULL,
  jwks jsonb NOT NULL CHECK (jsonb_typeof(jwks -> 'keys') = 'array'),
  is_active boolean NOT NULL DEFAULT true,
  registered_by uuid NOT NULL REFERENCES operators (id),
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE fhir_assertions_used (
  client_id text NOT NULL REFERENCES fhir_clients (client_id),
  jti text NOT NULL,
  expires_at timestamptz NOT NULL,
  PRIMARY KEY (client_id, jti)
);
CREATE INDEX fhir_assertions_used_expiry ON fhir_assertions_used (expires_at);

CREATE TABLE fhir_claims (
  command_id uuid PRIMARY KEY,
  operator_id uuid NOT NULL REFERENCES operators (id),
  identifier_system text,
  identifier_value text NOT NULL,
  use text NOT NULL CHECK (use IN ('preauthorization', 'claim')),
  case_id uuid NOT NULL REFERENCES cases (id),
  claim_id uuid REFERENCES claims (id),
  created_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT claim_use_has_claim CHECK ((use = 'claim') = (claim_id IS NOT NULL))
);
CREATE UNIQUE INDEX fhir_claims_preauth ON fhir_claims (case_id) WHERE use = 'preauthorization';
CREATE UNIQUE INDEX fhir_claims_claim ON fhir_claims (claim_id) WHERE claim_id IS NOT NULL;
CREATE INDEX fhir_claims_identifier ON fhir_claims (operator_id, identifier_value);
`;
