import { useEffect, useId, useRef, type FormEvent, type ReactNode } from 'react';
import type { DeskError } from '@desk-api/contract';
import { ErrorNotice } from './Notice';

interface ConfirmDialogProps {
  readonly isOpen: boolean;
  readonly title: string;
  /** What will happen, in words, with the amounts. */
  readonly children: ReactNode;
  readonly confirmLabel: string;
  readonly onConfirm: () => void;
  readonly onCancel: () => void;
  readonly isBusy?: boolean;
  readonly error?: DeskError | null;
  /** False while a required reason is missing. */
  readonly canConfirm?: boolean;
}

/**
 * Confirmation before an irreversible step (discharge, claim, cancel, void, override). A native modal
 * <dialog>: the browser traps focus inside it, Esc closes it (the 'cancel' event), and focus returns
 * to the button that opened it. Enter submits its form, i.e. confirms; the safe choice gets focus first.
 */
export function ConfirmDialog({
  isOpen,
  title,
  children,
  confirmLabel,
  onConfirm,
  onCancel,
  isBusy = false,
  error = null,
  canConfirm = true,
}: ConfirmDialogProps) {
  const dialogRef = useRef<HTMLDialogElement>(null);
  const titleId = useId();

  useEffect(() => {
    const dialog = dialogRef.current;
    if (!dialog) return;
    if (isOpen && !dialog.open) dialog.showModal();
    if (!isOpen && dialog.open) dialog.close();
  }, [isOpen]);

  const submit = (event: FormEvent<HTMLFormElement>): void => {
    event.preventDefault();
    if (canConfirm && !isBusy) onConfirm();
  };

  return (
    <dialog
      ref={dialogRef}
      className="confirm-dialog"
      aria-labelledby={titleId}
      onCancel={(event) => {
        // Esc: close through React state so the dialog and the screen agree on whether it is open.
        event.preventDefault();
        if (!isBusy) onCancel();
      }}
    >
      <form onSubmit={submit}>
        <h2 id={titleId}>{title}</h2>
        <div className="confirm-body">{children}</div>
        {error ? <ErrorNotice error={error} /> : null}
        <div className="button-row">
          <button type="button" onClick={onCancel} disabled={isBusy} autoFocus>
            Go back
          </button>
          <button type="submit" className="danger" disabled={!canConfirm || isBusy} aria-keyshortcuts="Enter">
            {isBusy ? 'Working…' : confirmLabel}
          </button>
        </div>
      </form>
    </dialog>
  );
}
