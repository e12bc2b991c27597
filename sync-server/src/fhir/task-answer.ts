import type { Task } from '@medplum/fhirtypes';
import { fail } from '@domain/outcomes';
import type { Principal } from '../auth/tokens';
import { runCommand, type CommandOutcome, type RunnerDependencies } from '../commands/runner';
import type { Sql } from '../db/database';
import { derivedUuid, isUuid } from './claim-input';
import * as reads from './reads';

/**
 * `PUT /fhir/Task/<id>`: the hospital's answer to a reviewer's query on a pre-auth, as the desk's
 * respond-query command (commands/preauth.ts), through the same runner: one transaction, the
 * same refusals, audited. The Task is the one `GET /fhir/Task/<id>` gave, sent back with
 * `status = completed` and the answer as an `output` valueString; nothing else of it is acted on.
 *
 * Idempotent: the command id derives from the Task, the query's round (`meta.versionId`, which the
 * read gives; the open query's round when it is left out) and the answer, so the same PUT again is
 * answered from the first, and the next query (a new round) takes a new answer even in the same words.
 */
export async function answerQueryTask(
  runner: RunnerDependencies,
  sql: Pick<Sql, 'query'>,
  principal: Principal,
  taskId: string,
  task: Task,
): Promise<{ taskId: string; caseId: string; outcome: CommandOutcome }> {
  if (task.id !== taskId) throw fail('invalid-input', `Task.id (${task.id ?? 'none'}) must be the id in the URL (${taskId}): send the Task you read back.`);
  const { rows } = isUuid(taskId) ? await reads.preauths(sql, principal, { preauthIds: [taskId], onlyQueried: true, limit: 1, offset: 0 }) : { rows: [] };
  const [query] = rows;
  if (!query) throw fail('not-found', `There is no Task/${taskId} your hospital may answer.`);
  if (task.status !== 'completed')
    throw fail(
      'invalid-input',
      `Task.status is ${task.status}: answer the query by sending the Task with status completed and the answer in Task.output (valueString).`,
    );
  const answer = task.output?.find((output) => typeof output.valueString === 'string')?.valueString?.trim() ?? '';
  if (answer.length === 0) throw fail('invalid-input', "The answer goes in Task.output as a valueString (type text 'response'); it is empty.");
  if (answer.length > 2000) throw fail('invalid-input', 'The answer (Task.output.valueString) is longer than 2,000 characters.');
  const version = task.meta?.versionId ?? String(query.query_round);
  if (!/^[1-9][0-9]{0,5}$/.test(version) || Number(version) > query.query_round)
    throw fail('invalid-input', `Task.meta.versionId ${version} is not a version of this Task; read it again (it is at ${query.query_round}).`);
  const commandId = derivedUuid('coverdesk fhir task answer', principal.operatorId, taskId, version, answer);
  // An answer to an earlier round is only ever a repeat of what was sent then (answered from the
  // stored answer below); a new answer must name the query it answers, the open one.
  if (Number(version) !== query.query_round) {
    const [stored] = await sql.query<{ command_id: string }>('SELECT command_id FROM commands WHERE command_id = $1', [commandId]);
    if (!stored)
      throw fail(
        'invalid-input',
        `Task.meta.versionId ${version} names an earlier query; the reviewer has asked again (version ${query.query_round}): read the Task and answer that.`,
      );
  }
  const outcome = await runCommand(runner, 'respond-query', { commandId, caseId: query.case_id, response: answer }, principal);
  return { taskId, caseId: query.case_id, outcome };
}
