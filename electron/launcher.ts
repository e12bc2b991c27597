/**
 * `npm start`: the sync server with the demo scheme, and the desk — in Electron when its binary is
 * installed, otherwise in browser mode (the desk backend in Node, the screens in any browser).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { simulatedEnrolmentTemplate } from '../native/fingerprint-uart/simulator';
import { demoFingerIdentity, startDemoDevices, type DemoDevices } from './demo-devices';
import { issueDemoCode } from './browser-mode/demo-desk';
import { defaultDemoDevicesPort, parseDemoCommand, startDemoDeviceControl, type DemoDesk, type DemoDeviceControl } from './demo-device-control';

const repository = resolve(fileURLToPath(new URL('..', import.meta.url)));
const serverPort = Number(process.env.PORT ?? 4700);
const deskPort = Number(process.env.DESK_PORT ?? 4800);
const serverUrl = `http://127.0.0.1:${serverPort}`;
const demoDevicesPort = Number(process.env.DEMO_DEVICES_PORT ?? defaultDemoDevicesPort);
const children: ChildProcess[] = [];
const devices = new Map<DemoDesk, DemoDevices>();
let control: DemoDeviceControl | null = null;

function electronBinary(): string | null {
  try {
    const path = createRequire(import.meta.url)('electron') as unknown;
    return typeof path === 'string' && existsSync(path) ? path : null;
  } catch {
    return null; // the npm package is there, its binary is not (it cannot be downloaded here)
  }
}

function run(command: string, args: string[], env: Record<string, string>, prefix: string): ChildProcess {
  const child = spawn(command, args, { cwd: repository, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const forward = (chunk: Buffer) => process.stdout.write(chunk.toString().replace(/^(?=.)/gm, `${prefix} `));
  child.stdout?.on('data', forward);
  child.stderr?.on('data', forward);
  children.push(child);
  return child;
}

async function waitFor(child: ChildProcess, text: string, what: string): Promise<void> {
  await new Promise<void>((resolveWait, rejectWait) => {
    let seen = '';
    const onData = (chunk: Buffer) => {
      seen += chunk.toString();
      if (seen.includes(text)) resolveWait();
    };
    child.stdout?.on('data', onData);
    child.once('exit', (code) => rejectWait(new Error(`${what} stopped (exit ${code}) before it was ready`)));
  });
}

/**
 * The S1 family's fingers, enrolled as the simulated readers will see them (`finger PMJ-S100000n`
 * on the demo devices control), so fingerprint identification works from the first start. Each is
 * enrolled as a desk must (a verified code, an admission at hospital A, then the case cancelled);
 * a member enrolled already is left as it is.
 */
async function enrollDemoFingers(): Promise<void> {
  const login = await fetch(`${serverUrl}/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'medco.a', password: 'coverdesk-demo' }),
  });
  const { token } = (await login.json()) as { token: string };
  const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
  // Members already enrolled (an earlier start of this demo database) are left as they are.
  const haLogin = await fetch(`${serverUrl}/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'ha', password: 'coverdesk-demo' }),
  });
  const { token: haToken } = (await haLogin.json()) as { token: string };
  const review = await fetch(`${serverUrl}/reviews/biometric-enrolments`, { headers: { authorization: `Bearer ${haToken}` } });
  const { enrolments } = (await review.json()) as { enrolments?: { memberId: string; modality: string; revokedAt: string | null }[] };
  const enrolled = new Set((enrolments ?? []).filter((row) => row.modality === 'fingerprint' && row.revokedAt === null).map((row) => row.memberId));
  for (const schemeMemberId of ['PMJ-S1000001', 'PMJ-S1000002', 'PMJ-S1000003', 'PMJ-S1000004']) {
    // The member's id, as a desk finds it online (the launcher knows the demo only by its scheme ids).
    const found = await fetch(`${serverUrl}/commands/identify-member`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ commandId: randomUUID(), by: 'scheme-id', value: schemeMemberId }),
    });
    const memberId = ((await found.json()) as { result?: { member?: { memberId?: string } } }).result?.member?.memberId;
    if (!memberId) throw new Error(`the demo member ${schemeMemberId} is not on the server (HTTP ${found.status})`);
    if (enrolled.has(memberId)) continue;
    // The path every desk takes (issue 13 item 5): a one-time code to the family's phone (read
    // from this demo server's SMS sink, loopback only), an admission identified by it, the finger
    // enrolled on that case and code, and the set-up case cancelled again.
    const command = async (name: string, body: Record<string, unknown>): Promise<void> => {
      const answer = await fetch(`${serverUrl}/commands/${name}`, { method: 'POST', headers, body: JSON.stringify({ commandId: randomUUID(), ...body }) });
      if (answer.status !== 200) throw new Error(`enrolling the demo fingers failed at ${name} (HTTP ${answer.status}: ${await answer.text()})`);
    };
    const challengeId = randomUUID();
    await command('send-otp', { challengeId, memberId });
    const sink = (await (await fetch(`${serverUrl}/dev/sms`)).json()) as { messages?: { text?: string }[] };
    const code = /code is (\d{6})/.exec(sink.messages?.[0]?.text ?? '')?.[1];
    if (!code) throw new Error('enrolling the demo fingers failed: no one-time code reached the demo SMS sink');
    await command('verify-otp', { challengeId, code });
    const caseId = randomUUID();
    await command('admit', { caseId, memberId, identityMethod: 'otp', otpChallengeId: challengeId });
    const template = Buffer.from(simulatedEnrolmentTemplate(demoFingerIdentity(schemeMemberId))).toString('base64');
    await command('enroll-fingerprint', { memberId, caseId, otpChallengeId: challengeId, template });
    await command('cancel-case', { caseId, reason: 'Demo set-up: fingerprint enrolment only' });
  }
}

async function main(): Promise<void> {
  const server = run(process.execPath, ['--import', 'tsx', 'sync-server/src/main.ts', '--demo'], { PORT: String(serverPort) }, '[server]');
  await waitFor(server, 'Listening on', 'The sync server');
  await enrollDemoFingers();
  const deskDir = process.env.COVERDESK_DESK_DIR ?? resolve(repository, '.data/desk');
  const needsEnrollment = !existsSync(resolve(deskDir, 'desk-credential'));
  const enrollment: Record<string, string> = needsEnrollment
    ? { COVERDESK_SERVER_URL: serverUrl, COVERDESK_ENROLL_CODE: await issueDemoCode(serverUrl, 'A') }
    : {};

  // Simulated fingerprint modules and card scanners on pseudo-terminals, unless real ones are
  // configured: desk A's for the desk started here, desk B's for `npm run desk:web -- --hospital B`.
  if (!process.env.COVERDESK_DEVICES && process.env.COVERDESK_SIMULATED_DEVICES !== '0') {
    for (const desk of ['A', 'B'] as const) {
      const started = await startDemoDevices();
      if (!started) break;
      devices.set(desk, started);
    }
    await startControl();
  }
  const deskADevices = devices.get('A');
  const deviceEnv: Record<string, string> = deskADevices ? { COVERDESK_DEVICES: JSON.stringify(deskADevices.config) } : {};
  // The desk screens and the payer console (served by the server at /console/) are one build.
  if (
    !existsSync(resolve(repository, 'renderer/dist/index.html')) ||
    !existsSync(resolve(repository, 'renderer/dist/console.html')) ||
    process.env.COVERDESK_REBUILD === '1'
  ) {
    console.log('Building the desk screens and the payer console (first start only)…');
    const build = spawnSync(
      process.execPath,
      [resolve(repository, 'node_modules/vite/bin/vite.js'), 'build', '--config', 'renderer/vite.config.ts', '--logLevel', 'warn'],
      { cwd: repository, stdio: 'inherit' },
    );
    if (build.status !== 0) throw new Error('building the desk screens failed');
  }
  console.log(`Payer console: ${serverUrl}/console/  (ppd, mc, admin, cex, cpd, aco, ha / coverdesk-demo)`);
  const electron = electronBinary();
  if (electron) {
    const build = spawnSync(process.execPath, ['--import', 'tsx', 'electron/build-main.ts'], { cwd: repository, stdio: 'inherit' });
    if (build.status !== 0) throw new Error('building the Electron main process failed');
    run(electron, ['dist/electron/main.cjs'], { ...enrollment, ...deviceEnv, COVERDESK_DESK_DIR: deskDir }, '[desk]');
    console.log('Starting the desk in Electron.');
    printDeviceHelp();
    return;
  }
  console.log("Electron's binary is not installed on this machine, so the desk starts in browser mode.");
  const desk = run(
    process.execPath,
    ['--import', 'tsx', 'electron/browser-mode/desk-web.ts'],
    { ...enrollment, ...deviceEnv, COVERDESK_DESK_DIR: deskDir, DESK_PORT: String(deskPort) },
    '[desk]',
  );
  await waitFor(desk, 'Open http', 'The desk');
  console.log(`\nCoverDesk is running. Desk: http://127.0.0.1:${deskPort}  (sign in as medco.a / coverdesk-demo)   Server API: ${serverUrl}/docs`);
  console.log('A second desk, at hospital B: npm run desk:web -- --hospital B  (then http://127.0.0.1:4801, medco.b / coverdesk-demo)');
  printDeviceHelp();
  console.log('Press Ctrl-C to stop.');
}

/** The demo devices control (page + API) and, when this terminal is one, typed commands. */
async function startControl(): Promise<void> {
  try {
    control = await startDemoDeviceControl({ port: demoDevicesPort, desks: devices, serverUrl });
  } catch (error) {
    console.log(
      `The demo devices control cannot listen on 127.0.0.1:${demoDevicesPort} (${error instanceof Error ? error.message : String(error)}); set DEMO_DEVICES_PORT to another port.`,
    );
  }
  if (!process.stdin.isTTY) return;
  const input = createInterface({ input: process.stdin });
  input.on('line', (line) => {
    const words = line.trim().split(/\s+/).filter(Boolean);
    if (words.length === 0) return;
    // A bare id is a card scan at desk A, as it always was in this terminal.
    const parsed = parseDemoCommand(words.length === 1 && !['otp', 'status'].includes(words[0]!.toLowerCase()) ? ['card', words[0]!] : words);
    if (!parsed.ok) return console.log(parsed.message);
    if (!control) return console.log('The demo devices control is not running (see above).');
    void control.run(parsed.command).then((answer) => {
      // finger and card log their own line; otp and status are answered here.
      if (parsed.command.kind === 'otp' || parsed.command.kind === 'status' || answer.status !== 200) console.log(String(answer.body.message));
    });
  });
  process.once('exit', () => input.close());
}

function printDeviceHelp(): void {
  if (devices.size === 0) return;
  const where = control ? `open ${control.url} in a browser, or run` : 'run';
  console.log(
    `Simulated fingerprint readers and card scanners (desks A and B): ${where} \`npm run demo:devices -- finger PMJ-S1000001\` (\`card PMJ-S1000001\`, \`otp\` for one-time codes, \`--desk B\`)${process.stdin.isTTY ? ', or type those words here' : ''}.`,
  );
  console.log('PMJ-S1000001..4 are the S1 family (father, mother, son, daughter), whose fingers are enrolled; any other id is a wrong finger.');
}

let isStopping = false;
/** Stop the server and the desk, and leave once they have (their databases closed), or after 10 s. */
const stopAll = () => {
  if (isStopping) return;
  isStopping = true;
  const running = children.filter((child) => child.exitCode === null && child.signalCode === null);
  const exited = running.map((child) => new Promise((resolveExit) => child.once('exit', resolveExit)));
  for (const child of running) child.kill('SIGTERM');
  void control?.close();
  void Promise.all([...exited, ...[...devices.values()].map((started) => started.close())]).then(() => process.exit());
  setTimeout(() => process.exit(), 10_000).unref();
};
process.on('SIGINT', stopAll);
process.on('SIGTERM', stopAll);

main().catch((error: unknown) => {
  console.error('CoverDesk could not start:', error instanceof Error ? error.message : error);
  stopAll();
  process.exitCode = 1;
});
