// Operators: create-operator, update-operator (roles, deactivation) and the scope a caller may give.
import type { CommandBody } from '@contract/commands';
import { fail, reject } from '@domain/outcomes';
import { appendAudit } from '../audit/chain';
import { type AfterCommit, type CommandContext, type CommandResult } from './context';
import { hashPassword } from '../auth/passwords';
import type { Role } from '@domain/ids';

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

interface OperatorRow {
  id: string;
  username: string;
  display_name: string;
  /** Written only by create-operator and update-operator, whose bodies accept only the scheme's roles. */
  roles: Role[];
  hospital_id: string | null;
  is_active: boolean;
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

/**
 * HA changes an operator's name, roles, hospital scope or deactivates them. An HA cannot lock
 * themselves out (drop their own HA role or deactivate themselves): someone must be left to run
 * the scheme. A deactivated operator cannot sign in, and a token already issued stops working
 * within seconds (auth/operator-status.ts re-reads the operator on each request, briefly cached).
 */
/** The operator's roles or activity changed: this process must not answer from its cached status. */
export const afterUpdateOperator: AfterCommit<'update-operator'> = (services, body) => services.forgetOperator(body.operatorId);

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
