/**
 * Entry point. In CoverDesk's Electron window the preload exposes the desk API over IPC; in browser
 * mode the desk backend serves this page and the desk API on the same host (ws://<host>/desk-api).
 * `?fake=1` swaps in the in-memory fake backend, in development builds only: a production desk can
 * never be pointed at a fake by a URL.
 */
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './app/App';
import { deskApiUrlFrom } from './desk-client/desk-url';
import { findPreloadApi, IpcDeskClient } from './desk-client/ipc-client';
import { WebSocketDeskClient } from './desk-client/websocket-client';
import { createDeskVerifier } from './features/identity/identity-verifier';
import './styles/desk.css';

async function start(): Promise<void> {
  const container = document.getElementById('root');
  if (!container) throw new Error('index.html has no #root');
  const root = createRoot(container);
  if (import.meta.env.DEV && new URLSearchParams(window.location.search).get('fake') === '1') {
    const { startFakeDesk } = await import('./dev/fake-desk');
    const { client, verifier, devTools } = startFakeDesk();
    root.render(
      <StrictMode>
        <App client={client} verifier={verifier} devTools={devTools} />
      </StrictMode>,
    );
    return;
  }
  const preload = findPreloadApi(window);
  const client = preload ? new IpcDeskClient(preload) : new WebSocketDeskClient({ url: deskApiUrlFrom(window.location) });
  root.render(
    <StrictMode>
      <App client={client} verifier={createDeskVerifier(client)} />
    </StrictMode>,
  );
}

void start();
