/**
 * `npm run demo:devices -- <command>`: put a finger on a demo desk's simulated reader, scan a card,
 * or read the one-time codes the demo server sent, from any terminal, while `npm start` runs (it
 * serves the demo devices control: demo-device-control.ts). `otp` asks the demo server itself, so it
 * also works with `npm run server`. Settings: DEMO_DEVICES_URL (default http://127.0.0.1:4790),
 * COVERDESK_SERVER_URL (default http://127.0.0.1:4700, PORT). Exit status 0 when done, 1 when refused or unreachable, 2 for a wrong command.
 */
import { defaultDemoDevicesPort, demoCommandUsage, parseDemoCommand, readOneTimeCodes } from './demo-device-control';

const controlUrl = process.env.DEMO_DEVICES_URL ?? `http://127.0.0.1:${process.env.DEMO_DEVICES_PORT ?? defaultDemoDevicesPort}`;

async function main(): Promise<number> {
  const words = process.argv.slice(2);
  if (words.length === 0 || words.includes('--help')) {
    console.log(`npm run demo:devices -- <command>\n${demoCommandUsage}`);
    return words.length === 0 ? 2 : 0;
  }
  const parsed = parseDemoCommand(words);
  if (!parsed.ok) {
    console.error(parsed.message);
    return 2;
  }
  const command = parsed.command;
  if (command.kind === 'otp') {
    const codes = await readOneTimeCodes(process.env.COVERDESK_SERVER_URL ?? `http://127.0.0.1:${process.env.PORT ?? 4700}`);
    (codes.status === 200 ? console.log : console.error)(String(codes.body.message));
    return codes.status === 200 ? 0 : 1;
  }
  const request =
    command.kind === 'status'
      ? { path: '/api/status', init: { method: 'GET' } }
      : {
          path: `/api/desks/${command.desk}/${command.kind}`,
          init: {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify(command.kind === 'finger' ? { schemeMemberId: command.schemeMemberId } : { payload: command.payload }),
          },
        };
  let answer: Response;
  try {
    answer = await fetch(`${controlUrl}${request.path}`, { ...request.init, signal: AbortSignal.timeout(10_000) });
  } catch {
    console.error(
      `The demo devices do not answer at ${controlUrl}. They run inside \`npm start\`: start it first (in any way: a terminal, the background, an IDE).`,
    );
    return 1;
  }
  const body = (await answer.json()) as { message?: unknown };
  const message = typeof body.message === 'string' ? body.message : JSON.stringify(body);
  if (answer.ok) console.log(message);
  else console.error(message);
  return answer.ok ? 0 : 1;
}

process.exitCode = await main();
