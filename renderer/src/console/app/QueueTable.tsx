import type { ReactNode } from 'react';
import { useTranslator } from '../../i18n/LanguageProvider';
import { StatusBadge } from '../../shared/ui/StatusBadge';
import { caseHash } from './routes';
import { useNow } from './console-context';
import { useTimeLeft, type ClockOf } from './open-clocks';
import { TimeLeftText } from './TimeLeftText';
import { byTimeLeft } from './waiting';
import type { ConsoleCase } from '../data/documents';

export interface QueueRow {
  readonly key: string;
  readonly caseDoc: ConsoleCase;
  readonly what: ReactNode;
  readonly amount: ReactNode;
  readonly status: { readonly text: string; readonly tone: 'good' | 'waiting' | 'warning' | 'bad' | 'neutral' };
  readonly requestedAt: string;
  /** The row's turnaround clock (the stage and what it is of). */
  readonly clock: ClockOf;
}

/**
 * A work queue: patient (link to the case), hospital, request, amount, family available, status,
 * and the time left against the stage's service level from the server's turnaround clock (issue
 * 15). Emergency cases first, then least time left; a paused clock (a query with the hospital)
 * after those running. Before the clocks are read, a row shows its time waiting instead.
 */
export function QueueTable({
  caption,
  rows,
  available,
  empty,
}: {
  readonly caption: string;
  readonly rows: readonly QueueRow[];
  readonly available: (caseDoc: ConsoleCase) => ReactNode;
  readonly empty: string;
}) {
  const now = useNow();
  const leftOf = useTimeLeft();
  const { t } = useTranslator();
  if (rows.length === 0) return <p className="notice notice-info">{empty}</p>;
  const timed = byTimeLeft(rows, {
    left: (row) => leftOf(row.clock),
    isEmergency: (row) => row.caseDoc.isEmergency,
    since: (row) => row.requestedAt,
    key: (row) => row.key,
  });
  return (
    <table className="data-table queue-table">
      <caption>{caption}</caption>
      <thead>
        <tr>
          <th scope="col">{t('console.queue.patient')}</th>
          <th scope="col">{t('console.queue.hospital')}</th>
          <th scope="col">{t('console.queue.request')}</th>
          <th scope="col" className="number">
            {t('console.queue.amount')}
          </th>
          <th scope="col" className="number">
            {t('console.queue.familyAvailable')}
          </th>
          <th scope="col">{t('console.queue.status')}</th>
          <th scope="col">{t('console.queue.timeLeft')}</th>
        </tr>
      </thead>
      <tbody>
        {timed.map(({ item: row, left }) => {
          return (
            <tr key={row.key}>
              <th scope="row">
                <a href={caseHash(row.caseDoc.caseId)}>{row.caseDoc.member.fullName}</a>
                {row.caseDoc.isEmergency ? (
                  <>
                    {' '}
                    <StatusBadge text={t('console.queue.emergency')} tone="bad" />
                  </>
                ) : null}
                <div className="screen-subtitle">{row.caseDoc.member.schemeMemberId}</div>
              </th>
              <td>{row.caseDoc.hospitalCode}</td>
              <td>{row.what}</td>
              <td className="number">{row.amount}</td>
              <td className="number">{available(row.caseDoc)}</td>
              <td>
                <StatusBadge text={row.status.text} tone={row.status.tone} />
              </td>
              <td>
                <TimeLeftText left={left} since={row.requestedAt} now={now} />
              </td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}
