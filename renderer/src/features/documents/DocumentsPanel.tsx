import { useCallback, useEffect, useRef, useState, type FormEvent } from 'react';
import type { DeskDocumentsView, DeskError, DocumentSource } from '@desk-api/contract';
import { documentStages, supportingDocumentKinds, type DocumentStage, type SupportingDocumentKind } from '@domain/documents';
import { useDesk, useScheme } from '../../app/desk-context';
import { ErrorNotice, InfoNotice, LoadingNotice } from '../../shared/ui/Notice';
import { formatTime } from '../../shared/time';

const stageWords: Record<DocumentStage, string> = { preauth: 'Pre-auth', 'query-response': 'Query response', claim: 'Claim' };
const kindWords: Record<SupportingDocumentKind, string> = {
  'discharge-summary': 'Discharge summary',
  bill: 'Itemised bill',
  'investigation-report': 'Investigation report',
  prescription: 'Prescription',
  'implant-sticker': 'Implant sticker',
  photo: 'Photo',
  other: 'Other',
  'clinical-notes': 'Clinical notes',
  'implant-invoice': 'Implant invoice',
};
const kindWord = (kind: string) => kindWords[kind as SupportingDocumentKind] ?? kind;

function base64Of(bytes: Uint8Array): string {
  let binary = '';
  for (let start = 0; start < bytes.length; start += 0x8000) binary += String.fromCharCode(...bytes.subarray(start, start + 0x8000));
  return btoa(binary);
}

/**
 * The case's documents at the desk (issue 19): each stage's checklist — what the scheme requires
 * for the package and what is still missing, before the operator sends the pre-auth, the query
 * response or the claim — and attaching one from a file, the scanner folder or the desk camera.
 * Attaching queues it (offline too); it uploads resumably before any command queued after it.
 */
export function DocumentsPanel({ caseId, packageCode, version }: { readonly caseId: string; readonly packageCode: string | null; readonly version: unknown }) {
  const { client } = useDesk();
  const scheme = useScheme();
  const [view, setView] = useState<DeskDocumentsView | null>(null);
  const [problem, setProblem] = useState<DeskError | null>(null);
  const [stage, setStage] = useState<DocumentStage>('preauth');
  const [kind, setKind] = useState<SupportingDocumentKind>('clinical-notes');
  const [scanned, setScanned] = useState<{ folder: string | null; files: { fileName: string }[] } | null>(null);
  const [isCameraOn, setIsCameraOn] = useState(false);
  const [notice, setNotice] = useState<string | null>(null);
  const [isBusy, setIsBusy] = useState(false);
  const videoRef = useRef<HTMLVideoElement>(null);
  const streamRef = useRef<MediaStream | null>(null);

  const load = useCallback(async () => {
    const answer = await client.call('documents.view', { caseId, ...(packageCode ? { packageCode } : {}) });
    if (answer.ok) setView(answer.value);
    else setProblem(answer.error);
  }, [client, caseId, packageCode]);
  useEffect(() => {
    void load();
  }, [load, version]);
  useEffect(() => () => streamRef.current?.getTracks().forEach((track) => track.stop()), []);

  const attach = async (source: DocumentSource): Promise<void> => {
    setIsBusy(true);
    setProblem(null);
    setNotice(null);
    const answer = await client.call('documents.attach', { caseId, stage, kind, source });
    setIsBusy(false);
    if (!answer.ok) return setProblem(answer.error);
    setNotice(`${answer.value.name} is queued: it is sent before anything you do next on this case.`);
    await load();
  };
  const chooseFile = async (file: File | undefined): Promise<void> => {
    if (!file) return;
    await attach({ from: 'file', name: file.name, base64: base64Of(new Uint8Array(await file.arrayBuffer())) });
  };
  const listScanner = async (): Promise<void> => {
    const answer = await client.call('documents.scannerFiles', {});
    if (answer.ok) setScanned(answer.value);
    else setProblem(answer.error);
  };
  const startCamera = async (): Promise<void> => {
    setProblem(null);
    try {
      const stream = await navigator.mediaDevices.getUserMedia({ video: { width: { ideal: 1920 } } });
      streamRef.current = stream;
      setIsCameraOn(true);
      requestAnimationFrame(() => {
        if (videoRef.current) videoRef.current.srcObject = stream;
      });
    } catch {
      setProblem({ code: 'camera-unavailable', message: 'The desk camera cannot be opened: check that it is connected and allowed.' });
    }
  };
  const takePhoto = async (event: FormEvent<HTMLFormElement>): Promise<void> => {
    event.preventDefault();
    const video = videoRef.current;
    if (!video || video.videoWidth === 0) return;
    const canvas = document.createElement('canvas');
    canvas.width = video.videoWidth;
    canvas.height = video.videoHeight;
    canvas.getContext('2d')?.drawImage(video, 0, 0);
    const blob = await new Promise<Blob | null>((resolve) => canvas.toBlob(resolve, 'image/jpeg', 0.9));
    streamRef.current?.getTracks().forEach((track) => track.stop());
    streamRef.current = null;
    setIsCameraOn(false);
    if (!blob) return setProblem({ code: 'camera-unavailable', message: 'The photo could not be taken. Try again.' });
    await attach({
      from: 'camera',
      name: `photo-${new Date().toISOString().slice(0, 19).replaceAll(':', '-')}.jpg`,
      base64: base64Of(new Uint8Array(await blob.arrayBuffer())),
    });
  };

  return (
    <section className="panel" aria-labelledby="documents-title">
      <h2 id="documents-title">Documents</h2>
      {view === null && problem === null ? <LoadingNotice>Reading the case’s documents…</LoadingNotice> : null}
      {view ? (
        <>
          {view.isFresh ? null : (
            <p className="muted">
              Offline:{' '}
              {view.checkedAt ? `the checklist as read ${formatTime(view.checkedAt, scheme.locale)}` : 'the checklist has not been read from the server yet'};
              documents queued here are counted.
            </p>
          )}
          <ul className="document-checklist" aria-label="Required documents">
            {view.checklist
              .filter((item) => item.required.length > 0)
              .map((item) => (
                <li key={item.stage}>
                  {stageWords[item.stage]}:{' '}
                  {item.missing.length > 0 ? <strong>missing {item.missing.map(kindWord).join(', ')}</strong> : 'every required document is attached or queued'}
                </li>
              ))}
          </ul>
          {view.attached.length + view.queued.length === 0 ? <p>No document yet.</p> : null}
          <ul className="document-list" aria-label="Documents of this case">
            {view.attached.map((document) => (
              <li key={document.documentId}>
                {stageWords[document.stage]} · {kindWord(document.kind)} · {document.name} — attached
              </li>
            ))}
            {view.queued
              .filter((item) => item.state !== 'attached' || !view.attached.some((document) => document.documentId === item.documentId))
              .map((item) => (
                <li key={item.uploadKey}>
                  {stageWords[item.stage]} · {kindWord(item.kind)} · {item.name} —{' '}
                  {item.state === 'pending'
                    ? `waiting to upload (${Math.round((100 * item.uploadedBytes) / item.sizeBytes)} % sent)`
                    : item.state === 'attached'
                      ? item.isAlreadyAttached
                        ? 'attached (the same file was already there)'
                        : 'attached'
                      : `refused: ${item.refusal?.message ?? ''}`}
                </li>
              ))}
          </ul>
        </>
      ) : null}
      {problem ? <ErrorNotice error={problem} /> : null}
      {notice ? <InfoNotice>{notice}</InfoNotice> : null}
      <fieldset disabled={isBusy}>
        <legend>Attach a document</legend>
        <label>
          Stage{' '}
          <select value={stage} onChange={(event) => setStage(event.target.value as DocumentStage)}>
            {documentStages.map((option) => (
              <option key={option} value={option}>
                {stageWords[option]}
              </option>
            ))}
          </select>
        </label>{' '}
        <label>
          Kind{' '}
          <select value={kind} onChange={(event) => setKind(event.target.value as SupportingDocumentKind)}>
            {supportingDocumentKinds.map((option) => (
              <option key={option} value={option}>
                {kindWords[option]}
              </option>
            ))}
          </select>
        </label>
        <p>
          <label>
            From a file (PDF, JPEG or PNG){' '}
            <input type="file" accept="application/pdf,image/jpeg,image/png" onChange={(event) => void chooseFile(event.target.files?.[0])} />
          </label>
        </p>
        <p>
          <button type="button" onClick={() => void listScanner()}>
            From the scanner folder
          </button>{' '}
          <button type="button" onClick={() => void startCamera()} disabled={isCameraOn}>
            Photo with the desk camera
          </button>
        </p>
        {scanned ? (
          scanned.folder === null ? (
            <p>No scanner folder is set for this desk.</p>
          ) : scanned.files.length === 0 ? (
            <p>The scanner folder has no PDF, JPEG or PNG file.</p>
          ) : (
            <ul aria-label="Scanned files">
              {scanned.files.map((file) => (
                <li key={file.fileName}>
                  <button type="button" onClick={() => void attach({ from: 'scanner', fileName: file.fileName })}>
                    Attach {file.fileName}
                  </button>
                </li>
              ))}
            </ul>
          )
        ) : null}
        {isCameraOn ? (
          <form onSubmit={(event) => void takePhoto(event)}>
            <video ref={videoRef} autoPlay playsInline muted className="document-camera" aria-label="Desk camera" />
            <button type="submit">Take the photo</button>
          </form>
        ) : null}
      </fieldset>
    </section>
  );
}
