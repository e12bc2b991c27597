/**
 * The payer console's entry (console.html): served by the sync server at /console/, it talks to
 * that same server (same origin) with the operator's token.
 */
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import '../styles/desk.css';
import './console.css';
import '../i18n/fonts';
import { LanguageProvider } from '../i18n/LanguageProvider';
import { ConsoleApp } from './app/ConsoleApp';
import { ConsoleApi } from './data/api';

const root = document.getElementById('root');
if (!root) throw new Error('console.html has no #root');
createRoot(root).render(
  <StrictMode>
    <LanguageProvider scope="console">
      <ConsoleApp api={new ConsoleApi('')} />
    </LanguageProvider>
  </StrictMode>,
);
