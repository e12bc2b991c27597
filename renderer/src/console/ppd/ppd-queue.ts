import type { ConsoleCase } from '../data/documents';

/** One row of the PPD queue: a pre-auth waiting for a decision (or on a query to the desk), or an enhancement request. */
export interface PpdQueueItem {
  readonly key: string;
  readonly kind: 'preauth' | 'enhancement';
  readonly caseDoc: ConsoleCase;
  readonly amount: number;
  readonly requestedAt: string;
  readonly isWaitingOnDesk: boolean;
  /** The enhancement's id (kind 'enhancement'), for its turnaround clock. */
  readonly enhancementId?: string;
}

/** Emergency first, then oldest first; a query waiting on the desk sorts after those the reviewer can act on. */
export function ppdQueue(cases: readonly ConsoleCase[]): PpdQueueItem[] {
  const items: PpdQueueItem[] = [];
  for (const caseDoc of cases) {
    const preauth = caseDoc.preauth;
    if (preauth && !preauth.isUnspecified && (preauth.status === 'pending' || preauth.status === 'queried')) {
      items.push({
        key: `p-${caseDoc.id}`,
        kind: 'preauth',
        caseDoc,
        amount: preauth.requestedAmount,
        requestedAt: preauth.requestedAt,
        isWaitingOnDesk: preauth.status === 'queried',
      });
    }
    for (const enhancement of caseDoc.enhancements) {
      if (enhancement.status === 'pending')
        items.push({
          key: `e-${enhancement.id}`,
          kind: 'enhancement',
          caseDoc,
          amount: enhancement.requestedAmount,
          requestedAt: enhancement.requestedAt,
          isWaitingOnDesk: false,
          enhancementId: enhancement.id,
        });
    }
  }
  return items.sort(
    (a, b) =>
      Number(a.isWaitingOnDesk) - Number(b.isWaitingOnDesk) ||
      Number(b.caseDoc.isEmergency) - Number(a.caseDoc.isEmergency) ||
      a.requestedAt.localeCompare(b.requestedAt) ||
      a.key.localeCompare(b.key),
  );
}

/** Pre-auths PPD decided, newest first. */
export function ppdDecided(cases: readonly ConsoleCase[], limit = 10): ConsoleCase[] {
  return cases
    .filter((c) => c.preauth && !c.preauth.isUnspecified && c.preauth.decidedAt && (c.preauth.status === 'approved' || c.preauth.status === 'rejected'))
    .sort((a, b) => (b.preauth!.decidedAt ?? '').localeCompare(a.preauth!.decidedAt ?? ''))
    .slice(0, limit);
}
