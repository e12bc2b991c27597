// This hospital's own revenue-cycle KPIs (issue 15), for its operators at the desk, online only.
import type { KpiDashboardValue } from '@contract/kpis';
import type { DeskError } from '../../desk-api/contract';
import { usableSigner } from '../operator-key';
import { ServerCallError } from '../server-client';
import { failure, ok, type HandlerModule } from './context';

const offlineKpis: DeskError = {
  code: 'offline-unavailable',
  message: "The server cannot be reached: the hospital's figures need a connection. Try again once the desk is online.",
};

/**
 * `kpis.view`. The server's figures for the desk's hospital (GET /sync/kpis, with the operator's
 * proof), computed now. Unlike the accumulators no copy is kept: a KPI is only worth reading as of
 * the time the server computed it, and an old one shown at the desk would pass for current, so
 * offline the answer is `offline-unavailable` and the screen says the figures need a connection.
 */
export const kpiHandlers: HandlerModule<'kpis.view'> = (desk, { slot, requireMedco }) => ({
  'kpis.view': async () => {
    const refused = requireMedco();
    if (refused) return refused;
    const client = desk.client();
    const operatorId = slot.session?.operatorId;
    if (!client || !operatorId) return { ok: false, error: offlineKpis };
    const usable = usableSigner(slot.signer, new Date());
    if (!usable.ok) return { ok: false, error: usable.error };
    try {
      const figures: KpiDashboardValue = await client.kpis(operatorId, usable.signer.requestProof('kpis', {}));
      return ok(figures);
    } catch (error) {
      if (!(error instanceof ServerCallError)) throw error;
      if (error.fault.kind === 'unreachable') return { ok: false, error: offlineKpis };
      return failure(error.fault.kind === 'refused' ? error.fault.code : 'bad-answer', error.fault.message);
    }
  },
});
