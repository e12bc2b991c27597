// Who is signed in on one renderer connection (online, or offline for an operator known here).
import { signIn } from '../session';
import { failure, ok, type HandlerModule } from './context';

export const sessionHandlers: HandlerModule<'session.signIn' | 'session.signOut' | 'session.current'> = (desk, { slot }) => ({
  'session.signIn': async ({ username, password }) => {
    const identity = desk.identity();
    if (!identity) return failure('not-enrolled', 'Enroll this desk first with the code from the health authority.');
    const result = await signIn(desk.db, desk.client(), identity, username, password, desk.options.signInFallbackMs, desk.options.now);
    if (!result.ok) return result;
    // The operator's key for this session (issue 13 item 4): it signs what the desk sends for them.
    if (slot.signer) desk.signers.delete(slot.signer);
    slot.session = result.value.session;
    slot.signer = result.value.signer;
    if (slot.signer) desk.signers.add(slot.signer);
    return ok(result.value.session);
  },
  'session.signOut': async () => {
    slot.session = null;
    if (slot.signer) desk.signers.delete(slot.signer);
    slot.signer = null;
    return ok(null);
  },
  'session.current': async () => ok(slot.session),
});
