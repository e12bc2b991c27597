import { useState } from 'react';
import { LoadingNotice } from '../../shared/ui/Notice';
import { ScreenFrame } from '../../shared/ui/ScreenFrame';
import { StatusBadge } from '../../shared/ui/StatusBadge';
import { useConsole, useConsoleDocuments, useMoney, useNow } from '../app/console-context';
import { useTimeLeft } from '../app/open-clocks';
import { caseHash } from '../app/routes';
import { claimsReviewed, claimsToReview, type ClaimStage, type ReviewClaim } from './claim-review';
import { ClaimQueue, ClaimReview } from './ClaimReview';

const titles: Record<ClaimStage, string> = { cex: 'Claims processing', cpd: 'Claim verification' };
const statusBadge = {
  submitted: { text: 'Submitted', tone: 'waiting' },
  processed: { text: 'Processed', tone: 'waiting' },
  approved: { text: 'Approved', tone: 'good' },
  denied: { text: 'Denied', tone: 'bad' },
  paid: { text: 'Paid', tone: 'good' },
} as const;

/** CEX (submitted → processed) or CPD (processed → approved/denied), over the live claims collection. */
function ClaimsWorkspace({ stage }: { readonly stage: ClaimStage }) {
  const { api, session, replication } = useConsole();
  const loaded = useConsoleDocuments('claims');
  const money = useMoney();
  const now = useNow();
  const timeLeftOf = useTimeLeft();
  const [selectedId, setSelectedId] = useState<string | null>(null);
  if (loaded.status !== 'ready') {
    return (
      <ScreenFrame title={titles[stage]}>
        <LoadingNotice>Loading the claim queue…</LoadingNotice>
      </ScreenFrame>
    );
  }
  const claims = loaded.value as readonly ReviewClaim[];
  const queue = claimsToReview(claims, stage);
  const clockStage = stage === 'cex' ? 'claim-processing' : 'claim-verification';
  const leftOf = (claim: ReviewClaim) => timeLeftOf({ stage: clockStage, caseId: claim.caseId, claimId: claim.claimId });
  const pastCount = queue.filter((claim) => (leftOf(claim)?.minutes ?? 0) < 0).length;
  const reviewed = claimsReviewed(claims, stage);
  // The selected claim stays on screen after the decision (with the server's answer) until another is picked.
  const selected = claims.find((c) => c.id === selectedId) ?? null;
  return (
    <ScreenFrame title={titles[stage]}>
      <p className="screen-subtitle">
        {stage === 'cex'
          ? 'Decide every line: approve in full, in part or deny, with a reason code. CPD verifies your recommendation.'
          : "Verify CEX's line decisions: what you do not approve returns to the family cover."}
      </p>
      <section className="panel" aria-labelledby={`${stage}-queue-heading`}>
        <h2 id={`${stage}-queue-heading`}>
          Waiting ({queue.length}
          {pastCount > 0 ? `, ${pastCount} past the service level` : ''})
        </h2>
        <ClaimQueue claims={queue} stage={stage} scheme={session.scheme} selectedId={selectedId} onSelect={setSelectedId} now={now} leftOf={leftOf} />
      </section>
      {selected ? (
        <ClaimReview
          key={selected.id}
          claim={selected}
          stage={stage}
          scheme={session.scheme}
          onSend={async (lines) => {
            const answer = await api.command(stage === 'cex' ? 'process-claim' : 'verify-claim', { claimId: selected.claimId, lines });
            replication.resync();
            return answer;
          }}
        />
      ) : null}
      <section className="panel" aria-labelledby={`${stage}-done-heading`}>
        <h2 id={`${stage}-done-heading`}>Recently {stage === 'cex' ? 'processed' : 'verified'}</h2>
        {reviewed.length === 0 ? (
          <p>No claim yet.</p>
        ) : (
          <ul className="plain-list">
            {reviewed.map((claim) => (
              <li key={claim.id}>
                <a href={caseHash(claim.caseId)}>{claim.memberName}</a> ({claim.hospitalCode}): <StatusBadge {...statusBadge[claim.status]} />{' '}
                {claim.approvedAmount !== null ? (
                  <>
                    approved {money(claim.approvedAmount)} of {money(claim.payerAmount)}
                  </>
                ) : (
                  <>payer part {money(claim.payerAmount)}</>
                )}
              </li>
            ))}
          </ul>
        )}
      </section>
    </ScreenFrame>
  );
}

export function CexWorkspace() {
  return <ClaimsWorkspace stage="cex" />;
}

export function CpdWorkspace() {
  return <ClaimsWorkspace stage="cpd" />;
}
