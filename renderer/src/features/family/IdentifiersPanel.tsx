import { useCallback, useEffect, useId, useState, type FormEvent } from 'react';
import type { FamilyView, IdentifierLinkedView, LinkedIdentifierKind, LinkedIdentifierView } from '@desk-api/contract';
import { useDesk } from '../../app/desk-context';
import { useDeskCommand } from '../../shared/hooks/use-desk-request';
import { TextField } from '../../shared/ui/Field';
import { ErrorNotice, InfoNotice } from '../../shared/ui/Notice';

export const identifierKindWords: Record<LinkedIdentifierKind, string> = {
  'national-id-qr': 'National ID (QR)',
  'health-account': 'Health account number',
  'hospital-mrn': 'Our patient number (MRN)',
  'state-card': 'State health card',
};

const kindOptions = ['national-id-qr', 'health-account', 'hospital-mrn', 'state-card'] as const satisfies readonly LinkedIdentifierKind[];

const valueHints: Record<LinkedIdentifierKind, string> = {
  'national-id-qr':
    "Scan the QR on the national ID card into this field (the scanner types it), or paste its text. Its signature is checked where the issuer's key is known.",
  'health-account': '14 digits; the last is a check digit.',
  'hospital-mrn': "This hospital's own patient number for the member (letters, digits, / and -).",
  'state-card': 'The number printed on the state card (letters, digits, / and -).',
};

const verificationWords: Record<IdentifierLinkedView['verification'], string> = {
  'issuer-signature': "signature verified with the issuer's key",
  unverified: 'kept as an unverified document',
  'check-digit': 'check digit correct',
  none: 'no check applies',
};

/**
 * A family's other cards (issue 16, "one member, many cards"): each member's linked identifiers —
 * national ID QR, health account number, this hospital's patient number, state card — listed from
 * the desk's replica (offline too), linked and unlinked on the server (online only). The server's
 * refusals are shown as its sentences: a card already linked to someone else names that member only
 * when this hospital may see them. Native form controls only, so every step works from the keyboard.
 */
export function IdentifiersPanel({ family }: { readonly family: FamilyView }) {
  const { client } = useDesk();
  const link = useDeskCommand();
  const unlink = useDeskCommand();
  const formId = useId();
  const [links, setLinks] = useState<readonly LinkedIdentifierView[]>([]);
  const [memberId, setMemberId] = useState(family.members[0]?.memberId ?? '');
  const [kind, setKind] = useState<LinkedIdentifierKind>('health-account');
  const [value, setValue] = useState('');
  const [state, setState] = useState('');
  const [linked, setLinked] = useState<{ readonly answer: IdentifierLinkedView; readonly name: string } | null>(null);
  const [unlinking, setUnlinking] = useState<LinkedIdentifierView | null>(null);
  const [unlinked, setUnlinked] = useState<string | null>(null);
  const [reason, setReason] = useState('');
  const memberKey = family.members.map((member) => member.memberId).join(',');

  const refresh = useCallback(async (): Promise<void> => {
    const answers = await Promise.all(memberKey.split(',').map((id) => client.call('identifiers.list', { memberId: id })));
    setLinks(answers.flatMap((answer) => (answer.ok ? answer.value.links : [])));
  }, [client, memberKey]);
  useEffect(() => {
    void refresh();
  }, [refresh]);

  const nameOf = (id: string) => family.members.find((member) => member.memberId === id)?.fullName ?? 'this member';
  const describe = (item: LinkedIdentifierView) => `${identifierKindWords[item.kind]}${item.kind === 'state-card' ? ` (${item.issuer})` : ''} ${item.value}`;

  const submitLink = async (event: FormEvent<HTMLFormElement>): Promise<void> => {
    event.preventDefault();
    setLinked(null);
    setUnlinked(null);
    const answer = await link.run('identifiers.link', { memberId, kind, value, ...(kind === 'state-card' ? { state } : {}) });
    if (!answer?.ok) return;
    setLinked({ answer: answer.value, name: nameOf(memberId) });
    setValue('');
    await refresh();
  };
  const submitUnlink = async (event: FormEvent<HTMLFormElement>): Promise<void> => {
    event.preventDefault();
    if (!unlinking) return;
    const answer = await unlink.run('identifiers.unlink', { linkId: unlinking.linkId, reason });
    if (!answer?.ok) return;
    setUnlinked(`${describe(unlinking)} is no longer linked to ${nameOf(unlinking.memberId)}.`);
    setUnlinking(null);
    setReason('');
    setLinked(null);
    await refresh();
  };

  return (
    <section className="panel" aria-labelledby={`${formId}-title`}>
      <h2 id={`${formId}-title`}>Cards and identifiers</h2>
      <p className="muted">
        The other cards a member carries: any of them finds the member at this desk, also offline. One card belongs to one member. Linking and unlinking need
        the server.
      </p>
      {links.length === 0 ? (
        <p>No other cards are linked to this family’s members on this desk.</p>
      ) : (
        <table className="data-table" aria-label="Linked cards">
          <thead>
            <tr>
              <th scope="col">Member</th>
              <th scope="col">Card</th>
              <th scope="col">Number</th>
              <th scope="col">Unlink</th>
            </tr>
          </thead>
          <tbody>
            {links.map((item) => (
              <tr key={item.linkId}>
                <td>{nameOf(item.memberId)}</td>
                <td>
                  {identifierKindWords[item.kind]}
                  {item.kind === 'state-card' || item.kind === 'national-id-qr' ? ` (${item.issuer})` : ''}
                </td>
                <td>{item.value}</td>
                <td>
                  <button
                    type="button"
                    onClick={() => {
                      unlink.reset();
                      setUnlinking(item);
                    }}
                  >
                    Unlink {identifierKindWords[item.kind]} {item.value} of {nameOf(item.memberId)}
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {unlinked ? <p role="status">{unlinked}</p> : null}
      {unlinking ? (
        <form onSubmit={(event) => void submitUnlink(event)} aria-label="Unlink a card" noValidate>
          <TextField
            label={`Why is ${describe(unlinking)} unlinked from ${nameOf(unlinking.memberId)}?`}
            hint="Linked to the wrong member, card replaced… Kept in the audit trail."
            value={reason}
            maxLength={500}
            onChange={(event) => setReason(event.target.value)}
            autoFocus
          />
          <div className="button-row">
            <button type="submit" className="primary" disabled={unlink.state.status === 'running' || reason.trim() === ''}>
              Confirm unlink
            </button>
            <button type="button" onClick={() => setUnlinking(null)}>
              Keep the link
            </button>
          </div>
          {unlink.state.status === 'failed' ? <ErrorNotice error={unlink.state.error} /> : null}
        </form>
      ) : null}

      <form onSubmit={(event) => void submitLink(event)} aria-label="Link a card" noValidate>
        <h3>Link a card</h3>
        <div className="field">
          <label htmlFor={`${formId}-member`}>Member</label>
          <select id={`${formId}-member`} value={memberId} onChange={(event) => setMemberId(event.target.value)}>
            {family.members.map((member) => (
              <option key={member.memberId} value={member.memberId}>
                {member.fullName} ({member.schemeMemberId})
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor={`${formId}-kind`}>Card</label>
          <select
            id={`${formId}-kind`}
            value={kind}
            onChange={(event) => setKind(kindOptions.find((option) => option === event.target.value) ?? 'health-account')}
          >
            {kindOptions.map((option) => (
              <option key={option} value={option}>
                {identifierKindWords[option]}
              </option>
            ))}
          </select>
        </div>
        <TextField
          label={kind === 'national-id-qr' ? 'QR text' : 'Number on the card'}
          hint={valueHints[kind]}
          value={value}
          maxLength={3000}
          autoComplete="off"
          spellCheck={false}
          onChange={(event) => setValue(event.target.value)}
        />
        {kind === 'state-card' ? (
          <TextField
            label="State code"
            hint="The two letters printed on the card (MH, KA…)."
            value={state}
            maxLength={2}
            autoComplete="off"
            onChange={(event) => setState(event.target.value)}
          />
        ) : null}
        <button type="submit" className="primary" disabled={link.state.status === 'running' || value.trim() === ''}>
          {link.state.status === 'running' ? 'Linking…' : 'Link card'}
        </button>
        {link.state.status === 'failed' ? <ErrorNotice error={link.state.error} title="Not linked." /> : null}
      </form>
      {linked ? (
        <div role="status">
          <p>
            {identifierKindWords[linked.answer.kind]} {linked.answer.value} linked to {linked.name} ({verificationWords[linked.answer.verification]}).
          </p>
          {linked.answer.note ? <InfoNotice>{linked.answer.note}</InfoNotice> : null}
        </div>
      ) : null}
    </section>
  );
}
