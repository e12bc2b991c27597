import { describe, expect, it } from 'vitest';
import { connectionText } from './DeskHeader';

const status = (change: Partial<Parameters<typeof connectionText>[0]>): Parameters<typeof connectionText>[0] => ({
  state: 'online',
  isOnline: true,
  lastError: null,
  firstSync: null,
  ...change,
});
const at = '2026-12-06T10:00:00.000Z';

describe("the header says what is true about the server, in the operator's words", () => {
  it('online, syncing, and online with a refused sync', () => {
    expect(connectionText(status({}))).toBe('Online');
    expect(connectionText(status({ state: 'syncing' }))).toBe('Online, syncing…');
    expect(connectionText(status({ state: 'error', lastError: { code: 'desk-revoked', message: 'This desk was revoked.', at } }))).toBe(
      'Online, but the last sync did not go through: This desk was revoked.',
    );
  });

  it('below the minimum desk version: "update required" with the version, not an error (issue 23)', () => {
    const updateRequired = {
      minimumVersion: '1.5.0',
      message: 'Update CoverDesk to 1.5.0 before sending: this desk runs 1.4.0. Its changes are kept on this desk and are sent once it is updated.',
    };
    expect(connectionText(status({ updateRequired }))).toBe(
      'Update required: Update CoverDesk to 1.5.0 before sending: this desk runs 1.4.0. Changes made here are kept and are sent once CoverDesk is updated.',
    );
    // Offline, offline is what matters.
    expect(connectionText(status({ updateRequired, state: 'offline', isOnline: false, lastError: { code: 'unreachable', message: 'x', at } }))).toMatch(
      /^Offline: /,
    );
  });

  it("offline says why by the fault's kind and never shows the library's error text", () => {
    const unreachable = { code: 'unreachable', message: 'The server at http://127.0.0.1:4700/ cannot be reached.', at };
    const offline = connectionText(status({ state: 'offline', isOnline: false, lastError: unreachable }));
    expect(offline).toBe(
      'Offline: the server cannot be reached; reconnecting by itself. Working from this desk’s copy: changes wait here and are sent when the server answers.',
    );
    // A retry under way does not change the words (the line is a live region).
    expect(connectionText(status({ state: 'syncing', isOnline: false, lastError: unreachable }))).toBe(offline);
    for (const raw of ['fetch failed', 'ECONNREFUSED', 'TypeError']) {
      expect(
        connectionText(
          status({ state: 'offline', isOnline: false, lastError: { code: 'unreachable', message: `The server cannot be reached (${raw}).`, at } }),
        ),
      ).not.toContain(raw);
    }
    expect(
      connectionText(
        status({
          state: 'offline',
          isOnline: false,
          lastError: { code: 'bad-answer', message: 'The pull answer does not match the sync protocol (SyntaxError: Unexpected token <).', at },
        }),
      ),
    ).toBe(
      'Offline: the server’s answers cannot be read (a network device may be in the way); reconnecting by itself. Working from this desk’s copy: changes wait here and are sent when the server answers.',
    );
  });

  it('before the first exchange, not enrolled, and during a first sync', () => {
    expect(connectionText(status({ state: 'offline', isOnline: false }))).toBe('Connecting to the server…');
    expect(connectionText(status({ state: 'not-enrolled', isOnline: false }))).toBe('This desk is not enrolled with a server.');
    expect(
      connectionText(
        status({
          state: 'offline',
          isOnline: false,
          firstSync: { documentsReceived: 40_000 },
          lastError: { code: 'unreachable', message: 'x (fetch failed)', at },
        }),
      ),
    ).toBe('Setting up this desk: paused at 40,000 records received (the server cannot be reached); it resumes by itself');
  });
});
