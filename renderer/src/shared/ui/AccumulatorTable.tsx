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
 *
 * The desk shows it in its side column (22rem at a 1366×768 window), too narrow for four columns
 * of amounts: below 28rem of room (a container query in desk.css) each accumulator's row header
 * takes a line and its three figures wrap below it, each with its column's name shown beside it
 * (`data-label`, hidden from screen readers, which have the column headers). The explicit roles
 * keep it a table to assistive technology whatever display the stacked layout gives its parts.
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
    <div className="accumulator-table">
      <table className="data-table" role="table">
        <caption>{caption}</caption>
        <thead role="rowgroup">
          <tr role="row">
            <th scope="col" role="columnheader">
              Accumulator
            </th>
            {columns.map((column) => (
              <th key={column} scope="col" role="columnheader" className="number">
                {column}
              </th>
            ))}
          </tr>
        </thead>
        <tbody role="rowgroup">
          {lines.map((line) => (
            <tr key={`${line.memberId ?? 'family'}-${line.type}-${line.category}`} role="row">
              <th scope="row" role="rowheader">
                {accumulatorLabel(line)}
              </th>
              <td role="cell" className="number" data-label="Allowed">
                {line.allowed === null ? 'no limit' : money(line.allowed)}
              </td>
              <td role="cell" className="number" data-label="Used">
                {money(line.used)}
              </td>
              <td role="cell" className="number" data-label="Remaining">
                {line.remaining === null ? '—' : money(line.remaining)}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

const columns = ['Allowed', 'Used', 'Remaining'] as const;
