import type { ConsoleCase, ServerPreauthStatus } from '../data/documents';

/** Unspecified-package cases at one step (committee-review for MC, admin-review for Admin): emergency first, then oldest. */
export function unspecifiedQueue(cases: readonly ConsoleCase[], status: ServerPreauthStatus): ConsoleCase[] {
  return cases
    .filter((c) => c.preauth?.isUnspecified && c.preauth.status === status)
    .sort((a, b) => Number(b.isEmergency) - Number(a.isEmergency) || a.preauth!.requestedAt.localeCompare(b.preauth!.requestedAt) || a.id.localeCompare(b.id));
}

/** Unspecified-package cases past a step, newest decision first. */
export function unspecifiedPast(cases: readonly ConsoleCase[], statuses: readonly ServerPreauthStatus[], limit = 10): ConsoleCase[] {
  return cases
    .filter((c) => c.preauth?.isUnspecified && statuses.includes(c.preauth.status))
    .sort((a, b) => (b.preauth!.decidedAt ?? b.preauth!.requestedAt).localeCompare(a.preauth!.decidedAt ?? a.preauth!.requestedAt))
    .slice(0, limit);
}
