import { useScheme } from '../../app/desk-context';
import { caseStatusLabel, identityMethodLabel } from '../../shared/labels';
import type { LiveCase } from '../../shared/hooks/use-live-record';
import { formatTime } from '../../shared/time';
import { ErrorNotice } from '../../shared/ui/Notice';
import { StatusBadge } from '../../shared/ui/StatusBadge';

/** Who, since when, how identified, and whether anything of it still waits in the desk's outbox. */
export function CaseSummary({ liveCase }: { readonly liveCase: LiveCase }) {
  const { locale } = useScheme();
  const status = caseStatusLabel(liveCase.status);
  const reachedServerAt = serverRecordedLater(liveCase.admittedAt, liveCase.serverAdmittedAt);
  return (
    <section className="panel case-summary" aria-label="Case summary">
      <dl className="figures">
        <div>
          <dt>Status</dt>
          <dd>
            <StatusBadge {...status} />
          </dd>
        </div>
        <div>
          <dt>Admitted</dt>
          <dd>
            <time dateTime={liveCase.admittedAt}>{formatTime(liveCase.admittedAt, locale)}</time>
            {liveCase.isEmergency ? ' · emergency' : ''}
            {reachedServerAt ? (
              <>
                {' '}
                · reached the server at <time dateTime={reachedServerAt}>{formatTime(reachedServerAt, locale)}</time>
              </>
            ) : null}
          </dd>
        </div>
        <div>
          <dt>Identified by</dt>
          <dd>
            {identityMethodLabel(liveCase.identityMethod)}
            {liveCase.identityMethod === 'override' ? <StatusBadge text="flagged for review" tone="warning" /> : null}
          </dd>
        </div>
        <div>
          <dt>Changes on this desk</dt>
          <dd>
            {liveCase.hasPendingChanges === null ? (
              'Unknown'
            ) : liveCase.hasPendingChanges ? (
              <StatusBadge text="Waiting to be sent to the server" tone="waiting" />
            ) : (
              'All confirmed by the server'
            )}
          </dd>
        </div>
      </dl>
      {liveCase.rejection ? <ErrorNotice error={liveCase.rejection} title="The server refused this admission." /> : null}
    </section>
  );
}

/**
 * The server's time of the admission when it recorded it a minute or more after the operator made
 * it (made offline, or waiting in the outbox): then both times are shown, the operator's first.
 */
export function serverRecordedLater(admittedAt: string, serverAdmittedAt: string | null): string | null {
  if (!serverAdmittedAt) return null;
  return Date.parse(serverAdmittedAt) - Date.parse(admittedAt) >= 60_000 ? serverAdmittedAt : null;
}
