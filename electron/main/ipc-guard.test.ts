import { describe, expect, it } from 'vitest';
import { channelOf, isTrustedSender, isValidPayload } from './ipc-guard';

describe('IPC guard of the Electron main process', () => {
  const entry = 'file:///opt/CoverDesk/resources/app/renderer/index.html';
  it('accepts only desk API channels with the prefix', () => {
    expect(channelOf('desk:cases.admit')).toBe('cases.admit');
    expect(channelOf('desk:fs.readFile')).toBeNull();
    expect(channelOf('cases.admit')).toBeNull();
  });
  it('trusts only the top frame showing our own page', () => {
    expect(isTrustedSender(`${entry}#/cases`, entry, true)).toBe(true);
    expect(isTrustedSender(entry, entry, false)).toBe(false);
    expect(isTrustedSender('https://evil.example/index.html', entry, true)).toBe(false);
    expect(isTrustedSender('file:///tmp/other.html', entry, true)).toBe(false);
    expect(isTrustedSender('not a url', entry, true)).toBe(false);
  });
  it('accepts only plain, bounded JSON objects', () => {
    expect(isValidPayload({ caseId: 'x' })).toBe(true);
    expect(isValidPayload(null)).toBe(false);
    expect(isValidPayload([1])).toBe(false);
    expect(isValidPayload(new Date())).toBe(false);
    expect(isValidPayload({ big: 'x'.repeat(300_000) })).toBe(false);
  });
});
