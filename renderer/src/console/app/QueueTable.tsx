import type { ReactNode } from 'react';
import { StatusBadge } from '../../shared/ui/StatusBadge';
import { caseHash } from './routes';
import { useNow } from './console-context';
import { waitingAgainst } from './waiting';
import type { ConsoleCase } from '../data/documents';

export interface QueueRow {
  readonly key: string;
  readonly caseDoc: ConsoleCase;
  readonly what: ReactNode;
  readonly amount: ReactNode;
  readonly status: { readonly text: string; readonly tone: 'good' | 'waiting' | 'warning' | 'bad' | 'neutral' };
  readonly requestedAt: string;
}

/** A work queue: patient (link to the case), hospital, request, amount, family available, status, time waiting against the target. */
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
  if (rows.length === 0) return <p className="notice notice-info">{empty}</p>;
  return (
    <table className="data-table queue-table">
      <caption>{caption}</caption>
      <thead>
        <tr>
          <th scope="col">Patient</th>
          <th scope="col">Hospital</th>
          <th scope="col">Request</th>
          <th scope="col" className="number">
            Amount
          </th>
          <th scope="col" className="number">
            Family available
          </th>
          <th scope="col">Status</th>
          <th scope="col">Waiting</th>
        </tr>
      </thead>
      <tbody>
        {rows.map((row) => {
          const waiting = waitingAgainst(row.requestedAt, row.caseDoc.turnaroundMinutes, now);
          return (
            <tr key={row.key}>
              <th scope="row">
                <a href={caseHash(row.caseDoc.caseId)}>{row.caseDoc.member.fullName}</a>
                {row.caseDoc.isEmergency ? (
                  <>
                    {' '}
                    <StatusBadge text="Emergency" tone="bad" />
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
                <StatusBadge text={waiting.isOverdue ? 'Overdue' : waiting.tone === 'warning' ? 'Due soon' : 'Within target'} tone={waiting.tone} />{' '}
                {waiting.text}
              </td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}
