import { createElement } from 'react';
import { describe, expect, it } from 'vitest';
import type { DeskConnection } from '../../desk-client/desk-link';
import { languageKey, type LanguageStorage } from '../../i18n/language-store';
import { LanguageProvider } from '../../i18n/LanguageProvider';
import type { Language } from '../../i18n/languages';
import { translatorFor } from '../../i18n/translate';
import { markupOf, textOf, unlabelledControls } from '../../testing/markup';
import { connectionText, firstSyncText } from '../status/DeskHeader';
import { SignInScreen } from './SignInScreen';

function storageWith(language: Language): LanguageStorage {
  const entries: Record<string, string> = { [languageKey('desk', null)]: language };
  return { getItem: (key) => entries[key] ?? null, setItem: (key, value) => void (entries[key] = value) };
}

/** The sign-in screen never calls the desk before a submit: a connection that would fail says so. */
const unusedClient = {
  call: () => Promise.reject(new Error('not called while rendering')),
} as unknown as DeskConnection;

function signInIn(language: Language): string {
  return markupOf(
    createElement(LanguageProvider, {
      scope: 'desk',
      storage: storageWith(language),
      children: createElement(SignInScreen, { client: unusedClient, onSignedIn: () => undefined }),
    }),
  );
}

describe("the desk in the operator's language (issue 19)", () => {
  it('the sign-in screen in Marathi and Hindi, with the switch offering all three languages', () => {
    const marathi = signInIn('mr');
    expect(textOf(marathi)).toContain('CoverDesk रुग्ण दाखल डेस्क');
    expect(textOf(marathi)).toContain('भाषा');
    expect(marathi).toContain('lang="mr"');
    expect(marathi).toContain('lang="hi"');
    expect(unlabelledControls(marathi)).toEqual([]);
    expect(textOf(signInIn('hi'))).toContain('CoverDesk भर्ती डेस्क');
    expect(textOf(signInIn('en'))).toContain('CoverDesk admission desk');
  });

  it("the header's connection line and first-sync count in Marathi, the count in the Indian grouping", () => {
    const { t } = translatorFor('mr');
    expect(connectionText({ state: 'online', isOnline: true, lastError: null, firstSync: null }, t)).toBe('ऑनलाइन');
    expect(
      connectionText(
        { state: 'offline', isOnline: false, lastError: { code: 'unreachable', message: 'x', at: '2026-12-07T10:00:00.000Z' }, firstSync: null },
        t,
      ),
    ).toMatch(/^ऑफलाइन: सर्व्हरपर्यंत पोहोचता येत नाही;/);
    expect(firstSyncText(123_456, null, t)).toContain('1,23,456 नोंदी मिळाल्या');
    expect(firstSyncText(1, null)).toBe('Setting up this desk: 1 record received so far; search covers the whole registry once this finishes');
  });
});
