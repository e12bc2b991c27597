import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { CommandBody, CommandName } from '@contract/commands';
import { buildApp } from '../app';
import { seedDemo, demoPassword } from '../demo/seed';
import { prepareServer, type ServerState } from '../server-state';
import { ChangeNotifier } from '../sync/notifier';
import type { SmsGateway } from '../identity/sms';
import type { BeneficiaryLimits } from '../member-record/beneficiary-auth';
import type { Database } from '../db/database';
import { createScratchDatabase, templateKey, type Backend, type DatabaseTemplate, type ScratchDatabase } from './databases';
import { testServerKeys } from './keys';
import type { ServerKeys } from '../auth/keyring';
import type { IssuerKeys } from '../identifiers/issuer-keys';
import { FileSystemDocumentStore, type DocumentStore } from '../documents/store';

export interface Answer {
  status: number;
  body: Record<string, unknown>;
  isReplay: boolean;
}

/** Distributive Omit: keeps each union member's own fields. */
type WithoutCommandId<T> = T extends unknown ? Omit<T, 'commandId'> : never;

export interface TestServer {
  readonly app: FastifyInstance;
  readonly scratch: ScratchDatabase;
  readonly state: ServerState;
  /** The app's change notifier: what pokes its desks and consoles. */
  readonly notifier: ChangeNotifier;
  /** This server's document store root (a fresh temporary folder, removed by close()). */
  readonly documentsRoot: string;
  login(username: string, password?: string): Promise<string>;
  /** Send a command; a fresh commandId is generated unless one is given. */
  command<N extends CommandName>(token: string, name: N, body: WithoutCommandId<CommandBody<N>> & { commandId?: string }): Promise<Answer>;
  raw(method: 'GET' | 'POST', url: string, options?: { token?: string; payload?: string | object; headers?: Record<string, string> }): Promise<Answer>;
  get(token: string, url: string): Promise<Answer>;
  close(): Promise<void>;
}

/** A real server app (Fastify inject, no socket) on a fresh database seeded with the demo scheme. */
export async function startTestServer(
  backend: Backend,
  options: {
    extraFamilies?: number;
    seedCover?: number;
    clock?: () => Date;
    sms?: SmsGateway;
    addBookingVia?: 'database' | 'handler';
    logStream?: NodeJS.WritableStream;
    /** An empty database to use instead of a fresh one beside DATABASE_URL (e.g. in a cluster of the test's own); close() calls its drop(). */
    scratch?: ScratchDatabase;
    /** The document store, given its root (a fresh temporary folder); default: the file system store. */
    documentStore?: (root: string) => DocumentStore;
    /** Fill the migrated database before the audit chainer starts (e.g. demo/history.ts, as npm start does). */
    history?: (db: Database, keys: ServerKeys) => Promise<void>;
    /** National ID QR issuers' public keys (identifiers/issuer-keys.ts); none by default. */
    idIssuerKeys?: IssuerKeys;
    /** The beneficiary page's limits (member-record/beneficiary-auth.ts); the production ones by default. */
    beneficiaryLimits?: BeneficiaryLimits;
    /** Reverse proxies whose X-Forwarded-For is believed (app.ts trustedProxies); none by default. */
    trustedProxies?: readonly string[];
  } = {},
): Promise<TestServer> {
  const seed = (db: Database, nationalIdKey: Buffer) =>
    seedDemo(db, {
      nationalIdKey,
      extraFamilies: options.extraFamilies ?? 5,
      ...(options.seedCover ? { seedCover: options.seedCover } : {}),
      ...(options.clock ? { now: options.clock } : {}),
    });
  const { history } = options;
  // No year watcher: a test's roll-over would otherwise open accounts in the background (server-state.ts).
  const prepare = (db: Database, withHistory = false) =>
    prepareServer(db, {
      keys: testServerKeys,
      chainIntervalMs: 50,
      watchPolicyYear: false,
      ...(history && withHistory ? { beforeAuditWork: (keys: ServerKeys) => history(db, keys) } : {}),
    });
  // The migrated, seeded database is built once per day and options and copied for each test file
  // (testing/databases.ts); a test on its own clock or with its own history seeds its own, and a
  // database given by the test (options.scratch) is seeded in place.
  const template: DatabaseTemplate | undefined =
    options.clock || options.scratch || history
      ? undefined
      : {
          key: templateKey(['demo', options.extraFamilies ?? 5, options.seedCover ?? 0, indiaDate(new Date())]),
          build: async (db) => {
            const building = await prepare(db);
            try {
              await seed(db, building.nationalIdKey);
            } finally {
              await building.stop();
            }
          },
        };
  const scratch = options.scratch ?? (await createScratchDatabase(backend, template ? { template } : {}));
  const state = await prepare(scratch.db, true);
  // A copy of the template has the scheme already (seedDemo then changes nothing).
  await seed(scratch.db, state.nationalIdKey);
  await state.reloadScheme();
  const notifier = new ChangeNotifier(null);
  const documentsRoot = await mkdtemp(join(tmpdir(), 'coverdesk-documents-'));
  const app = await buildApp({
    documentStore: options.documentStore?.(documentsRoot) ?? new FileSystemDocumentStore(documentsRoot),
    db: scratch.db,
    notifier,
    ...(options.clock ? { clock: options.clock } : {}),
    ...(options.sms ? { sms: options.sms } : {}),
    scheme: state.scheme,
    reloadScheme: state.reloadScheme,
    keys: state.keys,
    ...(options.addBookingVia ? { addBookingVia: options.addBookingVia } : {}),
    ...(options.logStream ? { logger: { stream: options.logStream } } : {}),
    ...(options.idIssuerKeys ? { idIssuerKeys: options.idIssuerKeys } : {}),
    ...(options.beneficiaryLimits ? { beneficiaryLimits: options.beneficiaryLimits } : {}),
    ...(options.trustedProxies ? { trustedProxies: options.trustedProxies } : {}),
  });
  const raw: TestServer['raw'] = async (method, url, opts = {}) => {
    const headers: Record<string, string> = { ...(opts.headers ?? {}) };
    if (opts.token) headers.authorization = `Bearer ${opts.token}`;
    if (opts.payload !== undefined && !headers['content-type']) headers['content-type'] = 'application/json';
    const response = await app.inject({
      method,
      url,
      headers,
      ...(opts.payload !== undefined ? { payload: typeof opts.payload === 'string' ? opts.payload : JSON.stringify(opts.payload) } : {}),
    });
    const text = response.body;
    let body: Record<string, unknown>;
    try {
      body = text ? (JSON.parse(text) as Record<string, unknown>) : {};
    } catch {
      body = { text };
    }
    return { status: response.statusCode, body, isReplay: response.headers['x-command-replayed'] === 'true' };
  };
  return {
    app,
    scratch,
    state,
    async login(username, password = demoPassword) {
      const answer = await raw('POST', '/auth/login', { payload: { username, password } });
      if (answer.status !== 200) throw new Error(`login ${username} failed: ${JSON.stringify(answer.body)}`);
      return String(answer.body.token);
    },
    notifier,
    documentsRoot,
    command: (token, name, body) => raw('POST', `/commands/${name}`, { token, payload: { commandId: randomUUID(), ...body } }),
    raw,
    get: (token, url) => raw('GET', url, { token }),
    async close() {
      await app.close();
      await state.stop();
      await scratch.drop();
      await rm(documentsRoot, { recursive: true, force: true });
    },
  };
}

/** The calendar date in India (the demo scheme's policy year follows it). */
function indiaDate(now: Date): string {
  return new Date(now.getTime() + 330 * 60_000).toISOString().slice(0, 10);
}

/** The result object of a successful command answer. */
export function resultOf(answer: Answer): Record<string, unknown> {
  if (answer.status !== 200) throw new Error(`expected success, got ${answer.status}: ${JSON.stringify(answer.body)}`);
  return answer.body.result as Record<string, unknown>;
}

/**
 * Money-model consistency of a whole database: the checks every concurrency and scenario test ends
 * with. One row per family and policy year account (migration 023); a family with no account yet
 * is one row of its yearly cover with nothing committed (policy_year null).
 */
export async function moneyConsistency(scratch: ScratchDatabase): Promise<
  {
    family_id: string;
    policy_year: number | null;
    cover: number;
    committed: number;
    ledger: number;
    holds: number;
    claims: number;
    ledger_holds: number;
    ledger_claims: number;
    /** The plan's part of pharmacy claims still paid (issue 14), and its ledger component. */
    pharmacy: number;
    ledger_pharmacy: number;
  }[]
> {
  return scratch.db.query(
    `SELECT f.id AS family_id, y.policy_year, COALESCE(y.cover, f.cover) AS cover, COALESCE(y.committed, 0)::bigint AS committed,
            COALESCE((SELECT sum(delta) FROM ledger l WHERE l.family_id = f.id AND l.policy_year = y.policy_year), 0)::bigint AS ledger,
            COALESCE((SELECT sum(delta) FROM ledger l WHERE l.family_id = f.id AND l.policy_year = y.policy_year AND component = 'hold'), 0)::bigint AS ledger_holds,
            COALESCE((SELECT sum(delta) FROM ledger l WHERE l.family_id = f.id AND l.policy_year = y.policy_year AND component = 'claim'), 0)::bigint AS ledger_claims,
            COALESCE((SELECT sum(amount) FROM holds h WHERE h.family_id = f.id AND h.policy_year = y.policy_year AND h.status = 'active'), 0)::bigint AS holds,
            COALESCE((SELECT sum(COALESCE(approved_amount, payer_amount)) FROM claims c WHERE c.family_id = f.id AND c.policy_year = y.policy_year AND c.status <> 'denied'), 0)::bigint AS claims,
            COALESCE((SELECT sum(plan_paid) FROM pharmacy_claims p WHERE p.family_id = f.id AND p.policy_year = y.policy_year AND p.status = 'paid'), 0)::bigint AS pharmacy,
            COALESCE((SELECT sum(delta) FROM ledger l WHERE l.family_id = f.id AND l.policy_year = y.policy_year AND component = 'pharmacy'), 0)::bigint AS ledger_pharmacy
       FROM families f LEFT JOIN family_years y ON y.family_id = f.id ORDER BY f.id, y.policy_year`,
  );
}
