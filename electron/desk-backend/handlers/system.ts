// Device and sync status (no patient data: open before sign-in), and "sync now".
import { ok, type HandlerModule } from './context';

export const systemHandlers: HandlerModule<'devices.status' | 'sync.status' | 'sync.now'> = (desk) => ({
  'devices.status': async () => ok(desk.devices.list()),
  'sync.status': async () => ok(desk.engine.current()),
  'sync.now': async () => {
    await desk.engine.requestSync();
    return ok(desk.engine.current());
  },
});
