import { describe, expect, it } from 'vitest';
import type { EmergencyView } from '@desk-api/contract';
import { emergencyTitle, hoursAndMinutes, windowSentence } from './emergency-time';

const base: EmergencyView = {
  caseId: 'c1',
  sex: 'male',
  approximateAge: 45,
  foundAt: 'Ambulance',
  hasPhoto: false,
  admittedAt: '2026-06-09T20:40:00.000Z',
  identifyBy: '2026-06-10T20:40:00.000Z',
  isIdentifyByConfirmed: true,
  remainingMinutes: 1440,
  isOverdue: false,
  status: 'unidentified',
  sync: 'confirmed',
  rejection: null,
  memberId: null,
  mergedAt: null,
};

describe('the window to identify, as the desk says it', () => {
  it('counts hours and minutes left, and says when it is only the desk’s estimate', () => {
    expect(hoursAndMinutes(1440)).toBe('24 h 00 min');
    expect(hoursAndMinutes(45)).toBe('45 min');
    expect(windowSentence(base)).toBe('Identify within 24 h 00 min.');
    expect(windowSentence({ ...base, remainingMinutes: 65, isIdentifyByConfirmed: false })).toBe(
      'Identify within 1 h 05 min (the desk’s estimate until the server confirms).',
    );
  });
  it('flags an overdue patient and a late identification', () => {
    expect(windowSentence({ ...base, remainingMinutes: -1, isOverdue: true })).toMatch(/^Overdue by 1 min/);
    expect(windowSentence({ ...base, status: 'merged', remainingMinutes: null, isOverdue: true })).toMatch(/after the window/);
    expect(emergencyTitle(base)).toBe('Unknown male, about 45');
    expect(emergencyTitle({ sex: 'unknown', approximateAge: 30 })).toBe('Unknown patient, about 30');
  });
});
