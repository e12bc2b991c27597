/**
 * A desk process for tests/sync/desk-killed.test.ts: opens an enrolled replica, signs in (offline:
 * the server is cut off), admits one member, tells the parent the desk answered, and then waits to
 * be SIGKILLed. Nothing after the answer runs: no clean shutdown, no checkpoint, no close.
 */
import { DeskBackend } from '../../../electron/desk-backend/backend';

const [dataDir, memberId] = process.argv.slice(2);
if (!dataDir || !memberId || !process.send) throw new Error('usage: admit-then-wait <dataDir> <memberId> (as a forked child)');

// Keep the process alive from the start: the desk's own timers are unref'd (a desk must not keep
// Electron alive), so while sign-in waits for an unreachable server nothing else holds the loop,
// and Node would end the process with exit code 13 (an unsettled top-level await).
setInterval(() => undefined, 60_000);
const desk = new DeskBackend({ dataDir, devices: {}, signInFallbackMs: 500 });
const signedIn = await desk.handlers['session.signIn']({ username: 'medco.a', password: 'coverdesk-demo' });
if (!signedIn.ok) throw new Error(`sign-in: ${signedIn.error.code} ${signedIn.error.message}`);
const admitted = await desk.handlers['cases.admit']({ memberId, identityMethod: 'fingerprint' });
process.send(
  admitted.ok ? { ok: true, caseId: admitted.value.caseId, isOfflineSession: signedIn.value.isOfflineSession } : { ok: false, code: admitted.error.code },
);
// The process (and its open replica) stays alive until the parent kills it.
