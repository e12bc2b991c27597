import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DeskResult } from '../../electron/desk-api/contract';
import { DeskBackend } from '../../electron/desk-backend/backend';
import { demoIds } from '../../sync-server/src/demo/seed';
import { availableBackends } from '../../sync-server/src/testing/databases';
import { resultOf, startTestServer } from '../../sync-server/src/testing/harness';
import { FaultProxy } from '../support/fault-proxy';
import { describeDeskBackendContract, type ContractDesk } from './desk-backend.contract';

function value<T>(result: DeskResult<T>): T {
  if (!result.ok) throw new Error(`${result.error.code}: ${result.error.message}`);
  return result.value;
}

/**
 * The contract against the real desk backend: a real sync server (PostgreSQL when DATABASE_URL
 * is set, else PGlite) on a loopback port, desk A enrolled through a proxy that can cut it off,
 * and the payer side as server commands from the demo's operators.
 */
async function openRealDesk(): Promise<ContractDesk> {
  const server = await startTestServer(availableBackends[0]!, { extraFamilies: 2 });
  await server.app.listen({ port: 0, host: '127.0.0.1' });
  const proxy = new FaultProxy((server.app.server.address() as { port: number }).port);
  await proxy.start();
  const dir = mkdtempSync(join(tmpdir(), 'coverdesk-contract-'));
  const desk = new DeskBackend({ dataDir: dir, devices: {}, sync: { backoffBaseMs: 20, backoffMaxMs: 100 } });
  const issued = await server.raw('POST', `/desks/${demoIds.deskA}/enrollment-codes`, { token: await server.login('ha'), payload: {} });
  value(await desk.handlers['enrollment.enroll']({ serverUrl: proxy.url, code: String(issued.body.code) }));
  value(await desk.handlers['session.signIn']({ username: 'medco.a', password: 'coverdesk-demo' }));
  await desk.engine.requestSync();
  // The S1 family is in hospital A's district; looking the father up makes sure it is on the desk.
  value(await desk.handlers['members.identify']({ by: 'scheme-id', value: 'PMJ-S1000001' }));
  const tokens = new Map<string, string>();
  const token = async (username: string): Promise<string> => {
    if (!tokens.has(username)) tokens.set(username, await server.login(username));
    return tokens.get(username)!;
  };
  return {
    call: (channel, args) => (desk.handlers[channel] as (input: typeof args) => ReturnType<(typeof desk.handlers)[typeof channel]>)(args) as never,
    async sync() {
      // A cycle already running may have started before the last command was queued: run one more.
      await desk.engine.requestSync();
      await desk.engine.requestSync();
    },
    async setOnline(isOnline) {
      proxy.setOffline(!isOnline);
    },
    async decidePreauth(caseId, decision, details = {}) {
      resultOf(await server.command(await token('ppd'), 'decide-preauth', { caseId, decision, ...details }));
    },
    async approveEnhancementLower(_caseId, enhancementId, amount, reason) {
      resultOf(await server.command(await token('ppd'), 'decide-enhancement', { enhancementId, decision: 'approve-lower', amount, reason }));
    },
    async recommendPreauth(caseId, amount) {
      resultOf(await server.command(await token('mc'), 'recommend-preauth', { caseId, recommendedAmount: amount, reason: 'Comparable package' }));
    },
    async approveUnspecified(caseId) {
      resultOf(await server.command(await token('admin'), 'approve-unspecified', { caseId, decision: 'approve' }));
    },
    async admitElsewhere(memberId, packageCode) {
      const caseId = randomUUID();
      resultOf(await server.command(await token('medco.b'), 'admit', { caseId, memberId, identityMethod: 'fingerprint' }));
      resultOf(await server.command(await token('medco.b'), 'request-preauth', { caseId, packageCode }));
    },
    async setAutoExtension(basisPoints) {
      resultOf(await server.command(await token('ha'), 'set-scheme-parameters', { autoExtendBp: basisPoints, reason: 'Contract test: booking tolerance' }));
    },
    async close() {
      await desk.stop();
      await proxy.stop();
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

describeDeskBackendContract('the real DeskBackend against a real sync server', openRealDesk);
