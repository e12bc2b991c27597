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
  const loaded = useConsoleDocuments('cases');
  if (loaded.status !== 'ready') {
    return (
      <ScreenFrame title="Pre-auth review">
        <LoadingNotice>Loading the pre-auth queue…</LoadingNotice>
      </ScreenFrame>
    );
  }
  const cases = loaded.value;
  const queue = ppdQueue(cases);
  // The live target (HA may change it; every case document carries it), else the one at sign-in.
  const target = cases[0]?.turnaroundMinutes ?? session.scheme.preauthTurnaroundMinutes;
  const decided = ppdDecided(cases);
  return (
    <ScreenFrame title="Pre-auth review">
      <p className="screen-subtitle">
        Emergency cases first, then least time left against the service level (pre-auths {formatDuration(target)}). Open a case to decide.
      </p>
      <section className="panel" aria-labelledby="ppd-queue-heading">
        <h2 id="ppd-queue-heading">
          Waiting ({queue.filter((item) => !item.isWaitingOnDesk).length} to decide, {queue.filter((item) => item.isWaitingOnDesk).length} on a query to the
          desk)
        </h2>
        <QueueTable
          caption="Pre-authorizations and enhancements waiting"
          empty="Nothing is waiting for a pre-auth decision."
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
                <>
                  Pre-auth {item.caseDoc.preauth!.packageCode} · {item.caseDoc.preauth!.packageName}
                </>
              ) : (
                <>Enhancement on {item.caseDoc.preauth?.packageCode ?? 'the case'}</>
              ),
            amount: <ConsoleMoney minor={item.amount} />,
            status: item.isWaitingOnDesk
              ? { text: 'Queried: waiting on the desk', tone: 'warning' }
              : item.caseDoc.preauth?.queryResponse && item.kind === 'preauth'
                ? { text: 'Desk answered', tone: 'waiting' }
                : { text: 'To decide', tone: 'waiting' },
          }))}
        />
      </section>
      <section className="panel" aria-labelledby="ppd-decided-heading">
        <h2 id="ppd-decided-heading">Recently decided</h2>
        {decided.length === 0 ? (
          <p>No pre-auth decided yet.</p>
        ) : (
          <ul className="plain-list">
            {decided.map((caseDoc) => (
              <li key={caseDoc.id}>
                <a href={caseHash(caseDoc.caseId)}>{caseDoc.member.fullName}</a> ({caseDoc.hospitalCode}, {caseDoc.preauth!.packageCode}):{' '}
                <StatusBadge
                  text={caseDoc.preauth!.status === 'approved' ? 'Approved' : 'Rejected'}
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
