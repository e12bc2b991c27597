import { useEffect, useState } from 'react';
import type { CaseDocumentsValue, CaseDocumentValue } from '@contract/documents';
import { useTranslator } from '../../i18n/LanguageProvider';
import { formatTimeIn } from '../../i18n/time';
import { LoadingNotice } from '../../shared/ui/Notice';
import { ConsoleErrorNotice } from '../app/ConsoleErrorNotice';
import { useServerRead } from '../admin/use-server-read';
import { useConsole } from '../app/console-context';
import type { ConsoleError } from '../data/api';

/** ICU select keys cannot hold a hyphen: `query-response` is selected as `query_response`. */
const selector = (value: string) => value.replaceAll('-', '_');

type Opened = { readonly documentId: string } & (
  | { readonly status: 'loading' }
  | { readonly status: 'ready'; readonly url: string; readonly mediaType: CaseDocumentValue['mediaType'] }
  | { readonly status: 'error'; readonly error: ConsoleError }
);

/**
 * The case's supporting documents (issue 19) beside the case: each stage's checklist (required,
 * still missing) and every attached document, opened inline — a PDF in a frame, an image as an
 * image. Each opening reads GET /documents/:id, which the server audits (who opened which
 * document) before it sends a byte; the bytes come with the operator's token, so they are shown
 * from a blob URL of this page and revoked when another document is opened or the case closes.
 */
export function DocumentsPanel({ caseId, version }: { readonly caseId: string; readonly version: unknown }) {
  const translator = useTranslator();
  const { t } = translator;
  const { api } = useConsole();
  const read = useServerRead<CaseDocumentsValue>(`/cases/${caseId}/documents`, version);
  const [opened, setOpened] = useState<Opened | null>(null);
  useEffect(
    () => () => {
      if (opened?.status === 'ready') URL.revokeObjectURL(opened.url);
    },
    [opened],
  );
  const open = async (document: CaseDocumentValue) => {
    setOpened({ documentId: document.documentId, status: 'loading' });
    const answer = await api.download(`/documents/${document.documentId}`);
    if (!answer.ok) {
      setOpened({ documentId: document.documentId, status: 'error', error: answer.error });
      return;
    }
    // The type the server decided by content, never the name: a PDF in the browser's viewer, an image as an image.
    const blob = new Blob([answer.value.blob], { type: document.mediaType });
    setOpened({ documentId: document.documentId, status: 'ready', url: URL.createObjectURL(blob), mediaType: document.mediaType });
  };
  const shown = read.status === 'ready' && opened ? read.value.documents.find((document) => document.documentId === opened.documentId) : undefined;
  return (
    <section className="panel" aria-labelledby="documents-heading">
      <h2 id="documents-heading">{t('console.documents.heading')}</h2>
      {read.status === 'loading' ? <LoadingNotice>{t('console.documents.loading')}</LoadingNotice> : null}
      {read.status === 'error' ? <ConsoleErrorNotice error={read.error} onRetry={read.reload} /> : null}
      {read.status === 'ready' ? (
        <>
          {read.value.checklist
            .filter((stage) => stage.required.length > 0)
            .map((stage) => (
              <p key={stage.stage} className={stage.missing.length > 0 ? 'notice notice-info' : 'muted'}>
                {stage.missing.length > 0
                  ? t('console.documents.missing', {
                      stage: t('label.documentStage', { stage: selector(stage.stage) }),
                      kinds: stage.missing.map((kind) => t('label.documentKind', { kind: selector(kind) })).join(', '),
                    })
                  : t('console.documents.complete', { stage: t('label.documentStage', { stage: selector(stage.stage) }) })}
              </p>
            ))}
          {read.value.documents.length === 0 ? (
            <p>{t('console.documents.none')}</p>
          ) : (
            <table>
              <caption className="visually-hidden">{t('console.documents.caption')}</caption>
              <thead>
                <tr>
                  <th scope="col">{t('console.documents.stage')}</th>
                  <th scope="col">{t('console.documents.kind')}</th>
                  <th scope="col">{t('console.documents.name')}</th>
                  <th scope="col">{t('console.documents.attachedAt')}</th>
                  <th scope="col">
                    <span className="visually-hidden">{t('console.documents.open')}</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {read.value.documents.map((document) => (
                  <tr key={document.documentId}>
                    <td>{t('label.documentStage', { stage: selector(document.stage) })}</td>
                    <td>{t('label.documentKind', { kind: selector(document.kind) })}</td>
                    <td>{document.name}</td>
                    <td>
                      <time dateTime={document.attachedAt}>{formatTimeIn(translator, document.attachedAt)}</time>
                    </td>
                    <td>
                      <button type="button" onClick={() => void open(document)} aria-pressed={opened?.documentId === document.documentId}>
                        {t('console.documents.openNamed', { name: document.name })}
                      </button>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          {opened?.status === 'loading' ? <LoadingNotice>{t('console.documents.opening')}</LoadingNotice> : null}
          {opened?.status === 'error' ? <ConsoleErrorNotice error={opened.error} /> : null}
          {opened?.status === 'ready' && shown ? (
            <figure className="document-viewer">
              {opened.mediaType === 'application/pdf' ? (
                <iframe src={opened.url} title={t('console.documents.viewerTitle', { name: shown.name })} className="document-frame" />
              ) : (
                <img src={opened.url} alt={t('console.documents.viewerTitle', { name: shown.name })} className="document-image" />
              )}
              <figcaption>{t('console.documents.audited')}</figcaption>
            </figure>
          ) : null}
        </>
      ) : null}
    </section>
  );
}
