/**
 * Words for the contract's states. Exhaustive switches: a state added to the contract fails
 * compilation here instead of showing a raw code to an operator.
 */
import type { BookingStatus, CaseView, IdentityMethod, PreauthStatus } from '@desk-api/contract';
import { reasonCodes } from '@domain/adjudication';
import { assertNever } from '@domain/outcomes';
import { isOneOf } from '../desk-client/wire-messages';

export type Tone = 'good' | 'waiting' | 'warning' | 'bad' | 'neutral';

export function caseStatusLabel(status: CaseView['status']): { readonly text: string; readonly tone: Tone } {
  switch (status) {
    case 'admitted':
      return { text: 'Admitted', tone: 'good' };
    case 'pending-sync':
      return { text: 'Admitted on this desk, not yet confirmed by the server', tone: 'waiting' };
    case 'discharged':
      return { text: 'Discharged', tone: 'neutral' };
    case 'cancelled':
      return { text: 'Cancelled', tone: 'neutral' };
    case 'rejected':
      return { text: 'Refused by the server', tone: 'bad' };
    default:
      return assertNever(status);
  }
}

export function preauthStatusLabel(status: PreauthStatus): { readonly text: string; readonly tone: Tone } {
  switch (status) {
    case 'not-requested':
      return { text: 'Not requested', tone: 'neutral' };
    case 'pending-sync':
      return { text: 'Waiting to be sent (desk offline)', tone: 'waiting' };
    case 'pending':
      return { text: 'Waiting for the pre-auth reviewer', tone: 'waiting' };
    case 'queried':
      return { text: 'Queried: the reviewer needs an answer', tone: 'warning' };
    case 'committee-review':
      return { text: 'With the Medical Committee', tone: 'waiting' };
    case 'admin-review':
      return { text: 'Waiting for Admin approval', tone: 'waiting' };
    case 'approved':
      return { text: 'Approved', tone: 'good' };
    case 'rejected':
      return { text: 'Rejected', tone: 'bad' };
    case 'cancelled':
      return { text: 'Cancelled', tone: 'neutral' };
    default:
      return assertNever(status);
  }
}

export function bookingStatusLabel(status: BookingStatus, isVoided: boolean): { readonly text: string; readonly tone: Tone } {
  if (isVoided) return { text: 'Voided', tone: 'neutral' };
  switch (status) {
    case 'pending':
      return { text: 'Pending: not yet placed by the server', tone: 'waiting' };
    case 'covered':
      return { text: 'Covered', tone: 'good' };
    case 'partly-covered':
      return { text: 'Partly covered', tone: 'warning' };
    case 'shortfall':
      return { text: 'Shortfall: patient pays', tone: 'bad' };
    case 'rejected':
      return { text: 'Rejected', tone: 'bad' };
    default:
      return assertNever(status);
  }
}

const identityMethodLabels: Readonly<Record<IdentityMethod, string>> = {
  fingerprint: 'Fingerprint',
  face: 'Face',
  otp: 'OTP to the registered phone',
  override: 'Supervisor override',
  document: 'Identity document',
};

/** CaseView.identityMethod is a plain string on the wire: unknown methods show as sent. */
export function identityMethodLabel(method: string): string {
  const methods = Object.keys(identityMethodLabels) as IdentityMethod[];
  return isOneOf(methods, method) ? identityMethodLabels[method] : method;
}

/** The payer's claim-line reason codes (sync-server/domain/adjudication.ts) in words; a code this desk does not know is shown as sent. */
export function claimReasonLabel(code: string | null): string {
  if (code === null) return '';
  if (!isOneOf(reasonCodes, code)) return code;
  switch (code) {
    case 'not-medically-necessary':
      return 'Not medically necessary';
    case 'tariff-exceeded':
      return 'Above the package tariff';
    case 'not-covered':
      return 'Not covered by the scheme';
    case 'duplicate-billing':
      return 'Billed twice';
    case 'insufficient-documents':
      return 'Supporting documents missing';
    case 'length-of-stay-excess':
      return 'Stay longer than the package allows';
    case 'other':
      return 'Other (ask the payer)';
    default:
      return assertNever(code);
  }
}
