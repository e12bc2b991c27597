// issue-e-card, revoke-e-card, reissue-e-card (issue 16): the member's e-card signed by the scheme.
import type { CommandBody } from '@contract/commands';
import { fail, reject } from '@domain/outcomes';
import { eCardKeyFromSeed, signECard } from '../../node-shared/e-card';
import { appendAudit } from '../audit/chain';
import type { Keyring } from '../auth/keyring';
import type { Sql } from '../db/database';
import { requireFamilyInReach } from '../identity/reach';
import type { CommandContext, CommandResult } from '../commands/context';

/** How long a card is valid: five years from the day it is issued, that day included. */
export const eCardValidityYears = 5;

interface MemberRow {
  id: string;
  family_id: string;
  scheme_member_id: string;
  full_name: string;
  family_number: string;
}

interface CardRow {
  serial: string;
  member_id: string;
  family_id: string;
  revoked_at: string | null;
}

/** The calendar day `now` falls on in `timeZone`, as YYYY-MM-DD. */
export function schemeDay(now: Date, timeZone: string): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(now);
}

/** The last day of a card issued on `day`: the day before the same date `years` later (29 February → 28 February). */
export function validUntil(day: string, years: number): string {
  const [year, month, date] = day.split('-').map(Number) as [number, number, number];
  const end = new Date(Date.UTC(year + years, month - 1, date));
  // 29 February into a common year: JavaScript rolls over to 1 March, whose day before is 28 February.
  end.setUTCDate(end.getUTCDate() - 1);
  return end.toISOString().slice(0, 10);
}

function signingKey(context: CommandContext): Keyring['current'] {
  if (!context.eCardKeys)
    throw new Error('This server was started without an e-card signing key (COVERDESK_ECARD_KEY or "eCard" in the key file): it cannot issue e-cards.');
  return context.eCardKeys.current;
}

const serialText = (n: number | string) => `EC-${String(n).padStart(8, '0')}`;

/** Refused as not found, whether the member does not exist or is out of the operator's reach. */
async function lockedMember(context: CommandContext, memberId: string): Promise<MemberRow> {
  const [member] = await context.sql.query<MemberRow>(
    `SELECT m.id, m.family_id, m.scheme_member_id, m.full_name, f.family_number
       FROM members m JOIN families f ON f.id = m.family_id WHERE m.id = $1 FOR UPDATE OF m`,
    [memberId],
  );
  const notFound = 'There is no member by this id your hospital serves: identify the patient first (scheme id, national id or health card).';
  if (!member) throw fail('not-found', notFound);
  await requireFamilyInReach(context.sql, context.principal.hospitalId, member.family_id, 'member by this id');
  return member;
}

async function lockedCard(context: CommandContext, serial: string): Promise<CardRow> {
  const [card] = await context.sql.query<CardRow>('SELECT serial, member_id, family_id, revoked_at::text FROM e_cards WHERE serial = $1 FOR UPDATE', [serial]);
  if (!card) throw fail('not-found', `There is no e-card ${serial}: check the serial printed on the card.`);
  await requireFamilyInReach(context.sql, context.principal.hospitalId, card.family_id, `e-card ${serial}`);
  return card;
}

async function activeCardOf(sql: Sql, memberId: string): Promise<string | null> {
  const [row] = await sql.query<{ serial: string }>('SELECT serial FROM e_cards WHERE member_id = $1 AND revoked_at IS NULL', [memberId]);
  return row?.serial ?? null;
}

/** Sign and store a new card for a locked member; publishes the signing key with its first card. */
async function issue(context: CommandContext, member: MemberRow, replaces: string | null): Promise<CommandResult<'issue-e-card'>> {
  const key = signingKey(context);
  const { privateKey, publicKeyPem } = eCardKeyFromSeed(key.key);
  const [published] = await context.sql.query<{ public_key: string }>(
    `WITH inserted AS (INSERT INTO e_card_keys (id, public_key) VALUES ($1, $2) ON CONFLICT (id) DO NOTHING RETURNING public_key)
     SELECT public_key FROM inserted UNION ALL SELECT public_key FROM e_card_keys WHERE id = $1`,
    [key.id, publicKeyPem],
  );
  if (published?.public_key !== publicKeyPem)
    throw new Error(`The e-card key id ${key.id} is already published with another public key: give the new key a new id (auth/keyring.ts).`);
  const [{ n }] = (await context.sql.query<{ n: string }>("SELECT nextval('e_card_serials')::text AS n")) as [{ n: string }];
  const validFrom = schemeDay(context.services.now(), context.scheme.time_zone);
  const fields = {
    serial: serialText(n),
    schemeMemberId: member.scheme_member_id,
    familyNumber: member.family_number,
    name: member.full_name,
    validFrom,
    validTo: validUntil(validFrom, eCardValidityYears),
  };
  const qrText = signECard(fields, key.id, privateKey);
  await context.sql.query(
    `INSERT INTO e_cards (serial, member_id, family_id, key_id, qr_text, valid_from, valid_to, issued_by, command_id, replaces)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
    [fields.serial, member.id, member.family_id, key.id, qrText, fields.validFrom, fields.validTo, context.principal.operatorId, context.commandId, replaces],
  );
  await appendAudit(context.sql, {
    actorId: context.principal.operatorId,
    action: replaces ? 'e-card-reissued' : 'e-card-issued',
    entityType: 'member',
    entityId: member.id,
    after: { serial: fields.serial, keyId: key.id, validFrom: fields.validFrom, validTo: fields.validTo, ...(replaces ? { replaces } : {}) },
    commandId: context.commandId,
  });
  return { ...fields, memberId: member.id, keyId: key.id, qrText, replaces };
}

async function revoke(context: CommandContext, card: CardRow, reason: string): Promise<string> {
  const [row] = (await context.sql.query<{ revoked_at: string }>(
    'UPDATE e_cards SET revoked_at = now(), revoked_by = $2, revoked_reason = $3 WHERE serial = $1 RETURNING revoked_at',
    [card.serial, context.principal.operatorId, reason],
  )) as [{ revoked_at: string | Date }];
  await appendAudit(context.sql, {
    actorId: context.principal.operatorId,
    action: 'e-card-revoked',
    entityType: 'member',
    entityId: card.member_id,
    before: { serial: card.serial, status: 'active' },
    after: { serial: card.serial, status: 'revoked', reason },
    commandId: context.commandId,
  });
  return new Date(row.revoked_at).toISOString();
}

export async function issueECard(context: CommandContext, body: CommandBody<'issue-e-card'>): Promise<CommandResult<'issue-e-card'>> {
  signingKey(context);
  const member = await lockedMember(context, body.memberId);
  const active = await activeCardOf(context.sql, member.id);
  if (active)
    throw reject(
      'e-card-active',
      `This member already has an active e-card (${active}): reissue it to replace it (the old one is then refused at every desk).`,
      {
        serial: active,
      },
    );
  return issue(context, member, null);
}

export async function revokeECard(context: CommandContext, body: CommandBody<'revoke-e-card'>): Promise<CommandResult<'revoke-e-card'>> {
  const card = await lockedCard(context, body.serial);
  if (card.revoked_at)
    throw reject('e-card-revoked', `The e-card ${card.serial} was already revoked on ${card.revoked_at.slice(0, 10)}.`, {
      revokedAt: new Date(card.revoked_at).toISOString(),
    });
  return { serial: card.serial, memberId: card.member_id, revokedAt: await revoke(context, card, body.reason) };
}

/**
 * A lost or damaged card is replaced: revoked (if it was not already) with the reason, and a new
 * card issued for the same member naming the one it replaces, in one transaction.
 */
export async function reissueECard(context: CommandContext, body: CommandBody<'reissue-e-card'>): Promise<CommandResult<'reissue-e-card'>> {
  signingKey(context);
  const card = await lockedCard(context, body.serial);
  const member = await lockedMember(context, card.member_id);
  if (card.revoked_at) {
    const active = await activeCardOf(context.sql, member.id);
    if (active)
      throw reject(
        'e-card-active',
        `The e-card ${card.serial} was already replaced: this member's active card is ${active}. Reissue that one if it is lost too.`,
        {
          serial: active,
        },
      );
  } else await revoke(context, card, body.reason);
  return issue(context, member, card.serial);
}
