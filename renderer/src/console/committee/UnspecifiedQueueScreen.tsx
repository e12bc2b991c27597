import { LoadingNotice } from '../../shared/ui/Notice';
import { useTranslator } from '../../i18n/LanguageProvider';
import { ScreenFrame } from '../../shared/ui/ScreenFrame';
import { StatusBadge } from '../../shared/ui/StatusBadge';
import { preauthStatusLabel } from '../../shared/labels';
import { ConsoleMoney, useConsoleDocuments } from '../app/console-context';
import { QueueTable } from '../app/QueueTable';
import { caseHash } from '../app/routes';
import type { ServerPreauthStatus } from '../data/documents';
import { unspecifiedPast, unspecifiedQueue } from './committee-queue';

/** The Medical Committee's and Admin's queue of unspecified-package cases, one step each. */
export function UnspecifiedQueueScreen({
  title,
  status,
  pastStatuses,
  intro,
  amountOf,
}: {
  readonly title: string;
  readonly status: ServerPreauthStatus;
  readonly pastStatuses: readonly ServerPreauthStatus[];
  readonly intro: string;
  readonly amountOf: 'estimate' | 'recommendation';
}) {
  const loaded = useConsoleDocuments('cases');
  const { t, rich } = useTranslator();
  if (loaded.status !== 'ready') {
    return (
      <ScreenFrame title={title}>
        <LoadingNotice>{t('console.unspecified.loading')}</LoadingNotice>
      </ScreenFrame>
    );
  }
  const cases = loaded.value;
  const queue = unspecifiedQueue(cases, status);
  const past = unspecifiedPast(cases, pastStatuses);
  return (
    <ScreenFrame title={title}>
      <p className="screen-subtitle">{intro}</p>
      <section className="panel" aria-labelledby={`${status}-queue-heading`}>
        <h2 id={`${status}-queue-heading`}>{t('console.unspecified.waiting', { count: queue.length })}</h2>
        <QueueTable
          caption={t('console.unspecified.caption')}
          empty={t('console.unspecified.empty')}
          available={(caseDoc) => <ConsoleMoney minor={caseDoc.family.available} />}
          rows={queue.map((caseDoc) => ({
            key: caseDoc.id,
            caseDoc,
            requestedAt: caseDoc.preauth!.requestedAt,
            clock: { stage: status === 'committee-review' ? 'committee' : 'admin-approval', caseId: caseDoc.caseId },
            what: (
              <>
                {caseDoc.preauth!.packageCode} · {caseDoc.preauth!.specialty}
                {caseDoc.preauth!.clinicalNote ? ` — ${caseDoc.preauth!.clinicalNote}` : ''}
              </>
            ),
            amount: (
              <>
                {rich(amountOf === 'estimate' ? 'console.unspecified.estimate' : 'console.unspecified.recommended', {
                  amount: <ConsoleMoney minor={amountOf === 'estimate' ? caseDoc.preauth!.requestedAmount : caseDoc.preauth!.recommendedAmount} />,
                })}
              </>
            ),
            status: preauthStatusLabel(caseDoc.preauth!.status, t),
          }))}
        />
      </section>
      <section className="panel" aria-labelledby={`${status}-past-heading`}>
        <h2 id={`${status}-past-heading`}>{t('console.unspecified.movedOn')}</h2>
        {past.length === 0 ? (
          <p>{t('console.unspecified.none')}</p>
        ) : (
          <ul className="plain-list">
            {past.map((caseDoc) => {
              const label = preauthStatusLabel(caseDoc.preauth!.status, t);
              return (
                <li key={caseDoc.id}>
                  <a href={caseHash(caseDoc.caseId)}>{caseDoc.member.fullName}</a> ({caseDoc.hospitalCode}, {caseDoc.preauth!.packageCode}):{' '}
                  <StatusBadge text={label.text} tone={label.tone} />
                </li>
              );
            })}
          </ul>
        )}
      </section>
    </ScreenFrame>
  );
}
