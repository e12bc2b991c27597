// Reads for signed-in operators: a family's balance, a case and its audit trail, the package
// catalogue, identity overrides and biometric enrolments to review, payment reconciliation.
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import {
  BiometricEnrolmentReview,
  CaseAuditTrail,
  CaseDetails,
  FamilyBalance,
  IdentityOverrides,
  PackageCatalogue,
  PaymentReconciliation,
} from '@contract/reads';
import { fail } from '@domain/outcomes';
import { uuidPattern } from '@contract/commands';
import type { AnchorStatus } from '../audit/anchors';
import type { ServerKeys } from '../auth/keyring';
import type { Database } from '../db/database';
import { caseAuditTrail } from '../queries/queues';
import { biometricEnrolmentReview, caseDetails, familyBalanceEnquiry, packageCatalogue, paymentReconciliation } from '../queries/reads';
import { bearer, describedExactly, errorResponses, IdParams } from './answers';
import type { OperatorAuthentication } from './authentication';

export interface ReadRouteOptions {
  readonly db: Database;
  readonly keys: ServerKeys;
  readonly auth: OperatorAuthentication;
  readonly auditAnchors?: () => AnchorStatus | null;
}

/** Register inside a signed-in scope (authentication.ts signedInRoutes). */
export async function readRoutes(app: FastifyInstance, options: ReadRouteOptions): Promise<void> {
  const { db, auth } = options;
  const optionalYear = (text: string | undefined) => (text === undefined ? undefined : Number(text));

  app.get(
    '/families/:familyId/balance',
    {
      ...describedExactly,
      schema: {
        tags: ['reads'],
        summary: 'Family balance enquiry for one policy year (the open one unless asked): cover, committed, available, holds by case, computed time',
        security: bearer,
        params: IdParams('familyId'),
        querystring: Type.Object(
          { policyYear: Type.Optional(Type.String({ pattern: '^[12][0-9]{3}$', description: 'A policy year, e.g. 2026; the open one if absent' })) },
          { additionalProperties: false },
        ),
        response: { 200: FamilyBalance, ...errorResponses },
      },
    },
    async (request) =>
      familyBalanceEnquiry(
        db,
        auth.principalOf(request),
        (request.params as { familyId: string }).familyId,
        optionalYear((request.query as { policyYear?: string }).policyYear),
      ),
  );

  app.get(
    '/cases/:caseId',
    {
      ...describedExactly,
      schema: {
        tags: ['reads'],
        summary: 'One case with its pre-auth, hold, bookings, enhancements and claim (hospital-scoped)',
        security: bearer,
        params: IdParams('caseId'),
        response: { 200: CaseDetails, ...errorResponses },
      },
    },
    async (request) => caseDetails(db, auth.principalOf(request), (request.params as { caseId: string }).caseId),
  );

  app.get(
    '/cases/:caseId/audit',
    {
      ...describedExactly,
      schema: {
        tags: ['reads'],
        summary: "A case's audit trail (who, what, when, before/after) and the hash chain's verification status",
        security: bearer,
        params: IdParams('caseId'),
        response: { 200: CaseAuditTrail, ...errorResponses },
      },
    },
    async (request) => {
      const principal = auth.principalOf(request);
      const { caseId } = request.params as { caseId: string };
      await caseDetails(db, principal, caseId); // the same hospital scope as the case itself
      return caseAuditTrail(db, caseId, { ring: options.keys.audit, anchors: options.auditAnchors?.() ?? null });
    },
  );

  app.get(
    '/packages',
    {
      ...describedExactly,
      schema: {
        tags: ['reads'],
        summary: 'The package catalogue at its current price versions',
        security: bearer,
        response: { 200: PackageCatalogue, ...errorResponses },
      },
    },
    async () => packageCatalogue(db),
  );

  app.get(
    '/reviews/identity-overrides',
    {
      ...describedExactly,
      schema: {
        tags: ['reads'],
        summary: 'The identity review queue: overrides, documents, unverified or sampled biometric admissions, closed-year stamps (HA, ADMIN)',
        security: bearer,
        response: { 200: IdentityOverrides, ...errorResponses },
      },
    },
    async (request) => {
      const principal = auth.principalOf(request);
      if (!principal.roles.some((role) => role === 'HA' || role === 'ADMIN')) throw fail('forbidden-role', 'Only HA and ADMIN review identity overrides.');
      const rows = await db.query(
        `SELECT o.case_id AS "caseId", o.member_id AS "memberId", h.code AS "hospitalCode", o.method, o.reason, o.supervisor_name AS "supervisorName",
              o.created_at AS "createdAt", o.reviewed_at AS "reviewedAt", o.review_note AS "reviewNote"
         FROM identity_overrides o JOIN hospitals h ON h.id = o.hospital_id ORDER BY (o.reviewed_at IS NOT NULL), o.created_at DESC`,
      );
      return { overrides: rows, unreviewed: rows.filter((r) => (r as { reviewedAt: unknown }).reviewedAt === null).length };
    },
  );

  app.get(
    '/reviews/biometric-enrolments',
    {
      ...describedExactly,
      schema: {
        tags: ['reads'],
        summary:
          'Biometric enrolments (who, when, hospital, case, second factor, what replaced what) and replacement requests, newest first, for review (HA, ADMIN); never a template',
        security: bearer,
        querystring: Type.Object(
          { memberId: Type.Optional(Type.String({ format: 'uuid', pattern: uuidPattern, description: 'Only this member' })) },
          { additionalProperties: false },
        ),
        response: { 200: BiometricEnrolmentReview, ...errorResponses },
      },
    },
    async (request) => {
      const principal = auth.principalOf(request);
      if (!principal.roles.some((role) => role === 'HA' || role === 'ADMIN')) throw fail('forbidden-role', 'Only HA and ADMIN review biometric enrolments.');
      return biometricEnrolmentReview(db, (request.query as { memberId?: string }).memberId ?? null);
    },
  );

  app.get(
    '/reports/reconciliation',
    {
      ...describedExactly,
      schema: {
        tags: ['reads'],
        summary: 'Payment reconciliation: paid + deductions = approved, per payment (ACO, HA)',
        security: bearer,
        response: { 200: PaymentReconciliation, ...errorResponses },
      },
    },
    async (request) => {
      const principal = auth.principalOf(request);
      if (!principal.roles.some((role) => role === 'ACO' || role === 'HA')) throw fail('forbidden-role', 'Only ACO and HA see payment reconciliation.');
      return paymentReconciliation(db);
    },
  );
}
