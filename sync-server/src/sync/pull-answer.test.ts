import { Compile } from 'typebox/compile';
import { describe, expect, it } from 'vitest';
import { PullAnswer } from '@contract/sync';
import { pullAnswerBody, type PullResult } from './pull';

const checkpoint = { from: '10', next: '12', table: 3, afterId: '30000000-0000-4000-8000-000000000001' };
const validator = Compile(PullAnswer);

describe('pullAnswerBody: the pull answer as bytes, one document per line', () => {
  it('is the contract JSON, with a head line, a line per document and a tail line', () => {
    const documents = [
      '{"table":"families","id":"10000000-0000-4000-8000-000000000001","row":{"id" : "10000000-0000-4000-8000-000000000001", "cover" : 500000}}',
      '{"table":"members","id":"20000000-0000-4000-8000-000000000001","row":{"fullName" : "Zoë Ñúñez \\"Jr\\"", "note" : "a\\nb"}}',
    ];
    const result: PullResult = { documents, checkpoint, hasMore: true };
    const body = pullAnswerBody(result, 1, '2026-12-04T03:00:00.000Z');
    const text = body.toString('utf8');
    const parsed = JSON.parse(text) as { documents: { row: Record<string, unknown> }[] };
    expect(validator.Check(parsed)).toBe(true);
    expect(parsed).toEqual({
      protocolVersion: 1,
      documents: documents.map((d) => JSON.parse(d) as unknown),
      checkpoint,
      hasMore: true,
      serverTime: '2026-12-04T03:00:00.000Z',
    });
    expect(parsed.documents[1]!.row.fullName).toBe('Zoë Ñúñez "Jr"');
    expect(text.split('\n')).toEqual([
      '{"protocolVersion":1,"documents":[',
      `${documents[0]},`,
      documents[1],
      `],"checkpoint":${JSON.stringify(checkpoint)},"hasMore":true,"serverTime":"2026-12-04T03:00:00.000Z"}`,
    ]);
    // Measured and written to the byte (non-ASCII names take two bytes a letter).
    expect(body.length).toBe(Buffer.byteLength(text));
  });

  it('turns a raw line break inside a document (JSON whitespace) into a space, so each document stays one line', () => {
    const document = '{"table":"claims","id":"70000000-0000-4000-8000-000000000001","row":{"lines" : [{"a" : 1},\n {"a" : 2}],\r\n"x" : "keep \\n escaped"}}';
    const text = pullAnswerBody({ documents: [document], checkpoint, hasMore: false }, 1, 'now').toString('utf8');
    expect(text.split('\n')).toHaveLength(3);
    const parsed = JSON.parse(text) as { documents: unknown[] };
    expect(parsed.documents).toEqual([JSON.parse(document) as unknown]);
  });

  it('an empty page is a head line and a tail line', () => {
    const text = pullAnswerBody({ documents: [], checkpoint, hasMore: false }, 1, 'now').toString('utf8');
    expect(text.split('\n')).toHaveLength(2);
    expect(JSON.parse(text)).toEqual({ protocolVersion: 1, documents: [], checkpoint, hasMore: false, serverTime: 'now' });
  });
});
