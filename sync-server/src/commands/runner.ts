import { createHash } from 'node:crypto';
import { commandRoles, type CommandBody, type CommandName } from '@contract/commands';
import { fail, RefusedError, type Refusal } from '@domain/outcomes';
import type { Principal } from '../auth/tokens';
import { pgErrorCode, pgErrors, sqlLiteral, type Database, type Sql } from '../db/database';
import type { CommandContext, CommandHandlers, CommandServices, SchemeRow } from './context';

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
  readonly services: CommandServices;
}

/** A business rejection on its way out of the transaction, to be stored on its own. */
class Rejected extends Error {
  constructor(readonly refusal: Extract<Refusal, { kind: 'rejection' }>) {
    super(refusal.message);
  }
}

interface StoredCommand {
  operator_id: string;
  request_hash: string;
  http_status: number;
  answer: Record<string, unknown>;
}

async function storedAnswer(sql: Sql, commandId: string, hash: string, principal: Principal): Promise<CommandOutcome> {
  const [prior] = await sql.query<StoredCommand>('SELECT operator_id, request_hash, http_status, answer FROM commands WHERE command_id = $1', [commandId]);
  if (!prior || prior.request_hash !== hash || prior.operator_id !== principal.operatorId) {
    throw fail('command-id-reused', 'This command id was already used for a different command; generate a new id for a new command.');
  }
  return { status: prior.http_status, answer: prior.answer, isReplay: true };
}

/**
 * Run one command exactly once per command id.
 *
 * The processed-commands row is inserted FIRST (in the same round trip as BEGIN), in the same
 * transaction as the command's effects: a concurrent duplicate (another server, a retry) blocks
 * on that primary key until this transaction ends, then finds the stored answer. The effects'
 * writes are flushed together with the stored answer in one statement just before COMMIT.
 *
 * A business rejection rolls the whole transaction back and stores only the answer, in a second
 * short transaction, so a retry gets the same answer. Input, auth and not-found errors store
 * nothing at all: bad input writes nothing.
 */
export async function runCommand<N extends CommandName>(deps: RunnerDependencies, name: N, body: CommandBody<N>, principal: Principal): Promise<CommandOutcome> {
  const allowed = commandRoles[name];
  if (!principal.roles.some((role) => allowed.includes(role))) {
    throw fail('forbidden-role', `Your role (${principal.roles.join(', ')}) may not ${name.replace(/-/g, ' ')}; it needs ${allowed.join(' or ')}.`);
  }
  const commandId = body.commandId;
  const hash = requestHash(name, body);
  // Every value here is validated (uuid, our own command name, hex digest): safe as literals.
  const claimRow = `INSERT INTO commands (command_id, operator_id, name, request_hash) VALUES (${sqlLiteral(commandId)}, ${sqlLiteral(principal.operatorId)}, ${sqlLiteral(name)}, ${sqlLiteral(hash)}) ON CONFLICT (command_id) DO NOTHING RETURNING command_id`;
  try {
    return await deps.db.transaction(async (sql, claimed) => {
      if (claimed.length === 0) return storedAnswer(sql, commandId, hash, principal);
      const context: CommandContext = { sql, principal, commandId, scheme: deps.scheme(), nationalIdKey: deps.nationalIdKey, services: deps.services };
      let result: Record<string, unknown>;
      try {
        result = await deps.handlers[name](context, body);
      } catch (error) {
        if (error instanceof RefusedError && error.refusal.kind === 'rejection') throw new Rejected(error.refusal);
        throw error;
      }
      const answer = { commandId, command: name, result };
      await sql.flush('UPDATE commands SET http_status = 200, answer = $2 WHERE command_id = $1', [commandId, JSON.stringify(answer)]);
      return { status: 200, answer, isReplay: false };
    }, { prelude: claimRow });
  } catch (error) {
    let refusal: Extract<Refusal, { kind: 'rejection' }>;
    if (error instanceof Rejected) refusal = error.refusal;
    else if (pgErrorCode(error) === pgErrors.uniqueViolation) {
      // Two different commands created the same client-generated id at the same moment.
      refusal = { kind: 'rejection', code: 'already-registered', message: 'A record with one of these ids was created by another request at the same moment; retry with new ids.' };
    } else throw error;
    const { code, message, details } = refusal;
    const answer = { code, message, ...(details ? { details } : {}) };
    return deps.db.transaction(async (sql) => {
      const stored = await sql.query(
        'INSERT INTO commands (command_id, operator_id, name, request_hash, http_status, answer) VALUES ($1, $2, $3, $4, 409, $5) ON CONFLICT (command_id) DO NOTHING RETURNING command_id',
        [commandId, principal.operatorId, name, hash, JSON.stringify(answer)],
      );
      // A duplicate that ran in between already stored its answer: that answer is the answer.
      if (stored.length === 0) return storedAnswer(sql, commandId, hash, principal);
      return { status: 409, answer, isReplay: false };
    });
  }
}
