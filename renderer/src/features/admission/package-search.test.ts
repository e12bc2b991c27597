import { describe, expect, it } from 'vitest';
import type { PackageView } from '@desk-api/contract';
import { fakePackages } from '../../../dev/fake-seed';
import { searchPackages } from './package-search';

const catalogue: PackageView[] = fakePackages.map((pkg) => ({ ...pkg, version: 1 }));
const codes = (search: string): string[] => searchPackages(catalogue, search).map((pkg) => pkg.code);

describe('package search', () => {
  it('finds by code', () => {
    expect(codes('MG012')).toEqual(['MG012A']);
    expect(codes('mg0')[0]).toBe('MG001A');
  });

  it('finds by words of the name, in any order', () => {
    expect(codes('dehydration gastro')).toEqual(['MG012A']);
    expect(codes('dengue')).toEqual(['MG006A']);
  });

  it('finds by specialty, including the unspecified code', () => {
    expect(codes('general surgery')).toEqual(['SG039A', 'SG049A', 'SG999U']);
    expect(codes('unspecified')).toEqual(['SG999U']);
  });

  it('lists everything for an empty search', () => {
    expect(codes('  ')).toHaveLength(catalogue.length);
  });
});
