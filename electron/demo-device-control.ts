/**
 * The demo devices control: how a demo user puts a finger on a desk's simulated reader, scans a
 * card and reads the one-time codes the demo server "sent", however the demo was started (a
 * terminal, in the background, from an IDE). `npm start` serves it on loopback only
 * (http://127.0.0.1:4790, DEMO_DEVICES_PORT): a page for people, a small JSON API for
 * `npm run demo:devices` (demo-devices-cli.ts) and for `npm run desk:web -- --hospital B`, which
 * asks it for its desk's simulated devices. The same command words work in every place:
 *
 *   finger PMJ-S1000001 [--desk B]     the member's enrolled finger on the reader (another id: a wrong finger)
 *   card PMJ-S1000001 [--desk B]       the scanner reads that card
 *   otp                                the newest one-time codes (from the demo server's /dev/sms)
 *   status                             which desks have simulated devices
 *
 * Only this computer reaches it: it listens on 127.0.0.1, answers only requests naming its own
 * host (no DNS rebinding), and takes actions only as JSON from its own page or a client without a
 * browser Origin (a cross-site form cannot send JSON, and a cross-origin fetch of JSON needs a
 * preflight it never answers).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { DeviceConfig } from './desk-backend/devices';
import type { DemoDevices } from './demo-devices';

export const defaultDemoDevicesPort = 4790;

/** The demo's desks, by hospital letter (A: `npm start`'s desk, B: `npm run desk:web -- --hospital B`). */
export type DemoDesk = 'A' | 'B';

export type DemoCommand =
  | { readonly kind: 'finger'; readonly desk: DemoDesk; readonly schemeMemberId: string }
  | { readonly kind: 'card'; readonly desk: DemoDesk; readonly payload: string }
  | { readonly kind: 'otp' }
  | { readonly kind: 'status' };

export const demoCommandUsage = [
  "finger <scheme member id> [--desk A|B]   put that member's enrolled finger on the reader (another id is a wrong finger)",
  'card <scheme member id or card payload> [--desk A|B]   scan a health card',
  'otp                                      show the newest one-time codes the demo server sent',
  'status                                   show which desks have simulated devices',
].join('\n');

const schemeMemberIdPattern = /^[A-Za-z0-9][A-Za-z0-9-]{0,39}$/;
/** What a card's code can hold: printable ASCII (a scheme member id, or `CDK1|…|…|…|…`). */
const cardPayloadPattern = /^[\x21-\x7e]{1,200}$/;

export function parseDemoDesk(value: string): DemoDesk | null {
  const letter = value.trim().toUpperCase().replace(/^HSP-/, '');
  return letter === 'A' || letter === 'B' ? letter : null;
}

/** Parse command words (argv, a typed line split on spaces); a sentence saying what is wrong otherwise. */
export function parseDemoCommand(
  words: readonly string[],
): { readonly ok: true; readonly command: DemoCommand } | { readonly ok: false; readonly message: string } {
  const rest: string[] = [];
  let desk: DemoDesk = 'A';
  for (let index = 0; index < words.length; index += 1) {
    const word = words[index]!;
    const inline = /^--desk=(.*)$/.exec(word);
    if (word === '--desk' || inline) {
      const value = inline ? inline[1]! : words[(index += 1)];
      const parsed = value === undefined ? null : parseDemoDesk(value);
      if (!parsed) return { ok: false, message: `--desk takes A or B, not ${JSON.stringify(value ?? '')}.` };
      desk = parsed;
    } else if (word !== '') {
      rest.push(word);
    }
  }
  const [verb, value, extra] = rest;
  if (extra !== undefined) return { ok: false, message: `One value only after ${verb}; got ${JSON.stringify(rest.slice(1).join(' '))}.` };
  switch (verb?.toLowerCase()) {
    case 'finger':
      if (value === undefined || !schemeMemberIdPattern.test(value))
        return { ok: false, message: 'finger needs a scheme member id, e.g. finger PMJ-S1000001.' };
      return { ok: true, command: { kind: 'finger', desk, schemeMemberId: value.toUpperCase() } };
    case 'card':
      if (value === undefined || !cardPayloadPattern.test(value))
        return { ok: false, message: 'card needs what the card holds (a scheme member id, e.g. card PMJ-S1000001), in printable characters without spaces.' };
      return { ok: true, command: { kind: 'card', desk, payload: value.toUpperCase() } };
    case 'otp':
    case 'status':
      if (value !== undefined) return { ok: false, message: `${verb} takes no value.` };
      return { ok: true, command: { kind: verb.toLowerCase() === 'otp' ? 'otp' : 'status' } };
    default:
      return { ok: false, message: `Unknown command ${JSON.stringify(rest.join(' '))}. Commands:\n${demoCommandUsage}` };
  }
}

export interface SinkMessage {
  readonly phoneEnding: string;
  readonly text: string;
  readonly at: string;
}

/** The newest messages of the demo server's SMS sink (GET /dev/sms), with a sentence listing the last five. */
export async function readOneTimeCodes(serverUrl: string): Promise<{ readonly status: number; readonly body: Record<string, unknown> }> {
  try {
    const answer = await fetch(`${serverUrl}/dev/sms`, { signal: AbortSignal.timeout(5_000) });
    if (answer.status === 404)
      return {
        status: 404,
        body: { code: 'no-sms-sink', message: `The server at ${serverUrl} does not show an SMS sink (/dev/sms): it does not hold the demo scheme.` },
      };
    const messages = ((await answer.json()) as { messages?: SinkMessage[] }).messages ?? [];
    const codes = messages.map((message) => `${message.at.slice(11, 19)} …${message.phoneEnding} ${message.text}`);
    return {
      status: 200,
      body: {
        messages,
        message: codes.length ? codes.slice(0, 5).join('\n') : 'No one-time code has been sent yet: press "Send code" on the desk\'s identity screen first.',
      },
    };
  } catch {
    return { status: 502, body: { code: 'server-unreachable', message: `The demo server at ${serverUrl} cannot be reached.` } };
  }
}

export interface DemoDeviceControl {
  readonly server: Server;
  readonly url: string;
  /** Carry out a command as the page and the API do; the answer is the sentence they show. */
  run(command: DemoCommand): Promise<{ readonly status: number; readonly body: Record<string, unknown> }>;
  close(): Promise<void>;
}

const members = [
  ['PMJ-S1000001', 'Father'],
  ['PMJ-S1000002', 'Mother'],
  ['PMJ-S1000003', 'Son'],
  ['PMJ-S1000004', 'Daughter'],
] as const;

const pageCss = `body{font:16px/1.5 system-ui,sans-serif;margin:1.5rem auto;max-width:60rem;padding:0 1rem;color:#1b1f24}
section{border:1px solid #c6ccd2;border-radius:6px;padding:0 1rem 1rem;margin:1rem 0}
button{font:inherit;margin:.2rem .3rem .2rem 0;padding:.3rem .7rem}input{font:inherit;padding:.25rem}
#answer{font-weight:600;min-height:1.5em}li{font-family:ui-monospace,monospace}`;

const pageScript = `const answer = document.getElementById('answer');
async function send(path, body) {
  const response = await fetch(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const result = await response.json();
  answer.textContent = result.message;
}
for (const button of document.querySelectorAll('button[data-action]')) {
  button.addEventListener('click', () => {
    const { action, desk, value } = button.dataset;
    const typed = value ?? document.getElementById(action + '-' + desk).value.trim();
    void send('/api/desks/' + desk + '/' + action, action === 'finger' ? { schemeMemberId: typed } : { payload: typed });
  });
}
async function refreshCodes() {
  const list = document.getElementById('codes');
  const response = await fetch('/api/otp');
  const result = await response.json();
  list.replaceChildren(...(response.ok ? result.messages : [{ at: '', phoneEnding: '', text: result.message }]).slice(0, 10).map((message) => {
    const item = document.createElement('li');
    item.textContent = message.at ? message.at.slice(11, 19) + '  …' + message.phoneEnding + '  ' + message.text : message.text;
    return item;
  }));
}
document.getElementById('refresh').addEventListener('click', () => void refreshCodes());
void refreshCodes();
setInterval(() => void refreshCodes(), 3000);`;

function page(desks: ReadonlyMap<DemoDesk, DemoDevices>): string {
  const deskSections = [...desks.keys()]
    .map(
      (desk) => `<section aria-labelledby="desk-${desk}">
<h2 id="desk-${desk}">Desk ${desk} (hospital ${desk}${desk === 'A' ? ', <code>npm start</code>' : ', <code>npm run desk:web -- --hospital B</code>'})</h2>
<h3>Fingerprint reader</h3>
<p>Put a finger on the reader, then press Capture (or Enrol) on the desk's identity screen within 15 seconds.</p>
<p>${members.map(([id, who]) => `<button type="button" data-action="finger" data-desk="${desk}" data-value="${id}">${who}'s finger (${id})</button>`).join('')}</p>
<p><label for="finger-${desk}">Another member's finger (a wrong finger for the patient)</label> <input id="finger-${desk}" placeholder="PMJ-S1000005"> <button type="button" data-action="finger" data-desk="${desk}">Place finger</button></p>
<h3>Health-card scanner</h3>
<p>${members.map(([id, who]) => `<button type="button" data-action="card" data-desk="${desk}" data-value="${id}">Scan ${who.toLowerCase()}'s card (${id})</button>`).join('')}</p>
<p><label for="card-${desk}">Another card</label> <input id="card-${desk}" placeholder="PMJ-S1000005"> <button type="button" data-action="card" data-desk="${desk}">Scan card</button></p>
</section>`,
    )
    .join('\n');
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>CoverDesk demo devices</title><link rel="stylesheet" href="/page.css"></head>
<body><main><h1>CoverDesk demo devices</h1>
<p>Simulated hardware of the demo desks. The same from a terminal: <code>npm run demo:devices -- finger PMJ-S1000001</code> (<code>card …</code>, <code>otp</code>, <code>--desk B</code>).</p>
<p id="answer" role="status" aria-live="polite"></p>
${deskSections || '<p>No simulated devices are running (socat is missing: <code>apt-get install socat</code>).</p>'}
<section aria-labelledby="codes-heading"><h2 id="codes-heading">One-time codes sent to families' phones</h2>
<p>What the demo server's SMS sink received, newest first. <button type="button" id="refresh">Refresh</button></p><ul id="codes"></ul></section>
</main><script src="/page.js"></script></body></html>`;
}

function reply(response: ServerResponse, status: number, body: Record<string, unknown>): void {
  response.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
  response.end(JSON.stringify(body));
}

/** The JSON body of a POST (at most 4 KiB), or the refusal to send. */
async function readJson(
  request: IncomingMessage,
): Promise<{ ok: true; value: Record<string, unknown> } | { ok: false; status: number; code: string; message: string }> {
  if (!/^application\/json\b/i.test(request.headers['content-type'] ?? ''))
    return { ok: false, status: 415, code: 'unsupported-media-type', message: 'Send the command as JSON (content-type: application/json).' };
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > 4096) return { ok: false, status: 413, code: 'body-too-large', message: 'A demo device command is at most 4 KiB.' };
    chunks.push(chunk);
  }
  try {
    const value: unknown = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) return { ok: true, value: value as Record<string, unknown> };
  } catch {
    // answered below
  }
  return { ok: false, status: 400, code: 'invalid-json', message: 'The body is not a JSON object.' };
}

/**
 * Serve the control for these desks' simulated devices. `serverUrl` is the demo sync server whose
 * /dev/sms holds the one-time codes.
 */
export function startDemoDeviceControl(options: {
  port: number;
  desks: ReadonlyMap<DemoDesk, DemoDevices>;
  serverUrl: string;
  log?: (line: string) => void;
}): Promise<DemoDeviceControl> {
  const log = options.log ?? ((line: string) => console.log(line));
  const run = async (command: DemoCommand): Promise<{ status: number; body: Record<string, unknown> }> => {
    if (command.kind === 'status') {
      return {
        status: 200,
        body: {
          desks: [...options.desks.keys()],
          message: options.desks.size
            ? `Simulated devices for desk${options.desks.size > 1 ? 's' : ''} ${[...options.desks.keys()].join(' and ')}.`
            : 'No simulated devices are running.',
        },
      };
    }
    if (command.kind === 'otp') return readOneTimeCodes(options.serverUrl);
    const devices = options.desks.get(command.desk);
    if (!devices)
      return {
        status: 404,
        body: {
          code: 'no-such-desk',
          message: `Desk ${command.desk} has no simulated devices here (they are: ${[...options.desks.keys()].join(', ') || 'none'}).`,
        },
      };
    if (command.kind === 'finger') {
      devices.placeFinger(command.schemeMemberId);
      const message = `Desk ${command.desk}: the finger of ${command.schemeMemberId} is on the reader. Press Capture (or Enrol) on the identity screen now (within 15 seconds).`;
      log(message);
      return { status: 200, body: { message } };
    }
    await devices.scanCard(command.payload);
    const message = `Desk ${command.desk}: card ${command.payload} scanned.`;
    log(message);
    return { status: 200, body: { message } };
  };

  const server = createServer((request, response) => {
    void (async () => {
      const port = (server.address() as { port: number }).port;
      const ownHosts = [`127.0.0.1:${port}`, `localhost:${port}`];
      if (!ownHosts.includes(request.headers.host ?? ''))
        return reply(response, 421, { code: 'wrong-host', message: 'The demo devices answer only requests addressed to 127.0.0.1.' });
      const origin = request.headers.origin;
      if (origin !== undefined && !ownHosts.map((host) => `http://${host}`).includes(origin))
        return reply(response, 403, { code: 'forbidden-origin', message: 'Only the demo devices page itself may use the demo devices.' });
      const path = (request.url ?? '/').split('?')[0]!;
      if (request.method === 'GET' && path === '/') {
        response.writeHead(200, {
          'content-type': 'text/html; charset=utf-8',
          'content-security-policy': "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; form-action 'none'; frame-ancestors 'none'",
          'x-content-type-options': 'nosniff',
          'cache-control': 'no-store',
        });
        return response.end(page(options.desks));
      }
      if (request.method === 'GET' && path === '/page.js') {
        response.writeHead(200, { 'content-type': 'text/javascript; charset=utf-8', 'x-content-type-options': 'nosniff' });
        return response.end(pageScript);
      }
      if (request.method === 'GET' && path === '/page.css') {
        response.writeHead(200, { 'content-type': 'text/css; charset=utf-8', 'x-content-type-options': 'nosniff' });
        return response.end(pageCss);
      }
      if (request.method === 'GET' && (path === '/api/otp' || path === '/api/status')) {
        const answer = await run({ kind: path === '/api/otp' ? 'otp' : 'status' });
        return reply(response, answer.status, answer.body);
      }
      const devicesPath = /^\/api\/desks\/([^/]+)\/devices$/.exec(path);
      if (request.method === 'GET' && devicesPath) {
        const desk = parseDemoDesk(decodeURIComponent(devicesPath[1]!));
        const devices = desk ? options.desks.get(desk) : undefined;
        if (!devices)
          return reply(response, 404, { code: 'no-such-desk', message: `There are no simulated devices for desk ${decodeURIComponent(devicesPath[1]!)}.` });
        const config: DeviceConfig = devices.config;
        return reply(response, 200, { config });
      }
      const action = /^\/api\/desks\/([^/]+)\/(finger|card)$/.exec(path);
      if (action) {
        if (request.method !== 'POST') return reply(response, 405, { code: 'method-not-allowed', message: `${path} takes POST.` });
        const body = await readJson(request);
        if (!body.ok) return reply(response, body.status, { code: body.code, message: body.message });
        const value = action[2] === 'finger' ? body.value.schemeMemberId : body.value.payload;
        const parsed = parseDemoCommand([action[2]!, typeof value === 'string' ? value : '', '--desk', decodeURIComponent(action[1]!)]);
        if (!parsed.ok) return reply(response, 400, { code: 'invalid-input', message: parsed.message });
        const answer = await run(parsed.command);
        return reply(response, answer.status, answer.body);
      }
      return reply(response, 404, { code: 'not-found', message: `Nothing at ${request.method} ${path}.` });
    })().catch((error: unknown) => {
      if (!response.headersSent)
        reply(response, 500, { code: 'internal-error', message: `The demo devices failed: ${error instanceof Error ? error.message : String(error)}` });
      else response.destroy();
    });
  });

  return new Promise((resolveStart, rejectStart) => {
    server.once('error', rejectStart);
    server.listen(options.port, '127.0.0.1', () => {
      const url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
      resolveStart({ server, url, run, close: () => new Promise((done) => server.close(() => done())) });
    });
  });
}
