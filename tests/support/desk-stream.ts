import { connect, type Socket } from 'node:net';
import { demoIds, seedDemo } from '../../sync-server/src/demo/seed';
import { prepareServer } from '../../sync-server/src/server-state';
import { hashSecret } from '../../sync-server/src/sync/desk-auth';
import type { ScratchDatabase } from '../../sync-server/src/testing/databases';
import { testServerKeys } from '../../sync-server/src/testing/keys';

/**
 * The demo scheme migrated and seeded into an empty scratch database, with `count` more enrolled
 * desks of hospital A (a credential each, written straight into `desks`, as enrolment would):
 * the `Authorization` header of desk i (1…count).
 */
export async function seedStreamDesks(scratch: ScratchDatabase, count: number): Promise<(i: number) => string> {
  const state = await prepareServer(scratch.db, { keys: testServerKeys });
  await seedDemo(scratch.db, { nationalIdKey: state.nationalIdKey, extraFamilies: 0 });
  await state.stop();
  const secret = 'bench-streams-desk-secret-0123456789';
  await scratch.db.query(
    `INSERT INTO desks (id, hospital_id, name, status, credential_hash, enrolled_at)
       SELECT ('40000000-0000-4000-8000-' || lpad(to_hex(g), 12, '0'))::uuid, $1, 'Stream desk ' || g, 'active', $2, now()
         FROM generate_series(1, $3::int) g`,
    [demoIds.hospitalA, hashSecret(secret), count],
  );
  return (i) => `Desk 40000000-0000-4000-8000-${i.toString(16).padStart(12, '0')}.${secret}`;
}

/**
 * One desk's event stream (GET /sync/stream) on a raw socket: the lightest client, so that
 * 10,000 of them share one process (bench/streams-bench.ts). `opened` is called once: with no
 * error when the server's first poke (`connected`) arrives, or with why it did not.
 */
export class DeskStream {
  readonly socket: Socket;
  isOpen = false;
  isClosed = false;
  /** Time of the latest `changed` poke (performance.now()). */
  lastPokeAt = 0;
  pokes = 0;
  private head = '';

  constructor(port: number, authorization: string, opened: (stream: DeskStream, error?: string) => void) {
    this.socket = connect({ port, host: '127.0.0.1' });
    this.socket.setNoDelay(true);
    this.socket.on('connect', () => {
      this.socket.write(`GET /sync/stream HTTP/1.1\r\nhost: 127.0.0.1\r\nauthorization: ${authorization}\r\naccept: text/event-stream\r\n\r\n`);
    });
    this.socket.on('data', (chunk: Buffer) => {
      const text = chunk.toString('latin1');
      if (!this.isOpen) {
        this.head += text;
        if (!this.head.includes('"reason":"connected"')) {
          if (this.head.includes('\r\n\r\n') && !this.head.startsWith('HTTP/1.1 200')) {
            opened(this, this.head.split('\r\n')[0]);
            this.socket.destroy();
          }
          return;
        }
        this.isOpen = true;
        this.head = '';
        opened(this);
        return;
      }
      if (text.includes('"reason":"changed"')) {
        this.lastPokeAt = performance.now();
        this.pokes += 1;
      }
    });
    const closed = (error?: Error) => {
      if (this.isClosed) return;
      this.isClosed = true;
      if (!this.isOpen) opened(this, error?.message ?? 'closed before it opened');
    };
    this.socket.on('error', closed);
    this.socket.on('close', () => closed());
  }

  close(): void {
    this.socket.destroy();
  }
}
