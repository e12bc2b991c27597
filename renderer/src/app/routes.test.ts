import { describe, expect, it } from 'vitest';
import { parseRoute, routeToHash, type Route } from './routes';
import { matchesShortcut, type KeyLike } from './shortcuts';

describe('routes', () => {
  it('round-trip through the hash', () => {
    const routes: Route[] = [
      { screen: 'find' },
      { screen: 'cases' },
      { screen: 'figures' },
      { screen: 'family', familyId: 'f-1' },
      { screen: 'identify', familyId: 'f-1', memberId: 'm/2' },
      { screen: 'admit', familyId: 'f-1', memberId: 'm-2', method: 'override' },
      { screen: 'case', caseId: 'case-0001' },
    ];
    for (const route of routes) expect(parseRoute(routeToHash(route))).toEqual(route);
  });

  it('falls back to the find screen for anything unknown or incomplete', () => {
    expect(parseRoute('')).toEqual({ screen: 'find' });
    expect(parseRoute('#/nowhere')).toEqual({ screen: 'find' });
    expect(parseRoute('#/case')).toEqual({ screen: 'find' });
    expect(parseRoute('#/admit/f/m/telepathy')).toEqual({ screen: 'find' });
  });
});

describe('shortcuts', () => {
  const key = (overrides: Partial<KeyLike>): KeyLike => ({ key: '', code: '', altKey: false, ctrlKey: false, metaKey: false, shiftKey: false, ...overrides });

  it('match Alt+letter on the physical key, whatever character the layout produces', () => {
    expect(matchesShortcut(key({ key: 'ƒ', code: 'KeyF', altKey: true }), 'Alt+F')).toBe(true);
    expect(matchesShortcut(key({ key: 'f', code: 'KeyF' }), 'Alt+F')).toBe(false);
    expect(matchesShortcut(key({ key: 'f', code: 'KeyF', altKey: true, ctrlKey: true }), 'Alt+F')).toBe(false);
  });

  it('match function keys and Shift combinations exactly', () => {
    expect(matchesShortcut(key({ key: 'F1', code: 'F1' }), 'F1')).toBe(true);
    expect(matchesShortcut(key({ key: 'F1', code: 'F1', shiftKey: true }), 'F1')).toBe(false);
    expect(matchesShortcut(key({ key: 'V', code: 'KeyV', altKey: true, shiftKey: true }), 'Alt+Shift+V')).toBe(true);
  });
});
