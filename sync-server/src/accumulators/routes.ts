import type { FastifyInstance, FastifyPluginAsync, FastifyRequest } from 'fastify';
import {
  AccumulatorEnquiry,
  MemberParams,
  PharmacyClaimAnswer,
  PharmacyClaimBody,
  PharmacyClaimParams,
  PharmacyReversalAnswer,
  PolicyYearQuery,
  RegisterPharmacyAnswer,
  RegisterPharmacyBody,
  type PharmacyClaimBodyValue,
  type RegisterPharmacyBodyValue,
} from '@contract/accumulators';
import { fail } from '@domain/outcomes';
import { appendAudit } from '../audit/chain';
import type { Principal } from '../auth/tokens';
import { pgErrorCode, pgErrors, type Database } from '../db/database';
import { requireFamilyInReach } from '../identity/reach';
import { accumulatorEnquiry } from '../money/accumulator-enquiry';
import { authenticatePharmacy } from '../pharmacy/auth';
import { reversePharmacyClaim, submitPharmacyClaim } from '../pharmacy/claims';
import { hashSecret, newSecret } from '../sync/desk-auth';
import type { ChangeNotifier } from '../sync/notifier';
import { bearer, describedExactly, errorResponses } from '../http/answers';

export interface AccumulatorRouteOptions {
  readonly db: Database;
  readonly notifier: ChangeNotifier;
  readonly authenticateOperator: (request: FastifyRequest) => Promise<Principal>;
  readonly clock?: () => Date;
}

/**
 * Accumulators and pharmacy claims (issue 14), one Fastify plugin:
 * - `GET /members/:memberId/accumulators`: the real-time enquiry for a member (and the family);
 *   desk roles within their reach (identity/reach.ts), payer roles anywhere;
 * - `POST /pharmacies` (HA): register a pharmacy system, its credential shown once;
 * - `POST /pharmacy/claims` and `POST /pharmacy/claims/:claimId/reversal`: the pharmacy's real-time
 *   claim and its reversal, with the pharmacy's own credential (pharmacy/auth.ts).
 */
export const accumulatorRoutes: FastifyPluginAsync<AccumulatorRouteOptions> = async (app: FastifyInstance, options) => {
  const { db, notifier } = options;
  const clock = options.clock ?? (() => new Date());

  app.get(
    '/members/:memberId/accumulators',
    {
      ...describedExactly,
      schema: {
        tags: ['reads'],
        summary: "A member's and their family's accumulators for a policy year: allowed, used, remaining (FHIR benefitBalance), with the time computed",
        security: bearer,
        params: MemberParams,
        querystring: PolicyYearQuery,
        response: { 200: AccumulatorEnquiry, ...errorResponses },
      },
    },
    async (request) => {
      const principal = await options.authenticateOperator(request);
      const { memberId } = request.params as { memberId: string };
      const asked = (request.query as { policyYear?: string }).policyYear;
      return db.transaction(async (sql) => {
        const [member] = await sql.query<{ family_id: string; open_year: number }>(
          'SELECT m.family_id, (SELECT policy_year FROM schemes WHERE is_current) AS open_year FROM members m WHERE m.id = $1',
          [memberId],
        );
        if (!member) throw fail('not-found', `There is no member ${memberId}.`);
        // A desk role reads only families its hospital serves (issue 13 item 8), like the balance.
        await requireFamilyInReach(sql, principal.hospitalId, member.family_id, `member ${memberId}`);
        return accumulatorEnquiry(sql, member.family_id, [memberId], asked === undefined ? member.open_year : Number(asked));
      });
    },
  );

  app.post(
    '/pharmacies',
    {
      ...describedExactly,
      schema: {
        tags: ['administration'],
        summary: 'Register a pharmacy system (HA): its credential is in the answer, once',
        security: bearer,
        body: RegisterPharmacyBody,
        response: { 200: RegisterPharmacyAnswer, ...errorResponses },
      },
    },
    async (request) => {
      const principal = await options.authenticateOperator(request);
      if (!principal.roles.includes('HA')) throw fail('forbidden-role', 'Pharmacies are registered by the health authority (HA).');
      const body = request.body as RegisterPharmacyBodyValue;
      const secret = newSecret();
      try {
        await db.transaction(async (sql) => {
          await sql.query('INSERT INTO pharmacies (id, code, name, district, credential_hash, registered_by) VALUES ($1, $2, $3, $4, $5, $6)', [
            body.pharmacyId,
            body.code,
            body.name,
            body.district,
            hashSecret(secret),
            principal.operatorId,
          ]);
          await appendAudit(sql, {
            actorId: principal.operatorId,
            action: 'pharmacy-registered',
            entityType: 'pharmacy',
            entityId: body.pharmacyId,
            after: { code: body.code, district: body.district },
          });
        });
      } catch (error) {
        if (pgErrorCode(error) === pgErrors.uniqueViolation)
          throw fail(
            'command-id-reused',
            `A pharmacy with id ${body.pharmacyId} or code ${body.code} is already registered; its credential is not shown again.`,
          );
        throw error;
      }
      return { pharmacyId: body.pharmacyId, code: body.code, credential: `${body.pharmacyId}.${secret}` };
    },
  );

  app.post(
    '/pharmacy/claims',
    {
      ...describedExactly,
      schema: {
        tags: ['pharmacy'],
        summary: 'A real-time pharmacy claim: member, drug, quantity, price → what the plan pays and the member pays; idempotent on claimId',
        description: 'Authorization: Pharmacy <pharmacyId>.<credential>. The same claimId and body again answers the first answer (header x-command-replayed).',
        body: PharmacyClaimBody,
        response: { 200: PharmacyClaimAnswer, ...errorResponses },
      },
    },
    async (request, reply) => {
      const pharmacy = await authenticatePharmacy(db, request.headers.authorization);
      const outcome = await submitPharmacyClaim(db, pharmacy, request.body as PharmacyClaimBodyValue, clock());
      if (outcome.isReplay) void reply.header('x-command-replayed', 'true');
      else notifier.changed();
      return outcome.answer;
    },
  );

  app.post(
    '/pharmacy/claims/:claimId/reversal',
    {
      ...describedExactly,
      schema: {
        tags: ['pharmacy'],
        summary: "Reverse one of this pharmacy's claims: the member refunded, the plan's part back to the cover, the accumulators restored",
        params: PharmacyClaimParams,
        response: { 200: PharmacyReversalAnswer, ...errorResponses },
      },
    },
    async (request, reply) => {
      const pharmacy = await authenticatePharmacy(db, request.headers.authorization);
      const outcome = await reversePharmacyClaim(db, pharmacy, (request.params as { claimId: string }).claimId);
      if (outcome.isReplay) void reply.header('x-command-replayed', 'true');
      else notifier.changed();
      return outcome.answer;
    },
  );
};
