import type { ReactNode } from 'react';
import type { DeskError } from '@desk-api/contract';
import { useTranslator } from '../../i18n/LanguageProvider';

/** A request under way. role=status so screen readers hear it without losing their place. */
export function LoadingNotice({ children }: { readonly children: ReactNode }) {
  return (
    <p className="notice notice-loading" role="status">
      <span className="spinner" aria-hidden="true" />
      {children}
    </p>
  );
}

/** A request that failed: the backend's own sentence, and a way to try again when that can help. */
export function ErrorNotice({ error, onRetry, title }: { readonly error: DeskError; readonly onRetry?: () => void; readonly title?: string }) {
  const { t } = useTranslator();
  return (
    <div className="notice notice-error" role="alert">
      <p>
        {title ? <strong>{title} </strong> : null}
        {error.message}
      </p>
      {onRetry ? (
        <button type="button" onClick={onRetry}>
          {t('common.tryAgain')}
        </button>
      ) : null}
    </div>
  );
}

export function InfoNotice({ children }: { readonly children: ReactNode }) {
  return <div className="notice notice-info">{children}</div>;
}
