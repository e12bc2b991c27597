// Reconciliation against the bank (issue 15): ACO imports the bank's statement; ACO and HA read
// how its credits match the payments. The paid + deductions = approved check stays at
// GET /reports/reconciliation (read-routes.ts).
import type { FastifyInstance } from 'fastify';
import { BankReconciliation, BankStatementImportBody, BankStatementImported, type BankStatementImportBodyValue } from '@contract/reconciliation';
import { fail } from '@domain/outcomes';
import type { Database } from '../db/database';
import { bankReconciliation, importBankStatement } from '../queries/bank-reconciliation';
import type { ChangeNotifier } from '../sync/notifier';
import { bearer, describedExactly, errorResponses } from './answers';
import type { OperatorAuthentication } from './authentication';

export interface ReconciliationRouteOptions {
  readonly db: Database;
  readonly auth: OperatorAuthentication;
  readonly notifier: ChangeNotifier;
}

/** Register inside a signed-in scope (authentication.ts signedInRoutes). */
export async function reconciliationRoutes(app: FastifyInstance, options: ReconciliationRouteOptions): Promise<void> {
  const { db, auth } = options;
  app.post(
    '/reconciliation/bank-statements',
    {
      ...describedExactly,
      schema: {
        tags: ['reconciliation'],
        summary:
          'Import a bank statement (CSV: utr, reference, date, amount) and match its credits to payments (ACO). The same file again imports nothing and answers the first import; a file with a bad line is refused whole, every bad line named (details.problems), nothing written',
        security: bearer,
        body: BankStatementImportBody,
        response: { 200: BankStatementImported, ...errorResponses },
      },
    },
    async (request) => {
      const principal = auth.principalOf(request);
      if (!principal.roles.includes('ACO')) throw fail('forbidden-role', "Bank statements are imported by the scheme's finance officer (ACO).");
      const answer = await importBankStatement(db, principal, request.body as BankStatementImportBodyValue);
      if (!answer.isReplay) options.notifier.changed();
      return answer;
    },
  );

  app.get(
    '/reports/bank-reconciliation',
    {
      ...describedExactly,
      schema: {
        tags: ['reads'],
        summary: 'Bank credits matched to payments: short-paid, over-paid and not credited payments, unmatched and duplicate credits (ACO, HA)',
        security: bearer,
        response: { 200: BankReconciliation, ...errorResponses },
      },
    },
    async (request) => {
      const principal = auth.principalOf(request);
      if (!principal.roles.some((role) => role === 'ACO' || role === 'HA'))
        throw fail('forbidden-role', 'Only ACO and HA see the reconciliation against the bank.');
      return bankReconciliation(db);
    },
  );
}
