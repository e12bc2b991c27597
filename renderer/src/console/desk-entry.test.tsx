import { afterEach, describe, expect, it } from 'vitest';
import { markupOf } from '../testing/markup';
import { canOfferPayerWorkspaces, hasPayerRole, PayerWorkspacesLink } from './desk-entry';

/** Where the desk page runs: browser mode (no bridge), Electron, or Electron with an older preload. */
function runIn(bridge: object | null): void {
  Reflect.set(globalThis, 'window', bridge ? { coverdesk: bridge } : {});
}

describe('the desk app offers the payer workspaces', () => {
  afterEach(() => {
    Reflect.deleteProperty(globalThis, 'window');
  });

  it('only to operators with a payer role', () => {
    expect(hasPayerRole(['MEDCO'])).toBe(false);
    expect(hasPayerRole(['MEDCO', 'PPD'])).toBe(true);
    expect(hasPayerRole(['HA'])).toBe(true);
    expect(hasPayerRole(['NOT-A-ROLE'])).toBe(false);
  });

  it('in browser mode as a link to the console page the desk host serves', () => {
    runIn(null);
    expect(canOfferPayerWorkspaces()).toBe(true);
    expect(markupOf(<PayerWorkspacesLink>Payer workspaces (online)</PayerWorkspacesLink>)).toBe('<a href="./console.html">Payer workspaces (online)</a>');
  });

  it('in Electron as a button that asks the main process to open the server’s console in its own window', () => {
    runIn({ openPayerWorkspaces: () => Promise.resolve({ ok: true }) });
    expect(canOfferPayerWorkspaces()).toBe(true);
    const html = markupOf(<PayerWorkspacesLink>Payer workspaces (online)</PayerWorkspacesLink>);
    expect(html).toBe('<button type="button" class="link-button">Payer workspaces (online)</button>');
  });

  it('not at all from an Electron preload that cannot open it (no dead link)', () => {
    runIn({ onEvent: () => () => undefined });
    expect(canOfferPayerWorkspaces()).toBe(false);
    expect(markupOf(<PayerWorkspacesLink>Payer workspaces (online)</PayerWorkspacesLink>)).toBe('');
  });
});
