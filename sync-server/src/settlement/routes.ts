import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { PrintLanguageQuery, type PrintLanguage } from '../print/print-language';
import { uuidPattern } from '@contract/commands';
import { CashDrawer, PatientBill, PatientReceivables, SecondaryClaimsReport } from '@contract/settlement';
import { fail } from '@domain/outcomes';
import type { Database } from '../db/database';
import { bearer, describedExactly, errorResponses, IdParams } from '../http/answers';
import type { OperatorAuthentication } from '../http/authentication';
import { renderPatientBillPdf } from './bill-pdf';
import { cashDrawer, patientBill, patientReceivables, secondaryClaimsReport } from './reads';

export interface SettlementRouteDeps {
  readonly db: Database;
  readonly auth: OperatorAuthentication;
  readonly now: () => Date;
}

const Uuid = Type.String({ format: 'uuid', pattern: uuidPattern });

/** The patient's bill, the cash drawer, the receivables and the secondary payers' claims (issue 14). Register inside a signed-in scope (http/authentication.ts signedInRoutes). */
export async function settlementRoutes(app: FastifyInstance, deps: SettlementRouteDeps): Promise<void> {
  const { db } = deps;
  const principalOf = deps.auth.principalOf;

  app.get(
    '/cases/:caseId/patient-bill',
    {
      ...describedExactly,
      schema: {
        tags: ['reads'],
        summary: "The patient's itemised bill of a case: each line with the plan's and the patient's part, the account, payments and refunds",
        security: bearer,
        params: IdParams('caseId'),
        response: { 200: PatientBill, ...errorResponses },
      },
    },
    async (request) => patientBill(db, principalOf(request), (request.params as { caseId: string }).caseId),
  );

  app.get(
    '/cases/:caseId/patient-bill.pdf',
    {
      schema: {
        tags: ['reads'],
        summary: 'The same bill as an A4 PDF to print at discharge (application/pdf)',
        security: bearer,
        params: IdParams('caseId'),
        querystring: Type.Object({ language: PrintLanguageQuery }, { additionalProperties: false }),
        response: { 200: Type.String({ format: 'binary', description: 'application/pdf' }), ...errorResponses },
      },
    },
    async (request, reply) => {
      const bill = await patientBill(db, principalOf(request), (request.params as { caseId: string }).caseId);
      const pdf = await renderPatientBillPdf(bill, (request.query as { language?: PrintLanguage }).language);
      return reply.type('application/pdf').header('content-disposition', `inline; filename="patient-bill-${bill.caseId}.pdf"`).send(pdf);
    },
  );

  app.get(
    '/reports/cash-drawer',
    {
      ...describedExactly,
      schema: {
        tags: ['reads'],
        summary: "One operator's cash drawer for a shift: taken and given back by method, and every receipt (own drawer; HA and ACO any)",
        security: bearer,
        querystring: Type.Object(
          { operatorId: Type.Optional(Uuid), from: Type.String({ format: 'date-time' }), to: Type.String({ format: 'date-time' }) },
          { additionalProperties: false },
        ),
        response: { 200: CashDrawer, ...errorResponses },
      },
    },
    async (request) => {
      const principal = principalOf(request);
      const query = request.query as { operatorId?: string; from: string; to: string };
      return cashDrawer(db, principal, query.operatorId ?? principal.operatorId, new Date(query.from), new Date(query.to));
    },
  );

  app.get(
    '/reports/patient-receivables',
    {
      ...describedExactly,
      schema: {
        tags: ['reads'],
        summary:
          'Open patient balances aged 0-30, 31-60, 61-90 and 90+ days from discharge, and what secondary payers still owe (MEDCO: own hospital; ACO, HA)',
        security: bearer,
        querystring: Type.Object({ asOf: Type.Optional(Type.String({ format: 'date-time' })) }, { additionalProperties: false }),
        response: { 200: PatientReceivables, ...errorResponses },
      },
    },
    async (request) => {
      const principal = principalOf(request);
      if (!principal.roles.some((role) => role === 'MEDCO' || role === 'ACO' || role === 'HA'))
        throw fail('forbidden-role', 'Only desk operators (their hospital), ACO and HA see patient receivables.');
      const { asOf } = request.query as { asOf?: string };
      return patientReceivables(db, principal, asOf === undefined ? deps.now() : new Date(asOf));
    },
  );

  app.get(
    '/reports/secondary-claims',
    {
      ...describedExactly,
      schema: {
        tags: ['reads'],
        summary:
          "Coordination-of-benefits claims with their secondary payer's decision and money: what each payer still owes, what it remitted and what goes back to it (ACO, HA). state=open (default): those still needing a decision, a remittance or a refund",
        security: bearer,
        querystring: Type.Object({ state: Type.Optional(Type.Enum(['open', 'all'])) }, { additionalProperties: false }),
        response: { 200: SecondaryClaimsReport, ...errorResponses },
      },
    },
    async (request) => {
      const principal = principalOf(request);
      if (!principal.roles.some((role) => role === 'ACO' || role === 'HA'))
        throw fail('forbidden-role', "Only the scheme's finance office (ACO) and HA see the secondary payers' claims.");
      const { state } = request.query as { state?: 'open' | 'all' };
      return secondaryClaimsReport(db, state ?? 'open');
    },
  );
}
