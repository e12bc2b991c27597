import { randomUUID } from 'node:crypto';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { demoIds } from '../demo/seed';
import { describeEachBackend } from '../testing/backends';
import { resultOf, startTestServer, type TestServer } from '../testing/harness';
import { settleAuditChain, snapshotDatabase } from '../testing/snapshot';
import { createUpload, elfBytes, jpegBytes, patchUpload, pdfBytes, peBytes, pngBytes, uploadDocument, uploadOffset } from '../testing/documents';
import { maxDocumentBytes } from '@domain/documents';
import { FileSystemDocumentStore } from './store';

const units = (n: number) => n * 100;

describeEachBackend('supporting documents: checklists, uploads, scoped reads (%s)', (backend) => {
  let server: TestServer;
  let deskA = '',
    deskB = '',
    ppd = '',
    ha = '';
  const caseA = randomUUID();

  beforeAll(async () => {
    server = await startTestServer(backend);
    deskA = await server.login('medco.a');
    deskB = await server.login('medco.b');
    ppd = await server.login('ppd');
    ha = await server.login('ha');
    // MG001A's checklist: clinical notes and an investigation report for the pre-auth; a
    // discharge summary and the itemised bill for the claim; a report to answer a query.
    resultOf(
      await server.command(ha, 'set-document-requirements', {
        packageCode: 'MG001A',
        stage: 'preauth',
        kinds: ['clinical-notes', 'investigation-report'],
        reason: 'Scheme circular 7/2026',
      }),
    );
    resultOf(
      await server.command(ha, 'set-document-requirements', {
        packageCode: 'MG001A',
        stage: 'claim',
        kinds: ['discharge-summary', 'bill'],
        reason: 'Circular',
      }),
    );
    resultOf(
      await server.command(ha, 'set-document-requirements', {
        packageCode: 'MG001A',
        stage: 'query-response',
        kinds: ['investigation-report'],
        reason: 'Circular',
      }),
    );
    resultOf(await server.command(deskA, 'admit', { caseId: caseA, memberId: demoIds.son, identityMethod: 'fingerprint' }));
  });
  afterAll(async () => server?.close());

  const unchanged = async (send: () => Promise<{ status: number; body: Record<string, unknown> }>) => {
    await settleAuditChain(server.scratch.db);
    const before = await snapshotDatabase(server.scratch.db);
    const answer = await send();
    await settleAuditChain(server.scratch.db);
    expect(await snapshotDatabase(server.scratch.db)).toEqual(before);
    return answer;
  };
  const countDocuments = async (caseId: string) =>
    (await server.scratch.db.query<{ count: number }>('SELECT count(*)::int AS count FROM case_documents WHERE case_id = $1', [caseId]))[0]!.count;

  it('HA sets a checklist; only HA may, for a package that exists', async () => {
    const answer = await server.command(deskA, 'set-document-requirements', { packageCode: 'MG001A', stage: 'claim', kinds: [], reason: 'x' });
    expect(answer.status).toBe(403);
    const unknown = await server.command(ha, 'set-document-requirements', { packageCode: 'NOPE01', stage: 'claim', kinds: ['bill'], reason: 'x' });
    expect(unknown.status).toBe(404);
    const twice = await server.command(ha, 'set-document-requirements', { packageCode: 'MG001A', stage: 'claim', kinds: ['bill', 'bill'], reason: 'x' });
    expect(twice.status).toBe(400);
    const list = (await server.get(deskA, `/cases/${caseA}/documents?packageCode=MG001A`)).body;
    expect(list).toMatchObject({
      caseId: caseA,
      packageCode: 'MG001A',
      documents: [],
      checklist: [
        { stage: 'preauth', required: ['clinical-notes', 'investigation-report'], missing: ['clinical-notes', 'investigation-report'] },
        { stage: 'query-response', required: ['investigation-report'], missing: ['investigation-report'] },
        { stage: 'claim', required: ['discharge-summary', 'bill'], missing: ['discharge-summary', 'bill'] },
      ],
    });
  });

  it('a pre-auth without its documents is refused with the list, before any money moves: nothing written', async () => {
    const commandId = randomUUID();
    const answer = await unchanged(() => server.command(deskA, 'request-preauth', { commandId, caseId: caseA, packageCode: 'MG001A' }));
    expect(answer.status).toBe(422);
    expect(answer.body).toMatchObject({
      code: 'documents-missing',
      details: { stage: 'preauth', packageCode: 'MG001A', missing: ['clinical-notes', 'investigation-report'] },
    });
    expect(String(answer.body.message)).toContain('clinical notes, investigation report');
    // One of two attached: the list names what is still missing.
    expect(
      (await uploadDocument(server, deskA, { caseId: caseA, stage: 'preauth', kind: 'clinical-notes', name: 'notes.pdf' }, pdfBytes('notes'))).status,
    ).toBe(200);
    const still = await unchanged(() => server.command(deskA, 'request-preauth', { commandId, caseId: caseA, packageCode: 'MG001A' }));
    expect(still.body).toMatchObject({ code: 'documents-missing', details: { missing: ['investigation-report'] } });
    // A document of another stage does not count for this one.
    expect((await uploadDocument(server, deskA, { caseId: caseA, stage: 'claim', kind: 'investigation-report', name: 'x.png' }, pngBytes(7))).status).toBe(200);
    expect((await server.command(deskA, 'request-preauth', { commandId, caseId: caseA, packageCode: 'MG001A' })).status).toBe(422);
    // Both attached: the same command id now goes through (the refusal stored nothing).
    expect((await uploadDocument(server, deskA, { caseId: caseA, stage: 'preauth', kind: 'investigation-report', name: 'cbc.jpg' }, jpegBytes(1))).status).toBe(
      200,
    );
    const preauth = resultOf(await server.command(deskA, 'request-preauth', { commandId, caseId: caseA, packageCode: 'MG001A' }));
    expect(preauth).toMatchObject({ holdAmount: units(9000), preauthStatus: 'pending' });
  });

  it('a query response without its documents is refused, nothing written; with them it goes through', async () => {
    resultOf(await server.command(ppd, 'decide-preauth', { caseId: caseA, decision: 'query', reason: 'Send the latest platelet count' }));
    const answer = await unchanged(() => server.command(deskA, 'respond-query', { caseId: caseA, response: 'Platelets 90,000' }));
    expect(answer.status).toBe(422);
    expect(answer.body).toMatchObject({ code: 'documents-missing', details: { stage: 'query-response', missing: ['investigation-report'] } });
    expect(
      (await uploadDocument(server, deskA, { caseId: caseA, stage: 'query-response', kind: 'investigation-report', name: 'platelets.pdf' }, pdfBytes('plt')))
        .status,
    ).toBe(200);
    expect(resultOf(await server.command(deskA, 'respond-query', { caseId: caseA, response: 'Platelets 90,000' }))).toMatchObject({ preauthStatus: 'pending' });
  });

  it('a claim without its documents is refused, the hold untouched; with them it is submitted', async () => {
    resultOf(await server.command(ppd, 'decide-preauth', { caseId: caseA, decision: 'approve' }));
    resultOf(
      await server.command(deskA, 'add-booking', {
        bookingId: randomUUID(),
        caseId: caseA,
        itemCode: 'PKG',
        description: 'Package',
        quantity: 1,
        unitPrice: units(9000),
      }),
    );
    resultOf(await server.command(deskA, 'discharge', { caseId: caseA }));
    const claimId = randomUUID();
    const answer = await unchanged(() => server.command(deskA, 'submit-claim', { claimId, caseId: caseA, amount: units(9000) }));
    expect(answer.status).toBe(422);
    expect(answer.body).toMatchObject({ code: 'documents-missing', details: { stage: 'claim', missing: ['discharge-summary', 'bill'] } });
    const [hold] = await server.scratch.db.query<{ status: string }>('SELECT status FROM holds WHERE case_id = $1', [caseA]);
    expect(hold?.status).toBe('active');
    for (const [kind, bytes] of [
      ['discharge-summary', pdfBytes('summary')],
      ['bill', pdfBytes('bill')],
    ] as const)
      expect((await uploadDocument(server, deskA, { caseId: caseA, stage: 'claim', kind, name: `${kind}.pdf` }, bytes)).status).toBe(200);
    expect(resultOf(await server.command(deskA, 'submit-claim', { claimId, caseId: caseA, amount: units(9000) }))).toMatchObject({ status: 'submitted' });
    const list = (await server.get(deskA, `/cases/${caseA}/documents`)).body as { checklist: { missing: string[] }[]; documents: unknown[] };
    expect(list.checklist.every((stage) => stage.missing.length === 0)).toBe(true);
    expect(list.documents).toHaveLength(6);
  });

  it('attack: an ELF or PE executable renamed .pdf is refused by its content; nothing attached, its bytes removed', async () => {
    for (const bytes of [elfBytes(), peBytes()]) {
      const before = await countDocuments(caseA);
      const answer = await uploadDocument(server, deskA, { caseId: caseA, stage: 'claim', kind: 'discharge-summary', name: 'discharge.pdf' }, bytes);
      expect(answer.status).toBe(415);
      expect(answer.body).toMatchObject({ code: 'unsupported-media-type' });
      expect(await countDocuments(caseA)).toBe(before);
    }
    expect((await readdir(join(server.documentsRoot, 'uploads'))).filter((name) => !name.endsWith('.json'))).toEqual([]);
  });

  it('a file larger than the limit, or of no length, is refused at creation', async () => {
    const request = { caseId: caseA, stage: 'claim', kind: 'bill', name: 'big.pdf' };
    expect((await createUpload(server, deskA, request, maxDocumentBytes + 1)).status).toBe(413);
    expect((await createUpload(server, deskA, request, 0)).status).toBe(400);
    const badStage = await createUpload(server, deskA, { ...request, stage: 'discharge' }, 10);
    expect(badStage).toMatchObject({ status: 400, body: { code: 'invalid-input' } });
  });

  it('the same file is never attached twice to a case and stage: the second upload answers the first document', async () => {
    const caseId = randomUUID();
    resultOf(await server.command(deskA, 'admit', { caseId, memberId: demoIds.daughter, identityMethod: 'fingerprint' }));
    const bytes = pdfBytes('same file');
    const first = await uploadDocument(server, deskA, { caseId, stage: 'preauth', kind: 'clinical-notes', name: 'a.pdf' }, bytes);
    const second = await uploadDocument(server, deskA, { caseId, stage: 'preauth', kind: 'other', name: 'b.pdf' }, bytes);
    expect(first.body).toMatchObject({ outcome: 'attached', document: { mediaType: 'application/pdf', sizeBytes: bytes.length } });
    expect(second.body).toMatchObject({ outcome: 'already-attached', document: { documentId: (first.body.document as { documentId: string }).documentId } });
    expect(await countDocuments(caseId)).toBe(1);
    // At another stage the same file is that stage's document.
    expect((await uploadDocument(server, deskA, { caseId, stage: 'claim', kind: 'other', name: 'a.pdf' }, bytes)).body).toMatchObject({ outcome: 'attached' });
    expect(await countDocuments(caseId)).toBe(2);
  });

  it('an upload cut at 50 % resumes from the offset: the server receives only the rest', async () => {
    const caseId = randomUUID();
    resultOf(await server.command(deskA, 'admit', { caseId, memberId: demoIds.mother, identityMethod: 'fingerprint' }));
    const bytes = Buffer.concat([pdfBytes('big scan'), Buffer.alloc(200_000, 0x41)]);
    const half = Math.floor(bytes.length / 2);
    const created = await createUpload(server, deskA, { caseId, stage: 'claim', kind: 'discharge-summary', name: 'scan.pdf' }, bytes.length);
    expect(created.status).toBe(201);
    const location = String(created.headers.location);
    expect((await patchUpload(server, deskA, location, 0, bytes.subarray(0, half))).headers['upload-offset']).toBe(String(half));
    // The line drops. On reconnect the desk asks where the server's copy ends, and sends from there.
    const offset = Number((await uploadOffset(server, deskA, location)).headers['upload-offset']);
    expect(offset).toBe(half);
    const uploadId = location.split('/').pop()!;
    expect((await stat(join(server.documentsRoot, 'uploads', uploadId))).size).toBe(half);
    // Sending from zero again is refused by the protocol (409 offset mismatch): no byte is taken twice.
    expect((await patchUpload(server, deskA, location, 0, bytes)).status).toBe(409);
    const rest = bytes.subarray(offset);
    const finished = await patchUpload(server, deskA, location, offset, rest);
    expect(finished.status).toBe(200);
    expect(finished.body).toMatchObject({ outcome: 'attached', document: { sizeBytes: bytes.length } });
    const documentId = (finished.body.document as { documentId: string }).documentId;
    const read = await server.app.inject({ method: 'GET', url: `/documents/${documentId}`, headers: { authorization: `Bearer ${deskA}` } });
    expect(read.rawPayload.equals(bytes)).toBe(true);
    expect(await countDocuments(caseId)).toBe(1);
  });

  it('attack: a desk of another hospital can neither attach to, continue, list nor read a case not its own', async () => {
    const created = await createUpload(server, deskB, { caseId: caseA, stage: 'claim', kind: 'other', name: 'x.pdf' }, 100);
    expect(created).toMatchObject({ status: 404, body: { code: 'not-found' } });
    const own = await createUpload(server, deskA, { caseId: caseA, stage: 'claim', kind: 'other', name: 'y.pdf' }, 100);
    const location = String(own.headers.location);
    expect((await uploadOffset(server, deskB, location)).status).toBe(404);
    expect((await patchUpload(server, deskB, location, 0, pdfBytes().subarray(0, 50))).status).toBe(404);
    expect((await server.get(deskB, `/cases/${caseA}/documents`)).status).toBe(404);
    const [document] = await server.scratch.db.query<{ id: string }>('SELECT id FROM case_documents WHERE case_id = $1 LIMIT 1', [caseA]);
    const answer = await unchanged(() => server.get(deskB, `/documents/${document!.id}`));
    expect(answer).toMatchObject({ status: 404, body: { code: 'not-found' } });
    // Payer roles read but never attach.
    expect((await createUpload(server, ppd, { caseId: caseA, stage: 'claim', kind: 'other', name: 'z.pdf' }, 100)).status).toBe(403);
    // Without a sign-in nothing is served.
    expect((await server.app.inject({ method: 'GET', url: `/documents/${document!.id}` })).statusCode).toBe(401);
  });

  it('a payer role opens a document inline, and the audit records who opened which', async () => {
    const [document] = await server.scratch.db.query<{ id: string; media_type: string }>(
      "SELECT id, media_type FROM case_documents WHERE case_id = $1 AND kind = 'discharge-summary'",
      [caseA],
    );
    const read = await server.app.inject({ method: 'GET', url: `/documents/${document!.id}`, headers: { authorization: `Bearer ${ppd}` } });
    expect(read.statusCode).toBe(200);
    expect(read.headers['content-type']).toBe('application/pdf');
    expect(String(read.headers['content-disposition'])).toMatch(/^inline/);
    expect(read.rawPayload.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    const opened = await server.scratch.db.query<{ actor_id: string; after: { documentId: string } }>(
      "SELECT actor_id, after FROM audit_log WHERE action = 'document-opened' AND entity_id = $1",
      [caseA],
    );
    const [ppdRow] = await server.scratch.db.query<{ id: string }>("SELECT id FROM operators WHERE username = 'ppd'");
    expect(opened).toContainEqual(expect.objectContaining({ actor_id: ppdRow!.id, after: expect.objectContaining({ documentId: document!.id }) }));
  });
});

describeEachBackend('supporting documents: a failure while attaching (%s)', (backend) => {
  let server: TestServer;
  let failNextKeep = false;

  /** The file system store, made to fail once where a disk or a failover would. */
  class FailingStore extends FileSystemDocumentStore {
    override async keep(uploadId: string, key: string): Promise<void> {
      if (failNextKeep) {
        failNextKeep = false;
        throw new Error('disk full');
      }
      return super.keep(uploadId, key);
    }
  }

  beforeAll(async () => {
    server = await startTestServer(backend, { documentStore: (root) => new FailingStore(root) });
  });
  afterAll(async () => server?.close());

  it('attaches nothing, answers 500 without internals, and drops the bytes so the desk sends the file anew', async () => {
    const desk = await server.login('medco.a');
    const caseId = randomUUID();
    resultOf(await server.command(desk, 'admit', { caseId, memberId: demoIds.son, identityMethod: 'fingerprint' }));
    const bytes = pdfBytes('report');
    const request = { caseId, stage: 'preauth', kind: 'clinical-notes', name: 'notes.pdf' };
    const created = await createUpload(server, desk, request, bytes.length);
    const location = String(created.headers.location);
    failNextKeep = true;
    const failed = await patchUpload(server, desk, location, 0, bytes);
    expect(failed).toMatchObject({ status: 500, body: { code: 'internal-error' } });
    expect(JSON.stringify(failed.body)).not.toContain('disk full');
    const [row] = await server.scratch.db.query<{ count: number }>('SELECT count(*)::int AS count FROM case_documents WHERE case_id = $1', [caseId]);
    expect(row?.count).toBe(0);
    // The upload is gone: a HEAD is 404, so a tus client starts a new upload instead of reporting success.
    expect((await uploadOffset(server, desk, location)).status).toBe(404);
    expect((await uploadDocument(server, desk, request, bytes)).body).toMatchObject({ outcome: 'attached' });
  });
});
