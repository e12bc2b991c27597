// register-family: a family, its members (national ids stored as keyed hashes) and its cover.
import type { CommandBody } from '@contract/commands';
import { reject } from '@domain/outcomes';
import { appendAudit } from '../audit/chain';
import { type CommandContext, type CommandResult } from './context';
import { nationalIdHash } from '../identity/national-id';

export async function registerFamily(context: CommandContext, body: CommandBody<'register-family'>): Promise<CommandResult<'register-family'>> {
  const [clash] = await context.sql.query<{ what: string }>(
    `SELECT 'family' AS what FROM families WHERE id = $1 OR family_number = $2
     UNION ALL SELECT 'member' FROM members WHERE id = ANY($3::uuid[]) OR scheme_member_id = ANY($4::text[])
     LIMIT 1`,
    [body.familyId, body.familyNumber, body.members.map((m) => m.memberId), body.members.map((m) => m.schemeMemberId)],
  );
  if (clash) throw reject('already-registered', `This ${clash.what} is already registered.`);
  const hashes = body.members.map((m) => (m.nationalId ? nationalIdHash(context.nationalIdKey, m.nationalId, context.nationalIdLegacy ?? null) : null));
  const cards = body.members.map((m) => m.healthCardNumber?.toUpperCase() ?? null);
  const taken = await context.sql.query<{ id: string }>(
    'SELECT id FROM members WHERE national_id_hash = ANY($1::text[]) OR health_card_number = ANY($2::text[]) LIMIT 1',
    [hashes.filter((h): h is string => h !== null), cards.filter((c): c is string => c !== null)],
  );
  if (taken.length > 0 || new Set(hashes.filter(Boolean)).size !== hashes.filter(Boolean).length)
    throw reject('already-registered', 'A national id or health card in this family is already registered to another member.');
  await context.sql.query('INSERT INTO families (id, scheme_id, family_number, cover, registered_phone, district) VALUES ($1, $2, $3, $4, $5, $6)', [
    body.familyId,
    context.scheme.id,
    body.familyNumber,
    body.cover,
    body.registeredPhone,
    body.district,
  ]);
  // The account of the open policy year; later years open at their roll-over.
  await context.sql.query('INSERT INTO family_years (family_id, policy_year, cover) VALUES ($1, $2, $3)', [
    body.familyId,
    context.scheme.policy_year,
    body.cover,
  ]);
  for (const [index, member] of body.members.entries()) {
    await context.sql.query(
      'INSERT INTO members (id, family_id, scheme_member_id, full_name, birth_year, gender, relation, national_id_hash, health_card_number) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)',
      [
        member.memberId,
        body.familyId,
        member.schemeMemberId,
        member.fullName,
        member.birthYear,
        member.gender,
        member.relation,
        hashes[index] ?? null,
        cards[index] ?? null,
      ],
    );
  }
  await appendAudit(context.sql, {
    actorId: context.principal.operatorId,
    action: 'family-registered',
    entityType: 'family',
    entityId: body.familyId,
    after: { cover: body.cover, members: body.members.length },
    commandId: context.commandId,
  });
  return { familyId: body.familyId, cover: body.cover, members: body.members.length };
}
