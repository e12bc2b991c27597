import { describe, expect, it } from 'vitest';
import { compareDeskVersions, isDeskVersionAllowed, parseDeskVersion } from './desk-version';

// Section 11 of semver.org: 1.0.0-alpha < 1.0.0-alpha.1 < 1.0.0-alpha.beta < 1.0.0-beta < 1.0.0-beta.2
// < 1.0.0-beta.11 < 1.0.0-rc.1 < 1.0.0, and 1.9.0 < 1.10.0 < 1.11.0.
const ordered = [
  '0.9.9',
  '1.0.0-alpha',
  '1.0.0-alpha.1',
  '1.0.0-alpha.beta',
  '1.0.0-beta',
  '1.0.0-beta.2',
  '1.0.0-beta.11',
  '1.0.0-rc.1',
  '1.0.0',
  '1.0.1',
  '1.2.0',
  '1.10.0',
  '2.0.0',
];

describe('desk versions', () => {
  it('orders versions as Semantic Versioning does (the example of section 11, and more)', () => {
    for (const [i, a] of ordered.entries())
      for (const [j, b] of ordered.entries()) {
        const ours = compareDeskVersions(parseDeskVersion(a)!, parseDeskVersion(b)!);
        expect(ours, `${a} vs ${b}`).toBe(Math.sign(i - j));
      }
    expect(compareDeskVersions(parseDeskVersion('1.2.0+build.7')!, parseDeskVersion('1.2.0')!)).toBe(0);
  });

  it('refuses what is not a version', () => {
    for (const text of ['', '1', '1.2', '01.2.3', '1.2.3-', '1.2.3-01', 'v1.2.3', '1.2.3 ', '1.2.3-é', 'x'.repeat(65)]) {
      expect(parseDeskVersion(text), text).toBeNull();
    }
  });

  it('lets a desk push at or above the minimum; no version, or a bad one, is below any minimum', () => {
    expect(isDeskVersionAllowed('1.2.0', null)).toBe(true);
    expect(isDeskVersionAllowed(null, null)).toBe(true);
    expect(isDeskVersionAllowed('1.2.0', '1.2.0')).toBe(true);
    expect(isDeskVersionAllowed('1.10.0', '1.9.3')).toBe(true);
    expect(isDeskVersionAllowed('1.2.0-rc.1', '1.2.0')).toBe(false);
    expect(isDeskVersionAllowed('1.1.9', '1.2.0')).toBe(false);
    expect(isDeskVersionAllowed(null, '1.2.0')).toBe(false);
    expect(isDeskVersionAllowed('latest', '1.2.0')).toBe(false);
  });
});
