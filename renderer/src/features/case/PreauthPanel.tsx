import { useState, type FormEvent, type Ref } from 'react';
import { useDesk } from '../../app/desk-context';
import type { LiveCase } from '../../shared/hooks/use-live-record';
import { useDeskCommand } from '../../shared/hooks/use-desk-request';
import { useFamily } from '../../shared/hooks/use-live-record';
import { preauthStatusLabel } from '../../shared/labels';
import { TextAreaField } from '../../shared/ui/Field';
import { ErrorNotice, InfoNotice } from '../../shared/ui/Notice';
import { Money } from '../../shared/ui/Money';
import { StatusBadge } from '../../shared/ui/StatusBadge';
import { emptyPreauthDraft, preauthRequestOf, PreauthRequestFields, type PreauthDraft } from '../admission/PreauthRequestFields';

/**
 * The pre-auth as it moves through review. Its status is a live region: the reviewer's decision
 * arrives through replication and is announced where the operator is looking.
 */
export function PreauthPanel({ liveCase, headingRef }: { readonly liveCase: LiveCase; readonly headingRef: Ref<HTMLHeadingElement> }) {
  const { preauth } = liveCase;
  const status = preauthStatusLabel(preauth.status);
  const isActive = liveCase.status === 'admitted' || liveCase.status === 'pending-sync';
  return (
    <section className="panel" aria-labelledby="preauth-title">
      <h2 id="preauth-title" ref={headingRef} tabIndex={-1}>
        Pre-authorization
      </h2>
      <p aria-live="polite">
        <StatusBadge {...status} />
      </p>
      {preauth.packageCode ? (
        <dl className="figures">
          <div>
            <dt>Package</dt>
            <dd>
              {preauth.packageCode} · {preauth.packageName}
            </dd>
          </div>
          <div>
            <dt>Requested</dt>
            <dd>
              <Money minor={preauth.requestedAmount} />
            </dd>
          </div>
          <div>
            <dt>Approved</dt>
            <dd>
              <Money minor={preauth.approvedAmount} />
            </dd>
          </div>
          <div>
            <dt>Shortfall (patient pays)</dt>
            <dd className={preauth.shortfall ? 'figure-bad' : undefined}>
              <Money minor={preauth.shortfall} />
            </dd>
          </div>
        </dl>
      ) : null}
      {preauth.shortfall ? (
        <p className="warning-text">
          {preauth.shortfall === preauth.requestedAmount
            ? 'The family cover has nothing left for this package: all of '
            : 'The family cover could hold only part of this package: '}
          <Money minor={preauth.shortfall} /> is the patient’s to pay. Tell the patient now.
        </p>
      ) : null}
      {preauth.decisionReason ? <p>Reviewer’s reason: {preauth.decisionReason}</p> : null}
      {preauth.status === 'queried' ? <QueryResponseForm caseId={liveCase.caseId} queryReason={preauth.queryReason} /> : null}
      {preauth.status === 'not-requested' && isActive ? <PreauthRequestForm liveCase={liveCase} /> : null}
    </section>
  );
}

function QueryResponseForm({ caseId, queryReason }: { readonly caseId: string; readonly queryReason: string | null }) {
  const command = useDeskCommand();
  const [response, setResponse] = useState('');
  const [problem, setProblem] = useState<string | null>(null);
  const submit = async (event: FormEvent<HTMLFormElement>): Promise<void> => {
    event.preventDefault();
    if (response.trim().length < 5) {
      setProblem('Write an answer the reviewer can act on.');
      return;
    }
    setProblem(null);
    const answer = await command.run('cases.respondQuery', { caseId, response: response.trim() });
    if (answer?.ok) setResponse('');
  };
  return (
    <form onSubmit={(event) => void submit(event)} noValidate>
      <InfoNotice>
        <p>
          <strong>The reviewer asks:</strong> {queryReason ?? 'no question given'}
        </p>
      </InfoNotice>
      <TextAreaField label="Answer to the reviewer" value={response} onChange={(event) => setResponse(event.target.value)} rows={3} problem={problem} />
      {command.state.status === 'failed' ? <ErrorNotice error={command.state.error} /> : null}
      <button type="submit" className="primary" disabled={command.state.status === 'running'}>
        {command.state.status === 'running' ? 'Sending…' : 'Send answer'}
      </button>
    </form>
  );
}

function PreauthRequestForm({ liveCase }: { readonly liveCase: LiveCase }) {
  const { session } = useDesk();
  const family = useFamily(liveCase.familyId);
  const command = useDeskCommand();
  const [draft, setDraft] = useState<PreauthDraft>(emptyPreauthDraft);
  const [problem, setProblem] = useState<{ readonly field: 'package' | 'estimate'; readonly message: string } | null>(null);
  const submit = async (event: FormEvent<HTMLFormElement>): Promise<void> => {
    event.preventDefault();
    const request = preauthRequestOf(draft, session.scheme);
    if (!request.ok) {
      setProblem(request);
      return;
    }
    setProblem(null);
    await command.run('cases.requestPreauth', { caseId: liveCase.caseId, ...request.request });
  };
  return (
    <form onSubmit={(event) => void submit(event)} noValidate>
      <PreauthRequestFields draft={draft} onChange={setDraft} family={family.status === 'ready' ? family.value : null} problem={problem} />
      {command.state.status === 'failed' ? <ErrorNotice error={command.state.error} /> : null}
      <button type="submit" className="primary" disabled={command.state.status === 'running'}>
        {command.state.status === 'running' ? 'Sending…' : 'Request pre-auth'}
      </button>
    </form>
  );
}
