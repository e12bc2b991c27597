/**
 * `npm run desk:web -- --hospital <code>`: the settings of a demo desk at that hospital, so a second
 * desk (hospital B) takes one command. Environment variables still win (COVERDESK_DESK_DIR,
 * DESK_PORT, COVERDESK_SERVER_URL, COVERDESK_ENROLL_CODE, COVERDESK_DEVICES).
 *
 * Demo only: enrolling signs in as the demo's `ha` operator (password coverdesk-demo) to issue the
 * code, which a real health authority does in the payer console and hands to IT staff.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { DeviceConfig } from '../desk-backend/devices';

const demoPassword = 'coverdesk-demo';
const defaultControlUrl = 'http://127.0.0.1:4790';

export interface DemoDeskSettings {
  readonly ok: true;
  readonly hospitalCode: string;
  readonly dataDir: string;
  readonly port: number;
  /** The simulated devices `npm start` runs for this desk; null: the backend's usual configuration. */
  readonly devices: DeviceConfig | null;
  /** How to enroll when the desk is not enrolled yet (the code is issued only then). */
  readonly enrollment: { readonly serverUrl: string; code(): Promise<string> };
  /** A line for the terminal about devices. */
  readonly note: string | null;
}

interface HospitalsAnswer {
  readonly items: readonly {
    readonly code: string;
    readonly name: string;
    readonly desks: readonly { readonly id: string; readonly name: string; readonly status: string; readonly enrolledAt: string | null }[];
  }[];
}

async function json<T>(response: Response, what: string): Promise<T> {
  const body = (await response.json()) as T & { message?: string };
  if (!response.ok) throw new Error(`${what} failed (HTTP ${response.status}): ${body.message ?? ''}`);
  return body;
}

/** Sign in as the demo HA and issue a one-time enrollment code for the hospital's desk (also `npm start`'s, for A). */
export async function issueDemoCode(serverUrl: string, hospital: string): Promise<string> {
  let login: Response;
  try {
    login = await fetch(`${serverUrl}/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'ha', password: demoPassword }),
    });
  } catch {
    throw new Error(
      `the demo server at ${serverUrl} cannot be reached: start it first (npm start, or npm run server on the demo database), or set COVERDESK_SERVER_URL.`,
    );
  }
  const { token } = await json<{ token: string }>(login, 'Signing in as the demo HA (ha / coverdesk-demo)');
  const headers = { authorization: `Bearer ${token}` };
  const { items } = await json<HospitalsAnswer>(await fetch(`${serverUrl}/admin/hospitals`, { headers }), 'Listing hospitals');
  const wanted = hospital.toUpperCase();
  const found = items.find((item) => item.code === wanted || item.code === `HSP-${wanted}`);
  if (!found) throw new Error(`there is no hospital ${hospital} on ${serverUrl} (hospitals: ${items.map((item) => item.code).join(', ')}).`);
  const desk = found.desks.find((item) => item.status !== 'revoked');
  if (!desk) throw new Error(`hospital ${found.code} has no desk that is not revoked: add one in the payer console (ha → Hospitals and desks).`);
  const issued = await json<{ code: string }>(
    await fetch(`${serverUrl}/desks/${desk.id}/enrollment-codes`, { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body: '{}' }),
    'Issuing an enrollment code',
  );
  console.log(
    `Demo: issued a one-time enrollment code for ${desk.name} at ${found.name} (${found.code}) as ha — in the payer console: Hospitals and desks → Issue an enrollment code.`,
  );
  if (desk.enrolledAt)
    console.log(`Note: ${desk.name} was enrolled before; enrolling again replaces its credential, so a desk still running with the old one stops syncing.`);
  return issued.code;
}

/** The simulated devices `npm start` runs for this desk, or null with the reason. */
async function demoDevices(desk: string, env: NodeJS.ProcessEnv): Promise<{ devices: DeviceConfig | null; note: string }> {
  const controlUrl = env.DEMO_DEVICES_URL ?? (env.DEMO_DEVICES_PORT ? `http://127.0.0.1:${env.DEMO_DEVICES_PORT}` : defaultControlUrl);
  try {
    const answer = await fetch(`${controlUrl}/api/desks/${encodeURIComponent(desk)}/devices`, { signal: AbortSignal.timeout(5_000) });
    const body = (await answer.json()) as { config?: DeviceConfig; message?: string };
    if (answer.ok && body.config)
      return {
        devices: body.config,
        note: `Simulated reader and card scanner of desk ${desk} (from npm start): ${controlUrl} or npm run demo:devices -- finger PMJ-S1000001 --desk ${desk}`,
      };
    return { devices: null, note: `No simulated devices for desk ${desk}: ${body.message ?? `HTTP ${answer.status}`}` };
  } catch {
    return {
      devices: null,
      note: `No simulated devices for desk ${desk}: the demo devices control (${controlUrl}) runs inside npm start, which is not running. Start it, then restart this desk.`,
    };
  }
}

export async function demoDesk(
  hospital: string,
  options: { repository: string; env: NodeJS.ProcessEnv },
): Promise<DemoDeskSettings | { readonly ok: false; readonly message: string }> {
  const { env } = options;
  const letter = hospital.trim().toUpperCase().replace(/^HSP-/, '');
  if (!/^[A-Z0-9]{1,12}$/.test(letter))
    return { ok: false, message: `--hospital takes a hospital code such as B (or HSP-B), not ${JSON.stringify(hospital)}.` };
  const isDeskA = letter === 'A';
  const dataDir = env.COVERDESK_DESK_DIR ?? resolve(options.repository, isDeskA ? '.data/desk' : `.data/desk-${letter.toLowerCase()}`);
  const port = Number(env.DESK_PORT ?? (isDeskA ? 4800 : letter === 'B' ? 4801 : 4802));
  const serverUrl = env.COVERDESK_SERVER_URL ?? `http://127.0.0.1:${env.PORT ?? 4700}`;
  // Configured devices (the variable or <dataDir>/devices.json) win over the demo's simulated ones.
  const configured = env.COVERDESK_DEVICES !== undefined || existsSync(resolve(dataDir, 'devices.json'));
  const simulated = configured ? { devices: null, note: null } : await demoDevices(letter, env);
  const presetCode = env.COVERDESK_ENROLL_CODE;
  return {
    ok: true,
    hospitalCode: letter,
    dataDir,
    port,
    devices: simulated.devices,
    note: simulated.note,
    enrollment: { serverUrl, code: () => (presetCode ? Promise.resolve(presetCode) : issueDemoCode(serverUrl, letter)) },
  };
}
