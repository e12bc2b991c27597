import type { CommandBody, CommandName } from '@contract/commands';
import { commandValidator } from '../../node-shared/command-validators';
import type { PushAnswerValue, PushMutationValue } from '@contract/sync';
import { httpStatusOf, RefusedError, type Refusal } from '@domain/outcomes';
import { isRole, type HospitalId, type OperatorId } from '@domain/ids';
import type { Principal } from '../auth/tokens';
import { runCommand, type RunnerDependencies } from '../commands/runner';
import type { DeskPrincipal } from './desk-auth';
import { isDatabaseUnreachable, isTransientFailure } from '../db/database';
import { recordFailedCommand } from '../commands/runner';
import { pathText, refusalOfFinding, type JsonFinding } from '../strict-json';
import { checkMutationProof } from './operator-keys';

export interface PushOptions {
  /** Findings of the body reader inside each mutation's body, by the mutation's index. */
  readonly bodyFindings?: ReadonlyMap<number, JsonFinding>;
  /** Where a mutation's unexpected failure is logged (with its command id) before it is set aside. */
  readonly logFailure?: (error: unknown, commandId: string) => void;
  /** An online command runs now: its operator proof must also be fresh (operator-keys.ts). */
  readonly isOnline?: boolean;
}

/**
 * Apply a desk's outbox in order. Each mutation runs as its operator, scoped to the desk's
 * hospital, once that operator's signature of it verifies (operator-keys.ts), through the same idempotent command runner as direct calls — so a mutation pushed
 * twice (retry, crash before the answer arrived) applies once and answers the same.
 *
 * Every mutation gets a final answer except on a transient failure (the database unreachable or
 * busy), which stops the batch so the desk retries from there, keeping the order. A desk records
 * every answer as final, so nothing one mutation holds may stop the batch for good: bad input
 * (`bodyFindings`: NUL, repeated keys, lone surrogates found by the body reader, keyed by the
 * mutation's index) and schema failures are 400 answers writing nothing, business rejections are
 * stored 409s, and any other failure of one mutation is recorded as a 422 `command-failed`.
 */
export async function applyPush(
  deps: RunnerDependencies,
  desk: DeskPrincipal,
  mutations: readonly PushMutationValue[],
  options: PushOptions = {},
): Promise<PushAnswerValue> {
  const bodyFindings = options.bodyFindings ?? new Map<number, JsonFinding>();
  const answers: PushAnswerValue['answers'] = [];
  for (const [index, mutation] of mutations.entries()) {
    const refused = (status: number, refusal: Pick<Refusal, 'code' | 'message' | 'details'>) => {
      const { code, message, details } = refusal;
      answers.push({ commandId: mutation.commandId, status, answer: { code, message, ...(details ? { details } : {}) } });
    };
    try {
      const principal = await operatorAtDesk(deps, desk, mutation.operatorId);
      if (!principal) {
        refused(403, { code: 'forbidden-role', message: "The operator of this change is not an active operator of this desk's hospital." });
        continue;
      }
      // The desk credential says which desk sent this, not who made it: the operator's own
      // signature, made when the change was queued, does (issue 13 item 4).
      const unproven = await checkMutationProof(deps.db, desk, mutation, deps.services.now().getTime(), { fresh: options.isOnline === true });
      if (unproven) {
        refused(httpStatusOf(unproven), unproven);
        continue;
      }
      const finding = bodyFindings.get(index);
      if (finding) {
        // The path inside the mutation's own body, as a direct command would name it.
        const refusal = refusalOfFinding({ ...finding, path: finding.path.slice(3), message: `${pathText(finding.path.slice(3))} ${finding.problem}.` });
        refused(httpStatusOf(refusal), { ...refusal, message: `Invalid ${mutation.name}: ${refusal.message.replace(/^Invalid request: /, '')}` });
        continue;
      }
      const body = { ...mutation.body, commandId: mutation.commandId };
      const validator = commandValidator(mutation.name);
      if (!validator.Check(body)) {
        const first = [...validator.Errors(body)][0];
        refused(400, {
          code: 'invalid-input',
          message: `Invalid ${mutation.name}: ${first ? `${first.instancePath || 'body'} ${first.message}` : 'does not match the contract'}.`,
        });
        continue;
      }
      const outcome = await runCommand(deps, mutation.name, body as CommandBody<CommandName>, principal).catch(async (error: unknown) => {
        if (error instanceof RefusedError || isTransientFailure(error)) throw error;
        // Not the desk's input, not the database's availability: the same mutation would fail
        // the same way on every push. Recorded as its final answer (a repeat gets it too).
        options.logFailure?.(error, mutation.commandId);
        return recordFailedCommand(deps, mutation.name, body as CommandBody<CommandName>, principal);
      });
      answers.push({ commandId: mutation.commandId, status: outcome.status, answer: outcome.answer });
    } catch (error) {
      if (
        error instanceof RefusedError &&
        error.refusal.code !== 'internal-error' &&
        error.refusal.code !== 'service-busy' &&
        error.refusal.code !== 'database-unavailable'
      ) {
        refused(httpStatusOf(error.refusal), error.refusal);
        continue;
      }
      // The database went away before this push got any answer (a failover, issue 18): a 503 the
      // desk counts as the server unreachable, so it says "reconnecting" and retries by itself.
      if (answers.length === 0 && isDatabaseUnreachable(error)) throw error;
      return { protocolVersion: 1, answers, stoppedAt: mutation.commandId };
    }
  }
  return { protocolVersion: 1, answers, stoppedAt: null };
}

async function operatorAtDesk(deps: RunnerDependencies, desk: DeskPrincipal, operatorId: string): Promise<Principal | null> {
  const [operator] = await deps.db.query<{ roles: string[]; hospital_id: string | null; is_active: boolean }>(
    'SELECT roles, hospital_id, is_active FROM operators WHERE id = $1',
    [operatorId],
  );
  if (!operator || !operator.is_active || operator.hospital_id !== desk.hospitalId) return null;
  return { operatorId: operatorId as OperatorId, roles: operator.roles.filter(isRole), hospitalId: desk.hospitalId as HospitalId };
}
