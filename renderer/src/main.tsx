/**
 * Entry point. In CoverDesk's Electron window the preload exposes the desk API over IPC; in browser
 * mode the desk backend serves this page and the desk API on the same host (ws://<host>/desk-api).
 * The in-memory fake desk for screen work lives outside src/ (renderer/dev/, its own page
 * dev/fake.html on the dev server): no build of this entry can contain it.
 */
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './app/App';
import { deskApiUrlFrom } from './desk-client/desk-url';
import { findPreloadApi, IpcDeskClient } from './desk-client/ipc-client';
import { WebSocketDeskClient } from './desk-client/websocket-client';
import { createDeskVerifier } from './features/identity/identity-verifier';
import './styles/desk.css';
import './i18n/fonts';
import { LanguageProvider } from './i18n/LanguageProvider';

async function start(): Promise<void> {
  const container = document.getElementById('root');
  if (!container) throw new Error('index.html has no #root');
  const root = createRoot(container);
  const preload = findPreloadApi(window);
  const client = preload ? new IpcDeskClient(preload) : new WebSocketDeskClient({ url: deskApiUrlFrom(window.location) });
  root.render(
    <StrictMode>
      {/* English, Hindi and Marathi (issue 19): the sign-in screen and the header offer the switch; App takes up the operator's choice. */}
      <LanguageProvider scope="desk">
        <App client={client} verifier={createDeskVerifier(client)} />
      </LanguageProvider>
    </StrictMode>,
  );
}

void start();
