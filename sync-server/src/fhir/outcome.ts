import type { OperationOutcome } from '@medplum/fhirtypes';
import { assertNever, httpStatusOf, type ErrorCode, type Refusal } from '@domain/outcomes';
import { codeSystems } from './config';
import type { R4Issue } from './r4-definitions';

/** R4's issue-type codes (http://hl7.org/fhir/R4/valueset-issue-type.html) this server answers with. */
type IssueType =
  | 'invalid'
  | 'structure'
  | 'required'
  | 'value'
  | 'login'
  | 'forbidden'
  | 'not-found'
  | 'conflict'
  | 'business-rule'
  | 'duplicate'
  | 'too-costly'
  | 'not-supported'
  | 'throttled'
  | 'transient'
  | 'exception';

function issueTypeOfError(code: ErrorCode): IssueType {
  switch (code) {
    case 'malformed-json':
    case 'duplicate-key':
    case 'invalid-text':
      return 'structure';
    case 'invalid-input':
    case 'protocol-mismatch':
      return 'invalid';
    // A desk app below the minimum version (issue 23); /fhir never sends it.
    case 'desk-update-required':
      return 'business-rule';
    // A pre-auth or claim whose package's required documents are not attached (issue 19).
    case 'documents-missing':
      return 'business-rule';
    case 'unauthenticated':
    case 'invalid-credentials':
      return 'login';
    case 'forbidden-role':
      return 'forbidden';
    // A desk change without its operator's signature (issue 13 item 4); /fhir never sends it.
    case 'operator-proof-refused':
      return 'forbidden';
    // Biometric enrolment refusals (issue 13 item 5); /fhir never sends them.
    case 'enrolment-out-of-scope':
    case 'second-factor-refused':
      return 'forbidden';
    // The member's history consent (issue 16); /fhir never sends them.
    case 'consent-refused':
    case 'consent-required':
      return 'forbidden';
    case 'not-found':
      return 'not-found';
    case 'command-id-reused':
      return 'duplicate';
    case 'unsupported-media-type':
      return 'not-supported';
    case 'payload-too-large':
    case 'path-too-long':
      return 'too-costly';
    case 'too-many-requests':
      return 'throttled';
    case 'service-busy':
    case 'database-unavailable':
      return 'transient';
    case 'command-failed':
    case 'internal-error':
      return 'exception';
    default:
      return assertNever(code);
  }
}

/**
 * A refusal as FHIR says it: an OperationOutcome whose one issue carries the R4 issue type, this
 * server's refusal code (the same code the native API answers) and the sentence; the refusal's
 * details, when it has any (a claim's difference, the cover available), as JSON in diagnostics.
 */
export function outcomeOfRefusal(refusal: Refusal): { status: number; outcome: OperationOutcome } {
  const type = refusal.kind === 'rejection' ? 'business-rule' : issueTypeOfError(refusal.code);
  return {
    status: httpStatusOf(refusal),
    outcome: {
      resourceType: 'OperationOutcome',
      issue: [
        {
          severity: 'error',
          code: type,
          details: { coding: [{ system: codeSystems.refusal, code: refusal.code }], text: refusal.message },
          ...(refusal.details ? { diagnostics: JSON.stringify(refusal.details) } : {}),
        },
      ],
    },
  };
}

/** The R4 validator's findings on a request body: 400, one issue per finding, with where it is. */
export function outcomeOfInvalidResource(issues: readonly R4Issue[], what: string): OperationOutcome {
  return {
    resourceType: 'OperationOutcome',
    issue: issues.map((issue) => ({
      severity: issue.severity,
      code: issue.message.startsWith('Missing required') ? 'required' : 'structure',
      details: {
        coding: [{ system: codeSystems.refusal, code: 'invalid-input' }],
        text: `The ${what} is not valid FHIR R4 at ${issue.path || 'its root'}: ${issue.message}.`,
      },
      ...(issue.path ? { expression: [issue.path] } : {}),
    })),
  };
}
