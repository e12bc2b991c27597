/**
 * The dev server's fake desk (`npx vite --config renderer/vite.config.ts`, then /dev/fake.html):
 * the desk screens against the in-memory fake backend, with a panel to play the server's and the
 * payer side's part. `?hospital=B` for hospital B. A separate page outside src/: the production
 * build's inputs are index.html and console.html only, so nothing here can reach what users run
 * (renderer/build-output.test.ts holds that).
 */
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from '../src/app/App';
import { startFakeDesk } from './fake-desk';
import '../src/styles/desk.css';

const container = document.getElementById('root');
if (!container) throw new Error('fake.html has no #root');
const { client, verifier, devTools } = startFakeDesk();
createRoot(container).render(
  <StrictMode>
    <App client={client} verifier={verifier} devTools={devTools} />
  </StrictMode>,
);
