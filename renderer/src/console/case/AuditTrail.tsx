import { useEffect, useState } from 'react';
import { useTranslator } from '../../i18n/LanguageProvider';
import { formatTimeIn } from '../../i18n/time';
import { LoadingNotice } from '../../shared/ui/Notice';
import { ConsoleErrorNotice } from '../app/ConsoleErrorNotice';
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
  const { api } = useConsole();
  const money = useMoney();
  const translator = useTranslator();
  const { t } = translator;
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
      <h2 id="audit-heading">{t('console.audit.heading')}</h2>
      {error ? <ConsoleErrorNotice error={error} title={t('console.audit.unreadable')} onRetry={() => setReloads((n) => n + 1)} /> : null}
      {!trail && !error ? <LoadingNotice>{t('console.audit.loading')}</LoadingNotice> : null}
      {trail ? (
        <>
          <p role="status">
            {trail.chain.isIntact ? (
              <>
                <StatusBadge text={t('console.audit.verified')} tone="good" />{' '}
                {t('console.audit.verifies', {
                  entries: trail.chain.entries,
                  unlinked: trail.chain.unlinked,
                  checking: Math.max(0, trail.chain.entries - trail.chain.verifiedUpTo),
                })}{' '}
                {trail.chain.anchor
                  ? trail.chain.anchor.lastSeq !== null && trail.chain.anchor.lastAt
                    ? t('console.audit.anchored', {
                        seconds: trail.chain.anchor.intervalSeconds,
                        file: trail.chain.anchor.file,
                        seq: String(trail.chain.anchor.lastSeq),
                        at: translator.intl.formatDate(trail.chain.anchor.lastAt, { dateStyle: 'medium', timeStyle: 'medium' }),
                      })
                    : t('console.audit.anchoredNone', { seconds: trail.chain.anchor.intervalSeconds, file: trail.chain.anchor.file })
                  : t('console.audit.noAnchors')}
              </>
            ) : (
              <>
                <StatusBadge text={t('console.audit.broken')} tone="bad" />{' '}
                {trail.chain.firstBadSeq !== null
                  ? t('console.audit.brokenFrom', { seq: String(trail.chain.firstBadSeq), problem: trail.chain.problem ?? '' })
                  : t('console.audit.brokenAt', { problem: trail.chain.problem ?? '' })}
              </>
            )}
          </p>
          <table className="data-table">
            <caption>{t('console.audit.caption')}</caption>
            <thead>
              <tr>
                <th scope="col">{t('console.audit.when')}</th>
                <th scope="col">{t('console.audit.who')}</th>
                <th scope="col">{t('console.audit.what')}</th>
                <th scope="col">{t('console.audit.before')}</th>
                <th scope="col">{t('console.audit.after')}</th>
              </tr>
            </thead>
            <tbody>
              {trail.entries.map((entry) => (
                <tr key={String(entry.id)}>
                  <td>{formatTimeIn(translator, entry.at)}</td>
                  <td>{entry.actor ?? t('console.audit.system')}</td>
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
