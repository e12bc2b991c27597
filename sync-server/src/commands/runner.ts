import { createHash } from 'node:crypto';
import { commandRoles, type CommandBody, type CommandName } from '@contract/commands';
import { fail, RefusedError } from '@domain/outcomes';
import type { Principal } from '../auth/tokens';
import type { Database } from '../db/database';
import type { CommandContext, CommandHandlers, SchemeRow } from './context';

export interface CommandOutcome {
  readonly status: number;
  readonly answer: Record<string, unknown>;
  /** True when this was a repeat of a command id already processed. */
  readonly isReplay: boolean;
}

function requestHash(name: string, body: unknown): string {
  return createHash('sha256').update(name).update('\n').update(JSON.stringify(body)).digest('hex');
}

export interface RunnerDependencies {
  readonly db: Database;
  readonly handlers: CommandHandlers;
  readonly scheme: () => SchemeRow;
  readonly nationalIdKey: Buffer;
}

/**
 * Run one command exactly once per command id.
 *
 * The processed-commands row is inserted FIRST, in the same transaction as the command's effects:
 * a concurrent duplicate (another server, a retry) blocks on that primary key until this
 * transaction ends, then finds the stored answer. Business rejections roll back to a savepoint
 * and are stored as answers (a retry gets the same answer); input, auth and not-found errors roll
 * the whole transaction back, so nothing at all is written for bad input.
 */
export async function runCommand<N extends CommandName>(deps: RunnerDependencies, name: N, body: CommandBody<N>, principal: Principal): Promise<CommandOutcome> {
  const allowed = commandRoles[name];
  if (!principal.roles.some((role) => allowed.includes(role))) {
    throw fail('forbidden-role', `Your role (${principal.roles.join(', ')}) may not ${name.replace(/-/g, ' ')}; it needs ${allowed.join(' or ')}.`);
  }
  const commandId = body.commandId;
  const hash = requestHash(name, body);
  return deps.db.transaction(async (sql) => {
    const inserted = await sql.query(
      'INSERT INTO commands (command_id, operator_id, name, request_hash) VALUES ($1, $2, $3, $4) ON CONFLICT (command_id) DO NOTHING RETURNING command_id',
      [commandId, principal.operatorId, name, hash],
    );
    if (inserted.length === 0) {
      const [prior] = await sql.query<{ operator_id: string; request_hash: string; http_status: number; answer: Record<string, unknown> }>(
        'SELECT operator_id, request_hash, http_status, answer FROM commands WHERE command_id = $1',
        [commandId],
      );
      if (!prior || prior.request_hash !== hash || prior.operator_id !== principal.operatorId) {
        throw fail('command-id-reused', 'This command id was already used for a different command; generate a new id for a new command.');
      }
      return { status: prior.http_status, answer: prior.answer, isReplay: true };
    }
    await sql.query('SAVEPOINT command');
    const context: CommandContext = { sql, principal, commandId, scheme: deps.scheme(), nationalIdKey: deps.nationalIdKey };
    let status: number;
    let answer: Record<string, unknown>;
    try {
      const handler = deps.handlers[name];
      const result = await handler(context, body);
      status = 200;
      answer = { commandId, command: name, result };
    } catch (error) {
      if (!(error instanceof RefusedError) || error.refusal.kind !== 'rejection') throw error;
      await sql.query('ROLLBACK TO SAVEPOINT command');
      status = 409;
      const { code, message, details } = error.refusal;
      answer = { code, message, ...(details ? { details } : {}) };
    }
    await sql.query('UPDATE commands SET http_status = $2, answer = $3 WHERE command_id = $1', [commandId, status, JSON.stringify(answer)]);
    return { status, answer, isReplay: false };
  });
}
