import { isRole, type HospitalId, type Role } from '@domain/ids';
import type { Database } from '../db/database';
import type { Principal } from './tokens';

interface Known {
  readonly roles: readonly Role[];
  readonly hospitalId: HospitalId | null;
  readonly isActive: boolean;
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

  constructor(private readonly db: Database, private readonly maxAgeMs = 5000, private readonly clock: () => number = Date.now) {}

  /** The principal narrowed to what the operator holds now (roles in both token and row), or null when deactivated or gone. */
  async current(principal: Principal): Promise<Principal | null> {
    let known = this.known.get(principal.operatorId);
    if (!known || this.clock() - known.readAt > this.maxAgeMs) {
      const [row] = await this.db.query<{ roles: string[]; hospital_id: string | null; is_active: boolean }>('SELECT roles, hospital_id, is_active FROM operators WHERE id = $1', [principal.operatorId]);
      known = row
        ? { roles: row.roles.filter(isRole), hospitalId: row.hospital_id as HospitalId | null, isActive: row.is_active, readAt: this.clock() }
        : { roles: [], hospitalId: null, isActive: false, readAt: this.clock() };
      this.known.set(principal.operatorId, known);
    }
    if (!known.isActive) return null;
    const roles = principal.roles.filter((role) => known.roles.includes(role));
    return { operatorId: principal.operatorId, roles, hospitalId: known.hospitalId };
  }

  forget(operatorId: string): void {
    this.known.delete(operatorId);
  }
}
