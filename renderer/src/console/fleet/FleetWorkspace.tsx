import { useEffect, useState, type FormEvent } from 'react';
import type { DeskFleetValue, FleetDeskValue, MinimumDeskVersionValue } from '@contract/fleet';
import { formatTime } from '../../shared/time';
import { ErrorNotice, LoadingNotice } from '../../shared/ui/Notice';
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
  const { session } = useConsole();
  const [minute, setMinute] = useState(0);
  useEffect(() => {
    const timer = setInterval(() => setMinute((n) => n + 1), 60_000);
    return () => clearInterval(timer);
  }, []);
  const read = useServerRead<DeskFleetValue>('/admin/desk-fleet', minute);
  const locale = session.scheme.locale;
  return (
    <ScreenFrame title="Desk fleet">
      <p className="screen-subtitle">
        What each desk reported with its last sync. Times are the server&apos;s; a desk&apos;s own clock is corrected by its offset.
      </p>
      {read.status === 'loading' ? <LoadingNotice>Reading the desks…</LoadingNotice> : null}
      {read.status === 'error' ? <ErrorNotice error={read.error} title="The desk fleet could not be read." onRetry={read.reload} /> : null}
      {read.status === 'ready' ? (
        <>
          <FleetSummary fleet={read.value} />
          <FleetTable desks={read.value.items} locale={locale} computedAt={read.value.computedAt} />
          <MinimumVersionPanel minimum={read.value.minimumVersion} locale={locale} onChanged={read.reload} />
        </>
      ) : null}
    </ScreenFrame>
  );
}

function FleetSummary({ fleet }: { readonly fleet: DeskFleetValue }) {
  const silent = fleet.items.filter((desk) => desk.isSilent).length;
  const below = fleet.items.filter((desk) => desk.isBelowMinimum && desk.status === 'active').length;
  const unsent = fleet.items.reduce((sum, desk) => sum + (desk.outboxDepth ?? 0), 0);
  return (
    <>
      <p>
        {fleet.items.length} {fleet.items.length === 1 ? 'desk' : 'desks'} · {unsent} unsent {unsent === 1 ? 'command' : 'commands'} in their outboxes. A desk
        not seen for more than {formatDuration(fleet.silentAfterMinutes)} is flagged silent.
      </p>
      {silent > 0 || below > 0 ? (
        <p className="notice notice-error" role="status">
          {[silent > 0 ? `${silent} ${silent === 1 ? 'desk is' : 'desks are'} silent` : null, below > 0 ? `${below} below the minimum version` : null]
            .filter(Boolean)
            .join(' · ')}
          .
        </p>
      ) : null}
    </>
  );
}

function FleetTable({ desks, locale, computedAt }: { readonly desks: readonly FleetDeskValue[]; readonly locale: string; readonly computedAt: string }) {
  const now = new Date(computedAt);
  const when = (iso: string | null) => (iso ? formatTime(iso, locale, now) : 'never');
  return (
    <table className="data-table queue-table">
      <caption>Desks, silent and outdated first</caption>
      <thead>
        <tr>
          <th scope="col">Desk</th>
          <th scope="col">State</th>
          <th scope="col">App version</th>
          <th scope="col">Last seen</th>
          <th scope="col">Last pull</th>
          <th scope="col" className="number">
            Outbox
          </th>
          <th scope="col">Oldest unsent</th>
          <th scope="col">Clock offset</th>
          <th scope="col" className="number">
            Replica
          </th>
        </tr>
      </thead>
      <tbody>
        {[...desks]
          .sort((a, b) => deskState(b).rank - deskState(a).rank || a.hospitalCode.localeCompare(b.hospitalCode) || a.deskName.localeCompare(b.deskName))
          .map((desk) => {
            const state = deskState(desk);
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
                <td>{desk.appVersion ?? 'not reported'}</td>
                <td>{when(desk.lastSeenAt)}</td>
                <td>{when(desk.lastPullAt)}</td>
                <td className="number">{desk.outboxDepth ?? '–'}</td>
                <td>{desk.oldestUnsentAgeSeconds === null ? 'none' : `${formatDuration(Math.floor(desk.oldestUnsentAgeSeconds / 60))} ago`}</td>
                <td>{offsetText(desk.clockOffsetMs)}</td>
                <td className="number">{bytesText(desk.replicaBytes)}</td>
              </tr>
            );
          })}
      </tbody>
    </table>
  );
}

/** The minimum desk version: a desk below it keeps working offline, but its pushes wait until it is updated. */
function MinimumVersionPanel({
  minimum,
  locale,
  onChanged,
}: {
  readonly minimum: MinimumDeskVersionValue | null;
  readonly locale: string;
  readonly onChanged: () => void;
}) {
  const { api } = useConsole();
  const [version, setVersion] = useState('');
  const [reason, setReason] = useState('');
  const [problem, setProblem] = useState<string | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const [isSending, setIsSending] = useState(false);
  const send = async (next: string | null) => {
    setProblem(null);
    setDone(null);
    if (next !== null && next.trim() === '') return setProblem('Give the version, e.g. 1.4.0, or clear the minimum.');
    if (reason.trim().length < 3) return setProblem('Give a reason (at least 3 characters): it goes in the audit log.');
    setIsSending(true);
    const answer = await api.post<unknown>('/admin/desk-fleet/minimum-version', { version: next === null ? null : next.trim(), reason: reason.trim() });
    setIsSending(false);
    if (!answer.ok) return setProblem(answer.error.message);
    setDone(next === null ? 'The minimum desk version is cleared.' : `Desks below ${next.trim()} are now told to update before they send.`);
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
      <h2 id="minimum-version-heading">Minimum desk version</h2>
      <p>
        {minimum?.version
          ? `${minimum.version}, set by ${minimum.setBy} ${formatTime(minimum.setAt, locale)}: ${minimum.reason}`
          : 'No minimum: every desk may send.'}{' '}
        A desk below the minimum keeps working offline; its unsent commands are kept and go once it is updated.
      </p>
      <form className="inline-form" onSubmit={submit} noValidate>
        <div className="field">
          <label htmlFor="minimum-version">Version</label>
          <input id="minimum-version" value={version} onChange={(event) => setVersion(event.target.value)} placeholder="1.4.0" />
        </div>
        <div className="field">
          <label htmlFor="minimum-version-reason">Reason</label>
          <input id="minimum-version-reason" value={reason} onChange={(event) => setReason(event.target.value)} />
        </div>
        <div className="button-row">
          <button type="submit" className="primary" disabled={isSending}>
            Set minimum
          </button>
          {minimum?.version ? (
            <button type="button" disabled={isSending} onClick={() => void send(null)}>
              Clear minimum
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
