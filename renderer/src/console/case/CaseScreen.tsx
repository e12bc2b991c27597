import { useState, type ReactNode } from 'react';
import { bookingStatusLabel, identityMethodLabel, preauthStatusLabel } from '../../shared/labels';
import { useTranslator } from '../../i18n/LanguageProvider';
import { formatTimeIn } from '../../i18n/time';
import { InfoNotice, LoadingNotice } from '../../shared/ui/Notice';
import { ScreenFrame } from '../../shared/ui/ScreenFrame';
import { StatusBadge } from '../../shared/ui/StatusBadge';
import { ConsoleMoney, hasAnyRole, useConsole, useConsoleDocument, useNow } from '../app/console-context';
import { waitingAgainst } from '../app/waiting';
import type { ConsoleCase } from '../data/documents';
import type { ConsoleWorkspaceDefinition } from '../workspaces';
import { AuditTrail } from './AuditTrail';
import { AccumulatorsPanel } from './AccumulatorsPanel';
import { DocumentsPanel } from './DocumentsPanel';
import { DecisionOutcomeContext } from './DecisionForm';

function Definitions({ items }: { readonly items: readonly (readonly [string, ReactNode])[] }) {
  return (
    <dl className="figures">
      {items.map(([term, value]) => (
        <div key={term}>
          <dt>{term}</dt>
          <dd>{value}</dd>
        </div>
      ))}
    </dl>
  );
}

/**
 * One case as a reviewer needs it: patient, package and pre-auth, the hold and the family balance,
 * enhancements, bookings and claim, the decision panels of the operator's own workspaces, and the
 * audit trail with the chain's status.
 */
export function CaseScreen({ caseId, workspaces }: { readonly caseId: string; readonly workspaces: readonly ConsoleWorkspaceDefinition[] }) {
  const { session } = useConsole();
  const translator = useTranslator();
  const { t } = translator;
  const loadedCase = useConsoleDocument('cases', caseId);
  const now = useNow();
  const [outcome, setOutcome] = useState<{ caseId: string; message: string } | null>(null);
  if (loadedCase.status !== 'ready') {
    return (
      <ScreenFrame title={t('console.case.title')}>
        <LoadingNotice>{t('console.case.loading')}</LoadingNotice>
      </ScreenFrame>
    );
  }
  const caseDoc = loadedCase.value;
  if (caseDoc === null) {
    return (
      <ScreenFrame title={t('console.case.notAvailable')}>
        <div className="notice notice-error" role="alert">
          <p>{t('console.case.notAvailableMessage')}</p>
        </div>
      </ScreenFrame>
    );
  }
  const actions = workspaces.filter((workspace) => workspace.caseActions && hasAnyRole(session, workspace.roles));
  return (
    <ScreenFrame
      title={t('console.case.of', { name: caseDoc.member.fullName })}
      headingExtra={caseDoc.isEmergency ? <StatusBadge text={t('console.queue.emergency')} tone="bad" /> : null}
    >
      <p className="screen-subtitle">
        {t('console.case.subtitle', {
          memberId: caseDoc.member.schemeMemberId,
          relation: t('label.relation', { relation: caseDoc.member.relation }),
          born: String(caseDoc.member.birthYear),
          hospital: caseDoc.hospitalName,
          hospitalCode: caseDoc.hospitalCode,
          admitted: formatTimeIn(translator, caseDoc.admittedAt),
          identity: identityMethodLabel(caseDoc.identityMethod, t),
          status: t('label.caseState', { status: caseDoc.status }),
        })}
      </p>
      <div className="case-columns">
        <PreauthPanel caseDoc={caseDoc} now={now} />
        <BalancePanel caseDoc={caseDoc} />
      </div>
      <DocumentsPanel caseId={caseDoc.caseId} version={caseDoc} />
      <AccumulatorsPanel memberId={caseDoc.member.id} version={caseDoc} />
      <p className="decision-outcome" role="status">
        {outcome?.caseId === caseDoc.caseId ? outcome.message : null}
      </p>
      {actions.length > 0 ? (
        <DecisionOutcomeContext.Provider value={(message) => setOutcome({ caseId: caseDoc.caseId, message })}>
          <div className="case-actions">
            {actions.map((workspace) => {
              const Actions = workspace.caseActions!;
              return <Actions key={workspace.path} caseDoc={caseDoc} />;
            })}
          </div>
        </DecisionOutcomeContext.Provider>
      ) : null}
      <EnhancementsPanel caseDoc={caseDoc} />
      <BookingsPanel caseDoc={caseDoc} />
      <AuditTrail caseId={caseDoc.caseId} version={caseDoc} />
    </ScreenFrame>
  );
}

function PreauthPanel({ caseDoc, now }: { readonly caseDoc: ConsoleCase; readonly now: Date }) {
  const preauth = caseDoc.preauth;
  const translator = useTranslator();
  const { t } = translator;
  if (!preauth) {
    return (
      <section className="panel" aria-labelledby="preauth-heading">
        <h2 id="preauth-heading">{t('console.case.preauth')}</h2>
        <p>{t('console.case.noPreauth')}</p>
      </section>
    );
  }
  const label = preauthStatusLabel(preauth.status, t);
  const waiting = waitingAgainst(preauth.requestedAt, caseDoc.turnaroundMinutes, now, t);
  const isOpen = preauth.status !== 'approved' && preauth.status !== 'rejected' && preauth.status !== 'cancelled';
  return (
    <section className="panel" aria-labelledby="preauth-heading">
      <h2 id="preauth-heading">{t('console.case.preauth')}</h2>
      <p>
        <StatusBadge text={label.text} tone={label.tone} />
      </p>
      <Definitions
        items={[
          [
            t('console.case.package'),
            t('console.case.packageValue', {
              code: preauth.packageCode,
              name: preauth.packageName,
              specialty: preauth.specialty,
              isUnspecified: preauth.isUnspecified ? 'yes' : 'no',
            }),
          ],
          [t('console.case.packagePrice'), <ConsoleMoney minor={preauth.packagePrice} />],
          [t('console.case.requested'), <ConsoleMoney minor={preauth.requestedAmount} />],
          ...(preauth.recommendedAmount !== null ? [[t('console.case.recommended'), <ConsoleMoney minor={preauth.recommendedAmount} />] as const] : []),
          ...(preauth.approvedAmount !== null ? [[t('console.case.approved'), <ConsoleMoney minor={preauth.approvedAmount} />] as const] : []),
          [t('console.case.requestedAt'), formatTimeIn(translator, preauth.requestedAt)],
          [
            t('console.case.waiting'),
            isOpen ? waiting.text : t('console.case.decided', { time: preauth.decidedAt ? formatTimeIn(translator, preauth.decidedAt) : '' }),
          ],
          ...(preauth.clinicalNote ? [[t('console.case.clinicalNote'), preauth.clinicalNote] as const] : []),
          ...(preauth.queryReason ? [[t('console.case.query'), preauth.queryReason] as const] : []),
          ...(preauth.queryResponse ? [[t('console.case.deskAnswer'), preauth.queryResponse] as const] : []),
          ...(preauth.decisionReason ? [[t('console.case.reasonGiven'), preauth.decisionReason] as const] : []),
        ]}
      />
    </section>
  );
}

function BalancePanel({ caseDoc }: { readonly caseDoc: ConsoleCase }) {
  const { family, hold } = caseDoc;
  const { t } = useTranslator();
  return (
    <section className="panel" aria-labelledby="balance-heading">
      <h2 id="balance-heading">{t('console.case.balance')}</h2>
      <Definitions
        items={[
          [t('console.case.held'), hold ? <ConsoleMoney minor={hold.amount} /> : t('console.case.noHold')],
          ...(hold
            ? [
                [t('console.case.usedByBookings'), <ConsoleMoney minor={hold.consumed} />] as const,
                [t('console.case.authorized'), <ConsoleMoney minor={hold.authorized} />] as const,
              ]
            : []),
          [t('console.case.familyCover'), <ConsoleMoney minor={family.cover} />],
          [t('console.case.committed'), <ConsoleMoney minor={family.committed} />],
          [t('console.case.available'), <ConsoleMoney minor={family.available} />],
        ]}
      />
      <table className="data-table">
        <caption>{t('console.case.activeHolds', { family: family.familyNumber })}</caption>
        <thead>
          <tr>
            <th scope="col">{t('console.case.member')}</th>
            <th scope="col">{t('console.queue.hospital')}</th>
            <th scope="col" className="number">
              {t('console.case.hold')}
            </th>
          </tr>
        </thead>
        <tbody>
          {family.holds.map((h) => (
            <tr key={h.caseId}>
              <th scope="row">
                {h.memberName}
                {h.caseId === caseDoc.caseId ? t('console.case.thisCase') : ''}
              </th>
              <td>{h.hospitalCode}</td>
              <td className="number">
                <ConsoleMoney minor={h.amount} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

function EnhancementsPanel({ caseDoc }: { readonly caseDoc: ConsoleCase }) {
  const translator = useTranslator();
  const { t } = translator;
  if (caseDoc.enhancements.length === 0) return null;
  return (
    <section className="panel" aria-labelledby="enhancements-heading">
      <h2 id="enhancements-heading">{t('console.case.enhancements')}</h2>
      <table className="data-table">
        <caption>{t('console.case.enhancementsCaption')}</caption>
        <thead>
          <tr>
            <th scope="col">{t('console.case.requestedAt')}</th>
            <th scope="col">{t('console.decision.reason')}</th>
            <th scope="col" className="number">
              {t('console.case.requested')}
            </th>
            <th scope="col" className="number">
              {t('console.case.approved')}
            </th>
            <th scope="col" className="number">
              {t('console.case.granted')}
            </th>
            <th scope="col">{t('console.queue.status')}</th>
          </tr>
        </thead>
        <tbody>
          {caseDoc.enhancements.map((e) => (
            <tr key={e.id}>
              <td>{formatTimeIn(translator, e.requestedAt)}</td>
              <th scope="row">{e.reason}</th>
              <td className="number">
                <ConsoleMoney minor={e.requestedAmount} />
              </td>
              <td className="number">
                <ConsoleMoney minor={e.approvedAmount} />
              </td>
              <td className="number">
                <ConsoleMoney minor={e.grantedAmount} />
              </td>
              <td>
                {t('label.enhancementState', { status: e.status })}
                {e.decisionReason ? ` (${e.decisionReason})` : ''}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

function BookingsPanel({ caseDoc }: { readonly caseDoc: ConsoleCase }) {
  const { t, rich } = useTranslator();
  return (
    <section className="panel" aria-labelledby="bookings-heading">
      <h2 id="bookings-heading">
        {caseDoc.claim ? t('console.case.bookingsAndClaim', { status: t('label.claimState', { status: caseDoc.claim.status }) }) : t('console.case.bookings')}
      </h2>
      {caseDoc.bookings.length === 0 ? (
        <InfoNotice>{t('console.case.noBookings')}</InfoNotice>
      ) : (
        <table className="data-table">
          <caption>{t('console.case.bookingsCaption')}</caption>
          <thead>
            <tr>
              <th scope="col">{t('console.case.item')}</th>
              <th scope="col" className="number">
                {t('console.queue.amount')}
              </th>
              <th scope="col" className="number">
                {t('console.case.covered')}
              </th>
              <th scope="col" className="number">
                {t('console.case.shortfall')}
              </th>
              <th scope="col">{t('console.queue.status')}</th>
            </tr>
          </thead>
          <tbody>
            {caseDoc.bookings.map((b) => {
              const label = bookingStatusLabel(
                b.shortfallAmount === 0 ? 'covered' : b.coveredAmount === 0 ? 'shortfall' : 'partly-covered',
                b.status === 'voided',
                t,
              );
              return (
                <tr key={b.id}>
                  <th scope="row">
                    {b.itemCode} · {b.description} × {b.quantity}
                  </th>
                  <td className="number">
                    <ConsoleMoney minor={b.amount} />
                  </td>
                  <td className="number">
                    <ConsoleMoney minor={b.coveredAmount} />
                  </td>
                  <td className="number">
                    <ConsoleMoney minor={b.shortfallAmount} />
                  </td>
                  <td>
                    <StatusBadge text={label.text} tone={label.tone} />
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
      {caseDoc.claim ? (
        <p>
          {rich('console.case.claim', {
            amount: <ConsoleMoney minor={caseDoc.claim.amount} />,
            payer: <ConsoleMoney minor={caseDoc.claim.payerAmount} />,
            patient: <ConsoleMoney minor={caseDoc.claim.patientAmount} />,
            status: t('label.claimState', { status: caseDoc.claim.status }),
            isApproved: caseDoc.claim.approvedAmount !== null ? 'yes' : 'no',
            approved: caseDoc.claim.approvedAmount !== null ? <ConsoleMoney minor={caseDoc.claim.approvedAmount} /> : '',
          })}
        </p>
      ) : null}
    </section>
  );
}
