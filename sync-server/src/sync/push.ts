import { Compile } from 'typebox/compile';
import { commandBodies, type CommandBody, type CommandName } from '@contract/commands';
import type { PushAnswerValue, PushMutationValue } from '@contract/sync';
import { httpStatusOf, RefusedError } from '@domain/outcomes';
import { isRole, type HospitalId, type OperatorId } from '@domain/ids';
import type { Principal } from '../auth/tokens';
import { runCommand, type RunnerDependencies } from '../commands/runner';
import type { DeskPrincipal } from './desk-auth';

const validators = new Map<CommandName, ReturnType<typeof Compile>>();
function validatorFor(name: CommandName): ReturnType<typeof Compile> {
  let validator = validators.get(name);
  if (!validator) {
    validator = Compile(commandBodies[name]);
    validators.set(name, validator);
  }
  return validator;
}

/**
 * Apply a desk's outbox in order. Each mutation runs as its operator, scoped to the desk's
 * hospital, through the same idempotent command runner as direct calls — so a mutation pushed
 * twice (retry, crash before the answer arrived) applies once and answers the same. Business
 * rejections and bad mutations are answers; a transient failure stops the batch so the desk
 * retries from there, keeping the order.
 */
export async function applyPush(deps: RunnerDependencies, desk: DeskPrincipal, mutations: readonly PushMutationValue[]): Promise<PushAnswerValue> {
  const answers: PushAnswerValue['answers'] = [];
  for (const mutation of mutations) {
    const principal = await operatorAtDesk(deps, desk, mutation.operatorId);
    if (!principal) {
      answers.push({ commandId: mutation.commandId, status: 403, answer: { code: 'forbidden-role', message: 'The operator of this change is not an active operator of this desk\'s hospital.' } });
      continue;
    }
    const body = { ...mutation.body, commandId: mutation.commandId };
    const validator = validatorFor(mutation.name);
    if (!validator.Check(body)) {
      const first = [...validator.Errors(body)][0];
      answers.push({ commandId: mutation.commandId, status: 400, answer: { code: 'invalid-input', message: `Invalid ${mutation.name}: ${first ? `${first.instancePath || 'body'} ${first.message}` : 'does not match the contract'}.` } });
      continue;
    }
    try {
      const outcome = await runCommand(deps, mutation.name, body as CommandBody<CommandName>, principal);
      answers.push({ commandId: mutation.commandId, status: outcome.status, answer: outcome.answer });
    } catch (error) {
      if (error instanceof RefusedError && error.refusal.code !== 'internal-error') {
        const { code, message, details } = error.refusal;
        answers.push({ commandId: mutation.commandId, status: httpStatusOf(error.refusal), answer: { code, message, ...(details ? { details } : {}) } });
        continue;
      }
      return { protocolVersion: 1, answers, stoppedAt: mutation.commandId };
    }
  }
  return { protocolVersion: 1, answers, stoppedAt: null };
}

async function operatorAtDesk(deps: RunnerDependencies, desk: DeskPrincipal, operatorId: string): Promise<Principal | null> {
  const [operator] = await deps.db.query<{ roles: string[]; hospital_id: string | null; is_active: boolean }>('SELECT roles, hospital_id, is_active FROM operators WHERE id = $1', [operatorId]);
  if (!operator || !operator.is_active || operator.hospital_id !== desk.hospitalId) return null;
  return { operatorId: operatorId as OperatorId, roles: operator.roles.filter(isRole), hospitalId: desk.hospitalId as HospitalId };
}
