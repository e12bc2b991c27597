/**
 * Words for the contract's states. Exhaustive switches: a state added to the contract fails
 * compilation here instead of showing a raw code to an operator. Each takes the operator's `t`
 * last (issue 19); without one it speaks English, as the desk screens still do.
 */
import type { BookingStatus, CaseView, IdentityMethod, PreauthStatus } from '@desk-api/contract';
import { reasonCodes } from '@domain/adjudication';
import { assertNever } from '@domain/outcomes';
import { isOneOf } from '../desk-client/wire-messages';
import type { MessageId } from '../i18n/catalog';
import { english, type Translate } from '../i18n/translate';

export type Tone = 'good' | 'waiting' | 'warning' | 'bad' | 'neutral';

export function caseStatusLabel(status: CaseView['status'], t: Translate = english.t): { readonly text: string; readonly tone: Tone } {
  switch (status) {
    case 'admitted':
      return { text: t('label.case.admitted'), tone: 'good' };
    case 'pending-sync':
      return { text: t('label.case.pendingSync'), tone: 'waiting' };
    case 'discharged':
      return { text: t('label.case.discharged'), tone: 'neutral' };
    case 'cancelled':
      return { text: t('label.case.cancelled'), tone: 'neutral' };
    case 'rejected':
      return { text: t('label.case.rejected'), tone: 'bad' };
    default:
      return assertNever(status);
  }
}

export function preauthStatusLabel(status: PreauthStatus, t: Translate = english.t): { readonly text: string; readonly tone: Tone } {
  switch (status) {
    case 'not-requested':
      return { text: t('label.preauth.notRequested'), tone: 'neutral' };
    case 'pending-sync':
      return { text: t('label.preauth.pendingSync'), tone: 'waiting' };
    case 'pending':
      return { text: t('label.preauth.pending'), tone: 'waiting' };
    case 'queried':
      return { text: t('label.preauth.queried'), tone: 'warning' };
    case 'committee-review':
      return { text: t('label.preauth.committeeReview'), tone: 'waiting' };
    case 'admin-review':
      return { text: t('label.preauth.adminReview'), tone: 'waiting' };
    case 'approved':
      return { text: t('label.preauth.approved'), tone: 'good' };
    case 'rejected':
      return { text: t('label.preauth.rejected'), tone: 'bad' };
    case 'cancelled':
      return { text: t('label.preauth.cancelled'), tone: 'neutral' };
    default:
      return assertNever(status);
  }
}

export function bookingStatusLabel(status: BookingStatus, isVoided: boolean, t: Translate = english.t): { readonly text: string; readonly tone: Tone } {
  if (isVoided) return { text: t('label.booking.voided'), tone: 'neutral' };
  switch (status) {
    case 'pending':
      return { text: t('label.booking.pending'), tone: 'waiting' };
    case 'covered':
      return { text: t('label.booking.covered'), tone: 'good' };
    case 'partly-covered':
      return { text: t('label.booking.partlyCovered'), tone: 'warning' };
    case 'shortfall':
      return { text: t('label.booking.shortfall'), tone: 'bad' };
    case 'rejected':
      return { text: t('label.booking.rejected'), tone: 'bad' };
    default:
      return assertNever(status);
  }
}

const identityMethodLabels: Readonly<Record<IdentityMethod, MessageId>> = {
  fingerprint: 'label.identity.fingerprint',
  face: 'label.identity.face',
  otp: 'label.identity.otp',
  override: 'label.identity.override',
  document: 'label.identity.document',
};

/** CaseView.identityMethod is a plain string on the wire: unknown methods show as sent. */
export function identityMethodLabel(method: string, t: Translate = english.t): string {
  const methods = Object.keys(identityMethodLabels) as IdentityMethod[];
  return isOneOf(methods, method) ? t(identityMethodLabels[method]) : method;
}

/** The payer's claim-line reason codes (sync-server/domain/adjudication.ts) in words; a code this desk does not know is shown as sent. */
export function claimReasonLabel(code: string | null, t: Translate = english.t): string {
  if (code === null) return '';
  if (!isOneOf(reasonCodes, code)) return code;
  switch (code) {
    case 'not-medically-necessary':
      return t('label.reason.notMedicallyNecessary');
    case 'tariff-exceeded':
      return t('label.reason.tariffExceeded');
    case 'not-covered':
      return t('label.reason.notCovered');
    case 'duplicate-billing':
      return t('label.reason.duplicateBilling');
    case 'insufficient-documents':
      return t('label.reason.insufficientDocuments');
    case 'length-of-stay-excess':
      return t('label.reason.lengthOfStayExcess');
    case 'other':
      return t('label.reason.other');
    default:
      return assertNever(code);
  }
}
