import type { ReactNode } from 'react';
import type { AccumulatorEnquiryValue } from '@contract/accumulators';
import type { MessageId } from '../../i18n/catalog';
import { useTranslator } from '../../i18n/LanguageProvider';
import { english, type Translate } from '../../i18n/translate';

/** One accumulator as the server states it (FHIR benefitBalance shape, issue 14). */
export type AccumulatorLine = AccumulatorEnquiryValue['benefitBalance'][number];

const typeLabels: Record<AccumulatorLine['type'], MessageId> = {
  deductible: 'accumulator.type.deductible',
  'out-of-pocket-maximum': 'accumulator.type.outOfPocket',
  benefit: 'accumulator.type.planPaid',
};

/** How an accumulator line reads: whose, what, which coverage ("Family: deductible, medical"). */
export function accumulatorLabel(line: AccumulatorLine, t: Translate = english.t): string {
  return t('accumulator.label', { unit: line.unit === 'family' ? 'family' : 'member', type: t(typeLabels[line.type]), category: line.category });
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
  const { t } = useTranslator();
  const columns = [t('accumulator.allowed'), t('accumulator.used'), t('accumulator.remaining')] as const;
  return (
    <div className="accumulator-table">
      <table className="data-table" role="table">
        <caption>{caption}</caption>
        <thead role="rowgroup">
          <tr role="row">
            <th scope="col" role="columnheader">
              {t('accumulator.column')}
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
                {accumulatorLabel(line, t)}
              </th>
              <td role="cell" className="number" data-label={columns[0]}>
                {line.allowed === null ? t('accumulator.noLimit') : money(line.allowed)}
              </td>
              <td role="cell" className="number" data-label={columns[1]}>
                {money(line.used)}
              </td>
              <td role="cell" className="number" data-label={columns[2]}>
                {line.remaining === null ? '—' : money(line.remaining)}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
