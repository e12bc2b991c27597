import { describe, expect, it } from 'vitest';
import { readPullPage, type ReceivedPage } from './server-client';

const checkpoint = { from: '10', next: '12', table: 3, afterId: null };
const documents = [
  { table: 'families', id: 'f1', row: { id: 'f1', cover: 500_000, activeCases: [{ caseId: null, isOwnHospital: false }] } },
  { table: 'members', id: 'm1', row: { fullName: 'Zoë Ñúñez "Jr"', note: 'a\nb', birthYear: 1980 } },
  { table: 'packages', id: 'MG "0" 12', row: { code: 'MG "0" 12', price: 600_000 } },
  { table: 'bookings', id: 'b1', row: { amount: 35_000, closedAt: null } },
] as const;
const answer = { protocolVersion: 1, documents, checkpoint, hasMore: true, serverTime: '2026-12-04T03:00:00.000Z' };
/** The server's layout (pull.ts, pullAnswerBody): head, one document per line, tail; rows spaced as PostgreSQL writes them. */
const pgRow = (row: object) => JSON.stringify(row).replace(/":/g, '" : ');
const line = (d: (typeof documents)[number]) => `{"table":"${d.table}","id":${JSON.stringify(d.id)},"row":${pgRow(d.row)}}`;
const serverLayout = (
  docs: readonly (typeof documents)[number][],
  tail = `],"checkpoint":${JSON.stringify(checkpoint)},"hasMore":true,"serverTime":"2026-12-04T03:00:00.000Z"}`,
) => `{"protocolVersion":1,"documents":[\n${docs.map(line).join(',\n')}${docs.length > 0 ? '\n' : ''}${tail}`;
/** What the desk uses of a page: rows as objects. */
const meaning = (page: ReceivedPage) => ({ ...page, documents: page.documents.map(({ table, id, row }) => ({ table, id, row })) });

describe('readPullPage: a pull page read line by line and checked as the contract would', () => {
  it("reads the server's line layout — non-ASCII text, escaped quotes and line breaks — and keeps each row's text as sent", () => {
    const page = readPullPage(Buffer.from(serverLayout(documents)));
    expect(meaning(page)).toEqual(answer);
    expect(page.documents.map((d) => d.rowText)).toEqual(documents.map((d) => pgRow(d.row)));
    expect(meaning(readPullPage(Buffer.from(serverLayout([]))))).toEqual({ ...answer, documents: [] });
    expect(meaning(readPullPage(Buffer.from(serverLayout(documents.slice(0, 1)))))).toEqual({ ...answer, documents: documents.slice(0, 1) });
  });

  it('reads any other layout of the same JSON whole (compact, pretty-printed, reordered keys), checked against the contract', () => {
    expect(meaning(readPullPage(Buffer.from(JSON.stringify(answer))))).toEqual(answer);
    expect(meaning(readPullPage(Buffer.from(JSON.stringify(answer, null, 2))))).toEqual(answer);
    const reordered = { checkpoint, documents, protocolVersion: 1, hasMore: true, serverTime: answer.serverTime };
    expect(meaning(readPullPage(Buffer.from(JSON.stringify(reordered))))).toEqual(answer);
    expect(meaning(readPullPage(Buffer.from(`${serverLayout(documents)}\n`)))).toEqual(answer);
    // One document line written another way (keys reordered) is parsed and checked whole.
    const other = serverLayout(documents).replace(line(documents[3]), '{"id":"b1","row":{"amount":35000,"closedAt":null},"table":"bookings"}');
    expect(meaning(readPullPage(Buffer.from(other)))).toEqual(answer);
    // Close to the line layout but not it: read whole, with JSON's meaning.
    expect(meaning(readPullPage(Buffer.from(serverLayout([]).replace('[\n]', '[\n\n]'))))).toEqual({ ...answer, documents: [] });
    const split = serverLayout(documents).replace('"cover" : 500000,', '"cover" : 500000,\n');
    expect(meaning(readPullPage(Buffer.from(split)))).toEqual(answer);
    // A key repeated after the documents: the last one counts, as in JSON.parse.
    const repeated = serverLayout(documents).replace('],"checkpoint":', '],"documents":[],"checkpoint":');
    expect(readPullPage(Buffer.from(repeated)).documents).toEqual([]);
  });

  it('refuses what is not JSON, wherever the damage is', () => {
    const good = serverLayout(documents);
    const damaged = [
      good.replace('"cover" : 500000', '"cover" : 500000,,'), // a damaged row
      good.replace(`${line(documents[0])},\n`, `${line(documents[0])}\n`), // a missing separator
      good.slice(0, good.length - 1), // a cut tail
      `${good}garbage`, // something after the answer
    ];
    for (const text of damaged) expect(() => readPullPage(Buffer.from(text)), text.slice(0, 80)).toThrow(SyntaxError);
  });

  it('refuses JSON that is not a pull answer of this protocol, line by line as well as whole', () => {
    const good = serverLayout(documents);
    const foreign = [
      good.replace('"table":"bookings"', '"table":"payments"'), // a table the desk does not replicate
      good.replace(`"row":${pgRow(documents[3].row)}`, '"row":[1,2]'), // a row that is not an object
      good.replace(`"row":${pgRow(documents[3].row)}`, `"row":${pgRow(documents[3].row)},"extra":1`), // more than a document holds
      good.replace('{"table":"bookings","id":"b1"', '{"table":"bookings","id":7'), // an id that is not a string
      good.replace('"protocolVersion":1', '"protocolVersion":9'), // another protocol
      serverLayout(documents, `],"checkpoint":{"from":1},"hasMore":true,"serverTime":"x"}`), // a checkpoint this server never issues
      JSON.stringify({ ...answer, documents: [{ table: 'bookings', id: 'b1' }] }), // whole: a document without its row
      good.replace('"protocolVersion":1', '"protocolVersion":01'), // not a JSON number
      good.replace('"id":"b1"', '"id":"b\t1"'), // a raw control character in a string
    ];
    for (const text of foreign) expect(() => readPullPage(Buffer.from(text)), text.slice(0, 120)).toThrow(/sync protocol|not a document|JSON/);
  });
});
