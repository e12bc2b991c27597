import type { TurnaroundReportValue } from '@contract/turnaround';
import { useTranslator } from '../../i18n/LanguageProvider';
import { formatTimeIn } from '../../i18n/time';
import { LoadingNotice } from '../../shared/ui/Notice';
import { ConsoleErrorNotice } from '../app/ConsoleErrorNotice';
import { ScreenFrame } from '../../shared/ui/ScreenFrame';
import { StatusBadge } from '../../shared/ui/StatusBadge';
import { hasAnyRole, useConsole } from '../app/console-context';
import { useClockQueue } from '../app/open-clocks';
import { caseHash } from '../app/routes';
import { useServerRead } from '../admin/use-server-read';
import { formatMinutes, remainingText, stageLabels } from './clock-view';

/**
 * Turnaround clocks (issue 15): the open stages this operator's roles own, least time left first,
 * each against the scheme's service level; a stage past it is flagged, and the list is read again
 * on every poke of the change stream (a breach notice is one) and every minute, so a breach shows
 * without a reload. HA also sees the turnaround of the last 30 days per stage.
 */
export function ClocksWorkspace() {
  const { session } = useConsole();
  const queue = useClockQueue();
  const isHa = hasAnyRole(session, ['HA']);
  const translator = useTranslator();
  const { t } = translator;
  const past = queue.status === 'ready' ? queue.value.items.filter((item) => item.isPastServiceLevel) : [];
  return (
    <ScreenFrame title={t('console.workspace.clocks')}>
      <p className="screen-subtitle">{t('console.clocks.intro')}</p>
      {queue.status === 'loading' ? <LoadingNotice>{t('console.clocks.loading')}</LoadingNotice> : null}
      {queue.status === 'error' ? <ConsoleErrorNotice error={queue.error} title={t('console.clocks.unreadable')} onRetry={queue.reload} /> : null}
      {past.length > 0 ? (
        <p className="notice notice-error" role="alert">
          {t('console.clocks.past', { count: past.length })}
        </p>
      ) : null}
      {queue.status === 'ready' ? (
        queue.value.items.length === 0 ? (
          <p className="notice notice-info" role="status">
            {t('console.clocks.nothing')}
          </p>
        ) : (
          <table className="queue-table" aria-label={t('console.clocks.tableLabel')}>
            <thead>
              <tr>
                <th scope="col">{t('console.clocks.stage')}</th>
                <th scope="col">{t('console.case.title')}</th>
                <th scope="col">{t('console.queue.hospital')}</th>
                <th scope="col">{t('console.clocks.started')}</th>
                <th scope="col">{t('console.clocks.serviceLevel')}</th>
                <th scope="col">{t('console.queue.timeLeft')}</th>
                <th scope="col">{t('console.queue.status')}</th>
              </tr>
            </thead>
            <tbody>
              {queue.value.items.map((item) => (
                <tr key={`${item.stage}-${item.startAuditId}`}>
                  <th scope="row">{t(stageLabels[item.stage])}</th>
                  <td>
                    <a href={caseHash(item.caseId)}>{t('console.clocks.caseLink', { id: item.caseId.slice(0, 8) })}</a>
                  </td>
                  <td>{item.hospitalCode}</td>
                  <td>{formatTimeIn(translator, item.startedAt)}</td>
                  <td>{formatMinutes(item.serviceLevelMinutes, t)}</td>
                  <td>{remainingText(item, t)}</td>
                  <td>
                    {item.isPastServiceLevel ? (
                      <StatusBadge text={item.breachNoticedAt ? t('console.clocks.pastNotified') : t('timeLeft.past')} tone="bad" />
                    ) : item.isPaused ? (
                      <StatusBadge text={t('console.clocks.waitingOnHospital')} tone="waiting" />
                    ) : (
                      <StatusBadge text={t('timeLeft.within')} tone="good" />
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )
      ) : null}
      {isHa ? <TurnaroundSummary version={queue.status === 'ready' ? queue.value.computedAt : null} /> : null}
    </ScreenFrame>
  );
}

/** Read again whenever the clock queue is (`version`: its computedAt). */
function TurnaroundSummary({ version }: { readonly version: string | null }) {
  const report = useServerRead<TurnaroundReportValue>('/reports/turnaround', version);
  const { t } = useTranslator();
  return (
    <section className="panel" aria-labelledby="turnaround-heading">
      <h2 id="turnaround-heading">{t('console.turnaround.heading')}</h2>
      {report.status === 'error' ? <ConsoleErrorNotice error={report.error} title={t('console.turnaround.unreadable')} onRetry={report.reload} /> : null}
      {report.status === 'ready' ? (
        <>
          <p>{t('console.turnaround.claimsPast', { count: report.value.claimsPastServiceLevel })}</p>
          <table className="queue-table" aria-label={t('console.turnaround.tableLabel')}>
            <thead>
              <tr>
                <th scope="col">{t('console.clocks.stage')}</th>
                <th scope="col">{t('console.clocks.serviceLevel')}</th>
                <th scope="col">{t('console.turnaround.completed')}</th>
                <th scope="col">{t('console.turnaround.average')}</th>
                <th scope="col">{t('console.turnaround.p90')}</th>
                <th scope="col">{t('console.turnaround.late')}</th>
                <th scope="col">{t('console.turnaround.openNow')}</th>
                <th scope="col">{t('console.turnaround.openPast')}</th>
              </tr>
            </thead>
            <tbody>
              {report.value.stages.map((stage) => (
                <tr key={stage.stage}>
                  <th scope="row">{t(stageLabels[stage.stage])}</th>
                  <td>{formatMinutes(stage.serviceLevelMinutes, t)}</td>
                  <td className="number">{stage.completed}</td>
                  <td>{stage.averageMinutes === null ? t('console.turnaround.notAvailable') : formatMinutes(stage.averageMinutes, t)}</td>
                  <td>{stage.p90Minutes === null ? t('console.turnaround.notAvailable') : formatMinutes(stage.p90Minutes, t)}</td>
                  <td className="number">{stage.completedPastServiceLevel}</td>
                  <td className="number">{stage.openNow}</td>
                  <td className="number">{stage.openPastServiceLevel}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      ) : null}
    </section>
  );
}
