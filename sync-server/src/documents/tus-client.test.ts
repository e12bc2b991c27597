// Conformance against someone else's client (STYLE 17): the maintained tus client, tus-js-client,
// uploading to this server over a real socket — cut at 50 %, then resumed from the server's offset.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { Upload, type HttpRequest } from 'tus-js-client';
import { demoIds } from '../demo/seed';
import { describeEachBackend } from '../testing/backends';
import { resultOf, startTestServer, type TestServer } from '../testing/harness';
import { pdfBytes } from '../testing/documents';

describeEachBackend('tus-js-client against the document uploads (%s)', (backend) => {
  let server: TestServer;
  let origin = '';
  let desk = '';
  const caseId = randomUUID();

  beforeAll(async () => {
    server = await startTestServer(backend);
    origin = await server.app.listen({ port: 0, host: '127.0.0.1' });
    desk = await server.login('medco.a');
    resultOf(await server.command(desk, 'admit', { caseId, memberId: demoIds.son, identityMethod: 'fingerprint' }));
  });
  afterAll(async () => server?.close());

  /**
   * One run of the client. With `cutAt`, the line drops before any PATCH from that offset leaves
   * (the request hook fails, as a dead socket would): what the server holds is exactly what the
   * earlier PATCHes carried. Resolves with the offsets the sent PATCHes started at.
   */
  const run = (file: Buffer, options: { uploadUrl?: string; cutAt?: number }) =>
    new Promise<{ url: string | null; patchOffsets: number[]; finished: boolean; answer: string }>((resolve, reject) => {
      const patchOffsets: number[] = [];
      let answer = '';
      const upload: Upload = new Upload(file, {
        endpoint: `${origin}/documents/uploads`,
        ...(options.uploadUrl ? { uploadUrl: options.uploadUrl } : {}),
        headers: { authorization: `Bearer ${desk}` },
        metadata: { caseId, stage: 'claim', kind: 'discharge-summary', filename: 'discharge.pdf' },
        // Half the file per request when cutting: the cut comes exactly at 50 %.
        chunkSize: options.cutAt ?? file.length,
        retryDelays: [],
        storeFingerprintForResuming: false,
        onBeforeRequest: (request: HttpRequest) => {
          if (request.getMethod() !== 'PATCH') return;
          const offset = Number(request.getHeader('Upload-Offset'));
          if (options.cutAt !== undefined && offset >= options.cutAt) throw new Error('line dropped');
          patchOffsets.push(offset);
        },
        onAfterResponse: (request, response) => {
          if (request.getMethod() === 'PATCH' && response.getStatus() === 200) answer = response.getBody();
        },
        onSuccess: () => resolve({ url: upload.url, patchOffsets, finished: true, answer }),
        onError: (error) => (options.cutAt !== undefined ? resolve({ url: upload.url, patchOffsets, finished: false, answer }) : reject(error)),
      });
      upload.start();
    });

  it('an upload cut at 50 % resumes from the offset: the second run sends the rest only, attached once', async () => {
    const file = Buffer.concat([pdfBytes('twenty-megabyte discharge file, in small'), Buffer.alloc(2_500_000, 0x20)]); // past the JSON body limit (1 MB): tus bodies are streamed, not parsed
    const half = Math.floor(file.length / 2);
    const cut = await run(file, { cutAt: half });
    expect(cut).toMatchObject({ finished: false, patchOffsets: [0] });
    expect(cut.url).toMatch(/\/documents\/uploads\/[0-9a-f-]{36}$/);
    const resumed = await run(file, { uploadUrl: cut.url! });
    // The client asked the server where its copy ends (HEAD) and sent from there: one PATCH at 50 %.
    expect(resumed).toMatchObject({ finished: true, patchOffsets: [half] });
    expect(JSON.parse(resumed.answer)).toMatchObject({ outcome: 'attached', document: { caseId, sizeBytes: file.length, mediaType: 'application/pdf' } });
    const [count] = await server.scratch.db.query<{ count: number }>('SELECT count(*)::int AS count FROM case_documents WHERE case_id = $1', [caseId]);
    expect(count?.count).toBe(1);
    // The same file sent again from the start is the same document: never attached twice.
    const again = await run(file, {});
    expect(JSON.parse(again.answer)).toMatchObject({ outcome: 'already-attached' });
  });
});
