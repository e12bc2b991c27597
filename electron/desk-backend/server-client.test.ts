import { describe, expect, it } from 'vitest';
import { parsePullPage } from './server-client';

const checkpoint = { from: '10', next: '12', table: 3, afterId: null };
const documents = [
  { table: 'families', id: 'f1', row: { id: 'f1', cover: 500_000, activeCases: [{ caseId: null, isOwnHospital: false }] } },
  { table: 'members', id: 'm1', row: { fullName: 'Zoë Ñúñez "Jr"', note: 'a\nb', birthYear: 1980 } },
  { table: 'bookings', id: 'b1', row: { amount: 35_000, closedAt: null } },
];
const answer = { protocolVersion: 1, documents, checkpoint, hasMore: true, serverTime: '2026-12-04T03:00:00.000Z' };
/** The server's layout (pull.ts, pullAnswerBody): head, one document per line, tail. */
const serverLayout = (docs: readonly unknown[]) => `{"protocolVersion":1,"documents":[\n${docs.map((d) => JSON.stringify(d)).join(',\n')}${docs.length > 0 ? '\n' : ''}],"checkpoint":${JSON.stringify(checkpoint)},"hasMore":true,"serverTime":"2026-12-04T03:00:00.000Z"}`;

describe('parsePullPage: a pull page read line by line, as JSON.parse would read it whole', () => {
  it('reads the server\'s line layout, including non-ASCII text and escaped line breaks', () => {
    expect(parsePullPage(Buffer.from(serverLayout(documents)))).toEqual(answer);
    expect(parsePullPage(Buffer.from(serverLayout([])))).toEqual({ ...answer, documents: [] });
    expect(parsePullPage(Buffer.from(serverLayout(documents.slice(0, 1))))).toEqual({ ...answer, documents: documents.slice(0, 1) });
  });

  it('reads any other layout of the same JSON whole (compact, pretty-printed, reordered)', () => {
    expect(parsePullPage(Buffer.from(JSON.stringify(answer)))).toEqual(answer);
    expect(parsePullPage(Buffer.from(JSON.stringify(answer, null, 2)))).toEqual(answer);
    const reordered = { checkpoint, documents, protocolVersion: 1, hasMore: true, serverTime: answer.serverTime };
    expect(parsePullPage(Buffer.from(JSON.stringify(reordered)))).toEqual(answer);
    // The line layout with a trailing line break is still the same JSON.
    expect(parsePullPage(Buffer.from(`${serverLayout(documents)}\n`))).toEqual(answer);
  });

  it('refuses what is not JSON, wherever the damage is', () => {
    const good = serverLayout(documents);
    const cases = [
      good.replace('"cover":500000', '"cover":500000,,'), // a damaged document line
      good.replace('},\n{"table":"members"', '}\n{"table":"members"'), // a missing separator
      good.slice(0, good.length - 1), // a cut tail
      `${good}garbage`, // something after the answer
      good.replace('{"table":"bookings"', '{"table":"bookings"\u0000'),
    ];
    for (const text of cases) expect(() => parsePullPage(Buffer.from(text)), text.slice(0, 80)).toThrow(SyntaxError);
  });
});
