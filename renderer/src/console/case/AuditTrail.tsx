import { useEffect, useState } from 'react';
import { formatTime } from '../../shared/time';
import { ErrorNotice, LoadingNotice } from '../../shared/ui/Notice';
import { StatusBadge } from '../../shared/ui/StatusBadge';
import { useConsole, useMoney } from '../app/console-context';
import type { ConsoleError } from '../data/api';
import type { AuditTrail as AuditTrailValue } from '../data/documents';

const amountKey = /amount|hold|committed|cover|available|price|shortfall|released|granted|requested|approved|authorized|consumed/i;

function describeChange(values: Record<string, unknown> | null, money: (minor: number) => string): string {
  if (!values || Object.keys(values).length === 0) return '—';
  // Ids are for machines (the case view already names the case); the trail shows what changed.
  return Object.entries(values)
    .filter(([key]) => !/Id$/.test(key))
    .map(
      ([key, value]) =>
        `${key}: ${typeof value === 'number' && amountKey.test(key) && !/id$/i.test(key) ? money(value) : typeof value === 'object' ? JSON.stringify(value) : String(value)}`,
    )
    .join(', ');
}

/**
 * Who did what to the case, when, with amounts before and after, and whether the audit log's hash
 * chain verifies. Re-read whenever the case changes (`version`), so a decision appears at once.
 */
export function AuditTrail({ caseId, version }: { readonly caseId: string; readonly version: unknown }) {
  const { api, session } = useConsole();
  const money = useMoney();
  const [trail, setTrail] = useState<AuditTrailValue | null>(null);
  const [error, setError] = useState<ConsoleError | null>(null);
  const [reloads, setReloads] = useState(0);
  useEffect(() => {
    let isCurrent = true;
    void api.audit(caseId).then((answer) => {
      if (!isCurrent) return;
      if (answer.ok) {
        setTrail(answer.value);
        setError(null);
      } else setError(answer.error);
    });
    return () => {
      isCurrent = false;
    };
  }, [api, caseId, version, reloads]);

  return (
    <section className="panel" aria-labelledby="audit-heading">
      <h2 id="audit-heading">Audit trail</h2>
      {error ? <ErrorNotice error={error} title="The audit trail could not be read." onRetry={() => setReloads((n) => n + 1)} /> : null}
      {!trail && !error ? <LoadingNotice>Reading the audit trail…</LoadingNotice> : null}
      {trail ? (
        <>
          <p role="status">
            {trail.chain.isIntact ? (
              <>
                <StatusBadge text="Chain verified" tone="good" /> The audit log's keyed hash chain verifies ({trail.chain.entries} entries linked
                {trail.chain.unlinked > 0 ? `, ${trail.chain.unlinked} newest not linked yet` : ''}
                {trail.chain.verifiedUpTo < trail.chain.entries ? `, ${trail.chain.entries - trail.chain.verifiedUpTo} still being checked` : ''}).{' '}
                {trail.chain.anchor
                  ? trail.chain.anchor.lastSeq !== null && trail.chain.anchor.lastAt
                    ? `Anchored outside the database every ${trail.chain.anchor.intervalSeconds} s in ${trail.chain.anchor.file}; the newest anchor names entry ${trail.chain.anchor.lastSeq} (${new Date(trail.chain.anchor.lastAt).toLocaleString()}).`
                    : `Anchored outside the database every ${trail.chain.anchor.intervalSeconds} s in ${trail.chain.anchor.file}; no anchor written by this server yet.`
                  : 'This server writes no anchors.'}
              </>
            ) : (
              <>
                <StatusBadge text="Chain broken" tone="bad" /> The audit log's hash chain does not verify
                {trail.chain.firstBadSeq !== null ? ` from entry ${trail.chain.firstBadSeq}` : ''}: {trail.chain.problem}. Report this to the health authority.
              </>
            )}
          </p>
          <table className="data-table">
            <caption>Actions on this case, oldest first</caption>
            <thead>
              <tr>
                <th scope="col">When</th>
                <th scope="col">Who</th>
                <th scope="col">What</th>
                <th scope="col">Before</th>
                <th scope="col">After</th>
              </tr>
            </thead>
            <tbody>
              {trail.entries.map((entry) => (
                <tr key={String(entry.id)}>
                  <td>{formatTime(entry.at, session.scheme.locale)}</td>
                  <td>{entry.actor ?? 'system'}</td>
                  <th scope="row">
                    {entry.action}
                    {entry.entityType !== 'case' ? ` (${entry.entityType})` : ''}
                  </th>
                  <td>{describeChange(entry.before, money)}</td>
                  <td>{describeChange(entry.after, money)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      ) : null}
    </section>
  );
}
