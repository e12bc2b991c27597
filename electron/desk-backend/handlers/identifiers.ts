// A member's other identifiers (issue 16, "one member, many cards"): listed from the replica, linked and unlinked online.
import { uuidPattern } from '@contract/commands';
import type { LinkedIdentifierKind, LinkedIdentifierView } from '../../desk-api/contract';
import { failure, ok, type HandlerModule } from './context';

type IdentifierChannel = 'identifiers.list' | 'identifiers.link' | 'identifiers.unlink';

const uuid = new RegExp(uuidPattern);
const kinds: readonly LinkedIdentifierKind[] = ['national-id-qr', 'health-account', 'hospital-mrn', 'state-card'];
const isKind = (value: unknown): value is LinkedIdentifierKind => kinds.some((kind) => kind === value);

/**
 * The list is the replica's (the links of the families in this desk's scope, pulled with
 * `identifiers=1`): it shows offline too, and never another hospital's patient numbers or a QR's
 * document, which the server does not send. A link or an unlink is decided by the server alone
 * (one identifier, one member, checked there), so both are online commands; the desk then syncs at
 * once so its list and its offline lookups have the change.
 */
export const identifierHandlers: HandlerModule<IdentifierChannel> = (desk, { signedOut, requireMedco, online }) => ({
  'identifiers.list': async ({ memberId }) => {
    const refused = signedOut();
    if (refused) return refused;
    if (typeof memberId !== 'string' || !uuid.test(memberId)) return failure('invalid-input', 'Open a member first: the member id is not valid.');
    const rows = desk.db
      .prepare('SELECT id, member_id, kind, issuer, value FROM member_identifiers WHERE member_id = ? ORDER BY kind, issuer, value')
      .all(memberId) as { id: string; member_id: string; kind: string; issuer: string; value: string }[];
    const links = rows.flatMap((row): LinkedIdentifierView[] =>
      isKind(row.kind)
        ? [
            {
              linkId: row.id,
              memberId: row.member_id,
              kind: row.kind,
              // The desk pulls only its own hospital's patient numbers; their issuer is the hospital's id.
              issuer: row.kind === 'hospital-mrn' ? 'this hospital' : row.issuer,
              value: row.value,
            },
          ]
        : [],
    );
    return ok({ links });
  },
  'identifiers.link': async ({ memberId, kind, value, state }) => {
    const refused = requireMedco();
    if (refused) return refused;
    if (typeof memberId !== 'string' || !uuid.test(memberId)) return failure('invalid-input', 'Open a member first: the member id is not valid.');
    if (!isKind(kind)) return failure('invalid-input', `Choose what the card is: ${kinds.join(', ')}.`);
    if (typeof value !== 'string' || value.trim() === '' || value.length > 3000)
      return failure('invalid-input', 'Type or scan the number on the card (at most 3,000 characters for a QR).');
    if (kind === 'state-card' && (typeof state !== 'string' || !/^[A-Za-z]{2}$/.test(state.trim())))
      return failure('invalid-input', 'A state card needs its state: the two-letter code printed on it (MH, KA…).');
    const body = { memberId, kind, value: value.trim(), ...(kind === 'state-card' && typeof state === 'string' ? { state: state.trim().toUpperCase() } : {}) };
    const answer = await online('link-identifier', body, (result) => ({
      linkId: result.linkId,
      kind: result.kind,
      issuer: result.issuer,
      value: result.value,
      verification: result.verification,
      note: result.note,
    }));
    if (answer.ok) await desk.engine.requestSync();
    return answer;
  },
  'identifiers.unlink': async ({ linkId, reason }) => {
    const refused = requireMedco();
    if (refused) return refused;
    if (typeof linkId !== 'string' || !uuid.test(linkId)) return failure('invalid-input', 'Choose a linked card to unlink: the link id is not valid.');
    if (typeof reason !== 'string' || reason.trim() === '' || reason.length > 500)
      return failure('invalid-input', 'Say why the card is unlinked (linked to the wrong member, card replaced…), in at most 500 characters.');
    const answer = await online('unlink-identifier', { linkId, reason: reason.trim() }, (result) => ({ linkId: result.linkId, unlinkedAt: result.unlinkedAt }));
    if (answer.ok) await desk.engine.requestSync();
    return answer;
  },
});
