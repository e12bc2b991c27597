import { useTranslator } from '../../i18n/LanguageProvider';
import { LoadingNotice } from '../../shared/ui/Notice';
import { ScreenFrame } from '../../shared/ui/ScreenFrame';
import { StatusBadge } from '../../shared/ui/StatusBadge';
import { ConsoleMoney, useConsole, useConsoleDocuments } from '../app/console-context';
import { QueueTable } from '../app/QueueTable';
import { caseHash } from '../app/routes';
import { formatDuration } from '../app/waiting';
import { ppdDecided, ppdQueue } from './ppd-queue';

/** PPD: pre-auths and enhancement requests, emergency first then oldest, with time waiting against the scheme's target. */
export function PpdWorkspace() {
  const { session } = useConsole();
  const { t } = useTranslator();
  const loaded = useConsoleDocuments('cases');
  if (loaded.status !== 'ready') {
    return (
      <ScreenFrame title={t('console.workspace.ppd')}>
        <LoadingNotice>{t('console.ppd.loading')}</LoadingNotice>
      </ScreenFrame>
    );
  }
  const cases = loaded.value;
  const queue = ppdQueue(cases);
  // The live target (HA may change it; every case document carries it), else the one at sign-in.
  const target = cases[0]?.turnaroundMinutes ?? session.scheme.preauthTurnaroundMinutes;
  const decided = ppdDecided(cases);
  return (
    <ScreenFrame title={t('console.workspace.ppd')}>
      <p className="screen-subtitle">{t('console.ppd.subtitle', { level: formatDuration(target, t) })}</p>
      <section className="panel" aria-labelledby="ppd-queue-heading">
        <h2 id="ppd-queue-heading">
          {t('console.ppd.waitingHeading', {
            toDecide: queue.filter((item) => !item.isWaitingOnDesk).length,
            onQuery: queue.filter((item) => item.isWaitingOnDesk).length,
          })}
        </h2>
        <QueueTable
          caption={t('console.ppd.caption')}
          empty={t('console.ppd.empty')}
          available={(caseDoc) => <ConsoleMoney minor={caseDoc.family.available} />}
          rows={queue.map((item) => ({
            key: item.key,
            caseDoc: item.caseDoc,
            requestedAt: item.requestedAt,
            clock:
              item.kind === 'preauth'
                ? { stage: 'preauth-decision', caseId: item.caseDoc.caseId }
                : { stage: 'enhancement', caseId: item.caseDoc.caseId, enhancementId: item.enhancementId! },
            what:
              item.kind === 'preauth' ? (
                <>{t('console.ppd.preauthRow', { code: item.caseDoc.preauth!.packageCode, name: item.caseDoc.preauth!.packageName })}</>
              ) : (
                <>
                  {item.caseDoc.preauth
                    ? t('console.ppd.enhancementRow', { code: item.caseDoc.preauth.packageCode })
                    : t('console.ppd.enhancementRowNoPackage')}
                </>
              ),
            amount: <ConsoleMoney minor={item.amount} />,
            status: item.isWaitingOnDesk
              ? { text: t('console.ppd.statusQueried'), tone: 'warning' }
              : item.caseDoc.preauth?.queryResponse && item.kind === 'preauth'
                ? { text: t('console.ppd.statusAnswered'), tone: 'waiting' }
                : { text: t('console.ppd.statusToDecide'), tone: 'waiting' },
          }))}
        />
      </section>
      <section className="panel" aria-labelledby="ppd-decided-heading">
        <h2 id="ppd-decided-heading">{t('console.ppd.decidedHeading')}</h2>
        {decided.length === 0 ? (
          <p>{t('console.ppd.noneDecided')}</p>
        ) : (
          <ul className="plain-list">
            {decided.map((caseDoc) => (
              <li key={caseDoc.id}>
                <a href={caseHash(caseDoc.caseId)}>{caseDoc.member.fullName}</a> ({caseDoc.hospitalCode}, {caseDoc.preauth!.packageCode}):{' '}
                <StatusBadge
                  text={caseDoc.preauth!.status === 'approved' ? t('console.status.approved') : t('console.status.rejected')}
                  tone={caseDoc.preauth!.status === 'approved' ? 'good' : 'bad'}
                />{' '}
                {caseDoc.preauth!.approvedAmount !== null ? <ConsoleMoney minor={caseDoc.preauth!.approvedAmount} /> : null}
              </li>
            ))}
          </ul>
        )}
      </section>
    </ScreenFrame>
  );
}
