import { describe, expect, it } from 'vitest';
import { describeConfirmation, formatAge, formatTime } from './time';

const now = new Date('2026-03-10T10:30:00Z');

describe('confirmation times', () => {
  it('says how old a figure is', () => {
    expect(formatAge('2026-03-10T10:29:40Z', now)).toBe('just now');
    expect(formatAge('2026-03-10T10:26:00Z', now)).toBe('4 min ago');
    expect(formatAge('2026-03-10T07:30:00Z', now)).toBe('3 h ago');
    expect(formatAge('2026-03-07T10:30:00Z', now)).toBe('3 days ago');
  });

  it('shows the date only when it is not today', () => {
    expect(formatTime('2026-03-10T10:26:00Z', 'en-IN', now)).not.toMatch(/Mar/);
    expect(formatTime('2026-03-07T10:26:00Z', 'en-IN', now)).toMatch(/Mar/);
    expect(formatTime('nonsense', 'en-IN', now)).toBe('unknown time');
  });

  it('says plainly when the server never confirmed a figure', () => {
    expect(describeConfirmation(null, 'en-IN', now)).toBe('not yet confirmed by the server');
    expect(describeConfirmation('2026-03-10T10:26:00Z', 'en-IN', now)).toMatch(/^confirmed by the server at .+ \(4 min ago\)$/);
  });
});
