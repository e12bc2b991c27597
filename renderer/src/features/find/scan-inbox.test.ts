import { describe, expect, it } from 'vitest';
import { ScanInbox, type ScanMessage } from './scan-inbox';

describe('scan inbox', () => {
  it('hands a scan that arrived before the find screen opened to it once', () => {
    const inbox = new ScanInbox();
    inbox.deliver({ kind: 'scan', schemeMemberId: 'PMJ-S1000001' });
    const received: ScanMessage[] = [];
    const stop = inbox.subscribe((message) => received.push(message));
    expect(received).toEqual([{ kind: 'scan', schemeMemberId: 'PMJ-S1000001' }]);
    stop();
    inbox.subscribe((message) => received.push(message));
    expect(received).toHaveLength(1);
  });

  it('delivers at once while the find screen listens, and keeps only the latest while it does not', () => {
    const inbox = new ScanInbox();
    const received: ScanMessage[] = [];
    const stop = inbox.subscribe((message) => received.push(message));
    inbox.deliver({ kind: 'error', message: 'Could not read the card.' });
    stop();
    inbox.deliver({ kind: 'scan', schemeMemberId: 'A' });
    inbox.deliver({ kind: 'scan', schemeMemberId: 'B' });
    inbox.subscribe((message) => received.push(message));
    expect(received).toEqual([
      { kind: 'error', message: 'Could not read the card.' },
      { kind: 'scan', schemeMemberId: 'B' },
    ]);
  });
});
