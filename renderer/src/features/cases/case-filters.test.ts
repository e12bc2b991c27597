import { describe, expect, it } from 'vitest';
import type { CaseListItem, PreauthStatus } from '@desk-api/contract';
import { defaultCaseFilters, filterCases } from './case-filters';

type Row = Pick<CaseListItem, 'status' | 'preauthStatus' | 'packageCode' | 'memberName' | 'schemeMemberId' | 'admittedAt'>;

function row(memberName: string, status: Row['status'], preauthStatus: PreauthStatus, admittedAt: string, packageCode: string | null = null): Row {
  return { memberName, status, admittedAt, preauthStatus, packageCode, schemeMemberId: `PMJ-${memberName.slice(0, 3).toUpperCase()}` };
}

const cases: Row[] = [
  row('Ramesh Patil', 'admitted', 'approved', '2026-03-10T08:00:00Z', 'MG012A'),
  row('Sunita Patil', 'pending-sync', 'pending-sync', '2026-03-10T09:00:00Z', 'MG006A'),
  row('Mahesh Jadhav', 'discharged', 'approved', '2026-03-01T08:00:00Z', 'MG006A'),
  row('Arjun Patil', 'admitted', 'queried', '2026-03-09T08:00:00Z', 'SG999U'),
];
const names = (filtered: Row[]): string[] => filtered.map((item) => item.memberName);

describe('case list filters', () => {
  it('shows open cases, newest first, by default', () => {
    expect(names(filterCases(cases, defaultCaseFilters))).toEqual(['Sunita Patil', 'Ramesh Patil', 'Arjun Patil']);
  });

  it('filters by case status and by pre-auth needing attention', () => {
    expect(names(filterCases(cases, { ...defaultCaseFilters, status: 'discharged' }))).toEqual(['Mahesh Jadhav']);
    expect(names(filterCases(cases, { ...defaultCaseFilters, status: 'all', preauth: 'needs-attention' }))).toEqual(['Arjun Patil']);
  });

  it('searches names, scheme IDs and package codes', () => {
    expect(names(filterCases(cases, { status: 'all', preauth: 'all', search: 'mg006a' }))).toEqual(['Sunita Patil', 'Mahesh Jadhav']);
    expect(names(filterCases(cases, { status: 'all', preauth: 'all', search: 'patil ramesh' }))).toEqual(['Ramesh Patil']);
  });
});
