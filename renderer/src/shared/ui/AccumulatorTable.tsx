import type { ReactNode } from 'react';
import type { AccumulatorEnquiryValue } from '@contract/accumulators';

/** One accumulator as the server states it (FHIR benefitBalance shape, issue 14). */
export type AccumulatorLine = AccumulatorEnquiryValue['benefitBalance'][number];

const typeLabels: Record<AccumulatorLine['type'], string> = { deductible: 'deductible', 'out-of-pocket-maximum': 'out of pocket', benefit: 'plan paid' };
const categoryLabels: Record<AccumulatorLine['category'], string> = { combined: '', medical: ', medical', pharmacy: ', pharmacy' };

/** How an accumulator line reads: whose, what, which coverage ("Family: deductible, medical"). */
export function accumulatorLabel(line: AccumulatorLine): string {
  return `${line.unit === 'family' ? 'Family' : 'Member'}: ${typeLabels[line.type]}${categoryLabels[line.category]}`;
}

/**
 * Allowed, used and remaining per accumulator: the desk's benefits panel and the console's case
 * screen show the same table. `money` renders an amount in the page's own money format.
 */
export function AccumulatorTable({
  lines,
  caption,
  money,
}: {
  readonly lines: readonly AccumulatorLine[];
  readonly caption: string;
  readonly money: (minor: number) => ReactNode;
}) {
  return (
    <table className="data-table">
      <caption>{caption}</caption>
      <thead>
        <tr>
          <th scope="col">Accumulator</th>
          <th scope="col" className="number">
            Allowed
          </th>
          <th scope="col" className="number">
            Used
          </th>
          <th scope="col" className="number">
            Remaining
          </th>
        </tr>
      </thead>
      <tbody>
        {lines.map((line) => (
          <tr key={`${line.memberId ?? 'family'}-${line.type}-${line.category}`}>
            <th scope="row">{accumulatorLabel(line)}</th>
            <td className="number">{line.allowed === null ? 'no limit' : money(line.allowed)}</td>
            <td className="number">{money(line.used)}</td>
            <td className="number">{line.remaining === null ? '—' : money(line.remaining)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
