import { useEffect, useState, type FormEvent } from 'react';
import type { DeskFleetValue, FleetDeskValue, MinimumDeskVersionValue } from '@contract/fleet';
import { useTranslator } from '../../i18n/LanguageProvider';
import { formatTimeIn } from '../../i18n/time';
import { consoleErrorText, ConsoleErrorNotice } from '../app/ConsoleErrorNotice';
import { LoadingNotice } from '../../shared/ui/Notice';
import { ScreenFrame } from '../../shared/ui/ScreenFrame';
import { StatusBadge } from '../../shared/ui/StatusBadge';
import { useServerRead } from '../admin/use-server-read';
import { useConsole } from '../app/console-context';
import { formatDuration } from '../app/waiting';
import { bytesText, deskState, offsetText } from './fleet-view';

/**
 * HA: every desk of the scheme as its own sync traffic last described it (issue 23): hospital, app
 * version, last seen, last complete pull, outbox depth and its oldest unsent command, clock offset
 * and replica size. Desks silent past the threshold and desks below the minimum version are
 * flagged. Read again every minute.
 */
export function FleetWorkspace() {
  const [minute, setMinute] = useState(0);
  useEffect(() => {
    const timer = setInterval(() => setMinute((n) => n + 1), 60_000);
    return () => clearInterval(timer);
  }, []);
  const read = useServerRead<DeskFleetValue>('/admin/desk-fleet', minute);
  const { t } = useTranslator();
  return (
    <ScreenFrame title={t('console.workspace.fleet')}>
      <p className="screen-subtitle">{t('console.fleet.intro')}</p>
      {read.status === 'loading' ? <LoadingNotice>{t('console.fleet.loading')}</LoadingNotice> : null}
      {read.status === 'error' ? <ConsoleErrorNotice error={read.error} title={t('console.fleet.unreadable')} onRetry={read.reload} /> : null}
      {read.status === 'ready' ? (
        <>
          <FleetSummary fleet={read.value} />
          <FleetTable desks={read.value.items} computedAt={read.value.computedAt} />
          <MinimumVersionPanel minimum={read.value.minimumVersion} onChanged={read.reload} />
        </>
      ) : null}
    </ScreenFrame>
  );
}

function FleetSummary({ fleet }: { readonly fleet: DeskFleetValue }) {
  const silent = fleet.items.filter((desk) => desk.isSilent).length;
  const below = fleet.items.filter((desk) => desk.isBelowMinimum && desk.status === 'active').length;
  const unsent = fleet.items.reduce((sum, desk) => sum + (desk.outboxDepth ?? 0), 0);
  const { t } = useTranslator();
  return (
    <>
      <p>{t('console.fleet.summary', { desks: fleet.items.length, unsent, silentAfter: formatDuration(fleet.silentAfterMinutes, t) })}</p>
      {silent > 0 || below > 0 ? (
        <p className="notice notice-error" role="status">
          {[silent > 0 ? t('console.fleet.silentCount', { count: silent }) : null, below > 0 ? t('console.fleet.belowCount', { count: below }) : null]
            .filter(Boolean)
            .join(' · ')}
          .
        </p>
      ) : null}
    </>
  );
}

function FleetTable({ desks, computedAt }: { readonly desks: readonly FleetDeskValue[]; readonly computedAt: string }) {
  const now = new Date(computedAt);
  const translator = useTranslator();
  const { t } = translator;
  const when = (iso: string | null) => (iso ? formatTimeIn(translator, iso, now) : t('console.fleet.never'));
  return (
    <table className="data-table queue-table">
      <caption>{t('console.fleet.caption')}</caption>
      <thead>
        <tr>
          <th scope="col">{t('console.fleet.desk')}</th>
          <th scope="col">{t('console.fleet.state')}</th>
          <th scope="col">{t('console.fleet.appVersion')}</th>
          <th scope="col">{t('console.fleet.lastSeen')}</th>
          <th scope="col">{t('console.fleet.lastPull')}</th>
          <th scope="col" className="number">
            {t('console.fleet.outbox')}
          </th>
          <th scope="col">{t('console.fleet.oldestUnsent')}</th>
          <th scope="col">{t('console.fleet.clockOffset')}</th>
          <th scope="col" className="number">
            {t('console.fleet.replica')}
          </th>
        </tr>
      </thead>
      <tbody>
        {[...desks]
          .sort((a, b) => deskState(b, t).rank - deskState(a, t).rank || a.hospitalCode.localeCompare(b.hospitalCode) || a.deskName.localeCompare(b.deskName))
          .map((desk) => {
            const state = deskState(desk, t);
            return (
              <tr key={desk.deskId}>
                <th scope="row">
                  {desk.deskName}
                  <div className="screen-subtitle">
                    {desk.hospitalCode} · {desk.hospitalName}
                  </div>
                </th>
                <td>
                  <StatusBadge text={state.text} tone={state.tone} />
                </td>
                <td>{desk.appVersion ?? t('console.fleet.notReported')}</td>
                <td>{when(desk.lastSeenAt)}</td>
                <td>{when(desk.lastPullAt)}</td>
                <td className="number">{desk.outboxDepth ?? '–'}</td>
                <td>
                  {desk.oldestUnsentAgeSeconds === null
                    ? t('console.fleet.none')
                    : t('console.fleet.ago', { duration: formatDuration(Math.floor(desk.oldestUnsentAgeSeconds / 60), t) })}
                </td>
                <td>{offsetText(desk.clockOffsetMs, t)}</td>
                <td className="number">{bytesText(desk.replicaBytes)}</td>
              </tr>
            );
          })}
      </tbody>
    </table>
  );
}

/** The minimum desk version: a desk below it keeps working offline, but its pushes wait until it is updated. */
function MinimumVersionPanel({ minimum, onChanged }: { readonly minimum: MinimumDeskVersionValue | null; readonly onChanged: () => void }) {
  const { api } = useConsole();
  const translator = useTranslator();
  const { t } = translator;
  const [version, setVersion] = useState('');
  const [reason, setReason] = useState('');
  const [problem, setProblem] = useState<string | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const [isSending, setIsSending] = useState(false);
  const send = async (next: string | null) => {
    setProblem(null);
    setDone(null);
    if (next !== null && next.trim() === '') return setProblem(t('console.fleet.giveVersion'));
    if (reason.trim().length < 3) return setProblem(t('console.fleet.giveReason'));
    setIsSending(true);
    const answer = await api.post<unknown>('/admin/desk-fleet/minimum-version', { version: next === null ? null : next.trim(), reason: reason.trim() });
    setIsSending(false);
    if (!answer.ok) return setProblem(consoleErrorText(answer.error, translator));
    setDone(next === null ? t('console.fleet.cleared') : t('console.fleet.minimumSet', { version: next.trim() }));
    setVersion('');
    setReason('');
    onChanged();
  };
  const submit = (event: FormEvent) => {
    event.preventDefault();
    void send(version);
  };
  return (
    <section className="panel" aria-labelledby="minimum-version-heading">
      <h2 id="minimum-version-heading">{t('console.fleet.minimumHeading')}</h2>
      <p>
        {minimum?.version
          ? t('console.fleet.minimumValue', {
              version: minimum.version,
              by: minimum.setBy,
              at: formatTimeIn(translator, minimum.setAt),
              reason: minimum.reason,
            })
          : t('console.fleet.noMinimum')}{' '}
        {t('console.fleet.minimumExplained')}
      </p>
      <form className="inline-form" onSubmit={submit} noValidate>
        <div className="field">
          <label htmlFor="minimum-version">{t('console.fleet.version')}</label>
          <input id="minimum-version" value={version} onChange={(event) => setVersion(event.target.value)} placeholder="1.4.0" />
        </div>
        <div className="field">
          <label htmlFor="minimum-version-reason">{t('console.decision.reason')}</label>
          <input id="minimum-version-reason" value={reason} onChange={(event) => setReason(event.target.value)} />
        </div>
        <div className="button-row">
          <button type="submit" className="primary" disabled={isSending}>
            {t('console.fleet.setMinimum')}
          </button>
          {minimum?.version ? (
            <button type="button" disabled={isSending} onClick={() => void send(null)}>
              {t('console.fleet.clearMinimum')}
            </button>
          ) : null}
        </div>
      </form>
      {problem ? (
        <p className="field-problem" role="alert">
          {problem}
        </p>
      ) : null}
      {done ? (
        <p className="notice notice-info" role="status">
          {done}
        </p>
      ) : null}
    </section>
  );
}
