// POST /commands/<name>: every command of the contract, through the runner (idempotent by id).
import type { FastifyInstance } from 'fastify';
import { commandResponses } from '@contract/results';
import { commandBodies, commandNames, commandRoles, type CommandBody, type CommandName } from '@contract/commands';
import { afterCommitEffects } from '../commands';
import type { AfterCommit, AfterCommitServices } from '../commands/context';
import { runCommand, type RunnerDependencies } from '../commands/runner';
import type { ChangeNotifier } from '../sync/notifier';
import { bearer, describedExactly } from './answers';
import type { OperatorAuthentication } from './authentication';

export interface CommandRouteOptions {
  readonly runner: RunnerDependencies;
  readonly notifier: ChangeNotifier;
  readonly auth: OperatorAuthentication;
  readonly afterCommit: AfterCommitServices;
}

/** Register inside a signed-in scope (authentication.ts signedInRoutes). */
export async function commandRoutes(app: FastifyInstance, options: CommandRouteOptions): Promise<void> {
  for (const name of commandNames) {
    const effect = afterCommitEffects[name] as AfterCommit<CommandName> | undefined;
    app.post(
      `/commands/${name}`,
      {
        schema: {
          tags: ['commands'],
          summary: `${name} (roles: ${commandRoles[name].join(', ')})`,
          description: 'Repeating a commandId returns the first answer and changes nothing. Business rejections answer 409 with a code.',
          security: bearer,
          body: commandBodies[name],
          // Exact answers by status (contract/results.ts). Described, not serialized: the answer is
          // sent as its stored bytes, and a refusal through the error handler as it was built.
          response: commandResponses(name),
        },
        ...describedExactly,
      },
      async (request, reply) => {
        const body = request.body as CommandBody<CommandName>;
        const outcome = await runCommand(options.runner, name, body, options.auth.principalOf(request));
        if (outcome.isReplay) void reply.header('x-command-replayed', 'true');
        else if (outcome.status === 200) {
          // The command has committed: its answer is the truth whatever follows. A failure of this
          // process's own follow-up (the command's after-commit effect, e.g. reloading its copy of
          // the scheme) is logged, not answered as a 500 saying nothing changed; the periodic
          // refresh (server-state.ts) catches up in seconds.
          if (effect) {
            try {
              await effect(options.afterCommit, body);
            } catch (error) {
              request.log.error({ err: error }, `the after-commit effect of ${name} failed; the command itself committed`);
            }
          }
          options.notifier.changed();
        }
        // The answer's own bytes (a string with a JSON type skips the serializer): a replay sends
        // exactly what the first answer sent.
        return reply.status(outcome.status).type('application/json; charset=utf-8').send(outcome.answerText);
      },
    );
  }
}
