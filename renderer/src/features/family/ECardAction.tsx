import { useId, useState } from 'react';
import type { ECardView, MemberSummary } from '@desk-api/contract';
import { useTranslator } from '../../i18n/LanguageProvider';
import { useDeskCommand } from '../../shared/hooks/use-desk-request';
import { ErrorNotice } from '../../shared/ui/Notice';

/**
 * Issue 16: the member's e-card, signed by the scheme on the server. "Issue e-card" asks the
 * server for a card; a member who already has one is offered "Reissue" with the reason (a lost
 * card is revoked, and refused at every desk once it syncs). The issued card is printed as a PDF
 * at bank-card size or saved as a PNG for the member's phone.
 */
export function ECardAction({ member }: { readonly member: MemberSummary }) {
  const issue = useDeskCommand();
  const file = useDeskCommand();
  const { language } = useTranslator();
  const reasonId = useId();
  const [card, setCard] = useState<ECardView | null>(null);
  const [activeSerial, setActiveSerial] = useState<string | null>(null);
  const [reason, setReason] = useState('');

  const run = async (replace: string | null): Promise<void> => {
    const answer = await issue.run(
      'members.issueECard',
      replace ? { memberId: member.memberId, replaceSerial: replace, reason } : { memberId: member.memberId },
    );
    if (!answer) return;
    if (answer.ok) {
      setCard(answer.value);
      setActiveSerial(null);
      setReason('');
    } else if (answer.error.code === 'e-card-active') setActiveSerial(String(answer.error.details?.serial ?? ''));
  };
  const save = async (serial: string, format: 'pdf' | 'png'): Promise<void> => {
    // The card's labels in the operator's language (issue 19): the server prints it in it.
    const answer = await file.run('members.eCardFile', { serial, format, language });
    if (!answer?.ok) return;
    const bytes = Uint8Array.from(atob(answer.value.base64), (c) => c.charCodeAt(0));
    const url = URL.createObjectURL(new Blob([bytes], { type: answer.value.mimeType }));
    const link = document.createElement('a');
    link.href = url;
    link.download = answer.value.fileName;
    link.click();
    setTimeout(() => URL.revokeObjectURL(url), 60_000);
  };
  const isBusy = issue.state.status === 'running' || file.state.status === 'running';

  return (
    <div className="e-card-action">
      {card ? (
        <p role="status">
          E-card {card.serial} issued to {card.name}, valid {card.validFrom} to {card.validTo}
          {card.replaces ? ` (replaces ${card.replaces}, now refused at every desk once synced)` : ''}.
        </p>
      ) : null}
      <div className="button-row">
        {card ? (
          <>
            <button type="button" disabled={isBusy} onClick={() => void save(card.serial, 'pdf')}>
              Print e-card (PDF)
            </button>
            <button type="button" disabled={isBusy} onClick={() => void save(card.serial, 'png')}>
              Save for phone (PNG)
            </button>
          </>
        ) : activeSerial === null ? (
          <button type="button" disabled={isBusy} onClick={() => void run(null)}>
            {issue.state.status === 'running' ? 'Issuing…' : `Issue e-card to ${member.fullName}`}
          </button>
        ) : null}
      </div>
      {activeSerial ? (
        <div className="field">
          <label htmlFor={reasonId}>
            {member.fullName} already has e-card {activeSerial}. Why is it replaced (lost, stolen, damaged)?
          </label>
          <input id={reasonId} value={reason} maxLength={500} onChange={(event) => setReason(event.target.value)} />
          <button type="button" disabled={isBusy || reason.trim() === ''} onClick={() => void run(activeSerial)}>
            Reissue e-card (revokes {activeSerial})
          </button>
        </div>
      ) : null}
      {issue.state.status === 'failed' && issue.state.error.code !== 'e-card-active' ? <ErrorNotice error={issue.state.error} /> : null}
      {file.state.status === 'failed' ? <ErrorNotice error={file.state.error} /> : null}
    </div>
  );
}
