import { randomUUID } from 'node:crypto';
import type { Answer, TestServer } from './harness';

/** A registered pharmacy system speaking to a test server (its own credential, not an operator token). */
export async function registerPharmacy(server: TestServer, code = 'PH-S5'): Promise<{ pharmacyId: string; credential: string }> {
  const ha = await server.login('ha');
  const pharmacyId = randomUUID();
  const answer = await server.raw('POST', '/pharmacies', { token: ha, payload: { pharmacyId, code, name: 'Jan Aushadhi Kendra, Pune', district: 'Pune' } });
  if (answer.status !== 200) throw new Error(`registering a pharmacy failed: ${JSON.stringify(answer.body)}`);
  return { pharmacyId, credential: String(answer.body.credential) };
}

export function pharmacyClient(server: TestServer, credential: string) {
  const headers = { authorization: `Pharmacy ${credential}` };
  return {
    claim: (body: Record<string, unknown>): Promise<Answer> => server.raw('POST', '/pharmacy/claims', { headers, payload: body }),
    reverse: (claimId: string): Promise<Answer> => server.raw('POST', `/pharmacy/claims/${claimId}/reversal`, { headers }),
  };
}
