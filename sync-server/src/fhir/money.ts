import type { Money } from '@medplum/fhirtypes';
import { fail } from '@domain/outcomes';
import { maxAmount } from '@domain/money';

/**
 * FHIR Money is a decimal in currency units (6000.50 rupees); CoverDesk counts integer minor units
 * (600050 paise). Out: minor / minor_per_unit, whose shortest JSON form is the decimal a person
 * writes (integers divided by 100 print exactly, e.g. 59.99). In: refused unless the decimal is
 * a whole number of minor units, positive, within maxAmount, in the scheme's currency.
 */
export interface Currency {
  readonly code: string;
  readonly minorPerUnit: number;
}

export function moneyOf(minor: number, currency: Currency): Money {
  // The scheme's currency is an ISO 4217 code (schemes.currency); Money's type lists them all.
  return { value: minor / currency.minorPerUnit, currency: currency.code as Money['currency'] };
}

export function minorOf(money: Money | undefined, currency: Currency, where: string, options: { allowZero?: boolean } = {}): number {
  if (money?.value === undefined) throw fail('invalid-input', `${where} needs a value in ${currency.code}.`);
  if (money.currency !== undefined && money.currency !== currency.code) {
    throw fail('invalid-input', `${where} is in ${money.currency}; this scheme pays in ${currency.code}.`);
  }
  const scaled = money.value * currency.minorPerUnit;
  const minor = Math.round(scaled);
  // A decimal with more places than the currency has (60.005 rupees) is not an amount we can hold.
  if (Math.abs(scaled - minor) > 1e-9 * Math.max(1, Math.abs(scaled))) {
    throw fail('invalid-input', `${where} (${money.value}) has more decimal places than ${currency.code} has.`);
  }
  if (minor < (options.allowZero ? 0 : 1) || minor > maxAmount) {
    throw fail(
      'invalid-input',
      `${where} (${money.value}) must be ${options.allowZero ? 'at least 0' : 'more than 0'} and at most ${maxAmount / currency.minorPerUnit}.`,
    );
  }
  return minor;
}
