/**
 * 042 — FHIR enhancement requests (issue 17; src/fhir/claim-submit.ts).
 *
 * A hospital system asks to extend an approved pre-auth (NHCX workflow code 13) with a Claim of
 * `use = preauthorization` that names the pre-auth it extends (`insurance.preAuthRef` or
 * `related.claim`). Its Claim.identifier is kept in `fhir_claims`, like a pre-auth's and a
 * claim's, with the enhancement it became: the search by identifier and the Claim and
 * ClaimResponse of the enhancement read it. One identifier row per enhancement, and an
 * enhancement row exactly when the use is 'enhancement'.
 */
export const sql = /* sql */ `
ALTER TABLE fhir_claims DROP CONSTRAINT fhir_claims_use_check;
ALTER TABLE fhir_claims ADD CONSTRAINT fhir_claims_use_check CHECK (use IN ('preauthorization', 'claim', 'enhancement'));
ALTER TABLE fhir_claims ADD COLUMN enhancement_id uuid REFERENCES enhancements (id);
ALTER TABLE fhir_claims ADD CONSTRAINT enhancement_use_has_enhancement CHECK ((use = 'enhancement') = (enhancement_id IS NOT NULL));
CREATE UNIQUE INDEX fhir_claims_enhancement ON fhir_claims (enhancement_id) WHERE enhancement_id IS NOT NULL;
`;
