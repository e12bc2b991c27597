import type { TurnaroundReportValue } from '@contract/turnaround';
import { formatTime } from '../../shared/time';
import { ErrorNotice, LoadingNotice } from '../../shared/ui/Notice';
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
  const locale = session.scheme.locale;
  const past = queue.status === 'ready' ? queue.value.items.filter((item) => item.isPastServiceLevel) : [];
  return (
    <ScreenFrame title="Turnaround clocks">
      <p className="screen-subtitle">
        Open work of your roles, least time left first. Each clock runs from the audit-trail entry that started the stage; a pre-auth query pauses it while the
        hospital answers.
      </p>
      {queue.status === 'loading' ? <LoadingNotice>Reading the clocks…</LoadingNotice> : null}
      {queue.status === 'error' ? <ErrorNotice error={queue.error} title="The clocks could not be read." onRetry={queue.reload} /> : null}
      {past.length > 0 ? (
        <p className="notice notice-error" role="alert">
          {past.length === 1 ? '1 stage is' : `${past.length} stages are`} past the service level.
        </p>
      ) : null}
      {queue.status === 'ready' ? (
        queue.value.items.length === 0 ? (
          <p className="notice notice-info" role="status">
            Nothing of yours is waiting.
          </p>
        ) : (
          <table className="queue-table" aria-label="Open stages by time left">
            <thead>
              <tr>
                <th scope="col">Stage</th>
                <th scope="col">Case</th>
                <th scope="col">Hospital</th>
                <th scope="col">Started</th>
                <th scope="col">Service level</th>
                <th scope="col">Time left</th>
                <th scope="col">Status</th>
              </tr>
            </thead>
            <tbody>
              {queue.value.items.map((item) => (
                <tr key={`${item.stage}-${item.startAuditId}`}>
                  <th scope="row">{stageLabels[item.stage]}</th>
                  <td>
                    <a href={caseHash(item.caseId)}>Case {item.caseId.slice(0, 8)}</a>
                  </td>
                  <td>{item.hospitalCode}</td>
                  <td>{formatTime(item.startedAt, locale)}</td>
                  <td>{formatMinutes(item.serviceLevelMinutes)}</td>
                  <td>{remainingText(item)}</td>
                  <td>
                    {item.isPastServiceLevel ? (
                      <StatusBadge text={item.breachNoticedAt ? 'Past service level (notified)' : 'Past service level'} tone="bad" />
                    ) : item.isPaused ? (
                      <StatusBadge text="Waiting on hospital" tone="waiting" />
                    ) : (
                      <StatusBadge text="Within service level" tone="good" />
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
  return (
    <section className="panel" aria-labelledby="turnaround-heading">
      <h2 id="turnaround-heading">Turnaround, last 30 days</h2>
      {report.status === 'error' ? <ErrorNotice error={report.error} title="The turnaround could not be read." onRetry={report.reload} /> : null}
      {report.status === 'ready' ? (
        <>
          <p>Claims past their service level now: {report.value.claimsPastServiceLevel}</p>
          <table className="queue-table" aria-label="Turnaround per stage">
            <thead>
              <tr>
                <th scope="col">Stage</th>
                <th scope="col">Service level</th>
                <th scope="col">Completed</th>
                <th scope="col">Average</th>
                <th scope="col">90th percentile</th>
                <th scope="col">Completed late</th>
                <th scope="col">Open now</th>
                <th scope="col">Open past</th>
              </tr>
            </thead>
            <tbody>
              {report.value.stages.map((stage) => (
                <tr key={stage.stage}>
                  <th scope="row">{stageLabels[stage.stage]}</th>
                  <td>{formatMinutes(stage.serviceLevelMinutes)}</td>
                  <td className="number">{stage.completed}</td>
                  <td>{stage.averageMinutes === null ? 'not available' : formatMinutes(stage.averageMinutes)}</td>
                  <td>{stage.p90Minutes === null ? 'not available' : formatMinutes(stage.p90Minutes)}</td>
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
