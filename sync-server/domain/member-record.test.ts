import { describe, expect, it } from 'vitest';
import { consentExpiry, consentHours, isConsentStanding } from './member-record';

describe('history consent rule', () => {
  const grantedAt = new Date('2026-03-01T10:00:00Z');
  const expiresAt = consentExpiry(grantedAt);

  it('lasts 72 hours from the grant', () => {
    expect(consentHours).toBe(72);
    expect(expiresAt.toISOString()).toBe('2026-03-04T10:00:00.000Z');
  });

  it('stands while the case is admitted and its time is not up', () => {
    expect(isConsentStanding({ expiresAt, caseStatus: 'admitted' }, new Date('2026-03-04T09:59:59Z'))).toBe(true);
    expect(isConsentStanding({ expiresAt, caseStatus: 'admitted' }, new Date('2026-03-04T10:00:00Z'))).toBe(false);
  });

  it('ends with the discharge or cancellation of its case, whatever time is left', () => {
    const early = new Date('2026-03-01T11:00:00Z');
    expect(isConsentStanding({ expiresAt, caseStatus: 'discharged' }, early)).toBe(false);
    expect(isConsentStanding({ expiresAt, caseStatus: 'cancelled' }, early)).toBe(false);
  });
});
