// Family changes over HTTP (issue 16): the registrations the enrolment role decides (its queue in
// the console) and those a hospital's desk sent. The commands themselves go through /commands.
import type { FastifyInstance } from 'fastify';
import { FamilyChangeList, FamilyChangeListQuery, type FamilyChangeListQueryValue, type FamilyChangeListValue } from '@contract/family-changes';
import { fail } from '@domain/outcomes';
import type { Principal } from '../auth/tokens';
import type { Database } from '../db/database';
import { bearer, describedExactly, errorResponses } from '../http/answers';
import type { OperatorAuthentication } from '../http/authentication';

export interface FamilyChangeRouteOptions {
  readonly db: Database;
  readonly auth: OperatorAuthentication;
}

type Row = {
  change_id: string;
  family_id: string;
  family_number: string;
  kind: 'newborn' | 'spouse';
  member_id: string;
  full_name: string;
  gender: 'F' | 'M' | 'X';
  birth_date: string;
  relation: 'son' | 'daughter' | 'spouse' | 'other';
  status: 'pending' | 'approved' | 'rejected';
  hospital_code: string;
  requested_at: Date;
  document_id: string;
  document_kind: 'birth-certificate' | 'marriage-certificate';
  document_name: string;
  media_type: 'application/pdf' | 'image/jpeg' | 'image/png';
  size_bytes: string | number;
  pending_case_id: string | null;
  decided_at: Date | null;
  decision_reason: string | null;
  effective_date: string | null;
  scheme_member_id: string | null;
};

/**
 * HA (the enrolment role) sees every registration, oldest pending first; a hospital's operator
 * (MEDCO) those its own hospital sent. Other roles have no part in enrolment: 403.
 */
export async function familyChangeList(db: Database, principal: Principal, query: FamilyChangeListQueryValue): Promise<FamilyChangeListValue> {
  const isEnrolmentRole = principal.roles.includes('HA');
  if (!isEnrolmentRole && !(principal.roles.includes('MEDCO') && principal.hospitalId !== null))
    throw fail('forbidden-role', 'Family changes are read by the scheme’s enrolment role (HA) and by the desks that registered them.');
  const rows = await db.query<Row>(
    `SELECT c.id AS change_id, c.family_id, f.family_number, c.kind, c.member_id, c.full_name, c.gender, to_char(c.birth_date, 'YYYY-MM-DD') AS birth_date,
            c.relation, c.status, h.code AS hospital_code, c.requested_at, d.id AS document_id, d.kind AS document_kind, d.name AS document_name,
            d.media_type, d.size_bytes, c.pending_case_id, c.decided_at, c.decision_reason, to_char(c.effective_date, 'YYYY-MM-DD') AS effective_date,
            c.scheme_member_id
       FROM family_changes c JOIN families f ON f.id = c.family_id JOIN hospitals h ON h.id = c.hospital_id JOIN family_documents d ON d.id = c.document_id
      WHERE ($1::uuid IS NULL OR c.hospital_id = $1) AND ($2::text IS NULL OR c.status = $2) AND ($3::uuid IS NULL OR c.family_id = $3)
      ORDER BY (c.status = 'pending') DESC, CASE WHEN c.status = 'pending' THEN c.requested_at END ASC, c.decided_at DESC NULLS LAST, c.id
      LIMIT 500`,
    [isEnrolmentRole ? null : principal.hospitalId, query.status ?? null, query.familyId ?? null],
  );
  return {
    items: rows.map((row) => ({
      changeId: row.change_id,
      familyId: row.family_id,
      familyNumber: row.family_number,
      kind: row.kind,
      memberId: row.member_id,
      fullName: row.full_name,
      gender: row.gender,
      birthDate: row.birth_date,
      relation: row.relation,
      status: row.status,
      hospitalCode: row.hospital_code,
      requestedAt: new Date(row.requested_at).toISOString(),
      document: {
        documentId: row.document_id,
        kind: row.document_kind,
        name: row.document_name,
        mediaType: row.media_type,
        sizeBytes: Number(row.size_bytes),
      },
      pendingCaseId: row.pending_case_id,
      decidedAt: row.decided_at ? new Date(row.decided_at).toISOString() : null,
      decisionReason: row.decision_reason,
      effectiveDate: row.effective_date,
      schemeMemberId: row.scheme_member_id,
    })),
  };
}

/** Register inside a signed-in scope (http/authentication.ts signedInRoutes). */
export async function familyChangeRoutes(app: FastifyInstance, options: FamilyChangeRouteOptions): Promise<void> {
  app.get(
    '/family-changes',
    {
      ...describedExactly,
      schema: {
        tags: ['queues'],
        summary:
          'Newborns and spouses registered into families with their certificate: HA (the enrolment role) every registration, pending first; MEDCO its own hospital’s',
        security: bearer,
        querystring: FamilyChangeListQuery,
        response: { 200: FamilyChangeList, ...errorResponses },
      },
    },
    async (request) => familyChangeList(options.db, options.auth.principalOf(request), request.query as FamilyChangeListQueryValue),
  );
}
