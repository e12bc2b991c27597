// link-identifier, unlink-identifier (issue 16, "one member, many cards"): the cards a member already carries.
import type { CommandBody } from '@contract/commands';
import { parseCardNumber, parseHealthAccount, parseStateCode, type IdentifierKind } from '@domain/identifiers';
import { fail, reject } from '@domain/outcomes';
import { hasValidIssuerSignature, parseNationalIdQr } from '../../node-shared/national-id-qr';
import { appendAudit } from '../audit/chain';
import { isFamilyInReach, requireFamilyInReach } from '../identity/reach';
import type { CommandContext, CommandResult } from '../commands/context';

type Verification = CommandResult<'link-identifier'>['verification'];

/** What a link stores, once its input has passed its kind's rule. */
interface CheckedIdentifier {
  readonly kind: IdentifierKind;
  /** As stored (member_identifiers.issuer): the hospital's id for an MRN. */
  readonly issuer: string;
  /** As answered: the hospital's code for an MRN. */
  readonly issuerShown: string;
  readonly value: string;
  readonly document: string | null;
  readonly isVerified: boolean;
  readonly verification: Verification;
  readonly note: string | null;
}

const invalid = (message: string) => fail('invalid-input', `${message} Nothing was linked.`);

/**
 * The identifier as its kind's rule reads it, or a 400 with what is wrong (nothing written): a
 * health account number's check digit, a national ID QR's shape and (where its issuer's key is
 * configured) signature, a card number's characters, the hospital an MRN belongs to.
 */
async function checkedIdentifier(context: CommandContext, body: CommandBody<'link-identifier'>): Promise<CheckedIdentifier> {
  if (body.hospitalCode !== undefined && body.kind !== 'hospital-mrn') throw invalid('Only a hospital patient number (hospital-mrn) names a hospital.');
  if (body.state !== undefined && body.kind !== 'state-card') throw invalid('Only a state card (state-card) names a state.');
  switch (body.kind) {
    case 'health-account': {
      const parsed = parseHealthAccount(body.value);
      if (!parsed.ok) throw invalid(parsed.message);
      return { kind: body.kind, issuer: '', issuerShown: '', value: parsed.value, document: null, isVerified: false, verification: 'check-digit', note: null };
    }
    case 'state-card': {
      if (body.state === undefined) throw invalid('A state card needs its state (the two-letter code printed on it).');
      const state = parseStateCode(body.state);
      if (!state.ok) throw invalid(state.message);
      const parsed = parseCardNumber(body.value, 'state card number');
      if (!parsed.ok) throw invalid(parsed.message);
      return {
        kind: body.kind,
        issuer: state.value,
        issuerShown: state.value,
        value: parsed.value,
        document: null,
        isVerified: false,
        verification: 'none',
        note: null,
      };
    }
    case 'hospital-mrn': {
      const parsed = parseCardNumber(body.value, 'hospital patient number');
      if (!parsed.ok) throw invalid(parsed.message);
      const hospital = await mrnHospital(context, body.hospitalCode);
      return {
        kind: body.kind,
        issuer: hospital.id,
        issuerShown: hospital.code,
        value: parsed.value,
        document: null,
        isVerified: false,
        verification: 'none',
        note: null,
      };
    }
    case 'national-id-qr': {
      const parsed = parseNationalIdQr(body.value);
      if (!parsed.ok) throw invalid(parsed.message);
      const { qr } = parsed;
      const key = context.idIssuerKeys?.get(qr.issuer);
      if (key && !hasValidIssuerSignature(qr, key))
        throw invalid(
          `The national ID QR's signature does not verify with issuer ${qr.issuer}'s published key: the QR was altered or was not issued by ${qr.issuer}. Scan the card itself, not a copy.`,
        );
      return {
        kind: body.kind,
        issuer: qr.issuer,
        issuerShown: qr.issuer,
        value: qr.fields.ref,
        document: body.value.trim(),
        isVerified: key !== undefined,
        verification: key ? 'issuer-signature' : 'unverified',
        note: key
          ? null
          : `Issuer ${qr.issuer} has no public key configured on this server, so the QR's signature was not checked: it is kept as an unverified document. Prove the member's identity as usual.`,
      };
    }
  }
}

/** An MRN is a hospital's own number: a desk's operator links its own hospital's; HA names the hospital. */
async function mrnHospital(context: CommandContext, hospitalCode: string | undefined): Promise<{ id: string; code: string }> {
  const own = context.principal.hospitalId;
  if (own !== null) {
    const [hospital] = (await context.sql.query<{ id: string; code: string }>('SELECT id, code FROM hospitals WHERE id = $1', [own])) as [
      { id: string; code: string },
    ];
    if (hospitalCode !== undefined && hospitalCode.trim().toUpperCase() !== hospital.code.toUpperCase())
      throw fail('forbidden-role', "A desk's operator links its own hospital's patient numbers only: leave hospitalCode out, or ask that hospital's desk.");
    return hospital;
  }
  if (hospitalCode === undefined) throw invalid("A hospital patient number needs the hospital's code (hospitalCode): each hospital numbers its own patients.");
  const [hospital] = await context.sql.query<{ id: string; code: string }>('SELECT id, code FROM hospitals WHERE upper(code) = upper($1)', [
    hospitalCode.trim(),
  ]);
  if (!hospital) throw fail('not-found', `There is no hospital ${hospitalCode.trim()}: check its code.`);
  return hospital;
}

interface MemberRow {
  id: string;
  family_id: string;
}

/** Refused as not found, whether the member does not exist or is out of the operator's reach. */
async function memberInReach(context: CommandContext, memberId: string): Promise<MemberRow> {
  const [member] = await context.sql.query<MemberRow>('SELECT id, family_id FROM members WHERE id = $1 FOR UPDATE', [memberId]);
  if (!member)
    throw fail('not-found', 'There is no member by this id your hospital serves: identify the patient first (scheme id, national id or health card).');
  await requireFamilyInReach(context.sql, context.principal.hospitalId, member.family_id, 'member by this id');
  return member;
}

/** The last four characters of an identifier: enough for the audit trail to tell two links apart, not the number itself. */
const ending = (value: string) => value.slice(-4);

export async function linkIdentifier(context: CommandContext, body: CommandBody<'link-identifier'>): Promise<CommandResult<'link-identifier'>> {
  const identifier = await checkedIdentifier(context, body);
  const member = await memberInReach(context, body.memberId);
  // One identifier, one member: the partial unique index arbitrates (two desks linking the same
  // card to two members at once: exactly one insert wins, the other finds the holder below).
  const [linked] = await context.sql.query<{ id: string; linked_at: string | Date }>(
    `INSERT INTO member_identifiers (id, member_id, family_id, kind, issuer, value, document, is_verified, linked_by, command_id)
     VALUES (gen_random_uuid(), $1, $2, $3, $4, $5, $6, $7, $8, $9)
     ON CONFLICT (kind, issuer, value) WHERE unlinked_at IS NULL DO NOTHING
     RETURNING id, linked_at`,
    [
      member.id,
      member.family_id,
      identifier.kind,
      identifier.issuer,
      identifier.value,
      identifier.document,
      identifier.isVerified,
      context.principal.operatorId,
      context.commandId,
    ],
  );
  if (!linked) throw await conflict(context, identifier, member.id);
  await appendAudit(context.sql, {
    actorId: context.principal.operatorId,
    action: 'identifier-linked',
    entityType: 'member',
    entityId: member.id,
    after: {
      linkId: linked.id,
      kind: identifier.kind,
      issuer: identifier.issuerShown,
      valueEnding: ending(identifier.value),
      verification: identifier.verification,
    },
    commandId: context.commandId,
  });
  return {
    linkId: linked.id,
    memberId: member.id,
    kind: identifier.kind,
    issuer: identifier.issuerShown,
    value: identifier.value,
    verification: identifier.verification,
    note: identifier.note,
    linkedAt: new Date(linked.linked_at).toISOString(),
  };
}

/**
 * The identifier is someone's already. The holder is named (its scheme id) only to a caller whose
 * hospital reaches that member's family (identity/reach.ts, SECURITY.md item 8); anyone else learns
 * only that it is taken, and whom to ask.
 */
async function conflict(context: CommandContext, identifier: CheckedIdentifier, memberId: string) {
  const [holder] = await context.sql.query<{ link_id: string; member_id: string; family_id: string; scheme_member_id: string }>(
    `SELECT i.id AS link_id, i.member_id, i.family_id, m.scheme_member_id
       FROM member_identifiers i JOIN members m ON m.id = i.member_id
      WHERE i.kind = $1 AND i.issuer = $2 AND i.value = $3 AND i.unlinked_at IS NULL`,
    [identifier.kind, identifier.issuer, identifier.value],
  );
  const what = identifier.kind === 'national-id-qr' ? 'This national ID' : 'This identifier';
  if (holder && (holder.member_id === memberId || (await isFamilyInReach(context.sql, context.principal.hospitalId, holder.family_id)))) {
    const details = { linkId: holder.link_id, memberId: holder.member_id, schemeMemberId: holder.scheme_member_id };
    return holder.member_id === memberId
      ? reject('identifier-linked', `${what} is already linked to this member (${holder.scheme_member_id}): nothing to do.`, details)
      : reject(
          'identifier-linked',
          `${what} is already linked to member ${holder.scheme_member_id}. One identifier belongs to one member: if that link is wrong, unlink it first (with the reason).`,
          details,
        );
  }
  return reject(
    'identifier-linked-elsewhere',
    `${what} is already linked to another member, outside your hospital's reach. One identifier belongs to one member: ask the health authority to check the card.`,
  );
}

export async function unlinkIdentifier(context: CommandContext, body: CommandBody<'unlink-identifier'>): Promise<CommandResult<'unlink-identifier'>> {
  const [link] = await context.sql.query<{
    id: string;
    member_id: string;
    family_id: string;
    kind: string;
    issuer: string;
    value: string;
    unlinked_at: string | null;
  }>('SELECT id, member_id, family_id, kind, issuer, value, unlinked_at::text FROM member_identifiers WHERE id = $1 FOR UPDATE', [body.linkId]);
  // Another hospital's patient number is not this hospital's to see, let alone unlink.
  const isOtherHospitalsMrn = link?.kind === 'hospital-mrn' && context.principal.hospitalId !== null && link.issuer !== context.principal.hospitalId;
  if (!link || isOtherHospitalsMrn) throw fail('not-found', 'There is no identifier link by this id your hospital serves: check the link id.');
  await requireFamilyInReach(context.sql, context.principal.hospitalId, link.family_id, 'identifier link by this id');
  if (link.unlinked_at)
    throw reject('identifier-unlinked', `This identifier was already unlinked on ${link.unlinked_at.slice(0, 10)}.`, {
      unlinkedAt: new Date(link.unlinked_at).toISOString(),
    });
  const [row] = (await context.sql.query<{ unlinked_at: string | Date }>(
    'UPDATE member_identifiers SET unlinked_at = now(), unlinked_by = $2, unlinked_reason = $3, unlink_command_id = $4 WHERE id = $1 RETURNING unlinked_at',
    [link.id, context.principal.operatorId, body.reason, context.commandId],
  )) as [{ unlinked_at: string | Date }];
  await appendAudit(context.sql, {
    actorId: context.principal.operatorId,
    action: 'identifier-unlinked',
    entityType: 'member',
    entityId: link.member_id,
    before: { linkId: link.id, kind: link.kind, valueEnding: ending(link.value), status: 'linked' },
    after: { linkId: link.id, status: 'unlinked', reason: body.reason },
    commandId: context.commandId,
  });
  return { linkId: link.id, memberId: link.member_id, unlinkedAt: new Date(row.unlinked_at).toISOString() };
}
