import { describe, expect, it } from 'vitest';
import { ageInYears, birthDateProblem, effectiveDate, isCalendarDay, relationOf, requiredFamilyDocument } from './family-changes';

describe('family changes: the pure rules', () => {
  it('each change needs its certificate, and the relation follows the kind and gender', () => {
    expect(requiredFamilyDocument).toEqual({ newborn: 'birth-certificate', spouse: 'marriage-certificate' });
    expect([relationOf('newborn', 'M'), relationOf('newborn', 'F'), relationOf('newborn', 'X'), relationOf('spouse', 'F')]).toEqual([
      'son',
      'daughter',
      'other',
      'spouse',
    ]);
  });

  it('a date of birth is a calendar day, not after today; a newborn is at most 365 days old', () => {
    expect(isCalendarDay('2026-02-28')).toBe(true);
    expect(isCalendarDay('2026-02-29')).toBe(false);
    expect(isCalendarDay('2026-2-1')).toBe(false);
    expect(birthDateProblem('newborn', '2026-12-05', '2026-12-08')).toBeNull();
    expect(birthDateProblem('newborn', '2026-12-08', '2026-12-08')).toBeNull();
    expect(birthDateProblem('newborn', '2026-12-09', '2026-12-08')).toBe('in-the-future');
    expect(birthDateProblem('newborn', '2025-12-08', '2026-12-08')).toBeNull();
    expect(birthDateProblem('newborn', '2025-12-07', '2026-12-08')).toBe('too-old-for-newborn');
    expect(birthDateProblem('spouse', '1990-04-02', '2026-12-08')).toBeNull();
    expect(birthDateProblem('spouse', '1899-12-31', '2026-12-08')).toBe('before-1900');
    expect(birthDateProblem('spouse', '2026-13-01', '2026-12-08')).toBe('not-a-date');
  });

  it('a newborn is covered from birth, a spouse from the approval day', () => {
    expect(effectiveDate('newborn', '2026-12-03', '2026-12-08')).toBe('2026-12-03');
    expect(effectiveDate('spouse', '1990-04-02', '2026-12-08')).toBe('2026-12-08');
  });

  it('age in whole years for the emergency record, 0 for a newborn', () => {
    expect(ageInYears('2026-12-03', '2026-12-08')).toBe(0);
    expect(ageInYears('1990-12-09', '2026-12-08')).toBe(35);
    expect(ageInYears('1990-12-08', '2026-12-08')).toBe(36);
  });
});
