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
          <dd>{liveCase.hasPendingChanges === null ? 'Unknown' : liveCase.hasPendingChanges ? <StatusBadge text="Waiting to be sent to the server" tone="waiting" /> : 'All confirmed by the server'}</dd>
        </div>
      </dl>
      {liveCase.rejection ? <ErrorNotice error={liveCase.rejection} title="The server refused this admission." /> : null}
    </section>
  );
}
