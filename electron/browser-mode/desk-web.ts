/**
 * `npm run desk:web`: the desk backend as a plain Node process, serving the desk screens on
 * localhost for any browser (browser mode). Settings:
 *   COVERDESK_DESK_DIR     where the replica and credential live (default .data/desk)
 *   DESK_PORT              the local port (default 4800)
 *   COVERDESK_SERVER_URL + COVERDESK_ENROLL_CODE   enroll at start (otherwise the screens ask)
 */
import { fileURLToPath } from 'node:url';
import { resolve } from 'node:path';
import { DeskBackend } from '../desk-backend/backend';
import { startDeskHost } from './desk-host';

const repository = resolve(fileURLToPath(new URL('../..', import.meta.url)));

async function main(): Promise<void> {
  const dataDir = process.env.COVERDESK_DESK_DIR ?? resolve(repository, '.data/desk');
  let isFirstSync = true;
  const backend = new DeskBackend({
    dataDir,
    sync: {
      // A progress line while the first (possibly large) sync runs; quiet afterwards.
      onProgress: (applied) => {
        if (!isFirstSync || applied === 0) return;
        process.stdout.write(`\rDesk replica: ${applied} records received…`);
      },
    },
  });
  backend.engine.onStatus((status) => {
    if (status.state === 'online' && isFirstSync) {
      isFirstSync = false;
      process.stdout.write('\n');
    }
  });
  const status = await backend.handlers['enrollment.status']({});
  if (status.ok && !status.value.isEnrolled && process.env.COVERDESK_SERVER_URL && process.env.COVERDESK_ENROLL_CODE) {
    const enrolled = await backend.handlers['enrollment.enroll']({ serverUrl: process.env.COVERDESK_SERVER_URL, code: process.env.COVERDESK_ENROLL_CODE });
    console.log(enrolled.ok ? `Desk enrolled at ${enrolled.value.hospitalName}.` : `Desk enrollment failed: ${enrolled.error.message}`);
  }
  backend.start();
  const host = await startDeskHost(backend, { port: Number(process.env.DESK_PORT ?? 4800), rendererDir: resolve(repository, 'renderer/dist') });
  console.log(`CoverDesk desk (browser mode) — data in ${dataDir}`);
  console.log(`Open ${host.url} in Chromium or any browser.`);
  const stop = async () => {
    await host.close();
    await backend.stop();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop());
  process.on('SIGTERM', () => void stop());
}

main().catch((error: unknown) => {
  console.error('The desk could not start:', error instanceof Error ? error.message : error);
  process.exit(1);
});
