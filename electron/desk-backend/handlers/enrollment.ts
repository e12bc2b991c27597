// Enrolling this desk with a server (the one-time code from HA), before any operator exists here.
import { checkServerUrl } from '../../desk-api/transport-policy';
import { readMeta, writeMeta } from '../database';
import { ServerCallError, SyncServerClient } from '../server-client';
import { failure, ok, type HandlerModule } from './context';

export const enrollmentHandlers: HandlerModule<'enrollment.status' | 'enrollment.enroll'> = (desk) => ({
  'enrollment.status': async () => {
    const identity = desk.identity();
    return ok({
      isEnrolled: identity !== null && desk.client() !== null,
      deskId: identity?.deskId ?? null,
      hospitalName: identity?.hospitalName ?? null,
      serverUrl: readMeta(desk.db, 'server_url'),
    });
  },
  'enrollment.enroll': async ({ serverUrl, code }) => {
    // Enrolling answers before anyone signs in (a new desk has no operators yet), so once the
    // desk is enrolled no connection may point it at another server.
    if (desk.identity() && desk.client())
      return failure('already-enrolled', 'This desk is already enrolled. To enroll it again, IT staff stop it and remove its data folder.');
    const checked = checkServerUrl(serverUrl, desk.options.requireHttps === true);
    if (!checked.ok) return failure(checked.code, checked.message);
    const url = checked.url;
    const client = new SyncServerClient(url.toString(), () => null);
    try {
      const answer = await client.enroll(code);
      desk.secrets.write(answer.credential);
      desk.db.transaction(() => {
        writeMeta(desk.db, 'server_url', url.toString());
        writeMeta(desk.db, 'desk_id', answer.deskId);
        writeMeta(desk.db, 'hospital_id', answer.hospitalId);
        writeMeta(desk.db, 'hospital_name', answer.hospitalName);
        writeMeta(desk.db, 'scheme', JSON.stringify(answer.scheme));
      })();
      desk.connect(url.toString());
      void desk.engine.requestSync();
      return ok({ deskId: answer.deskId, hospitalName: answer.hospitalName });
    } catch (error) {
      if (error instanceof ServerCallError) return failure(error.fault.kind === 'refused' ? error.fault.code : error.fault.kind, error.fault.message);
      throw error;
    }
  },
});
