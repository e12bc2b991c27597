import { useScheme } from '../../app/desk-context';
import { formatMoneyOrDash } from '../money';

/** An amount in the scheme's currency and locale (₹12,34,567.89 for en-IN). */
export function Money({ minor }: { readonly minor: number | null | undefined }) {
  const scheme = useScheme();
  return <span className="money">{formatMoneyOrDash(minor, scheme)}</span>;
}

export function useMoneyFormat(): (minor: number | null | undefined) => string {
  const scheme = useScheme();
  return (minor) => formatMoneyOrDash(minor, scheme);
}
