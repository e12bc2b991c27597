// Desks: configure-desk, register-desk, revoke-desk, and what revoking a desk takes away.
import type { CommandBody } from '@contract/commands';
import { fail, reject } from '@domain/outcomes';
import { appendAudit } from '../audit/chain';
import { type CommandContext, type CommandResult } from './context';
import type { Sql } from '../db/database';

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
