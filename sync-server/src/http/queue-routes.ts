// Payer work queues: each role sees its own, and only its own (PPD, MC, ADMIN, CEX, CPD, ACO, HA).
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { TSchema } from 'typebox';
import { ClaimQueue, Dashboard, EnhancementQueue, PaymentQueue, PreauthQueue } from '@contract/reads';
import type { Role } from '@domain/ids';
import { fail } from '@domain/outcomes';
import type { Database } from '../db/database';
import { claimQueue, dashboard, enhancementQueue, paymentQueue, preauthQueue } from '../queries/queues';
import { bearer, describedExactly, errorResponses } from './answers';
import type { OperatorAuthentication } from './authentication';

export interface QueueRouteOptions {
  readonly db: Database;
  readonly auth: OperatorAuthentication;
}

/** Register inside a signed-in scope (authentication.ts signedInRoutes). */
export async function queueRoutes(app: FastifyInstance, options: QueueRouteOptions): Promise<void> {
  const { db, auth } = options;
  const queue = (path: string, roles: readonly Role[], summary: string, answer: TSchema, read: (request: FastifyRequest) => Promise<unknown>) => {
    app.get(
      path,
      {
        ...describedExactly,
        schema: { tags: ['queues'], summary: `${summary} (${roles.join(', ')})`, security: bearer, response: { 200: answer, ...errorResponses } },
      },
      async (request) => {
        const principal = auth.principalOf(request);
        if (!principal.roles.some((role) => roles.includes(role))) throw fail('forbidden-role', `This queue belongs to ${roles.join(' or ')}.`);
        return { items: await read(request), computedAt: new Date().toISOString() };
      },
    );
  };
  queue('/queues/preauths', ['PPD'], 'Pre-authorizations waiting for PPD: emergency first, then oldest', PreauthQueue, () =>
    preauthQueue(db, ['pending', 'queried']),
  );
  queue('/queues/enhancements', ['PPD'], 'Enhancement requests waiting for PPD', EnhancementQueue, () => enhancementQueue(db));
  queue('/queues/committee', ['MC'], 'Unspecified-package requests waiting for the Medical Committee', PreauthQueue, () =>
    preauthQueue(db, ['committee-review']),
  );
  queue('/queues/admin', ['ADMIN'], 'Committee recommendations waiting for Admin approval', PreauthQueue, () => preauthQueue(db, ['admin-review']));
  queue('/queues/claims/submitted', ['CEX'], 'Claims waiting for CEX processing, with their lines and bookings', ClaimQueue, () => claimQueue(db, 'submitted'));
  queue('/queues/claims/processed', ['CPD'], 'Claims waiting for CPD verification', ClaimQueue, () => claimQueue(db, 'processed'));
  queue('/queues/payments', ['ACO'], 'Approved claims by hospital, ready to pay', PaymentQueue, () => paymentQueue(db));
  queue('/dashboard', ['HA'], 'Cases, holds and claims by state', Dashboard, () => dashboard(db));
}
