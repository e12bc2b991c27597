import { describe, expect, it } from 'vitest';
import { firstSyncText } from './DeskHeader';

describe('the desk header while a new desk sets itself up', () => {
  it('says how many records have arrived and what it means for search', () => {
    expect(firstSyncText(125_000, null)).toBe('Setting up this desk: 1,25,000 records received so far; search covers the whole registry once this finishes');
    expect(firstSyncText(1, null)).toMatch(/^Setting up this desk: 1 record received so far/);
  });

  it('says it is paused, why, and that it resumes by itself', () => {
    expect(firstSyncText(40_000, 'The sync server cannot be reached.')).toBe(
      'Setting up this desk: paused at 40,000 records received (The sync server cannot be reached.); it resumes by itself',
    );
  });
});
