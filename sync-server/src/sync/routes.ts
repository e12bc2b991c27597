import { randomUUID } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { PrintLanguageQuery, type PrintLanguage } from '../print/print-language';
import { Compile } from 'typebox/compile';
import { eCardSerialPattern, ErrorAnswer, uuidPattern } from '@contract/commands';
import {
  DeskOperatorsAnswer,
  EnrollAnswer,
  EnrollRequest,
  isTransactionIdText,
  protocolHeader,
  pullPageLimit,
  replicatedTables,
  PullCheckpoint,
  PushRequest,
  MutationProof,
  operatorProofHeader,
  RequestProof,
  syncProtocolVersion,
  type PullCheckpointValue,
  type PushAnswerValue,
  type PushMutationValue,
  type MutationProofValue,
  type RequestProofValue,
} from '@contract/sync';
import { PullAnswerExact } from '@contract/sync-documents';
import {
  commandAnswers,
  CommandFailed,
  CommandRejection,
  OnlineCommandAnswer,
  onlineCommands,
  PushAnswerExact,
  TooManyRequests,
  type OnlineCommand,
} from '@contract/results';
import { fail, RefusedError } from '@domain/outcomes';
import { isRole, type HospitalId, type OperatorId } from '@domain/ids';
import { appendAudit } from '../audit/chain';
import type { Principal } from '../auth/tokens';
import { runCommand, type RunnerDependencies } from '../commands/runner';
import type { Database } from '../db/database';
import { authenticateDesk, hashSecret, newSecret, type DeskPrincipal } from './desk-auth';
import type { ChangeNotifier } from './notifier';
import { openPokeStream } from './poke-stream';
import { initialCheckpoint, pull, pullAnswerBody, recordTemplates, type PullResult } from './pull';
import { PullPrefetch } from './pull-prefetch';
import { biometricTransportKey } from '../identity/biometric-seal';
import { applyPush, type PushOptions } from './push';
import { findingUnder } from '../strict-json';
import { PatientBill } from '@contract/settlement';
import { DeskBenefits } from '@contract/accumulators';
import type { RequestPurpose } from '../../node-shared/operator-proof';
import { printedECard } from '../ecards/routes';
import { MemberHistory } from '@contract/member-record';
import { memberHistory } from '../member-record/history';
import { renderECardPdf, renderECardPng } from '../ecards/card-render';
import { KpiDashboard, KpiDrillDown, KpiDrillQuery, KpiFilters, type KpiDrillQueryValue, type KpiFiltersValue } from '@contract/kpis';
import { kpiDashboard } from '../kpis/dashboard';
import { kpiDrillDown } from '../kpis/drill-down';
import { deskBenefits } from '../accumulators/desk-benefits';
import { requireFamilyInReach } from '../identity/reach';
import { patientBill } from '../settlement/reads';
import { renderPatientBillPdf } from '../settlement/bill-pdf';
import { checkRequestProof, proofRefusal, registerOperatorKeyRoutes, requestProofFromHeader } from './operator-keys';
import { deskReportHeader } from '@contract/fleet';
import { DeskContacts, readDeskReport, requireDeskVersion, type DeskContact, type DeskReportReading } from '../fleet/reports';

export interface SyncRouteOptions {
  readonly db: Database;
  readonly runner: RunnerDependencies;
  readonly notifier: ChangeNotifier;
  readonly authenticateOperator: (request: FastifyRequest) => Promise<Principal>;
}

const checkpointValidator = Compile(PullCheckpoint);
const errors = {
  400: ErrorAnswer,
  401: ErrorAnswer,
  403: ErrorAnswer,
  404: ErrorAnswer,
  409: ErrorAnswer,
  413: ErrorAnswer,
  414: ErrorAnswer,
  415: ErrorAnswer,
  500: ErrorAnswer,
  503: ErrorAnswer,
};
const deskSecurity = [{ deskAuth: [] }];
/** Command answers are described exactly (contract/results.ts) and sent as they are, never filtered by a serializer. */
const describedExactly = { serializerCompiler: () => (data: unknown) => (typeof data === 'string' ? data : JSON.stringify(data)) };

function checkProtocol(request: FastifyRequest): void {
  const sent = request.headers[protocolHeader];
  if (sent !== undefined && sent !== String(syncProtocolVersion)) {
    throw fail('protocol-mismatch', `This server speaks sync protocol ${syncProtocolVersion}, the desk sent ${String(sent)}: update the desk app.`, {
      serverVersion: syncProtocolVersion,
    });
  }
}

/**
 * What applyPush needs from the request: the body reader's findings inside each mutation's body
 * (app.ts leaves exactly those to this route) and the request's log for unexpected failures.
 */
function pushOptions(request: FastifyRequest, count: number, bodyPath: (index: number) => (string | number)[]): PushOptions {
  const bodyFindings = new Map<number, NonNullable<ReturnType<typeof findingUnder>>>();
  for (let index = 0; index < count; index += 1) {
    const found = findingUnder(request.bodyFindings ?? [], bodyPath(index));
    if (found) bodyFindings.set(index, { ...found, path: ['mutations', index, 'body', ...found.path.slice(bodyPath(index).length)] });
  }
  return { bodyFindings, logFailure: (error, commandId) => request.log.error({ err: error, commandId }, 'a pushed mutation failed and was set aside') };
}

export function registerSyncRoutes(app: FastifyInstance, options: SyncRouteOptions): void {
  const { db, notifier } = options;
  const metrics = options.runner.metrics;
  const biometricAtRest = options.runner.biometricKeys ?? null;
  const prefetch = new PullPrefetch();
  app.addHook('onClose', async () => prefetch.clear());
  const now = () => options.runner.services.now().getTime();
  // The desk fleet (issue 23): each pull and push carries the desk's report; the latest is kept.
  const contacts = new DeskContacts(db, now);
  const noteContact = async (request: FastifyRequest, contact: DeskContact, reading: DeskReportReading): Promise<void> => {
    if (reading.kind === 'malformed') request.log.warn({ deskId: contact.deskId, problem: reading.problem }, 'a desk report was ignored');
    // The fleet page is a view: failing to update it must not fail the desk's sync.
    await contacts.record(contact, reading).catch((error: unknown) => request.log.warn({ err: error, deskId: contact.deskId }, 'a desk report was not kept'));
  };
  registerOperatorKeyRoutes(app, { db, authenticateOperator: options.authenticateOperator, now });
  const desk = async (request: FastifyRequest): Promise<DeskPrincipal> => {
    checkProtocol(request);
    return authenticateDesk(db, request.headers.authorization);
  };
  /**
   * A desk read by one of its operators (GET, online only): the desk credential says which
   * hospital, the operator's request proof in a header says who reads (issue 13 item 4), as
   * /sync/identify's body does; the operator must be an active operator of that hospital.
   */
  const provenReader = async (
    request: FastifyRequest,
    purpose: RequestPurpose,
    signed: Readonly<Record<string, string>>,
  ): Promise<{ operatorId: OperatorId; roles: Principal['roles']; hospitalId: HospitalId }> => {
    const principal = await desk(request);
    const { operatorId } = request.query as { operatorId: string };
    const proven = await checkRequestProof(db, principal, purpose, requestProofFromHeader(request.headers[operatorProofHeader]), signed, now());
    if (!proven.ok) throw new RefusedError(proven.refusal);
    if (proven.operatorId !== operatorId) throw new RefusedError(proofRefusal('wrong-key'));
    const [operator] = await db.query<{ roles: string[]; hospital_id: string | null; is_active: boolean }>(
      'SELECT roles, hospital_id, is_active FROM operators WHERE id = $1',
      [operatorId],
    );
    if (!operator?.is_active || operator.hospital_id !== principal.hospitalId)
      throw fail('forbidden-role', "The operator is not an active operator of this desk's hospital.");
    return { operatorId: operatorId as OperatorId, roles: operator.roles.filter(isRole), hospitalId: principal.hospitalId as HospitalId };
  };

  app.post(
    '/desks/:deskId/enrollment-codes',
    {
      schema: {
        tags: ['desks'],
        summary: 'HA issues a one-time enrollment code for a desk (valid 24 h; earlier unused codes stop working)',
        security: [{ bearerAuth: [] }],
        params: Type.Object({ deskId: Type.String({ format: 'uuid', pattern: uuidPattern }) }),
        response: {
          200: Type.Object({ deskId: Type.String(), code: Type.String(), expiresAt: Type.String({ format: 'date-time' }) }, { additionalProperties: false }),
          ...errors,
        },
      },
    },
    async (request) => {
      const principal = await options.authenticateOperator(request);
      if (!principal.roles.includes('HA')) throw fail('forbidden-role', 'Only the health authority (HA) issues desk enrollment codes.');
      const { deskId } = request.params as { deskId: string };
      const code = newSecret(9).replace(/[-_]/g, 'x').slice(0, 12).toUpperCase();
      const expiresAt = new Date(Date.now() + 24 * 3600 * 1000);
      await db.transaction(async (sql) => {
        const [row] = await sql.query('SELECT id FROM desks WHERE id = $1 FOR UPDATE', [deskId]);
        if (!row) throw fail('not-found', `There is no desk ${deskId}.`);
        await sql.query('UPDATE enrollment_codes SET used_at = now() WHERE desk_id = $1 AND used_at IS NULL', [deskId]);
        await sql.query('INSERT INTO enrollment_codes (code_hash, desk_id, issued_by, expires_at) VALUES ($1, $2, $3, $4)', [
          hashSecret(code),
          deskId,
          principal.operatorId,
          expiresAt,
        ]);
        await appendAudit(sql, {
          actorId: principal.operatorId,
          action: 'desk-enrollment-code-issued',
          entityType: 'desk',
          entityId: deskId,
          after: { expiresAt: expiresAt.toISOString() },
        });
      });
      return { deskId, code, expiresAt: expiresAt.toISOString() };
    },
  );

  app.post(
    '/desks/enroll',
    {
      schema: {
        tags: ['desks'],
        summary: 'A desk exchanges its one-time code for its own credential',
        body: EnrollRequest,
        response: { 200: EnrollAnswer, ...errors },
      },
    },
    async (request) => {
      checkProtocol(request);
      const { code } = request.body as { code: string };
      const credential = newSecret();
      const answer = await db.transaction(async (sql) => {
        const [row] = await sql.query<{ desk_id: string; hospital_id: string; hospital_name: string; hospital_code: string }>(
          `SELECT e.desk_id, d.hospital_id, h.name AS hospital_name, h.code AS hospital_code FROM enrollment_codes e
           JOIN desks d ON d.id = e.desk_id JOIN hospitals h ON h.id = d.hospital_id
          WHERE e.code_hash = $1 AND e.used_at IS NULL AND e.expires_at > now() FOR UPDATE OF e`,
          [hashSecret(code.trim().toUpperCase())],
        );
        if (!row)
          throw fail(
            'unauthenticated',
            'This enrollment code is not valid: it may be mistyped, already used or expired. Ask the health authority for a new one.',
          );
        await sql.query('UPDATE enrollment_codes SET used_at = now() WHERE code_hash = $1', [hashSecret(code.trim().toUpperCase())]);
        await sql.query("UPDATE desks SET credential_hash = $2, enrolled_at = now(), status = 'active' WHERE id = $1", [row.desk_id, hashSecret(credential)]);
        await appendAudit(sql, { actorId: null, action: 'desk-enrolled', entityType: 'desk', entityId: row.desk_id });
        const [scheme] = await sql.query<{ name: string; currency: string; locale: string; minor_per_unit: number; preauth_turnaround_minutes: number }>(
          'SELECT name, currency, locale, minor_per_unit, preauth_turnaround_minutes FROM schemes WHERE is_current',
        );
        if (!scheme) throw new Error('no current scheme');
        return {
          protocolVersion: syncProtocolVersion,
          deskId: row.desk_id,
          hospitalId: row.hospital_id,
          hospitalName: row.hospital_name,
          hospitalCode: row.hospital_code,
          credential: `${row.desk_id}.${credential}`,
          scheme: {
            name: scheme.name,
            currency: scheme.currency,
            locale: scheme.locale,
            minorPerUnit: scheme.minor_per_unit,
            preauthTurnaroundMinutes: scheme.preauth_turnaround_minutes,
          },
        };
      });
      return answer;
    },
  );

  app.get(
    '/sync/pull',
    {
      schema: {
        tags: ['sync'],
        summary: "Pull server rows in this desk's scope since a checkpoint (documents + checkpoint)",
        security: deskSecurity,
        querystring: Type.Object({
          checkpoint: Type.Optional(Type.String({ maxLength: 1000 })),
          eCards: Type.Optional(
            Type.Literal('1', {
              description:
                '1: also send the e-card tables (e_card_keys, e_card_revocations; issue 16). Desks of earlier releases do not ask, as they do not know them',
            }),
          ),
          identifiers: Type.Optional(
            Type.Literal('1', {
              description:
                "1: also send the members' linked identifiers (member_identifiers; issue 16). Desks of earlier releases do not ask, as they do not know them",
            }),
          ),
          limit: Type.Optional(
            Type.String({
              pattern: '^[1-9][0-9]{0,3}$',
              description: `Documents per page, 1–${pullPageLimit.max} (default ${pullPageLimit.default}); more is refused, never cut down`,
            }),
          ),
        }),
        // Every document exactly, by table (contract/sync-documents.ts); sent as the bytes PostgreSQL wrote.
        response: { 200: PullAnswerExact, ...errors },
      },
    },
    async (request, reply) => {
      const principal = await desk(request);
      const query = request.query as { checkpoint?: string; limit?: string; eCards?: '1'; identifiers?: '1' };
      const withECards = query.eCards === '1';
      const withIdentifiers = query.identifiers === '1';
      let checkpoint: PullCheckpointValue = initialCheckpoint;
      if (query.checkpoint) {
        try {
          checkpoint = JSON.parse(query.checkpoint) as PullCheckpointValue;
        } catch {
          throw fail('invalid-input', 'The checkpoint is not valid JSON; start again without one.');
        }
        if (!checkpointValidator.Check(checkpoint)) throw fail('invalid-input', 'The checkpoint is not one this server issued; start again without one.');
        // What the schema cannot say: transaction ids within xid8, and a paging id of the table's own kind.
        const isPagingId = (id: string) => {
          switch (replicatedTables[checkpoint.table]) {
            case 'packages':
              return id.length >= 1 && id.length <= 32;
            case 'e_card_keys':
              return /^[A-Za-z0-9_-]{1,16}$/.test(id);
            case 'e_card_revocations':
              return new RegExp(eCardSerialPattern).test(id);
            default:
              return new RegExp(uuidPattern).test(id);
          }
        };
        const listed = [...(checkpoint.fromRunning ?? []), ...(checkpoint.nextRunning ?? [])];
        if (
          !isTransactionIdText(checkpoint.from) ||
          !isTransactionIdText(checkpoint.next) ||
          !listed.every(isTransactionIdText) ||
          (checkpoint.afterId !== null && !isPagingId(checkpoint.afterId))
        ) {
          throw fail(
            'invalid-input',
            'The checkpoint is not one this server issued (a transaction id out of range or a malformed paging id); start again without one.',
          );
        }
      }
      // Templates go only to a pull that carries a valid proof of one of the desk's operators
      // (issue 13 item 4): the desk credential alone, from a stolen laptop's files, gets none.
      const templateProof = await checkRequestProof(db, principal, 'pull-templates', requestProofFromHeader(request.headers[operatorProofHeader]), {}, now());
      const biometrics =
        biometricAtRest && templateProof.ok
          ? { atRest: biometricAtRest, transportKey: biometricTransportKey(principal.deskId, principal.credentialHash ?? '') }
          : undefined;
      const limit = Number(query.limit ?? pullPageLimit.default);
      // Refused rather than cut down: a page shorter than asked for reads as the end of the pull to
      // a client that pages like RxDB, which would then wait for the next poke with documents left.
      if (limit > pullPageLimit.max)
        throw fail('invalid-input', `A pull page holds at most ${pullPageLimit.max} documents; ask for ${pullPageLimit.max} or fewer.`, {
          maxLimit: pullPageLimit.max,
        });
      // A page prepared while the previous one travelled is used only for the very checkpoint,
      // page size, credential and scope it was read for.
      const keyOf = (at: PullCheckpointValue) =>
        [
          principal.credentialHash ?? '',
          biometrics ? 'templates' : 'no-templates',
          withECards ? 'e-cards' : 'no-e-cards',
          withIdentifiers ? 'identifiers' : 'no-identifiers',
          principal.scopeChangedXid,
          principal.registryDistrict,
          limit,
          at.from,
          at.next,
          at.table,
          at.afterId ?? '',
          (at.fromRunning ?? []).join(','),
          (at.nextRunning ?? []).join(','),
        ].join('|');
      const read = (at: PullCheckpointValue) => pull(db, principal, at, limit, biometrics, withECards, withIdentifiers);
      const prepared = prefetch.take(principal.deskId, keyOf(checkpoint));
      const result: PullResult = (prepared ? await prepared.catch(() => null) : null) ?? (await read(checkpoint));
      if (result.hasMore) prefetch.prepare(principal.deskId, keyOf(result.checkpoint), () => read(result.checkpoint));
      await recordTemplates(db, principal.deskId, result);
      metrics?.pulled(principal.deskId, result.documents.length, result.hasMore);
      await noteContact(
        request,
        { deskId: principal.deskId, isCaughtUp: !result.hasMore, isMidPull: result.hasMore },
        readDeskReport(request.headers[deskReportHeader]),
      );
      // Sent as bytes: the rows go from PostgreSQL to the desk without being parsed and re-serialized
      // here (a Buffer payload skips the response serializer; the schema above still documents it,
      // and sync.test.ts checks answers against the contract).
      return reply.type('application/json; charset=utf-8').send(pullAnswerBody(result, syncProtocolVersion, new Date().toISOString()));
    },
  );

  app.post(
    '/sync/push',
    {
      schema: {
        tags: ['sync'],
        summary: "Push a desk's outbox, in order; each mutation answers exactly once",
        security: deskSecurity,
        body: PushRequest,
        response: { 200: PushAnswerExact, ...errors, 426: ErrorAnswer },
      },
      ...describedExactly,
    },
    async (request): Promise<PushAnswerValue> => {
      const principal = await desk(request);
      const report = readDeskReport(request.headers[deskReportHeader]);
      await noteContact(request, { deskId: principal.deskId, isCaughtUp: false, isMidPull: false }, report);
      // Below the minimum desk version nothing of the outbox is applied: the desk keeps it.
      await requireDeskVersion(db, report);
      const { mutations } = request.body as { mutations: PushMutationValue[] };
      const result = await applyPush(
        options.runner,
        principal,
        mutations,
        pushOptions(request, mutations.length, (index) => ['mutations', index, 'body']),
      );
      if (result.answers.some((a) => a.status === 200)) notifier.changed();
      if (metrics) {
        metrics.pushBatches.inc();
        for (const answer of result.answers) metrics.pushMutations.inc({ status: String(answer.status) });
      }
      return result;
    },
  );

  app.post(
    '/sync/identify',
    {
      schema: {
        tags: ['sync'],
        summary: "Look a beneficiary up online from a desk; the family joins the desk's replication scope",
        security: deskSecurity,
        body: Type.Object(
          {
            operatorId: Type.String({ format: 'uuid', pattern: uuidPattern }),
            by: Type.Enum(['scheme-id', 'national-id', 'health-card', 'linked-id']),
            value: Type.String({ minLength: 1, maxLength: 64 }),
            /** The operator's signature of this search (issue 13 item 4): required. */
            proof: Type.Optional(RequestProof),
          },
          { additionalProperties: false },
        ),
        response: { 200: commandAnswers['identify-member'], ...errors, 429: TooManyRequests },
      },
      ...describedExactly,
    },
    async (request, reply) => {
      const principal = await desk(request);
      const body = request.body as {
        operatorId: string;
        by: 'scheme-id' | 'national-id' | 'health-card' | 'linked-id';
        value: string;
        proof?: RequestProofValue;
      };
      const proven = await checkRequestProof(db, principal, 'identify-member', body.proof, { by: body.by, value: body.value }, now());
      if (!proven.ok) throw new RefusedError(proven.refusal);
      if (proven.operatorId !== body.operatorId) throw new RefusedError(proofRefusal('wrong-key'));
      const [operator] = await db.query<{ roles: string[]; hospital_id: string | null; is_active: boolean }>(
        'SELECT roles, hospital_id, is_active FROM operators WHERE id = $1',
        [body.operatorId],
      );
      if (!operator?.is_active || operator.hospital_id !== principal.hospitalId)
        throw fail('forbidden-role', "The operator is not an active operator of this desk's hospital.");
      const outcome = await runCommand(
        options.runner,
        'identify-member',
        { commandId: randomUUID(), by: body.by, value: body.value },
        { operatorId: body.operatorId as OperatorId, roles: operator.roles.filter(isRole), hospitalId: principal.hospitalId as HospitalId },
      );
      const familyId = (outcome.answer.result as { family?: { familyId?: string } } | undefined)?.family?.familyId;
      if (familyId) {
        await db.query(
          'INSERT INTO desk_lookups (desk_id, family_id) VALUES ($1, $2) ON CONFLICT (desk_id, family_id) DO UPDATE SET looked_up_at = now(), change_xid = pg_current_xact_id()',
          [principal.deskId, familyId],
        );
        notifier.changed();
      }
      return reply.status(outcome.status).send(outcome.answer);
    },
  );

  app.post(
    '/sync/online',
    {
      schema: {
        tags: ['sync'],
        summary:
          'Run an online-only command for a desk operator now (one-time codes, biometric enrolment and its replacement request): answered at once, never queued',
        security: deskSecurity,
        body: Type.Object(
          {
            operatorId: Type.String({ format: 'uuid', pattern: uuidPattern }),
            name: Type.Enum([...onlineCommands]),
            body: Type.Record(Type.String(), Type.Unknown()),
            /** The operator's signature of this command, made just now (issue 13 item 4): required. */
            proof: Type.Optional(MutationProof),
          },
          { additionalProperties: false },
        ),
        response: { 200: OnlineCommandAnswer, ...errors, 409: CommandRejection, 422: CommandFailed, 426: ErrorAnswer, 429: TooManyRequests },
      },
      ...describedExactly,
    },
    async (request, reply) => {
      const principal = await desk(request);
      const report = readDeskReport(request.headers[deskReportHeader]);
      await noteContact(request, { deskId: principal.deskId, isCaughtUp: false, isMidPull: false }, report);
      await requireDeskVersion(db, report);
      const body = request.body as {
        operatorId: string;
        name: OnlineCommand;
        body: Record<string, unknown>;
        proof?: MutationProofValue;
      };
      const result = await applyPush(
        options.runner,
        principal,
        [
          {
            sequence: 1,
            commandId: typeof body.body.commandId === 'string' ? body.body.commandId : randomUUID(),
            name: body.name,
            operatorId: body.operatorId,
            body: body.body,
            ...(body.proof ? { proof: body.proof } : {}),
          },
        ],
        { ...pushOptions(request, 1, () => ['body']), isOnline: true },
      );
      const answer = result.answers[0];
      // No answer: the push stopped on a transient failure (database busy or unreachable).
      if (!answer)
        throw fail(
          'service-busy',
          'The server could not run this now (its database is busy or unreachable); send it again in a few seconds: a command is never applied twice.',
        );
      // An enrolment is pulled by the desks serving that family.
      if (answer.status === 200) notifier.changed();
      return reply.status(answer.status).send(answer.answer);
    },
  );

  app.get(
    '/sync/operators',
    {
      schema: {
        tags: ['sync'],
        summary: "The active operators of the desk's hospital: a desk forgets the offline sign-in of every other operator it cached",
        security: deskSecurity,
        response: { 200: DeskOperatorsAnswer, ...errors },
      },
    },
    async (request) => {
      const principal = await desk(request);
      const rows = await db.query<{ id: string }>('SELECT id FROM operators WHERE hospital_id = $1 AND is_active ORDER BY id', [principal.hospitalId]);
      return { protocolVersion: syncProtocolVersion, activeOperatorIds: rows.map((row) => row.id) };
    },
  );

  // The hospital's own revenue-cycle reports (issue 15, docs/kpis.md), for a desk operator online:
  // the desk's hospital only, whatever the operator's roles; the proof signs the filters asked for.
  const kpiReader = async (request: FastifyRequest) => {
    const { operatorId: _operatorId, ...asked } = request.query as Record<string, string>;
    const reader = await provenReader(request, 'kpis', asked);
    return { roles: ['MEDCO' as const], hospitalId: reader.hospitalId };
  };
  app.get(
    '/sync/kpis',
    {
      schema: {
        tags: ['sync'],
        summary:
          "The desk's hospital's revenue-cycle KPIs (as GET /reports/kpis for its operators), online only, with the operator's request proof (purpose kpis, the filters signed)",
        security: deskSecurity,
        querystring: Type.Object(
          { ...KpiFilters.properties, operatorId: Type.String({ format: 'uuid', pattern: uuidPattern }) },
          { additionalProperties: false },
        ),
        response: { 200: KpiDashboard, ...errors },
      },
      ...describedExactly,
    },
    async (request) => {
      const { operatorId: _operatorId, ...filters } = request.query as KpiFiltersValue & { operatorId: string };
      return kpiDashboard(db, await kpiReader(request), filters);
    },
  );
  app.get(
    '/sync/kpis/claims',
    {
      schema: {
        tags: ['sync'],
        summary: "The claims behind a point of the desk's hospital's KPIs (as GET /reports/kpis/claims), with the operator's request proof (purpose kpis)",
        security: deskSecurity,
        querystring: Type.Object(
          { ...KpiDrillQuery.properties, operatorId: Type.String({ format: 'uuid', pattern: uuidPattern }) },
          { additionalProperties: false },
        ),
        response: { 200: KpiDrillDown, ...errors },
      },
      ...describedExactly,
    },
    async (request) => {
      const { operatorId: _operatorId, ...query } = request.query as KpiDrillQueryValue & { operatorId: string };
      return kpiDrillDown(db, await kpiReader(request), query);
    },
  );

  app.get(
    '/sync/e-cards/:serial/:file',
    {
      schema: {
        tags: ['sync'],
        summary:
          "A member's e-card to print (card.pdf, ID-1 size) or hand to a phone (card.png), for a desk operator who may issue cards (the operator's proof, purpose e-card, over the serial)",
        security: deskSecurity,
        params: Type.Object(
          { serial: Type.String({ pattern: eCardSerialPattern }), file: Type.Enum(['card.pdf', 'card.png']) },
          { additionalProperties: false },
        ),
        querystring: Type.Object(
          { operatorId: Type.String({ format: 'uuid', pattern: uuidPattern }), language: PrintLanguageQuery },
          { additionalProperties: false },
        ),
        response: { 200: Type.String({ format: 'binary', description: 'application/pdf or image/png' }), ...errors },
      },
    },
    async (request, reply) => {
      const { serial, file } = request.params as { serial: string; file: 'card.pdf' | 'card.png' };
      const reader = await provenReader(request, 'e-card', { serial });
      const card = await printedECard(db, reader, serial);
      const isPdf = file === 'card.pdf';
      return reply
        .type(isPdf ? 'application/pdf' : 'image/png')
        .header('content-disposition', `inline; filename="e-card-${serial}.${isPdf ? 'pdf' : 'png'}"`)
        .send(isPdf ? await renderECardPdf(card, (request.query as { language?: PrintLanguage }).language) : await renderECardPng(card));
    },
  );

  app.get(
    '/sync/history/:caseId',
    {
      schema: {
        tags: ['sync'],
        summary:
          "The patient's past cases at every hospital, for a desk operator of the treating hospital with the patient's standing consent (issue 16; online only; the operator's proof, purpose history, over the case id). Every answered look is logged for the member.",
        security: deskSecurity,
        params: Type.Object({ caseId: Type.String({ format: 'uuid', pattern: uuidPattern }) }, { additionalProperties: false }),
        querystring: Type.Object({ operatorId: Type.String({ format: 'uuid', pattern: uuidPattern }) }, { additionalProperties: false }),
        response: { 200: MemberHistory, ...errors },
      },
      ...describedExactly,
    },
    async (request) => {
      const caseId = (request.params as { caseId: string }).caseId;
      const reader = await provenReader(request, 'history', { caseId });
      return memberHistory(db, reader, caseId, 'desk', options.runner.services.now());
    },
  );

  app.get(
    '/sync/patient-bill/:caseId',
    {
      schema: {
        tags: ['sync'],
        summary: "The patient's bill of a case of the desk's hospital, for a desk operator (online only: payments are settled on the server)",
        security: deskSecurity,
        params: Type.Object({ caseId: Type.String({ format: 'uuid', pattern: uuidPattern }) }),
        querystring: Type.Object({ operatorId: Type.String({ format: 'uuid', pattern: uuidPattern }) }, { additionalProperties: false }),
        response: { 200: PatientBill, ...errors },
      },
      ...describedExactly,
    },
    async (request) => {
      const caseId = (request.params as { caseId: string }).caseId;
      const reader = await provenReader(request, 'patient-bill', { caseId });
      return patientBill(db, reader, caseId);
    },
  );

  app.get(
    '/sync/patient-bill/:caseId/pdf',
    {
      schema: {
        tags: ['sync'],
        summary:
          "The same patient bill as an A4 PDF in the operator's language, for a desk operator to print at discharge (application/pdf; the operator's proof as for the bill)",
        security: deskSecurity,
        params: Type.Object({ caseId: Type.String({ format: 'uuid', pattern: uuidPattern }) }),
        querystring: Type.Object(
          { operatorId: Type.String({ format: 'uuid', pattern: uuidPattern }), language: PrintLanguageQuery },
          { additionalProperties: false },
        ),
        response: { 200: Type.String({ format: 'binary', description: 'application/pdf' }), ...errors },
      },
    },
    async (request, reply) => {
      const caseId = (request.params as { caseId: string }).caseId;
      const reader = await provenReader(request, 'patient-bill', { caseId });
      const pdf = await renderPatientBillPdf(await patientBill(db, reader, caseId), (request.query as { language?: PrintLanguage }).language);
      return reply.type('application/pdf').header('content-disposition', `inline; filename="patient-bill-${caseId}.pdf"`).send(pdf);
    },
  );

  app.get(
    '/sync/benefits/:memberId',
    {
      schema: {
        tags: ['sync'],
        summary:
          "A member's family's accumulators (allowed, used, remaining, with the time computed), the plan year and the family's cases at the desk's hospital: what a desk estimates the patient's part from, online and from its last copy offline (issue 14)",
        security: deskSecurity,
        params: Type.Object({ memberId: Type.String({ format: 'uuid', pattern: uuidPattern }) }),
        querystring: Type.Object({ operatorId: Type.String({ format: 'uuid', pattern: uuidPattern }) }, { additionalProperties: false }),
        response: { 200: DeskBenefits, ...errors },
      },
      ...describedExactly,
    },
    async (request) => {
      const memberId = (request.params as { memberId: string }).memberId;
      const reader = await provenReader(request, 'benefits', { memberId });
      return db.transaction(async (sql) => {
        await sql.query('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY');
        const [member] = await sql.query<{ family_id: string; open_year: number }>(
          'SELECT m.family_id, (SELECT policy_year FROM schemes WHERE is_current) AS open_year FROM members m WHERE m.id = $1',
          [memberId],
        );
        if (!member) throw fail('not-found', `There is no member ${memberId}.`);
        // Only a family the hospital serves (issue 13 item 8), as GET /members/:id/accumulators.
        await requireFamilyInReach(sql, reader.hospitalId, member.family_id, `member ${memberId}`);
        return deskBenefits(sql, memberId, member.family_id, reader.hospitalId, member.open_year);
      });
    },
  );

  app.get(
    '/sync/stream',
    {
      schema: {
        tags: ['sync'],
        summary: 'Server-sent events: `poke` whenever something may have changed; reconnect and pull on every (re)connect',
        security: deskSecurity,
      },
    },
    async (request, reply) => {
      await desk(request);
      openPokeStream(request, reply, notifier, metrics && (() => metrics.streamOpened('desk')));
    },
  );
}
