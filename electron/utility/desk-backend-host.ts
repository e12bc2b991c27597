/**
 * Electron utility process: hosts the desk backend (replica, outbox, sync engine, devices) off
 * the main process. Talks to main over parentPort: calls in, answers and events out. The desk
 * credential, the biometric at-rest key and the replica key live in main (safeStorage); they are handed over at
 * start and stored back through main.
 */
import { DeskBackend } from '../desk-backend/backend';
import type { SecretStore } from '../desk-backend/secret-store';
import type { DeskApiHandlers, DeskChannel } from '../desk-api/contract';

interface ParentPort {
  on(event: 'message', listener: (message: { data: unknown }) => void): void;
  postMessage(message: unknown): void;
}
const parentPort = (process as unknown as { parentPort: ParentPort }).parentPort;

let credential: string | null = null;
const secretStore: SecretStore = {
  read: () => credential,
  write: (secret) => {
    credential = secret;
    parentPort.postMessage({ kind: 'store-secret', secret });
  },
};

let biometricKey: string | null = null;
const biometricKeyStore: SecretStore = {
  read: () => biometricKey,
  write: (secret) => {
    biometricKey = secret;
    parentPort.postMessage({ kind: 'store-biometric-key', secret });
  },
};

// Made and stored by main before start (main.ts replicaKey), so it is never written from here.
let replicaKey: string | null = null;
const replicaKeyStore: SecretStore = {
  read: () => replicaKey,
  write: () => {
    throw new Error('The replica key is made by the main process before the desk backend starts.');
  },
};

let backend: DeskBackend | null = null;

parentPort.on('message', ({ data }) => {
  const message = data as {
    kind: string;
    id?: number;
    channel?: DeskChannel;
    args?: unknown;
    dataDir?: string;
    requireHttps?: boolean;
    credential?: string | null;
    biometricKey?: string | null;
    replicaKey?: string | null;
    appVersion?: string;
  };
  if (message.kind === 'init' && message.dataDir) {
    credential = message.credential ?? null;
    biometricKey = message.biometricKey ?? null;
    replicaKey = message.replicaKey ?? null;
    backend = new DeskBackend({
      dataDir: message.dataDir,
      requireHttps: message.requireHttps === true,
      secretStore,
      biometricKeyStore,
      replicaKeyStore,
      ...(typeof message.appVersion === 'string' ? { appVersion: message.appVersion } : {}),
    });
    backend.onEvent((event, payload) => parentPort.postMessage({ kind: 'event', event, payload }));
    backend.start();
    parentPort.postMessage({ kind: 'ready' });
    return;
  }
  if (message.kind === 'call' && backend && message.channel && typeof message.id === 'number') {
    const handler = backend.handlers[message.channel] as (args: unknown) => ReturnType<DeskApiHandlers[DeskChannel]>;
    const id = message.id;
    handler(message.args).then(
      (result) => parentPort.postMessage({ kind: 'answer', id, result }),
      (error: unknown) =>
        parentPort.postMessage({
          kind: 'answer',
          id,
          result: { ok: false, error: { code: 'internal-error', message: error instanceof Error ? error.message : String(error) } },
        }),
    );
  }
});
