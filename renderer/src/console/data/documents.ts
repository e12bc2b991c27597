/**
 * The payer console's read model: the documents the server's console feed (/console/feed/pull,
 * sync-server/src/console/feed.ts) sends, one collection each. Their types are the contract's
 * exact schemas (sync-server/contract/console.ts), imported as types only: the browser compiles
 * no schema. Amounts are integers in minor units; times are ISO strings as the server sent them.
 */
import type { Role } from '@domain/ids';
import type { CaseAuditTrailValue } from '@contract/reads';
import type {
  ConsoleCaseValue,
  ConsoleClaimValue,
  ConsoleCollection,
  ConsoleDocumentOf as ContractDocumentOf,
  ConsoleSessionAnswerValue,
} from '@contract/console';

export type ConsoleCollectionName = ConsoleCollection;
export const consoleCollectionNames: readonly ConsoleCollectionName[] = ['cases', 'claims'];

export type ConsolePreauth = NonNullable<ConsoleCaseValue['preauth']>;
export type ServerPreauthStatus = ConsolePreauth['status'];
export type ConsoleEnhancement = ConsoleCaseValue['enhancements'][number];
export type ConsoleBooking = ConsoleCaseValue['bookings'][number];
export type ConsoleCase = ConsoleCaseValue;
export type ConsoleClaimLine = ConsoleClaimValue['lines'][number];
export type ConsoleClaim = ConsoleClaimValue;
export type ConsoleDocumentOf = ContractDocumentOf;
export type ConsoleScheme = ConsoleSessionAnswerValue['scheme'];

/** A signed-in operator, as /auth/login and /console/feed/session describe them. */
export interface ConsoleSession {
  readonly token: string;
  readonly expiresAt: string;
  readonly operatorId: string;
  readonly username: string;
  readonly displayName: string;
  readonly roles: readonly Role[];
  readonly collections: readonly ConsoleCollectionName[];
  readonly scheme: ConsoleScheme;
}

/** The case's audit trail and the hash chain's status (GET /cases/:id/audit), as the contract describes it. */
export type AuditTrail = CaseAuditTrailValue;
