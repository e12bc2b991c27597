/**
 * Every way a command can be refused, by name. Business rejections (`kind: 'rejection'`) are
 * answers: they are stored against the command id so a retry gets the same answer. Input, auth
 * and not-found refusals are errors: nothing at all is written for them.
 */
export type RejectionCode =
  | 'case-already-active'
  | 'case-not-admitted'
  | 'case-already-discharged'
  | 'preauth-already-requested'
  | 'preauth-not-requested'
  | 'preauth-not-pending'
  | 'preauth-not-approved'
  | 'preauth-rejected'
  | 'preauth-not-decided'
  | 'bookings-covered'
  | 'case-total-too-large'
  | 'authorized-too-large'
  | 'package-not-unspecified'
  | 'estimate-required'
  | 'insufficient-cover'
  | 'enhancement-not-pending'
  | 'enhancement-already-pending'
  | 'booking-already-voided'
  | 'booking-closed'
  | 'claim-amount-mismatch'
  | 'claim-already-submitted'
  | 'claim-nothing-covered'
  | 'claim-not-discharged'
  | 'claim-state-invalid'
  | 'claim-lines-mismatch'
  | 'line-amount-invalid'
  | 'payment-hospital-mixed'
  | 'claim-not-approved'
  | 'case-has-claim'
  | 'booking-exists'
  | 'already-registered'
  | 'emergency-already-merged'
  | 'identity-not-proven'
  | 'identity-locked'
  | 'otp-resend-too-soon'
  | 'otp-send-limit'
  | 'already-reviewed'
  | 'biometric-already-enrolled'
  | 'biometric-not-enrolled'
  | 'replacement-already-pending'
  | 'desk-already-revoked'
  | 'operator-self-lockout'
  | 'payment-exceeds-balance'
  | 'refund-exceeds-credit'
  | 'payment-exists'
  | 'secondary-claim-decided'
  | 'secondary-claim-withdrawn'
  | 'secondary-claim-undecided'
  | 'remittance-exceeds-owed'
  | 'refund-exceeds-overpaid'
  | 'e-card-active'
  | 'e-card-revoked'
  | 'identifier-linked'
  | 'identifier-linked-elsewhere'
  | 'identifier-unlinked'
  | 'family-change-pending'
  | 'family-change-decided';

export type ErrorCode =
  | 'malformed-json'
  | 'invalid-input'
  | 'duplicate-key'
  | 'invalid-text'
  | 'unsupported-media-type'
  | 'payload-too-large'
  | 'unauthenticated'
  | 'invalid-credentials'
  | 'forbidden-role'
  | 'operator-proof-refused'
  | 'enrolment-out-of-scope'
  | 'second-factor-refused'
  | 'consent-refused'
  | 'consent-required'
  | 'documents-missing'
  | 'not-found'
  | 'command-id-reused'
  | 'path-too-long'
  | 'protocol-mismatch'
  | 'desk-update-required'
  | 'command-failed'
  | 'too-many-requests'
  | 'service-busy'
  | 'database-unavailable'
  | 'internal-error';

export type Refusal =
  | { readonly kind: 'rejection'; readonly code: RejectionCode; readonly message: string; readonly details?: Record<string, unknown> }
  | { readonly kind: 'error'; readonly code: ErrorCode; readonly message: string; readonly details?: Record<string, unknown> };

/** HTTP status per refusal: business rejections are 409 (the request was fine, the state says no). */
export function httpStatusOf(refusal: Refusal): number {
  if (refusal.kind === 'rejection') return 409;
  const code = refusal.code;
  switch (code) {
    case 'malformed-json':
    case 'invalid-input':
    case 'duplicate-key':
    case 'invalid-text':
    case 'protocol-mismatch':
      return 400;
    case 'unauthenticated':
    case 'invalid-credentials':
      return 401;
    case 'forbidden-role':
      return 403;
    // A desk's change or request without a valid signature of its operator (issue 13 item 4).
    case 'operator-proof-refused':
      return 403;
    // A biometric enrolment without an admitted case of the member at the operator's hospital, or
    // without its verified one-time code (issue 13 item 5): refused like a role, nothing written.
    case 'enrolment-out-of-scope':
    case 'second-factor-refused':
      return 403;
    // The member's cross-hospital history (issue 16): a consent whose one-time code does not back
    // it, and a look at the history without a standing consent. Refused, nothing written.
    case 'consent-refused':
    case 'consent-required':
      return 403;
    case 'not-found':
      return 404;
    case 'command-id-reused':
      return 409;
    case 'unsupported-media-type':
      return 415;
    case 'payload-too-large':
      return 413;
    // A desk's mutation the server could not process for a reason a retry cannot change: its
    // final answer, recorded so the desk's outbox moves on (4xx: desks never resend it).
    case 'command-failed':
      return 422;
    // A pre-auth, query response or claim without the documents its package requires (issue 19):
    // the request is well-formed but cannot be processed until they are attached; nothing written.
    case 'documents-missing':
      return 422;
    // An id in the address longer than any id (the router's maxParamLength): the address is wrong.
    case 'path-too-long':
      return 414;
    // A desk app below the scheme's minimum version pushes nothing until it is updated (issue 23);
    // it keeps its outbox and sends it once updated.
    case 'desk-update-required':
      return 426;
    // Lookups and one-time codes past an operator's or a member's limit (issue 13 item 8).
    case 'too-many-requests':
      return 429;
    // Every database connection stayed busy past the wait limit: retry shortly (Retry-After).
    case 'service-busy':
      return 503;
    // The database went away under the request (a failover in progress, issue 18): retry shortly;
    // a command sent again under its id is answered once, never applied twice.
    case 'database-unavailable':
      return 503;
    case 'internal-error':
      return 500;
    default:
      return assertNever(code);
  }
}

export function assertNever(value: never): never {
  throw new Error(`Unhandled case: ${String(value)}`);
}

/** Thrown inside command handlers; the command runner turns it into an answer or an error. */
export class RefusedError extends Error {
  constructor(readonly refusal: Refusal) {
    super(refusal.message);
    this.name = 'RefusedError';
  }
}

export function reject(code: RejectionCode, message: string, details?: Record<string, unknown>): RefusedError {
  return new RefusedError({ kind: 'rejection', code, message, ...(details ? { details } : {}) });
}

export function fail(code: ErrorCode, message: string, details?: Record<string, unknown>): RefusedError {
  return new RefusedError({ kind: 'error', code, message, ...(details ? { details } : {}) });
}
