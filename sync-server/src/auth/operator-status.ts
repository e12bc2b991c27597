import { isRole, type HospitalId, type Role } from '@domain/ids';
import type { Database } from '../db/database';
import type { Principal } from './tokens';

interface Known {
  readonly roles: readonly Role[];
  readonly hospitalId: HospitalId | null;
  readonly isActive: boolean;
  /** Tokens issued at or before this instant are refused (sign-out); null when never signed out. */
  readonly tokensValidAfterMs: number | null;
  readonly readAt: number;
}

/**
 * What an operator may do now, not when their token was issued: HA can remove a role or deactivate
 * an operator (update-operator) while a 15-minute token is still out. Each bearer request checks the
 * operator's current row, cached for a few seconds per process; the process that ran the change
 * forgets its entry at once, other processes see it within the cache's lifetime.
 */
export class OperatorStatus {
  private readonly known = new Map<string, Known>();
  private readonly watchers = new Map<string, Set<() => void>>();

  constructor(
    private readonly db: Database,
    private readonly maxAgeMs = 5000,
    private readonly clock: () => number = Date.now,
  ) {}

  /** The principal narrowed to what the operator holds now (roles in both token and row), or null when deactivated, gone, or the token was revoked by a sign-out. */
  async current(principal: Principal, issuedAtMs: number): Promise<Principal | null> {
    let known = this.known.get(principal.operatorId);
    if (!known || this.clock() - known.readAt > this.maxAgeMs) {
      const [row] = await this.db.query<{ roles: string[]; hospital_id: string | null; is_active: boolean; tokens_valid_after: Date | null }>(
        'SELECT roles, hospital_id, is_active, tokens_valid_after FROM operators WHERE id = $1',
        [principal.operatorId],
      );
      known = row
        ? {
            roles: row.roles.filter(isRole),
            hospitalId: row.hospital_id as HospitalId | null,
            isActive: row.is_active,
            tokensValidAfterMs: row.tokens_valid_after ? new Date(row.tokens_valid_after).getTime() : null,
            readAt: this.clock(),
          }
        : { roles: [], hospitalId: null, isActive: false, tokensValidAfterMs: null, readAt: this.clock() };
      this.known.set(principal.operatorId, known);
    }
    if (!known.isActive) return null;
    if (known.tokensValidAfterMs !== null && issuedAtMs <= known.tokensValidAfterMs) return null;
    const roles = principal.roles.filter((role) => known.roles.includes(role));
    return { operatorId: principal.operatorId, roles, hospitalId: known.hospitalId };
  }

  /** The operator's row changed in this process (update-operator, sign-out): read it again and tell open streams at once. */
  forget(operatorId: string): void {
    this.known.delete(operatorId);
    for (const watcher of this.watchers.get(operatorId) ?? []) watcher();
  }

  /** Called when `forget` runs for this operator (an event stream re-checks its token then). */
  watch(operatorId: string, onChange: () => void): () => void {
    const set = this.watchers.get(operatorId) ?? new Set();
    set.add(onChange);
    this.watchers.set(operatorId, set);
    return () => {
      set.delete(onChange);
      if (set.size === 0) this.watchers.delete(operatorId);
    };
  }
}
