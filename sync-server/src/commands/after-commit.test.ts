import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../app';
import { demoPassword, seedDemo } from '../demo/seed';
import { prepareServer, type ServerState } from '../server-state';
import { ChangeNotifier } from '../sync/notifier';
import { availableBackends, createScratchDatabase, type ScratchDatabase } from '../testing/databases';
import { testServerKeys } from '../testing/keys';

/**
 * A 500 must not say "nothing was changed" when something was (issue 24 item 15): here the
 * process's own scheme reload fails after set-scheme-parameters has committed.
 */
describe.each(availableBackends)('answers after a commit (%s)', (backend) => {
  let scratch: ScratchDatabase;
  let state: ServerState;
  let app: FastifyInstance;
  let token = '';
  beforeAll(async () => {
    scratch = await createScratchDatabase(backend);
    state = await prepareServer(scratch.db, { keys: testServerKeys, chainIntervalMs: 50 });
    await seedDemo(scratch.db, { nationalIdKey: state.nationalIdKey, extraFamilies: 0 });
    await state.reloadScheme();
    const common = { db: scratch.db, notifier: new ChangeNotifier(null), keys: state.keys };
    app = await buildApp({ ...common, scheme: state.scheme, reloadScheme: () => Promise.reject(new Error('scheme reload failed (test)')) });
    const login = await app.inject({ method: 'POST', url: '/auth/login', payload: { username: 'ha', password: demoPassword } });
    token = String((login.json() as { token: string }).token);
  });
  afterAll(async () => {
    await app?.close();
    await state?.stop();
    await scratch?.drop();
  });

  const send = (target: FastifyInstance, payload: object) =>
    target.inject({
      method: 'POST',
      url: '/commands/set-scheme-parameters',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      payload: JSON.stringify(payload),
    });

  it('answers the committed result when the reload after set-scheme-parameters fails', async () => {
    const body = { commandId: randomUUID(), autoExtendBp: 500, reason: 'Allow 5% automatic extension' };
    const answer = await send(app, body);
    expect(answer.statusCode).toBe(200);
    expect(answer.json()).toMatchObject({ command: 'set-scheme-parameters', result: { parameters: { autoExtendBp: 500 } } });
    const [stored] = await scratch.db.query<{ auto_extend_bp: number }>('SELECT auto_extend_bp FROM schemes WHERE is_current');
    expect(stored?.auto_extend_bp).toBe(500);
    const again = await send(app, body);
    expect(again.statusCode).toBe(200);
    expect(again.body).toBe(answer.body);
  });

  it("a failed command's 500 says it may have been recorded and that resending its id is safe", async () => {
    // A command reads the scheme inside its transaction (context.ts, currentScheme): with no
    // current scheme row it fails there, after its claim was sent.
    await scratch.db.query('UPDATE schemes SET is_current = false');
    const answer = await send(app, { commandId: randomUUID(), autoExtendBp: 700, reason: 'Never applied' });
    await scratch.db.query('UPDATE schemes SET is_current = true');
    expect(answer.statusCode).toBe(500);
    const message = String((answer.json() as { message: string }).message);
    expect(message).not.toContain('nothing was changed');
    expect(message).toContain('same command id');
    const [stored] = await scratch.db.query<{ auto_extend_bp: number }>('SELECT auto_extend_bp FROM schemes WHERE is_current');
    expect(stored?.auto_extend_bp).toBe(500);
  });
});
