import type { CaseListItem, CaseView, PreauthStatus } from '@desk-api/contract';

export interface CaseFilters {
  readonly status: CaseView['status'] | 'all' | 'open';
  readonly preauth: PreauthStatus | 'all' | 'needs-attention';
  readonly search: string;
}

export const defaultCaseFilters: CaseFilters = { status: 'open', preauth: 'all', search: '' };

/** Pre-auth states where the desk has something to do or tell the patient. */
const needsAttention: readonly PreauthStatus[] = ['not-requested', 'queried', 'rejected'];

/**
 * The desk's cases as the list shows them: "open" means still in the hospital (admitted, or
 * admitted offline and not yet confirmed); newest admission first.
 */
export function filterCases<T extends Pick<CaseListItem, 'status' | 'preauthStatus' | 'packageCode' | 'memberName' | 'schemeMemberId' | 'admittedAt'>>(
  cases: readonly T[],
  filters: CaseFilters,
): T[] {
  const words = filters.search
    .trim()
    .toLowerCase()
    .split(/\s+/)
    .filter((word) => word !== '');
  return cases
    .filter((item) =>
      filters.status === 'all'
        ? true
        : filters.status === 'open'
          ? item.status === 'admitted' || item.status === 'pending-sync'
          : item.status === filters.status,
    )
    .filter((item) =>
      filters.preauth === 'all'
        ? true
        : filters.preauth === 'needs-attention'
          ? needsAttention.includes(item.preauthStatus)
          : item.preauthStatus === filters.preauth,
    )
    .filter((item) => {
      const haystack = `${item.memberName} ${item.schemeMemberId} ${item.packageCode ?? ''}`.toLowerCase();
      return words.every((word) => haystack.includes(word));
    })
    .sort((a, b) => b.admittedAt.localeCompare(a.admittedAt));
}
