import type { CommandBody } from '@contract/commands';
import { fail, reject } from '@domain/outcomes';
import { appendAudit } from '../audit/chain';
import { hashPassword } from '../auth/passwords';
import type { CommandContext, CommandResult } from './context';
import { currentPackage, nationalIdHash } from './identity-and-admission';
import { revokeDeskAccess } from './scheme-administration';

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

export async function setPackagePrice(context: CommandContext, body: CommandBody<'set-package-price'>): Promise<CommandResult<'set-package-price'>> {
  const current = await currentPackage(context, body.packageCode);
  // Lock the package so two price changes cannot claim the same version number.
  await context.sql.query('SELECT code FROM packages WHERE code = $1 FOR UPDATE', [body.packageCode]);
  const [latest] = await context.sql.query<{ version: number }>('SELECT max(version) AS version FROM package_prices WHERE package_code = $1', [
    body.packageCode,
  ]);
  const version = (latest?.version ?? 0) + 1;
  await context.sql.query('INSERT INTO package_prices (package_code, version, price) VALUES ($1, $2, $3)', [body.packageCode, version, body.price]);
  await appendAudit(context.sql, {
    actorId: context.principal.operatorId,
    action: 'package-price-set',
    entityType: 'package',
    entityId: body.packageCode,
    before: { version: current.version, price: current.price },
    after: { version, price: body.price },
    commandId: context.commandId,
  });
  return { packageCode: body.packageCode, version, price: body.price, previous: { version: current.version, price: current.price } };
}

/**
 * An operator's scope, when created or changed: a MEDCO works for one hospital, and a hospital
 * given must exist (`previousHospitalId`: the one already checked, not read again).
 */
export async function checkOperatorScope(
  context: CommandContext,
  roles: readonly string[],
  hospitalId: string | null | undefined,
  previousHospitalId: string | null = null,
): Promise<void> {
  if (roles.includes('MEDCO') && !hospitalId) throw fail('invalid-input', 'A MEDCO operator needs a hospitalId: desk operators work for one hospital.');
  if (hospitalId && hospitalId !== previousHospitalId) {
    const [hospital] = await context.sql.query<{ id: string }>('SELECT id FROM hospitals WHERE id = $1', [hospitalId]);
    if (!hospital) throw fail('not-found', `There is no hospital ${hospitalId}.`);
  }
}

export async function createOperator(context: CommandContext, body: CommandBody<'create-operator'>): Promise<CommandResult<'create-operator'>> {
  await checkOperatorScope(context, body.roles, body.hospitalId);
  const [clash] = await context.sql.query<{ id: string }>('SELECT id FROM operators WHERE id = $1 OR username = $2', [body.operatorId, body.username]);
  if (clash) throw reject('already-registered', `The username ${body.username} is taken.`);
  await context.sql.query('INSERT INTO operators (id, username, display_name, password_hash, roles, hospital_id) VALUES ($1, $2, $3, $4, $5, $6)', [
    body.operatorId,
    body.username,
    body.displayName,
    await hashPassword(body.password),
    body.roles,
    body.hospitalId ?? null,
  ]);
  await appendAudit(context.sql, {
    actorId: context.principal.operatorId,
    action: 'operator-created',
    entityType: 'operator',
    entityId: body.operatorId,
    after: { roles: body.roles, hospitalId: body.hospitalId ?? null },
    commandId: context.commandId,
  });
  return { operatorId: body.operatorId, username: body.username, roles: body.roles, hospitalId: body.hospitalId ?? null };
}

/** HA: a desk's offline registry scope (which district it replicates) and revocation. */
export async function configureDesk(context: CommandContext, body: CommandBody<'configure-desk'>): Promise<CommandResult<'configure-desk'>> {
  const [desk] = await context.sql.query<{ registry_district: string | null; status: 'active' | 'revoked' }>(
    'SELECT registry_district, status FROM desks WHERE id = $1 FOR UPDATE',
    [body.deskId],
  );
  if (!desk) throw fail('not-found', `There is no desk ${body.deskId}.`);
  const registryDistrict = body.registryDistrict ?? desk.registry_district;
  const status = body.status ?? desk.status;
  const scopeChanged = registryDistrict !== desk.registry_district;
  await context.sql.query(
    `UPDATE desks SET registry_district = $2, status = $3${scopeChanged ? ', scope_changed_xid = pg_current_xact_id()' : ''} WHERE id = $1`,
    [body.deskId, registryDistrict, status],
  );
  // Revoking here is the same revocation as revoke-desk's: credential erased, unused codes spent.
  if (status === 'revoked' && desk.status !== 'revoked') await revokeDeskAccess(context.sql, body.deskId);
  await appendAudit(context.sql, {
    actorId: context.principal.operatorId,
    action: 'desk-configured',
    entityType: 'desk',
    entityId: body.deskId,
    before: { registryDistrict: desk.registry_district, status: desk.status },
    after: { registryDistrict, status },
    commandId: context.commandId,
  });
  return { deskId: body.deskId, registryDistrict, status };
}
