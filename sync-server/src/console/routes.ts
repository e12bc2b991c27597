import type { ServerMetrics } from '../observability/metrics';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { Compile } from 'typebox/compile';
import { ErrorAnswer } from '@contract/commands';
import { isTransactionIdText } from '@contract/sync';
import {
  ConsoleCheckpointSchema,
  ConsolePullAnswer,
  ConsoleSessionAnswer,
  type ConsoleBreachEventValue,
  type ConsoleSessionAnswerValue,
} from '@contract/console';
import { fail } from '@domain/outcomes';
import { stagesOwnedBy } from '@domain/turnaround';
import type { Principal } from '../auth/tokens';
import type { Database } from '../db/database';
import type { ChangeNotifier } from '../sync/notifier';
import { openPokeStream } from '../sync/poke-stream';
import {
  consoleCollections,
  consolePageLimit,
  initialConsoleCheckpoint,
  mayPull,
  pullConsole,
  rolesFor,
  type ConsoleCheckpoint,
  type ConsoleCollection,
} from './feed';
import { registerConsoleStatic } from './static';

export interface ConsoleRouteOptions {
  readonly db: Database;
  readonly notifier: ChangeNotifier;
  /** Verifies the bearer token (401 with a sentence otherwise) and returns who it is. */
  readonly authenticateOperator: (request: FastifyRequest) => Promise<Principal>;
  /** The built renderer folder holding console.html and assets/ (renderer/dist). */
  readonly consoleDir: string;
  readonly now?: () => number;
  /** Counts the open event streams (observability/metrics.ts). */
  readonly metrics?: ServerMetrics;
  /**
   * Runs `task` once `delayMs` have passed on the server's clock, unless the returned function
   * cancels it first (an event stream's end when its token expires). Default: setTimeout; a test
   * passes its manual clock's, so that expiry needs no real-time window.
   */
  readonly after?: (delayMs: number, task: () => void) => () => void;
  /** Runs `onChange` when the operator signs out or is changed in this process (OperatorStatus.watch). */
  readonly watchOperator?: (operatorId: string, onChange: () => void) => () => void;
}

/** The roles the console serves: payer and administration roles. A desk operator (MEDCO) has no console. */
export const consoleRoles = ['PPD', 'MC', 'ADMIN', 'CEX', 'CPD', 'ACO', 'HA'] as const;

const checkpointValidator = Compile(ConsoleCheckpointSchema);

const errors = { 400: ErrorAnswer, 401: ErrorAnswer, 403: ErrorAnswer, 404: ErrorAnswer, 414: ErrorAnswer, 500: ErrorAnswer, 503: ErrorAnswer };
/**
 * Answers sent with JSON.stringify, as the reads in app.ts: the schemas in contract/console.ts
 * describe them exactly (OpenAPI), and a compiled serializer would silently drop what they miss.
 */
const describedExactly = { serializerCompiler: () => (data: unknown) => JSON.stringify(data) };
const bearer = [{ bearerAuth: [] }];

/** Seconds-since-epoch expiry of an already verified token (keyId.payload.signature; the payload is base64url JSON with exp). */
function expiryOf(request: FastifyRequest): number | null {
  const token = request.headers.authorization?.slice('Bearer '.length) ?? '';
  try {
    const claims = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as { exp?: unknown };
    return typeof claims.exp === 'number' ? claims.exp : null;
  } catch {
    return null;
  }
}

export function registerConsoleRoutes(app: FastifyInstance, options: ConsoleRouteOptions): void {
  const { db, notifier } = options;
  const now = options.now ?? Date.now;
  const after =
    options.after ??
    ((delayMs: number, task: () => void) => {
      const timer = setTimeout(task, delayMs);
      return () => clearTimeout(timer);
    });
  const operator = async (request: FastifyRequest): Promise<Principal> => {
    const principal = await options.authenticateOperator(request);
    if (!principal.roles.some((role) => (consoleRoles as readonly string[]).includes(role))) {
      throw fail('forbidden-role', 'The payer console is for payer roles (PPD, MC, ADMIN, CEX, CPD, ACO, HA); desk operators work in the desk app.');
    }
    return principal;
  };

  registerConsoleStatic(app, options.consoleDir);

  app.get(
    '/console/feed/session',
    {
      ...describedExactly,
      schema: {
        tags: ['console'],
        summary: "Who the token belongs to, their roles and the scheme's money format and turnaround target",
        security: bearer,
        response: { 200: ConsoleSessionAnswer, ...errors },
      },
    },
    async (request): Promise<ConsoleSessionAnswerValue> => {
      const principal = await operator(request);
      const [row] = await db.query<{ username: string; display_name: string }>('SELECT username, display_name FROM operators WHERE id = $1', [
        principal.operatorId,
      ]);
      const [scheme] = await db.query<{ name: string; currency: string; locale: string; minor_per_unit: number; preauth_turnaround_minutes: number }>(
        'SELECT name, currency, locale, minor_per_unit, preauth_turnaround_minutes FROM schemes WHERE is_current',
      );
      if (!row || !scheme) throw fail('unauthenticated', 'This operator no longer exists; sign in again.');
      const exp = expiryOf(request);
      return {
        operatorId: principal.operatorId,
        username: row.username,
        displayName: row.display_name,
        roles: [...principal.roles],
        expiresAt: exp === null ? null : new Date(exp * 1000).toISOString(),
        collections: consoleCollections.filter((collection) => mayPull(principal.roles, collection)),
        scheme: {
          name: scheme.name,
          currency: scheme.currency,
          locale: scheme.locale,
          minorPerUnit: scheme.minor_per_unit,
          preauthTurnaroundMinutes: scheme.preauth_turnaround_minutes,
        },
      };
    },
  );

  app.get(
    '/console/feed/pull',
    {
      schema: {
        tags: ['console'],
        summary: "Pull one collection of the payer console's read model since a checkpoint (role-scoped)",
        security: bearer,
        querystring: Type.Object(
          {
            collection: Type.Enum([...consoleCollections]),
            checkpoint: Type.Optional(Type.String({ maxLength: 1000 })),
            limit: Type.Optional(
              Type.String({
                pattern: '^[1-9][0-9]{0,3}$',
                description: `Documents per page, 1–${consolePageLimit.max} (default ${consolePageLimit.default}); more is refused, never cut down`,
              }),
            ),
          },
          { additionalProperties: false },
        ),
        response: { 200: ConsolePullAnswer, ...errors },
      },
      ...describedExactly,
    },
    async (request) => {
      const principal = await operator(request);
      const query = request.query as { collection: ConsoleCollection; checkpoint?: string; limit?: string };
      if (!mayPull(principal.roles, query.collection)) {
        throw fail('forbidden-role', `The ${query.collection} collection belongs to ${rolesFor(query.collection).join(', ')}.`);
      }
      let checkpoint: ConsoleCheckpoint = initialConsoleCheckpoint;
      if (query.checkpoint) {
        let parsed: unknown;
        try {
          parsed = JSON.parse(query.checkpoint);
        } catch {
          throw fail('invalid-input', 'The checkpoint is not valid JSON; start again without one.');
        }
        if (!checkpointValidator.Check(parsed)) throw fail('invalid-input', 'The checkpoint is not one this server issued; start again without one.');
        checkpoint = parsed;
        if (
          !isTransactionIdText(checkpoint.from) ||
          !isTransactionIdText(checkpoint.next) ||
          ![...(checkpoint.fromRunning ?? []), ...(checkpoint.nextRunning ?? [])].every(isTransactionIdText)
        )
          throw fail('invalid-input', 'The checkpoint is not one this server issued (a transaction id out of range); start again without one.');
        if (BigInt(checkpoint.next) < BigInt(checkpoint.from))
          throw fail('invalid-input', 'The checkpoint is not one this server issued (its window ends before it starts); start again without one.');
      }
      const limit = Number(query.limit ?? consolePageLimit.default);
      // Refused rather than cut down: RxDB takes a page shorter than its batch size as the end of the pull.
      if (limit > consolePageLimit.max)
        throw fail('invalid-input', `A console page holds at most ${consolePageLimit.max} documents; ask for ${consolePageLimit.max} or fewer.`, {
          maxLimit: consolePageLimit.max,
        });
      const result = await pullConsole(db, principal.roles, query.collection, checkpoint, limit);
      return {
        collection: query.collection,
        documents: result.documents.map((d) => d.row),
        checkpoint: result.checkpoint,
        hasMore: result.hasMore,
        serverTime: new Date().toISOString(),
      };
    },
  );

  app.get(
    '/console/feed/stream',
    {
      schema: {
        tags: ['console'],
        summary:
          'Server-sent events for the console: `poke` when something may have changed, `breach` when a stage the operator owns passed its service level, `expired` when the token runs out',
        security: bearer,
      },
    },
    async (request, reply) => {
      const principal = await operator(request);
      const exp = expiryOf(request);
      const metrics = options.metrics;
      const { response, onStop } = openPokeStream(request, reply, notifier, metrics && (() => metrics.streamOpened('console')));
      // A stage past its service level is told to the roles that own it, and to HA (issue 15):
      // another role's console hears nothing of it.
      const owned = stagesOwnedBy(principal.roles);
      onStop(
        notifier.subscribeBreaches((stages) => {
          const mine: ConsoleBreachEventValue = { stages: stages.filter((stage) => owned.includes(stage)) };
          if (mine.stages.length > 0 && !response.writableEnded) response.write(`event: breach\ndata: ${JSON.stringify(mine)}\n\n`);
        }),
      );
      // A token revoked by sign-out or deactivation ends the stream: at once in this process, and
      // within a few seconds when another process ran the change (checked every 5 s).
      const recheck = (): void => {
        options.authenticateOperator(request).then(
          () => undefined,
          () => {
            if (response.writableEnded) return;
            response.write(`event: expired\ndata: {"message":"You were signed out or your account was changed; sign in again."}\n\n`);
            response.end();
          },
        );
      };
      const unwatch = options.watchOperator?.(principal.operatorId, recheck);
      const rechecking = setInterval(recheck, 5_000);
      onStop(() => {
        clearInterval(rechecking);
        unwatch?.();
      });
      // The stream lives no longer than the token: then the console must sign in again.
      if (exp !== null) {
        const cancelExpiry = after(Math.max(0, exp * 1000 - now()), () => {
          if (response.writableEnded) return;
          response.write(`event: expired\ndata: {"message":"Your session has expired; sign in again."}\n\n`);
          response.end();
        });
        onStop(cancelExpiry);
      }
    },
  );
}
