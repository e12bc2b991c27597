import type { IssuerKeys } from '../identifiers/issuer-keys';
import type { Keyring } from '../auth/keyring';
import { createHmac } from 'node:crypto';
import { commandRoles, type CommandBody, type CommandName } from '@contract/commands';
import { assertNever, fail, RefusedError, type Refusal } from '@domain/outcomes';
import type { Principal } from '../auth/tokens';
import { pgErrorCode, pgErrors, sqlLiteral, type Database, type Sql } from '../db/database';
import { decideBookingInDatabase, type StoredCommand } from './booking-decision';
import { bookingAmount } from './bookings';
import { rollPolicyYear } from '../money/policy-year';
import { currentScheme, type CommandContext, type CommandHandlers, type CommandServices, type SchemeRow } from './context';
import { canonicalJson } from '../canonical-json';
import { identifiedMemberAnswer, keptForReplay } from '../identity/identify-member';
import type { ServerMetrics } from '../observability/metrics';

export interface CommandOutcome {
  readonly status: number;
  /** The answer with its keys in canonical order (canonical-json.ts). */
  readonly answer: Record<string, unknown>;
  /**
   * The answer's bytes as sent: canonicalJson(answer). A first answer and every replay of it are
   * byte-identical, whichever path decided it and however the stored copy orders its keys.
   */
  readonly answerText: string;
  /** True when this was a repeat of a command id already processed. */
  readonly isReplay: boolean;
}

function outcome(status: number, answer: Record<string, unknown>, isReplay: boolean): CommandOutcome {
  const answerText = canonicalJson(answer);
  return { status, answer: JSON.parse(answerText) as Record<string, unknown>, answerText, isReplay };
}

/**
 * What a body holds that must never be stored, even hashed: a password hashed without a key is
 * cracked one guess at a time, a 6-digit code in a million tries, and a template is biometric data.
 * The idempotency hash leaves them out, so a repeat that differs only in one of them is taken
 * for the same command (its first answer, never a second effect).
 */
const secretFields: Partial<Record<CommandName, readonly string[]>> = {
  'create-operator': ['password'],
  'verify-otp': ['code'],
  'enroll-fingerprint': ['template'],
  'enroll-face': ['descriptor'],
};

/** The key of the idempotency hash, derived once per server key and kept apart from its other uses. */
const hashKeys = new WeakMap<Buffer, Buffer>();
function requestHashKey(serverKey: Buffer): Buffer {
  let key = hashKeys.get(serverKey);
  if (!key) {
    key = createHmac('sha256', serverKey).update('coverdesk command request hash v2').digest();
    hashKeys.set(serverKey, key);
  }
  return key;
}

/**
 * The idempotency hash of a request: HMAC-SHA256 under the server's key over the command name and
 * the canonical JSON of the body without its secrets. Canonical, so the same command hashes the
 * same whatever order its keys were sent in (a desk's outbox puts commandId last); keyed, so a
 * dump of the commands table cannot be used to test guesses of what was sent.
 */
export function requestHash(serverKey: Buffer, name: CommandName, body: object): string {
  const secrets = secretFields[name] ?? [];
  const kept = Object.fromEntries(Object.entries(body).filter(([field]) => !secrets.includes(field)));
  return createHmac('sha256', requestHashKey(serverKey)).update(name).update('\n').update(canonicalJson(kept)).digest('hex');
}

export interface RunnerDependencies {
  readonly db: Database;
  readonly handlers: CommandHandlers;
  /**
   * The process's cached scheme (server-state.ts), up to 5 s old on other processes: for display
   * reads only. Commands decide with currentScheme, read inside their own transaction.
   */
  readonly scheme: () => SchemeRow;
  readonly nationalIdKey: Buffer;
  readonly nationalIdLegacy?: Buffer | null;
  readonly biometricKeys?: Keyring;
  readonly eCardKeys?: Keyring;
  readonly idIssuerKeys?: IssuerKeys;
  readonly services: CommandServices;
  /**
   * How add-booking is decided: 'database' (default) in one statement, add_booking_decision;
   * 'handler' through this runner and the addBooking handler it mirrors (the differential test
   * runs both).
   */
  readonly addBookingVia?: 'database' | 'handler';
  /** Counts and times every command (observability/metrics.ts); absent in tools that run commands without a server. */
  readonly metrics?: ServerMetrics;
}

/** A business rejection on its way out of the transaction, to be stored on its own. */
class Rejected extends Error {
  constructor(readonly refusal: Extract<Refusal, { kind: 'rejection' }>) {
    super(refusal.message);
  }
}

/**
 * The first answer, replayed, provided the repeat is the same request by the same operator.
 * A row from before migration 014 has no hash (its unkeyed hash was erased): it is matched on the
 * command's name and operator alone, and answers as it first did.
 */
function replayOf(prior: (StoredCommand & { name: string }) | undefined, name: CommandName, hash: string, principal: Principal): CommandOutcome {
  const isSameRequest = prior?.request_hash === null ? prior.name === name : prior?.request_hash === hash;
  if (!prior || !isSameRequest || prior.operator_id !== principal.operatorId) {
    throw fail('command-id-reused', 'This command id was already used for a different command; generate a new id for a new command.');
  }
  return outcome(prior.http_status, prior.answer, true);
}

/**
 * Answers `commands.answer` keeps only as ids (issue 13 item 12): identify-member's result is a
 * person's name, birth year and family, which a copy of the commands table must not hold. The row
 * keeps `{commandId, command, kept: {memberId}}`; a repeat of the command id is answered from the
 * member's rows as they are now (and audited as a lookup again), so a retry still gets its answer.
 */
function storedAnswerText(name: CommandName, commandId: string, result: Record<string, unknown>, answered: CommandOutcome): string {
  if (name !== 'identify-member') return answered.answerText;
  return canonicalJson({ commandId, command: name, kept: keptForReplay(result as { member: { memberId: string } }) });
}

/** Builds a handler's context on a transaction: commands and the replays answered from kept ids. */
type ContextOf = (sql: Sql) => Promise<CommandContext>;

async function storedAnswer(sql: Sql, commandId: string, name: CommandName, hash: string, principal: Principal, contextOf: ContextOf): Promise<CommandOutcome> {
  const [prior] = await sql.query<StoredCommand & { name: string }>(
    'SELECT operator_id, name, request_hash, http_status, answer FROM commands WHERE command_id = $1',
    [commandId],
  );
  const replay = replayOf(prior, name, hash, principal);
  const kept = (replay.answer as { kept?: { memberId?: unknown } }).kept;
  if (name === 'identify-member' && replay.status === 200 && typeof kept?.memberId === 'string') {
    const result = await identifiedMemberAnswer(await contextOf(sql), kept.memberId, { isReplay: true });
    return outcome(200, { commandId, command: name, result }, true);
  }
  return replay;
}

/**
 * Record a final answer for a command that failed in a way no retry changes (push.ts: a desk's
 * mutation must not stall its outbox). Written like a rejection: only the commands row, so a
 * repeat of the id gets this answer; the failed effects were rolled back with their transaction.
 */
export async function recordFailedCommand<N extends CommandName>(
  deps: RunnerDependencies,
  name: N,
  body: CommandBody<N>,
  principal: Principal,
): Promise<CommandOutcome> {
  const hash = requestHash(deps.nationalIdKey, name, body);
  const answer = {
    code: 'command-failed',
    message: `The server could not process this ${name.replace(/-/g, ' ')} and set it aside so this desk's other changes could go through; nothing of it was applied. Enter it again, and if it fails again give support the reference ${body.commandId}.`,
  };
  return deps.db.transaction(async (sql) => {
    const stored = await sql.query(
      'INSERT INTO commands (command_id, operator_id, name, request_hash, http_status, answer) VALUES ($1, $2, $3, $4, 422, $5) ON CONFLICT (command_id) DO NOTHING RETURNING command_id',
      [body.commandId, principal.operatorId, name, hash, JSON.stringify(answer)],
    );
    if (stored.length === 0)
      return storedAnswer(
        sql,
        body.commandId,
        name,
        hash,
        principal,
        contextFactory(deps, principal, body.commandId, () => undefined),
      );
    return outcome(422, answer, false);
  });
}

/** A handler's context on a given transaction, with the scheme read in that transaction. */
function contextFactory(deps: RunnerDependencies, principal: Principal, commandId: string, afterCommit: CommandContext['afterCommit']): ContextOf {
  // A command that finds the clock in a new policy year rolls the scheme over first, before its
  // handler locks anything (money/policy-year.ts): the open year is never behind the calendar.
  return async (sql) => ({
    sql,
    principal,
    commandId,
    scheme: await rollPolicyYear(sql, await currentScheme(sql), deps.services.now()),
    nationalIdKey: deps.nationalIdKey,
    nationalIdLegacy: deps.nationalIdLegacy ?? null,
    ...(deps.biometricKeys ? { biometricKeys: deps.biometricKeys } : {}),
    ...(deps.eCardKeys ? { eCardKeys: deps.eCardKeys } : {}),
    ...(deps.idIssuerKeys ? { idIssuerKeys: deps.idIssuerKeys } : {}),
    services: deps.services,
    afterCommit,
  });
}

/** The generic signature pairs each name with its body; this lets the compiler see that pairing. */
function isAddBooking(name: CommandName, _body: CommandBody<CommandName>): _body is CommandBody<'add-booking'> {
  return name === 'add-booking';
}

/**
 * add-booking decided by add_booking_decision in one statement (booking-decision.ts), with this
 * runner's semantics: the claim first, replays compared here, rejections stored below like every
 * other. Returns null for what the handler must answer itself: an amount above maxAmount is
 * refused after the claim (so a reused id still answers command-id-reused first), and a booking
 * on a plan year with cost sharing (migration 031).
 */
async function decideAddBookingInDatabase(
  deps: RunnerDependencies,
  body: CommandBody<'add-booking'>,
  hash: string,
  principal: Principal,
): Promise<CommandOutcome | null> {
  const amount = bookingAmount(body.quantity, body.unitPrice);
  if (typeof amount !== 'number') return null;
  // The function reads the scheme's parameters from its row itself, in its own statement.
  const decision = await decideBookingInDatabase(deps.db, { body, principal, requestHash: hash, amount });
  switch (decision.kind) {
    case 'decided':
      return outcome(200, decision.answer, false);
    case 'claimed-before':
      // The function does not say which command claimed the id; a row without a hash needs it.
      return decision.prior.request_hash === null
        ? storedAnswer(
            deps.db,
            body.commandId,
            'add-booking',
            hash,
            principal,
            contextFactory(deps, principal, body.commandId, () => undefined),
          )
        : replayOf({ ...decision.prior, name: 'add-booking' }, 'add-booking', hash, principal);
    case 'rejected':
      throw new Rejected(decision.refusal);
    case 'needs-handler':
      return null;
    default:
      return assertNever(decision);
  }
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
 *
 * add-booking, the hot money decision, keeps these semantics in one statement instead
 * (add_booking_decision, see booking-decision.ts): claim, effects and stored answer in the
 * implicit transaction of that statement; its rejections are stored here like all others.
 */
export async function runCommand<N extends CommandName>(
  deps: RunnerDependencies,
  name: N,
  body: CommandBody<N>,
  principal: Principal,
): Promise<CommandOutcome> {
  return deps.metrics ? deps.metrics.command(name, () => decideCommand(deps, name, body, principal)) : decideCommand(deps, name, body, principal);
}

async function decideCommand<N extends CommandName>(deps: RunnerDependencies, name: N, body: CommandBody<N>, principal: Principal): Promise<CommandOutcome> {
  const allowed = commandRoles[name];
  if (!principal.roles.some((role) => allowed.includes(role))) {
    throw fail('forbidden-role', `Your role (${principal.roles.join(', ')}) may not ${name.replace(/-/g, ' ')}; it needs ${allowed.join(' or ')}.`);
  }
  const commandId = body.commandId;
  const hash = requestHash(deps.nationalIdKey, name, body);
  // Every value here is validated (uuid, our own command name, hex digest): safe as literals.
  const claimRow = `INSERT INTO commands (command_id, operator_id, name, request_hash) VALUES (${sqlLiteral(commandId)}, ${sqlLiteral(principal.operatorId)}, ${sqlLiteral(name)}, ${sqlLiteral(hash)}) ON CONFLICT (command_id) DO NOTHING RETURNING command_id`;
  try {
    if (deps.addBookingVia !== 'handler' && isAddBooking(name, body)) {
      const decided = await decideAddBookingInDatabase(deps, body, hash, principal);
      if (decided) return decided;
    }
    // Collected afresh by each attempt of the transaction: a retried attempt's tasks replace the last.
    let afterCommit: ((db: Sql) => Promise<void>)[] = [];
    const contextOf = contextFactory(deps, principal, commandId, (task) => {
      afterCommit.push(task);
    });
    const decided = await deps.db.transaction(
      async (sql, claimed) => {
        afterCommit = [];
        if (claimed.length === 0) return storedAnswer(sql, commandId, name, hash, principal, contextOf);
        const context = await contextOf(sql);
        let result: Record<string, unknown>;
        try {
          result = await deps.handlers[name](context, body);
        } catch (error) {
          if (error instanceof RefusedError && error.refusal.kind === 'rejection') throw new Rejected(error.refusal);
          throw error;
        }
        const answered = outcome(200, { commandId, command: name, result }, false);
        await sql.flush('UPDATE commands SET http_status = 200, answer = $2 WHERE command_id = $1', [
          commandId,
          storedAnswerText(name, commandId, result, answered),
        ]);
        return answered;
      },
      { prelude: claimRow },
    );
    // Committed: now the network calls, holding nothing. Each task records its own failure; the
    // committed answer stands whatever a task meets (a 500 here would claim nothing was changed).
    for (const task of afterCommit) await task(deps.db).catch(() => undefined);
    return decided;
  } catch (error) {
    let refusal: Extract<Refusal, { kind: 'rejection' }>;
    if (error instanceof Rejected) refusal = error.refusal;
    else if (pgErrorCode(error) === pgErrors.uniqueViolation) {
      // Two different commands created the same client-generated id at the same moment.
      refusal = {
        kind: 'rejection',
        code: 'already-registered',
        message: 'A record with one of these ids was created by another request at the same moment; retry with new ids.',
      };
    } else throw error;
    const { code, message, details } = refusal;
    const answer = { code, message, ...(details ? { details } : {}) };
    return deps.db.transaction(async (sql) => {
      const stored = await sql.query(
        'INSERT INTO commands (command_id, operator_id, name, request_hash, http_status, answer) VALUES ($1, $2, $3, $4, 409, $5) ON CONFLICT (command_id) DO NOTHING RETURNING command_id',
        [commandId, principal.operatorId, name, hash, JSON.stringify(answer)],
      );
      // A duplicate that ran in between already stored its answer: that answer is the answer.
      if (stored.length === 0)
        return storedAnswer(
          sql,
          commandId,
          name,
          hash,
          principal,
          contextFactory(deps, principal, commandId, () => undefined),
        );
      return outcome(409, answer, false);
    });
  }
}
