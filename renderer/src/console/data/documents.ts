/**
 * The payer console's read model: the documents the server's console feed (/console/feed/pull,
 * sync-server/src/console/feed.ts) sends, one collection each. Amounts are integers in minor
 * units; times are ISO strings as the server sent them.
 */
import type { Role } from '@domain/ids';

export type ConsoleCollectionName = 'cases' | 'claims';
export const consoleCollectionNames: readonly ConsoleCollectionName[] = ['cases', 'claims'];

export type ServerPreauthStatus = 'pending' | 'queried' | 'committee-review' | 'admin-review' | 'approved' | 'rejected' | 'cancelled';

export interface ConsolePreauth {
  readonly id: string;
  readonly packageCode: string;
  readonly packageName: string;
  readonly specialty: string;
  readonly isUnspecified: boolean;
  readonly packageVersion: number;
  readonly packagePrice: number;
  readonly requestedAmount: number;
  readonly recommendedAmount: number | null;
  readonly approvedAmount: number | null;
  readonly status: ServerPreauthStatus;
  readonly clinicalNote: string | null;
  readonly queryReason: string | null;
  readonly queryResponse: string | null;
  readonly decisionReason: string | null;
  readonly requestedAt: string;
  readonly decidedAt: string | null;
}

export interface ConsoleEnhancement {
  readonly id: string;
  readonly requestedAmount: number;
  readonly approvedAmount: number | null;
  readonly grantedAmount: number | null;
  readonly status: 'pending' | 'approved' | 'rejected' | 'cancelled';
  readonly reason: string;
  readonly decisionReason: string | null;
  readonly requestedAt: string;
  readonly decidedAt: string | null;
}

export interface ConsoleBooking {
  readonly id: string;
  readonly itemCode: string;
  readonly description: string;
  readonly quantity: number;
  readonly unitPrice: number;
  readonly amount: number;
  readonly coveredAmount: number;
  readonly shortfallAmount: number;
  readonly status: 'active' | 'voided';
  readonly createdAt: string;
}

export interface ConsoleCase {
  readonly id: string;
  readonly caseId: string;
  readonly status: 'admitted' | 'discharged' | 'cancelled';
  readonly isEmergency: boolean;
  readonly identityMethod: string;
  readonly admittedAt: string;
  readonly dischargedAt: string | null;
  readonly cancelledAt: string | null;
  readonly hospitalCode: string;
  readonly hospitalName: string;
  readonly turnaroundMinutes: number;
  readonly member: { readonly id: string; readonly schemeMemberId: string; readonly fullName: string; readonly birthYear: number; readonly gender: string; readonly relation: string };
  readonly family: {
    readonly id: string; readonly familyNumber: string; readonly cover: number; readonly committed: number; readonly available: number;
    readonly holds: readonly { readonly caseId: string; readonly memberName: string; readonly hospitalCode: string; readonly amount: number; readonly consumed: number }[];
  };
  readonly preauth: ConsolePreauth | null;
  readonly hold: { readonly id: string; readonly amount: number; readonly consumed: number; readonly authorized: number; readonly status: string } | null;
  readonly enhancements: readonly ConsoleEnhancement[];
  readonly bookings: readonly ConsoleBooking[];
  readonly claim: { readonly id: string; readonly status: string; readonly amount: number; readonly payerAmount: number; readonly patientAmount: number; readonly approvedAmount: number | null; readonly submittedAt: string } | null;
}

export interface ConsoleClaimLine {
  readonly bookingId: string;
  readonly itemCode: string;
  readonly description: string;
  readonly quantity: number;
  readonly unitPrice: number;
  readonly amount: number;
  readonly payerAmount: number;
  readonly patientAmount: number;
  readonly cexDecision: string | null;
  readonly cexAmount: number | null;
  readonly cexReasonCode: string | null;
  readonly cpdDecision: string | null;
  readonly approvedAmount: number | null;
  readonly reasonCode: string | null;
  readonly bookedAt: string;
}

export interface ConsoleClaim {
  readonly id: string;
  readonly claimId: string;
  readonly caseId: string;
  readonly status: 'submitted' | 'processed' | 'approved' | 'denied' | 'paid';
  readonly amount: number;
  readonly payerAmount: number;
  readonly patientAmount: number;
  readonly approvedAmount: number | null;
  readonly paymentId: string | null;
  readonly submittedAt: string;
  readonly processedAt: string | null;
  readonly verifiedAt: string | null;
  readonly hospitalId: string;
  readonly hospitalCode: string;
  readonly hospitalName: string;
  readonly memberName: string;
  readonly schemeMemberId: string;
  readonly packageCode: string | null;
  readonly preauthApproved: number | null;
  readonly lines: readonly ConsoleClaimLine[];
}

export interface ConsoleDocumentOf {
  readonly cases: ConsoleCase;
  readonly claims: ConsoleClaim;
}

export interface ConsoleScheme {
  readonly name: string;
  readonly currency: string;
  readonly locale: string;
  readonly minorPerUnit: number;
  readonly preauthTurnaroundMinutes: number;
}

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

/** The case's audit trail and the hash chain's status (GET /cases/:id/audit). */
export interface AuditTrail {
  readonly caseId: string;
  readonly entries: readonly {
    readonly id: number | string;
    readonly chainSeq: number | string | null;
    readonly at: string;
    readonly action: string;
    readonly entityType: string;
    readonly entityId: string;
    readonly actor: string | null;
    readonly before: Record<string, unknown> | null;
    readonly after: Record<string, unknown> | null;
  }[];
  readonly chain: { readonly isIntact: true; readonly entries: number; readonly unlinked: number } | { readonly isIntact: false; readonly firstBadSeq: number | null; readonly problem: string };
}
