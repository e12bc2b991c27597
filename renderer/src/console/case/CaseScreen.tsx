import { useState, type ReactNode } from 'react';
import { bookingStatusLabel, identityMethodLabel, preauthStatusLabel } from '../../shared/labels';
import { formatTime } from '../../shared/time';
import { InfoNotice, LoadingNotice } from '../../shared/ui/Notice';
import { ScreenFrame } from '../../shared/ui/ScreenFrame';
import { StatusBadge } from '../../shared/ui/StatusBadge';
import { ConsoleMoney, hasAnyRole, useConsole, useConsoleDocument, useNow } from '../app/console-context';
import { waitingAgainst } from '../app/waiting';
import type { ConsoleCase } from '../data/documents';
import type { ConsoleWorkspaceDefinition } from '../workspaces';
import { AuditTrail } from './AuditTrail';
import { AccumulatorsPanel } from './AccumulatorsPanel';
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
  const loadedCase = useConsoleDocument('cases', caseId);
  const now = useNow();
  const [outcome, setOutcome] = useState<{ caseId: string; message: string } | null>(null);
  if (loadedCase.status !== 'ready') {
    return (
      <ScreenFrame title="Case">
        <LoadingNotice>Loading the case…</LoadingNotice>
      </ScreenFrame>
    );
  }
  const caseDoc = loadedCase.value;
  if (caseDoc === null) {
    return (
      <ScreenFrame title="Case not available">
        <div className="notice notice-error" role="alert">
          <p>This case is not in your queues: it does not exist, or it belongs to another role's work.</p>
        </div>
      </ScreenFrame>
    );
  }
  const actions = workspaces.filter((workspace) => workspace.caseActions && hasAnyRole(session, workspace.roles));
  return (
    <ScreenFrame title={`Case of ${caseDoc.member.fullName}`} headingExtra={caseDoc.isEmergency ? <StatusBadge text="Emergency" tone="bad" /> : null}>
      <p className="screen-subtitle">
        {caseDoc.member.schemeMemberId} · {caseDoc.member.relation} · born {caseDoc.member.birthYear} · {caseDoc.hospitalName} ({caseDoc.hospitalCode}) ·
        admitted {formatTime(caseDoc.admittedAt, session.scheme.locale)} · identity by {identityMethodLabel(caseDoc.identityMethod)} · case {caseDoc.status}
      </p>
      <div className="case-columns">
        <PreauthPanel caseDoc={caseDoc} now={now} />
        <BalancePanel caseDoc={caseDoc} />
      </div>
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
  const { locale } = useConsole().session.scheme;
  if (!preauth) {
    return (
      <section className="panel" aria-labelledby="preauth-heading">
        <h2 id="preauth-heading">Pre-authorization</h2>
        <p>No pre-authorization has been requested.</p>
      </section>
    );
  }
  const label = preauthStatusLabel(preauth.status);
  const waiting = waitingAgainst(preauth.requestedAt, caseDoc.turnaroundMinutes, now);
  const isOpen = preauth.status !== 'approved' && preauth.status !== 'rejected' && preauth.status !== 'cancelled';
  return (
    <section className="panel" aria-labelledby="preauth-heading">
      <h2 id="preauth-heading">Pre-authorization</h2>
      <p>
        <StatusBadge text={label.text} tone={label.tone} />
      </p>
      <Definitions
        items={[
          ['Package', `${preauth.packageCode} · ${preauth.packageName} (${preauth.specialty})${preauth.isUnspecified ? ', unspecified' : ''}`],
          ['Package price', <ConsoleMoney minor={preauth.packagePrice} />],
          ['Requested', <ConsoleMoney minor={preauth.requestedAmount} />],
          ...(preauth.recommendedAmount !== null ? [['Committee recommended', <ConsoleMoney minor={preauth.recommendedAmount} />] as const] : []),
          ...(preauth.approvedAmount !== null ? [['Approved', <ConsoleMoney minor={preauth.approvedAmount} />] as const] : []),
          ['Requested at', formatTime(preauth.requestedAt, locale)],
          ['Waiting', isOpen ? waiting.text : `decided ${preauth.decidedAt ? formatTime(preauth.decidedAt, locale) : ''}`],
          ...(preauth.clinicalNote ? [['Clinical note', preauth.clinicalNote] as const] : []),
          ...(preauth.queryReason ? [['Query to the desk', preauth.queryReason] as const] : []),
          ...(preauth.queryResponse ? [["Desk's answer", preauth.queryResponse] as const] : []),
          ...(preauth.decisionReason ? [['Reason given', preauth.decisionReason] as const] : []),
        ]}
      />
    </section>
  );
}

function BalancePanel({ caseDoc }: { readonly caseDoc: ConsoleCase }) {
  const { family, hold } = caseDoc;
  return (
    <section className="panel" aria-labelledby="balance-heading">
      <h2 id="balance-heading">Hold and family balance</h2>
      <Definitions
        items={[
          ['Held for this case', hold ? <ConsoleMoney minor={hold.amount} /> : 'no hold'],
          ...(hold
            ? [['Used by bookings', <ConsoleMoney minor={hold.consumed} />] as const, ['Authorized', <ConsoleMoney minor={hold.authorized} />] as const]
            : []),
          ['Family cover', <ConsoleMoney minor={family.cover} />],
          ['Committed', <ConsoleMoney minor={family.committed} />],
          ['Available', <ConsoleMoney minor={family.available} />],
        ]}
      />
      <table className="data-table">
        <caption>Active holds on family {family.familyNumber}</caption>
        <thead>
          <tr>
            <th scope="col">Member</th>
            <th scope="col">Hospital</th>
            <th scope="col" className="number">
              Hold
            </th>
          </tr>
        </thead>
        <tbody>
          {family.holds.map((h) => (
            <tr key={h.caseId}>
              <th scope="row">
                {h.memberName}
                {h.caseId === caseDoc.caseId ? ' (this case)' : ''}
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
  const { locale } = useConsole().session.scheme;
  if (caseDoc.enhancements.length === 0) return null;
  return (
    <section className="panel" aria-labelledby="enhancements-heading">
      <h2 id="enhancements-heading">Enhancements</h2>
      <table className="data-table">
        <caption>Requests for more than the pre-authorized amount</caption>
        <thead>
          <tr>
            <th scope="col">Requested at</th>
            <th scope="col">Reason</th>
            <th scope="col" className="number">
              Requested
            </th>
            <th scope="col" className="number">
              Approved
            </th>
            <th scope="col" className="number">
              Granted on the cover
            </th>
            <th scope="col">Status</th>
          </tr>
        </thead>
        <tbody>
          {caseDoc.enhancements.map((e) => (
            <tr key={e.id}>
              <td>{formatTime(e.requestedAt, locale)}</td>
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
                {e.status}
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
  return (
    <section className="panel" aria-labelledby="bookings-heading">
      <h2 id="bookings-heading">Bookings{caseDoc.claim ? ` and claim (${caseDoc.claim.status})` : ''}</h2>
      {caseDoc.bookings.length === 0 ? (
        <InfoNotice>No services booked yet.</InfoNotice>
      ) : (
        <table className="data-table">
          <caption>Services and items booked on this case</caption>
          <thead>
            <tr>
              <th scope="col">Item</th>
              <th scope="col" className="number">
                Amount
              </th>
              <th scope="col" className="number">
                Covered
              </th>
              <th scope="col" className="number">
                Shortfall
              </th>
              <th scope="col">Status</th>
            </tr>
          </thead>
          <tbody>
            {caseDoc.bookings.map((b) => {
              const label = bookingStatusLabel(
                b.shortfallAmount === 0 ? 'covered' : b.coveredAmount === 0 ? 'shortfall' : 'partly-covered',
                b.status === 'voided',
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
          Claim of <ConsoleMoney minor={caseDoc.claim.amount} /> (payer <ConsoleMoney minor={caseDoc.claim.payerAmount} />, patient{' '}
          <ConsoleMoney minor={caseDoc.claim.patientAmount} />
          ), {caseDoc.claim.status}
          {caseDoc.claim.approvedAmount !== null ? (
            <>
              , approved <ConsoleMoney minor={caseDoc.claim.approvedAmount} />
            </>
          ) : null}
          .
        </p>
      ) : null}
    </section>
  );
}
