import { createElement } from 'react';
import { describe, expect, it } from 'vitest';
import { consoleErrorText } from '../console/app/ConsoleErrorNotice';
import { networkError } from '../console/data/api';
import { PaidPaymentsList } from '../console/payments/PaymentViews';
import { formatMoney } from '../shared/money';
import { markupOf, textOf, unlabelledControls } from '../testing/markup';
import { languageKey, readLanguage, rememberLanguage, type LanguageStorage } from './language-store';
import { LanguageProvider } from './LanguageProvider';
import { LanguageSwitch } from './LanguageSwitch';
import { languages, type Language } from './languages';
import { formatAgeIn, formatTimeIn } from './time';
import { translatorFor } from './translate';

const scheme = { currency: 'INR', locale: 'en-IN', minorPerUnit: 100 };

function memoryStorage(entries: Record<string, string> = {}): LanguageStorage & { readonly entries: Record<string, string> } {
  return {
    entries,
    getItem: (key) => entries[key] ?? null,
    setItem: (key, value) => {
      entries[key] = value;
    },
  };
}

/** A console view rendered in a language, the way the console's page does (the provider reads the choice). */
function renderIn(language: Language, element: ReturnType<typeof createElement>): string {
  const storage = memoryStorage({ [languageKey('console', null)]: language });
  return markupOf(createElement(LanguageProvider, { scope: 'console', storage, children: element }));
}

const payments = [{ reference: 'PAY-HSP-A-20261207-0001', hospitalCode: 'HSP-A', claims: [], approved: 12_34_567_89 }];

describe('amounts in the Indian grouping in every language (issue 19)', () => {
  it('the money formatter writes lakhs and crores with Latin digits, whatever the language on screen', () => {
    expect(formatMoney(1_00_000_00, scheme)).toBe('₹1,00,000.00');
    expect(formatMoney(1_23_45_678_90, scheme)).toBe('₹1,23,45,678.90');
  });

  const expected: Readonly<Record<Language, { readonly heading: string; readonly reference: string }>> = {
    en: { heading: 'Payments made, by reference', reference: 'Reference' },
    hi: { heading: 'किए गए भुगतान, संदर्भ के अनुसार', reference: 'संदर्भ' },
    mr: { heading: 'दिलेली देयके, संदर्भानुसार', reference: 'संदर्भ' },
  };
  for (const language of languages) {
    it(`${language}: a console table says its words in ${language} and its amount as ₹12,34,567.89`, () => {
      const text = textOf(renderIn(language, createElement(PaidPaymentsList, { payments, scheme })));
      expect(text).toContain(expected[language].heading);
      expect(text).toContain(expected[language].reference);
      expect(text).toContain('₹12,34,567.89');
      // No Devanagari digit anywhere: counts, ids and amounts stay in Latin digits.
      expect(text).not.toMatch(/[०-९]/);
    });
  }

  it("why amounts never go through the language's own locale: CLDR's Marathi groups in thousands", () => {
    // The hazard the money formatter avoids (Node 20 and Chromium 156 alike): mr-IN writes
    // ₹१०,०००,०००.०० and even with Latin digits ₹10,000,000.00, not ₹1,00,00,000.00.
    const marathi = new Intl.NumberFormat('mr-IN-u-nu-latn', { style: 'currency', currency: 'INR' }).format(1_00_00_000);
    expect(marathi).not.toBe(formatMoney(1_00_00_000_00, scheme));
  });
});

describe('messages in each language', () => {
  it('plurals follow the language', () => {
    expect(translatorFor('en').t('console.clocks.past', { count: 1 })).toBe('1 stage is past the service level.');
    expect(translatorFor('en').t('console.clocks.past', { count: 3 })).toBe('3 stages are past the service level.');
    expect(translatorFor('mr').t('console.clocks.past', { count: 1 })).toBe('1 टप्प्याने सेवा-स्तर ओलांडला आहे.');
    expect(translatorFor('mr').t('console.clocks.past', { count: 3 })).toBe('3 टप्प्यांनी सेवा-स्तर ओलांडला आहे.');
  });

  it('dates through ICU in the language, with Latin digits in Marathi too', () => {
    const now = new Date('2026-12-07T12:00:00+05:30');
    const earlier = '2026-12-03T16:02:00+05:30';
    expect(formatTimeIn(translatorFor('mr'), earlier, now)).toMatch(/^3 डिसें/);
    expect(formatTimeIn(translatorFor('hi'), earlier, now)).toMatch(/^3 दिस/);
    expect(formatTimeIn(translatorFor('mr'), earlier, now)).not.toMatch(/[०-९]/);
    expect(formatAgeIn(translatorFor('hi'), earlier, now)).toBe('3 दिन पहले');
    expect(formatAgeIn(translatorFor('en'), earlier, now)).toBe('3 days ago');
  });
});

describe("the operator's language, remembered per operator", () => {
  it('is stored for the operator and as this browser’s last choice; an unknown value is ignored', () => {
    const storage = memoryStorage();
    rememberLanguage(storage, 'console', 'op-1', 'mr');
    expect(readLanguage(storage, 'console', 'op-1')).toBe('mr');
    expect(readLanguage(storage, 'console', null)).toBe('mr');
    expect(readLanguage(storage, 'console', 'op-2')).toBeNull();
    expect(readLanguage(storage, 'desk', 'op-1')).toBeNull();
    storage.setItem(languageKey('console', 'op-3'), 'fr');
    expect(readLanguage(storage, 'console', 'op-3')).toBeNull();
  });

  it('survives a profile that refuses storage (still switchable, just not remembered)', () => {
    const refusing: LanguageStorage = {
      getItem: () => {
        throw new Error('SecurityError');
      },
      setItem: () => {
        throw new Error('QuotaExceededError');
      },
    };
    expect(readLanguage(refusing, 'console', 'op-1')).toBeNull();
    expect(() => rememberLanguage(refusing, 'console', 'op-1', 'hi')).not.toThrow();
  });

  it('the switch is a labelled list naming each language in its own script; with one language there is none', () => {
    const html = renderIn('hi', createElement(LanguageSwitch));
    expect(unlabelledControls(html)).toEqual([]);
    expect(textOf(html)).toContain('भाषा');
    expect(html).toContain('<option value="mr" lang="mr">मराठी</option>');
    expect(html).toMatch(/<option value="hi" lang="hi" selected="">हिन्दी<\/option>/);
    const single = markupOf(
      createElement(LanguageProvider, { scope: 'desk', available: ['en'], storage: memoryStorage(), children: createElement(LanguageSwitch) }),
    );
    expect(single).toBe('');
  });
});

describe("the console's own failures in the operator's language, the server's sentences as sent", () => {
  it('translates what the console detected itself, recognised by code and exact English sentence', () => {
    expect(consoleErrorText(networkError, translatorFor('en'))).toBe(networkError.message);
    expect(consoleErrorText(networkError, translatorFor('mr'))).toMatch(/^सर्व्हरपर्यंत पोहोचता येत नाही/);
    const http = { code: 'http-502', status: 502, message: 'The server answered 502 without an explanation. Try again; call IT support if this stays.' };
    expect(consoleErrorText(http, translatorFor('hi'))).toBe('सर्वर ने बिना कारण बताए 502 उत्तर दिया। फिर से कोशिश करें; ऐसा बना रहे तो आईटी सहायता को बुलाएँ।');
  });

  it("leaves a server's answer alone, even under a code the console also uses", () => {
    const fromServer = { code: 'network', message: 'Gateway said the upstream is down.' };
    expect(consoleErrorText(fromServer, translatorFor('mr'))).toBe('Gateway said the upstream is down.');
    const refusal = { code: 'insufficient-cover', message: 'The family has ₹4,000.00 available.' };
    expect(consoleErrorText(refusal, translatorFor('hi'))).toBe(refusal.message);
  });
});
