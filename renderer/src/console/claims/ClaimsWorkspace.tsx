import { useState } from 'react';
import type { MessageId } from '../../i18n/catalog';
import { useTranslator } from '../../i18n/LanguageProvider';
import { LoadingNotice } from '../../shared/ui/Notice';
import { ScreenFrame } from '../../shared/ui/ScreenFrame';
import { StatusBadge } from '../../shared/ui/StatusBadge';
import { useConsole, useConsoleDocuments, useMoney, useNow } from '../app/console-context';
import { useTimeLeft } from '../app/open-clocks';
import { caseHash } from '../app/routes';
import { claimsReviewed, claimsToReview, type ClaimStage, type ReviewClaim } from './claim-review';
import { ClaimQueue, ClaimReview } from './ClaimReview';

const titles: Record<ClaimStage, MessageId> = { cex: 'console.workspace.cex', cpd: 'console.workspace.cpd' };
const statusBadge = {
  submitted: { text: 'console.claims.status.submitted', tone: 'waiting' },
  processed: { text: 'console.claims.status.processed', tone: 'waiting' },
  approved: { text: 'console.claims.status.approved', tone: 'good' },
  denied: { text: 'console.claims.status.denied', tone: 'bad' },
  paid: { text: 'console.claims.status.paid', tone: 'good' },
} as const satisfies Record<string, { text: MessageId; tone: string }>;

/** CEX (submitted → processed) or CPD (processed → approved/denied), over the live claims collection. */
function ClaimsWorkspace({ stage }: { readonly stage: ClaimStage }) {
  const { api, session, replication } = useConsole();
  const loaded = useConsoleDocuments('claims');
  const money = useMoney();
  const now = useNow();
  const timeLeftOf = useTimeLeft();
  const [selectedId, setSelectedId] = useState<string | null>(null);
  const { t } = useTranslator();
  if (loaded.status !== 'ready') {
    return (
      <ScreenFrame title={t(titles[stage])}>
        <LoadingNotice>{t('console.claims.loading')}</LoadingNotice>
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
    <ScreenFrame title={t(titles[stage])}>
      <p className="screen-subtitle">{stage === 'cex' ? t('console.claims.introCex') : t('console.claims.introCpd')}</p>
      <section className="panel" aria-labelledby={`${stage}-queue-heading`}>
        <h2 id={`${stage}-queue-heading`}>{t('console.claims.waiting', { count: queue.length, past: pastCount })}</h2>
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
        <h2 id={`${stage}-done-heading`}>{stage === 'cex' ? t('console.claims.recentlyProcessed') : t('console.claims.recentlyVerified')}</h2>
        {reviewed.length === 0 ? (
          <p>{t('console.claims.noneYet')}</p>
        ) : (
          <ul className="plain-list">
            {reviewed.map((claim) => (
              <li key={claim.id}>
                <a href={caseHash(claim.caseId)}>{claim.memberName}</a> ({claim.hospitalCode}):{' '}
                <StatusBadge text={t(statusBadge[claim.status].text)} tone={statusBadge[claim.status].tone} />{' '}
                {claim.approvedAmount !== null
                  ? t('console.claims.approvedOf', { approved: money(claim.approvedAmount), of: money(claim.payerAmount) })
                  : t('console.claims.payerPartOf', { amount: money(claim.payerAmount) })}
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
