// The scheme: register-hospital and set-scheme-parameters (the parameters every decision reads).
import type { CommandBody } from '@contract/commands';
import { fail, reject } from '@domain/outcomes';
import { turnaroundStages, type TurnaroundStage } from '@domain/turnaround';
import { appendAudit } from '../audit/chain';
import type { Sql } from '../db/database';
import { type AfterCommit, type CommandContext, type CommandResult, type SchemeRow } from './context';

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

const parameterColumns = {
  governmentShareBp: 'government_share_bp',
  shortfallPolicy: 'shortfall_policy',
  autoExtendBp: 'auto_extend_bp',
  preauthTurnaroundMinutes: 'preauth_turnaround_minutes',
  emergencyIdentifyWindowMinutes: 'emergency_identify_window_minutes',
  emergencyPreauthTurnaroundMinutes: 'emergency_preauth_turnaround_minutes',
} as const satisfies Record<string, keyof SchemeRow>;

type ParameterName = keyof typeof parameterColumns;

/**
 * HA sets the current scheme's parameters: the government share of payments, the shortfall
 * policy, the automatic-extension tolerance, the pre-auth turnaround target and the service level
 * of every payer stage (issue 15). The previous and
 * new values go to the audit trail with the reason. Payments already made keep their split.
 */
/** New parameters: this process re-reads its copy of the scheme now (others within seconds, server-state.ts). */
export const afterSetSchemeParameters: AfterCommit<'set-scheme-parameters'> = (services) => services.reloadScheme();

export async function setSchemeParameters(
  context: CommandContext,
  body: CommandBody<'set-scheme-parameters'>,
): Promise<CommandResult<'set-scheme-parameters'>> {
  const changes = (Object.keys(parameterColumns) as ParameterName[]).filter((name) => body[name] !== undefined);
  const levels = body.serviceLevels ?? {};
  const levelChanges = turnaroundStages.filter((stage) => levels[stage] !== undefined);
  if (changes.length === 0 && levelChanges.length === 0)
    throw fail(
      'invalid-input',
      'Nothing to change: send at least one of governmentShareBp, shortfallPolicy, autoExtendBp, preauthTurnaroundMinutes, serviceLevels, emergencyIdentifyWindowMinutes or emergencyPreauthTurnaroundMinutes.',
    );
  // The pre-auth decision's service level is the pre-auth turnaround target (one home, migration 047).
  if (levels['preauth-decision'] !== undefined && body.preauthTurnaroundMinutes !== undefined)
    throw fail(
      'invalid-input',
      "The pre-auth decision's service level is the pre-auth turnaround target: send it once, as preauthTurnaroundMinutes or as serviceLevels.preauth-decision.",
    );
  const [scheme] = await context.sql.query<SchemeRow>('SELECT * FROM schemes WHERE is_current FOR UPDATE');
  if (!scheme) throw fail('not-found', 'There is no current scheme.');
  const was = await schemeParameters(context.sql, scheme);
  const before: Partial<SchemeParameters> = {};
  const after: Record<string, unknown> = {};
  for (const name of changes) {
    copyParameter(before, was, name);
    after[name] = body[name];
  }
  if (changes.length > 0) {
    // Column names come from the fixed map above, never from the request.
    const assignments = changes.map((name, index) => `${parameterColumns[name]} = $${index + 2}`).join(', ');
    await context.sql.query(`UPDATE schemes SET ${assignments} WHERE id = $1`, [scheme.id, ...changes.map((name) => body[name] ?? null)]);
  }
  if (levelChanges.length > 0) {
    const previousLevels: Partial<Record<TurnaroundStage, number>> = {};
    const newLevels: Partial<Record<TurnaroundStage, number>> = {};
    for (const stage of levelChanges) {
      const minutes = levels[stage]!;
      previousLevels[stage] = was.serviceLevels[stage];
      newLevels[stage] = minutes;
      if (stage === 'preauth-decision') await context.sql.query('UPDATE schemes SET preauth_turnaround_minutes = $2 WHERE id = $1', [scheme.id, minutes]);
      else
        await context.sql.query(
          `INSERT INTO service_levels (scheme_id, stage, minutes) VALUES ($1, $2, $3)
           ON CONFLICT (scheme_id, stage) DO UPDATE SET minutes = EXCLUDED.minutes, change_xid = pg_current_xact_id()`,
          [scheme.id, stage, minutes],
        );
    }
    before.serviceLevels = previousLevels as SchemeParameters['serviceLevels'];
    after.serviceLevels = newLevels;
  }
  // The emergency pre-auth's service level is its own, shorter one (issue 19): never as long as any pre-auth's.
  const [turnaround] = await context.sql.query<{ normal: number; emergency: number }>(
    'SELECT preauth_turnaround_minutes AS normal, emergency_preauth_turnaround_minutes AS emergency FROM schemes WHERE id = $1',
    [scheme.id],
  );
  if (turnaround && turnaround.emergency >= turnaround.normal)
    throw fail(
      'invalid-input',
      `The emergency pre-auth's service level (${turnaround.emergency} minutes) must be shorter than the pre-auth turnaround target (${turnaround.normal} minutes).`,
    );
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
  return { schemeId: scheme.id, parameters: await schemeParameters(context.sql, updated ?? scheme), previous: before };
}

type SchemeParameters = CommandResult<'set-scheme-parameters'>['parameters'];

function copyParameter<K extends ParameterName>(to: Partial<SchemeParameters>, from: SchemeParameters, name: K): void {
  to[name] = from[name];
}

/** A scheme's service level per stage (stage_service_levels, migration 047). */
export async function serviceLevelsOf(sql: Sql, schemeId: string): Promise<SchemeParameters['serviceLevels']> {
  const rows = await sql.query<{ stage: TurnaroundStage; minutes: number }>('SELECT stage, minutes FROM stage_service_levels WHERE scheme_id = $1', [schemeId]);
  const levels = Object.fromEntries(rows.map((row) => [row.stage, row.minutes]));
  const missing = turnaroundStages.filter((stage) => levels[stage] === undefined);
  if (missing.length > 0) throw new Error(`Scheme ${schemeId} has no service level for ${missing.join(', ')}`);
  return levels as SchemeParameters['serviceLevels'];
}

export async function schemeParameters(sql: Sql, scheme: SchemeRow): Promise<SchemeParameters> {
  return {
    governmentShareBp: scheme.government_share_bp,
    shortfallPolicy: scheme.shortfall_policy,
    autoExtendBp: scheme.auto_extend_bp,
    preauthTurnaroundMinutes: scheme.preauth_turnaround_minutes,
    serviceLevels: await serviceLevelsOf(sql, scheme.id),
    emergencyIdentifyWindowMinutes: scheme.emergency_identify_window_minutes,
    emergencyPreauthTurnaroundMinutes: scheme.emergency_preauth_turnaround_minutes,
  };
}
