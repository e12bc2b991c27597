import type { CommandBody } from '@contract/commands';
import { fail, reject } from '@domain/outcomes';
import { appendAudit } from '../audit/chain';
import type { Role } from '@domain/ids';
import type { CommandContext, CommandResult, SchemeRow } from './context';
import type { Sql } from '../db/database';
import { checkOperatorScope } from './administration';

/** HA registers a hospital: its code and district (the default registry its desks replicate). */
export async function registerHospital(context: CommandContext, body: CommandBody<'register-hospital'>): Promise<CommandResult<'register-hospital'>> {
  const [clash] = await context.sql.query<{ id: string }>('SELECT id FROM hospitals WHERE id = $1 OR code = $2', [body.hospitalId, body.code]);
  if (clash) throw reject('already-registered', `A hospital with the code ${body.code} (or this id) is already registered.`);
  await context.sql.query('INSERT INTO hospitals (id, code, name, district) VALUES ($1, $2, $3, $4)', [body.hospitalId, body.code, body.name, body.district]);
  await appendAudit(context.sql, {
    actorId: context.principal.operatorId,
    action: 'hospital-registered',
    entityType: 'hospital',
    entityId: body.hospitalId,
    after: { code: body.code, name: body.name, district: body.district },
    commandId: context.commandId,
  });
  return { hospitalId: body.hospitalId, code: body.code, name: body.name, district: body.district };
}

/** HA registers a desk at a hospital; it enrolls later with a one-time code (POST /desks/:id/enrollment-codes). */
export async function registerDesk(context: CommandContext, body: CommandBody<'register-desk'>): Promise<CommandResult<'register-desk'>> {
  const [hospital] = await context.sql.query<{ code: string }>('SELECT code FROM hospitals WHERE id = $1', [body.hospitalId]);
  if (!hospital) throw fail('not-found', `There is no hospital ${body.hospitalId}.`);
  const [clash] = await context.sql.query<{ id: string }>('SELECT id FROM desks WHERE id = $1', [body.deskId]);
  if (clash) throw reject('already-registered', 'A desk with this id is already registered; generate a new id.');
  await context.sql.query('INSERT INTO desks (id, hospital_id, name) VALUES ($1, $2, $3)', [body.deskId, body.hospitalId, body.name]);
  await appendAudit(context.sql, {
    actorId: context.principal.operatorId,
    action: 'desk-registered',
    entityType: 'desk',
    entityId: body.deskId,
    after: { hospitalId: body.hospitalId, name: body.name },
    commandId: context.commandId,
  });
  return { deskId: body.deskId, hospitalId: body.hospitalId, hospitalCode: hospital.code, name: body.name, status: 'active', isEnrolled: false };
}

/**
 * HA revokes a desk: its credential stops working at once (authenticateDesk reads the status on
 * every request, so the next pull, push or stream is refused), its credential hash is erased and
 * any unused enrollment code is spent. The desk can come back only through a new code.
 */
export async function revokeDesk(context: CommandContext, body: CommandBody<'revoke-desk'>): Promise<CommandResult<'revoke-desk'>> {
  const [desk] = await context.sql.query<{ status: string; hospital_id: string }>('SELECT status, hospital_id FROM desks WHERE id = $1 FOR UPDATE', [
    body.deskId,
  ]);
  if (!desk) throw fail('not-found', `There is no desk ${body.deskId}.`);
  if (desk.status === 'revoked') throw reject('desk-already-revoked', 'This desk is already revoked; issue a new enrollment code to bring it back.');
  const spent = await revokeDeskAccess(context.sql, body.deskId);
  await appendAudit(context.sql, {
    actorId: context.principal.operatorId,
    action: 'desk-revoked',
    entityType: 'desk',
    entityId: body.deskId,
    before: { status: desk.status },
    after: { status: 'revoked', reason: body.reason, enrollmentCodesSpent: spent },
    commandId: context.commandId,
  });
  return { deskId: body.deskId, status: 'revoked', enrollmentCodesSpent: spent };
}

/**
 * What revoking a desk does, whichever command revokes it (revoke-desk, or configure-desk with
 * status revoked): status revoked, credential hash erased, unused enrollment codes spent. Returns
 * how many codes were spent.
 */
export async function revokeDeskAccess(sql: Sql, deskId: string): Promise<number> {
  await sql.query("UPDATE desks SET status = 'revoked', credential_hash = NULL WHERE id = $1", [deskId]);
  return (await sql.query('UPDATE enrollment_codes SET used_at = now() WHERE desk_id = $1 AND used_at IS NULL RETURNING desk_id', [deskId])).length;
}

interface OperatorRow {
  id: string;
  username: string;
  display_name: string;
  /** Written only by create-operator and update-operator, whose bodies accept only the scheme's roles. */
  roles: Role[];
  hospital_id: string | null;
  is_active: boolean;
}

/**
 * HA changes an operator's name, roles, hospital scope or deactivates them. An HA cannot lock
 * themselves out (drop their own HA role or deactivate themselves): someone must be left to run
 * the scheme. A deactivated operator cannot sign in, and a token already issued stops working
 * within seconds (auth/operator-status.ts re-reads the operator on each request, briefly cached).
 */
export async function updateOperator(context: CommandContext, body: CommandBody<'update-operator'>): Promise<CommandResult<'update-operator'>> {
  if (body.displayName === undefined && body.roles === undefined && body.hospitalId === undefined && body.isActive === undefined) {
    throw fail('invalid-input', 'Nothing to change: send at least one of displayName, roles, hospitalId or isActive.');
  }
  const [operator] = await context.sql.query<OperatorRow>(
    'SELECT id, username, display_name, roles, hospital_id, is_active FROM operators WHERE id = $1 FOR UPDATE',
    [body.operatorId],
  );
  if (!operator) throw fail('not-found', `There is no operator ${body.operatorId}.`);
  const roles = body.roles ?? operator.roles;
  const hospitalId = body.hospitalId === undefined ? operator.hospital_id : body.hospitalId;
  const isActive = body.isActive ?? operator.is_active;
  const displayName = body.displayName ?? operator.display_name;
  await checkOperatorScope(context, roles, hospitalId, operator.hospital_id);
  if (operator.id === context.principal.operatorId && (!isActive || !roles.includes('HA'))) {
    throw reject('operator-self-lockout', 'You cannot deactivate yourself or remove your own HA role; ask another HA operator.');
  }
  await context.sql.query('UPDATE operators SET display_name = $2, roles = $3, hospital_id = $4, is_active = $5 WHERE id = $1', [
    operator.id,
    displayName,
    roles,
    hospitalId,
    isActive,
  ]);
  await appendAudit(context.sql, {
    actorId: context.principal.operatorId,
    action: 'operator-updated',
    entityType: 'operator',
    entityId: operator.id,
    before: { displayName: operator.display_name, roles: operator.roles, hospitalId: operator.hospital_id, isActive: operator.is_active },
    after: { displayName, roles, hospitalId, isActive },
    commandId: context.commandId,
  });
  return { operatorId: operator.id, username: operator.username, displayName, roles, hospitalId, isActive };
}

const parameterColumns = {
  governmentShareBp: 'government_share_bp',
  shortfallPolicy: 'shortfall_policy',
  autoExtendBp: 'auto_extend_bp',
  preauthTurnaroundMinutes: 'preauth_turnaround_minutes',
} as const satisfies Record<string, keyof SchemeRow>;
type ParameterName = keyof typeof parameterColumns;

/**
 * HA sets the current scheme's parameters: the government share of payments, the shortfall
 * policy, the automatic-extension tolerance and the pre-auth turnaround target. The previous and
 * new values go to the audit trail with the reason. Payments already made keep their split.
 */
export async function setSchemeParameters(
  context: CommandContext,
  body: CommandBody<'set-scheme-parameters'>,
): Promise<CommandResult<'set-scheme-parameters'>> {
  const changes = (Object.keys(parameterColumns) as ParameterName[]).filter((name) => body[name] !== undefined);
  if (changes.length === 0)
    throw fail('invalid-input', 'Nothing to change: send at least one of governmentShareBp, shortfallPolicy, autoExtendBp or preauthTurnaroundMinutes.');
  const [scheme] = await context.sql.query<SchemeRow>('SELECT * FROM schemes WHERE is_current FOR UPDATE');
  if (!scheme) throw fail('not-found', 'There is no current scheme.');
  const was = schemeParameters(scheme);
  const before: Partial<SchemeParameters> = {};
  const after: Record<string, unknown> = {};
  for (const name of changes) {
    copyParameter(before, was, name);
    after[name] = body[name];
  }
  // Column names come from the fixed map above, never from the request.
  const assignments = changes.map((name, index) => `${parameterColumns[name]} = $${index + 2}`).join(', ');
  await context.sql.query(`UPDATE schemes SET ${assignments} WHERE id = $1`, [scheme.id, ...changes.map((name) => body[name] ?? null)]);
  await appendAudit(context.sql, {
    actorId: context.principal.operatorId,
    action: 'scheme-parameters-set',
    entityType: 'scheme',
    entityId: scheme.id,
    before,
    after: { ...after, reason: body.reason },
    commandId: context.commandId,
  });
  const [updated] = await context.sql.query<SchemeRow>('SELECT * FROM schemes WHERE id = $1', [scheme.id]);
  return { schemeId: scheme.id, parameters: schemeParameters(updated ?? scheme), previous: before };
}

type SchemeParameters = CommandResult<'set-scheme-parameters'>['parameters'];

function copyParameter<K extends ParameterName>(to: Partial<SchemeParameters>, from: SchemeParameters, name: K): void {
  to[name] = from[name];
}

export function schemeParameters(scheme: SchemeRow): SchemeParameters {
  return {
    governmentShareBp: scheme.government_share_bp,
    shortfallPolicy: scheme.shortfall_policy,
    autoExtendBp: scheme.auto_extend_bp,
    preauthTurnaroundMinutes: scheme.preauth_turnaround_minutes,
  };
}
