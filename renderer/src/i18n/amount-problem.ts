import type { AmountParse } from '../shared/money';
import type { Translate } from './translate';

/** A refused typed amount (shared/money.ts parseAmount) in the operator's language. */
export function amountProblemText(problem: Extract<AmountParse, { ok: false }>, t: Translate): string {
  switch (problem.code) {
    case 'empty':
      return t('amount.empty');
    case 'not-a-number':
      return t('amount.notANumber');
    case 'no-decimals':
      return t('amount.noDecimals');
    case 'too-many-decimals':
      return t('amount.tooManyDecimals', { digits: problem.fractionDigits });
    case 'too-large':
      return t('amount.tooLarge');
  }
}
