import type { CommandBody } from '@contract/commands';
import { fail } from '@domain/outcomes';
import { lookupKeys } from '@domain/identifiers';
import { appendAudit } from '../audit/chain';
import { familyBalance } from '../commands/case-access';
import { nationalIdHash } from '../identity/national-id';
import type { CommandContext, CommandHandlers } from '../commands/context';
import { chargeMemberLookup, chargeOperatorLookup } from './lookup-limits';
import { recordLookup } from './reach';

interface MemberLookupRow {
  id: string;
  family_id: string;
  scheme_member_id: string;
  full_name: string;
  birth_year: number;
  gender: string;
  relation: string;
}

/**
 * identify-member: find a beneficiary by scheme id, national id (keyed hash) or health card.
 * Every lookup, found or repeated, is in the audit log (who looked up which member, by which kind
 * of identifier; never the identifier itself). Lookups that find a member are limited per operator
 * and per member (identity/lookup-limits.ts), and a lookup lets the operator's
 * hospital reach the family for a day (identity/reach.ts: its balance, one-time codes).
 */
export const identifyMember: CommandHandlers['identify-member'] = async (context, body) => {
  const memberId = await findMember(context, body);
  await chargeOperatorLookup(context.sql, context.principal.operatorId);
  await chargeMemberLookup(context.sql, memberId);
  const answer = await identifiedMemberAnswer(context, memberId, { by: body.by });
  await recordLookup(context.sql, context.principal.hospitalId, answer.family.familyId);
  return answer;
};

async function findMember(context: CommandContext, body: CommandBody<'identify-member'>): Promise<string> {
  if (body.by === 'linked-id') return findLinkedMember(context, body.value);
  const column = body.by === 'scheme-id' ? 'scheme_member_id' : body.by === 'national-id' ? 'national_id_hash' : 'health_card_number';
  const value =
    body.by === 'national-id' ? nationalIdHash(context.nationalIdKey, body.value, context.nationalIdLegacy ?? null) : body.value.trim().toUpperCase();
  const [member] = await context.sql.query<{ id: string }>(`SELECT id FROM members WHERE ${column} = $1`, [value]);
  if (!member) throw fail('not-found', `No scheme member matches that ${body.by.replace('-', ' ')}. Check the number, or search by another identifier.`);
  return member.id;
}

/**
 * A member by one of their linked identifiers (issue 16, migration 058): the keys the text may be
 * (domain/identifiers.ts lookupKeys), most specific first; this hospital's patient numbers only.
 * A state card number held in two states matches two members: refused, search by another id.
 */
async function findLinkedMember(context: CommandContext, text: string): Promise<string> {
  for (const key of lookupKeys(text, context.principal.hospitalId)) {
    const rows = await context.sql.query<{ member_id: string }>(
      `SELECT DISTINCT member_id FROM member_identifiers
        WHERE kind = $1 AND ($2::text IS NULL OR issuer = $2) AND value = $3 AND unlinked_at IS NULL`,
      [key.kind, key.issuer, key.value],
    );
    if (rows.length > 1)
      throw fail('invalid-input', 'This card number is linked to members in more than one state: search by scheme id or health card instead.');
    if (rows[0]) return rows[0].member_id;
  }
  throw fail('not-found', 'No scheme member has this identifier linked. Check the number, or search by scheme id, health card or name.');
}

/**
 * What identify-member answers for a member, read now. The runner stores only the member's id
 * (`keptForReplay`, issue 13 item 12: names and birth years do not belong in `commands.answer`),
 * and a repeat of the command id is answered by this same function from the member's current rows.
 */
export async function identifiedMemberAnswer(context: CommandContext, memberId: string, audit: { by?: string; isReplay?: boolean }) {
  const [member] = await context.sql.query<MemberLookupRow>(
    'SELECT id, family_id, scheme_member_id, full_name, birth_year, gender, relation FROM members WHERE id = $1',
    [memberId],
  );
  if (!member) throw fail('not-found', `There is no scheme member ${memberId}.`);
  const members = await context.sql.query<MemberLookupRow & { active_case_id: string | null; active_hospital_code: string | null }>(
    `SELECT m.id, m.family_id, m.scheme_member_id, m.full_name, m.birth_year, m.gender, m.relation,
            c.id AS active_case_id, h.code AS active_hospital_code
       FROM members m
       LEFT JOIN cases c ON c.member_id = m.id AND c.status = 'admitted'
       LEFT JOIN hospitals h ON h.id = c.hospital_id
      WHERE m.family_id = $1 ORDER BY m.birth_year, m.scheme_member_id`,
    [member.family_id],
  );
  const [family] = await context.sql.query<{ family_number: string; registered_phone: string }>(
    'SELECT family_number, registered_phone FROM families WHERE id = $1',
    [member.family_id],
  );
  // Who looked up which beneficiary is itself audited (privacy), but no identifier is logged.
  await appendAudit(context.sql, {
    actorId: context.principal.operatorId,
    action: 'member-identified',
    entityType: 'member',
    entityId: member.id,
    after: { ...(audit.by ? { by: audit.by } : {}), ...(audit.isReplay ? { isReplay: true } : {}) },
    commandId: context.commandId,
  });
  return {
    member: {
      memberId: member.id,
      schemeMemberId: member.scheme_member_id,
      fullName: member.full_name,
      birthYear: member.birth_year,
      gender: member.gender,
      relation: member.relation,
    },
    family: {
      familyId: member.family_id,
      familyNumber: family?.family_number ?? null,
      // Only the last digits: enough for "we will send a code to the phone ending 4321".
      registeredPhoneEnding: family ? family.registered_phone.slice(-4) : null,
      ...(await familyBalance(context.sql, member.family_id, context.scheme.policy_year)),
      members: members.map((m) => ({
        memberId: m.id,
        schemeMemberId: m.scheme_member_id,
        fullName: m.full_name,
        birthYear: m.birth_year,
        relation: m.relation,
        activeCase: m.active_case_id ? { hospitalCode: m.active_hospital_code } : null,
      })),
    },
  };
}

/** The part of an identify-member answer `commands.answer` keeps: the member's id, nothing a person reads. */
export function keptForReplay(result: { readonly member: { readonly memberId: string } }): { memberId: string } {
  return { memberId: result.member.memberId };
}
