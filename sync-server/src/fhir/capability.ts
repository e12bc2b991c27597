import type { CapabilityStatement, CapabilityStatementRestResource } from '@medplum/fhirtypes';

/**
 * The search parameters each resource type takes (searches with any other parameter are refused,
 * 400, rather than silently answered as if it were not there). The CapabilityStatement is built
 * from this same table, so it cannot promise a search the server does not do.
 */
export const searchParameters = {
  Patient: { _id: 'token', identifier: 'token' },
  Group: { _id: 'token', identifier: 'token', member: 'reference' },
  Coverage: { _id: 'token', beneficiary: 'reference', patient: 'reference' },
  Organization: { _id: 'token', identifier: 'token' },
  InsurancePlan: { _id: 'token', identifier: 'token' },
  Claim: { _id: 'token', identifier: 'token', patient: 'reference', use: 'token' },
  ClaimResponse: { _id: 'token', identifier: 'token', patient: 'reference', request: 'reference', use: 'token' },
  PaymentReconciliation: { _id: 'token', request: 'reference' },
  Task: { _id: 'token', focus: 'reference', status: 'token' },
} as const satisfies Record<string, Record<string, 'token' | 'reference'>>;
export type SearchableType = keyof typeof searchParameters;
export const searchableTypes = Object.keys(searchParameters) as SearchableType[];

const documentation: Record<SearchableType, string> = {
  Patient:
    "Scheme members. Search by identifier (scheme member id) is a lookup like a desk's identify-member: limited and audited, and it lets the hospital reach the family for a day.",
  Group: 'Families (the members sharing one floater cover).',
  Coverage: "A member's view of the family floater cover of the open policy year.",
  Organization: 'Hospitals, and the scheme (scheme-<id>), which is the insurer and payer.',
  InsurancePlan: 'Treatment packages, each price version one plan (newest first).',
  Claim:
    'Pre-authorizations (use = preauthorization, id = the case), enhancement requests (use = preauthorization naming the pre-auth it extends in insurance.preAuthRef or related.claim; one item, net = the amount more, supportingInfo.valueString = why; workflow code 13) and claims (use = claim). Create with POST [base]/Claim (If-None-Exist: identifier=system|value) or [base]/Claim/$submit.',
  ClaimResponse:
    'The decision on a pre-auth (preAuthRef = the hold; the hold and shortfall in item.adjudication and total) or on a claim (line decisions with reason codes, payment).',
  PaymentReconciliation: 'Payments to the hospital: one per payment, one detail per claim, the government/insurer split in processNote.',
  Task: "A reviewer's query on a pre-authorization (meta.versionId = the query's round) and the hospital's response. Answer it with PUT [base]/Task/[id]: the Task read, status completed, the answer as an output valueString (scope system/Task.write).",
};

export function capabilityStatement(base: string, tokenEndpoint: string, software: { version: string }): CapabilityStatement {
  const resources: CapabilityStatementRestResource[] = searchableTypes.map((type) => ({
    type,
    documentation: documentation[type],
    interaction: [
      { code: 'read' },
      { code: 'search-type' },
      ...(type === 'Claim' ? [{ code: 'create' as const, documentation: 'Same as $submit: answers the ClaimResponse' }] : []),
      ...(type === 'Task' ? [{ code: 'update' as const, documentation: "Answer the reviewer's query: status completed, the answer in output" }] : []),
    ],
    ...(type === 'Claim' ? { conditionalCreate: true } : {}),
    ...(type === 'Task' ? { updateCreate: false, versioning: 'versioned' as const } : {}),
    searchParam: [
      ...Object.entries(searchParameters[type]).map(([name, kind]) => ({ name, type: kind })),
      { name: '_count', type: 'number' as const, documentation: 'Page size, 1 to 200 (default 50)' },
      { name: '_offset', type: 'number' as const, documentation: 'How many matches to skip (the next link sets it)' },
    ],
    ...(type === 'Claim'
      ? {
          operation: [
            {
              name: 'submit',
              definition: 'http://hl7.org/fhir/OperationDefinition/Claim-submit',
              documentation:
                'use = preauthorization: admit + pre-auth + hold (12), or, naming an existing pre-auth, an enhancement request (13); use = claim: the items booked, discharge and the claim (15). Answers the ClaimResponse.',
            },
          ],
        }
      : {}),
  }));
  resources.push({
    type: 'CoverageEligibilityRequest',
    documentation:
      'POST a request (also at [base]/CoverageEligibilityRequest/$submit): answered with a CoverageEligibilityResponse, cover allowed and used. Not stored.',
    interaction: [{ code: 'create' }],
  });
  return {
    resourceType: 'CapabilityStatement',
    status: 'active',
    date: '2026-12-07',
    publisher: 'CoverDesk',
    kind: 'instance',
    software: { name: 'CoverDesk sync server', version: software.version },
    implementation: { description: 'CoverDesk FHIR R4 interface for hospital systems', url: base },
    fhirVersion: '4.0.1',
    format: ['application/fhir+json', 'json'],
    rest: [
      {
        mode: 'server',
        documentation: 'Amounts are Money in the scheme currency. Errors are OperationOutcome with the refusal code in issue.details.coding.',
        security: {
          extension: [
            {
              url: 'http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris',
              extension: [{ url: 'token', valueUri: tokenEndpoint }],
            },
          ],
          service: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/restful-security-service', code: 'SMART-on-FHIR' }] }],
          description:
            'SMART Backend Services: client credentials with a private_key_jwt assertion (RS384 or ES384) at the token endpoint; clients are registered by HA for one hospital. Desk operators may also use their bearer token.',
        },
        resource: resources,
      },
    ],
  };
}
