import { useEffect, useId, useRef, useState, type FormEvent } from 'react';
import type { OutboxExportSummary } from '@desk-api/contract';
import { useDeskCommand, useDeskQuery } from '../../shared/hooks/use-desk-request';
import { ErrorNotice } from '../../shared/ui/Notice';
import { TextAreaField, TextField } from '../../shared/ui/Field';
import { ConfirmedAt } from '../../shared/ui/ConfirmedAt';

/** The same minimum as an identity override's reason (and the backend's rule). */
const minimumReasonLength = 15;

/**
 * The desk's local data (issue 23): how many changes wait to be sent, the outbox exports kept in
 * the data folder, and the reset. A reset with changes waiting names the supervisor who
 * authorises it and why, and the backend saves the changes to a file before anything goes; with
 * nothing waiting it is a plain confirmation. A native modal <dialog>, as ConfirmDialog.
 */
export function LocalDataDialog({ isOpen, onClose }: { readonly isOpen: boolean; readonly onClose: () => void }) {
  const dialogRef = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  const state = useDeskQuery('replica.status', {}, { isEnabled: isOpen });
  const command = useDeskCommand();
  const [isResetting, setIsResetting] = useState(false);
  const [supervisor, setSupervisor] = useState('');
  const [reason, setReason] = useState('');
  const [problems, setProblems] = useState<{ readonly supervisor: string | null; readonly reason: string | null }>({ supervisor: null, reason: null });
  const [outcome, setOutcome] = useState<string | null>(null);

  const { reload } = state;
  const { reset: forgetCommand } = command;
  useEffect(() => {
    const dialog = dialogRef.current;
    if (!dialog) return;
    if (isOpen && !dialog.open) dialog.showModal();
    if (!isOpen && dialog.open) dialog.close();
    if (isOpen) {
      // Fresh figures and no leftover message each time it opens.
      reload();
      setOutcome(null);
      setIsResetting(false);
      forgetCommand();
    }
  }, [isOpen, reload, forgetCommand]);

  const waiting = state.status === 'ready' ? state.value.unpushedCommands : null;
  const isBusy = command.state.status === 'running';

  const exportNow = async (): Promise<void> => {
    const answer = await command.run('replica.exportOutbox', {});
    if (answer?.ok)
      setOutcome(
        answer.value.fileName ? `${answer.value.commands} waiting change(s) saved to ${answer.value.fileName}.` : 'No change is waiting: nothing to save.',
      );
    reload();
  };

  const queueAgain = async (file: OutboxExportSummary): Promise<void> => {
    const answer = await command.run('replica.importOutbox', { fileName: file.fileName });
    if (answer?.ok)
      setOutcome(
        `${answer.value.queued} change(s) from ${file.fileName} queued to be sent${answer.value.alreadyKnown > 0 ? `; ${answer.value.alreadyKnown} were already here` : ''}.`,
      );
    reload();
  };

  const reset = async (event: FormEvent<HTMLFormElement>): Promise<void> => {
    event.preventDefault();
    if (waiting !== null && waiting > 0) {
      const found = {
        supervisor: supervisor.trim() === '' ? 'Name the supervisor who authorises the reset.' : null,
        reason: reason.trim().length < minimumReasonLength ? `Say why the local data must be reset (at least ${minimumReasonLength} characters).` : null,
      };
      setProblems(found);
      if (found.supervisor || found.reason) return;
    }
    const answer = await command.run('replica.reset', waiting ? { supervisorName: supervisor.trim(), reason: reason.trim() } : {});
    if (answer?.ok) {
      setIsResetting(false);
      setSupervisor('');
      setReason('');
      setOutcome(
        answer.value.fileName
          ? `Local data reset. The ${answer.value.exportedCommands} change(s) not yet sent were saved to ${answer.value.fileName}: queue them below to send them.`
          : 'Local data reset. The desk is loading its copy again from the server.',
      );
    }
    reload();
  };

  return (
    <dialog
      ref={dialogRef}
      className="confirm-dialog local-data-dialog"
      aria-labelledby={titleId}
      onCancel={(event) => {
        event.preventDefault();
        if (!isBusy) onClose();
      }}
    >
      <h2 id={titleId}>Local data</h2>
      {state.status === 'error' ? <ErrorNotice error={state.error} /> : null}
      {waiting === null ? (
        <p role="status">Reading this desk’s local data…</p>
      ) : (
        <p>
          {waiting === 0
            ? 'Every change made at this desk has reached the server.'
            : `${waiting} change${waiting === 1 ? '' : 's'} made at this desk ${waiting === 1 ? 'has' : 'have'} not reached the server yet.`}
        </p>
      )}
      {outcome ? (
        <p className="notice notice-info" role="status">
          {outcome}
        </p>
      ) : null}
      {command.state.status === 'failed' ? <ErrorNotice error={command.state.error} /> : null}

      {isResetting && waiting !== null ? (
        <form onSubmit={(event) => void reset(event)} noValidate>
          <h3>Reset local data?</h3>
          <p>The desk empties its copy of the registry and cases and loads it again from the server. Nothing the server has is lost.</p>
          {waiting > 0 ? (
            <>
              <p className="notice notice-error" role="alert">
                {waiting} change{waiting === 1 ? '' : 's'} not yet sent will be saved to a file first, then removed from this desk until you queue the file
                again. A supervisor must authorise this.
              </p>
              <TextField
                label="Supervisor authorising the reset"
                value={supervisor}
                onChange={(event) => setSupervisor(event.target.value)}
                problem={problems.supervisor}
                autoComplete="off"
                autoFocus
              />
              <TextAreaField
                label="Why the local data must be reset"
                value={reason}
                onChange={(event) => setReason(event.target.value)}
                rows={3}
                problem={problems.reason}
                hint="e.g. balances shown here disagree with the server after a disk fault"
              />
            </>
          ) : null}
          <div className="button-row">
            <button type="button" onClick={() => setIsResetting(false)} disabled={isBusy} autoFocus={waiting === 0}>
              Go back
            </button>
            <button type="submit" className="danger" disabled={isBusy}>
              {isBusy ? 'Working…' : waiting > 0 ? 'Save the changes and reset' : 'Reset local data'}
            </button>
          </div>
        </form>
      ) : (
        <>
          {state.status === 'ready' && state.value.exports.length > 0 ? (
            <section aria-labelledby={`${titleId}-exports`}>
              <h3 id={`${titleId}-exports`}>Saved changes</h3>
              <ul className="export-list">
                {state.value.exports.map((file) => (
                  <li key={file.fileName}>
                    <span>
                      {file.fileName}: {file.commands} change{file.commands === 1 ? '' : 's'}
                      {file.exportedAt ? (
                        <>
                          , saved <ConfirmedAt iso={file.exportedAt} isShort />
                        </>
                      ) : null}
                      {file.importedAt ? ', queued again' : ''}
                      {file.problem ? ` — ${file.problem}` : ''}
                    </span>{' '}
                    {file.problem ? null : (
                      <button type="button" onClick={() => void queueAgain(file)} disabled={isBusy}>
                        Send these changes
                      </button>
                    )}
                  </li>
                ))}
              </ul>
            </section>
          ) : null}
          <div className="button-row">
            <button type="button" onClick={onClose} disabled={isBusy} autoFocus>
              Close
            </button>
            <button type="button" onClick={() => void exportNow()} disabled={isBusy || !waiting}>
              Export waiting changes
            </button>
            <button type="button" className="danger" onClick={() => setIsResetting(true)} disabled={isBusy || waiting === null}>
              Reset local data…
            </button>
          </div>
        </>
      )}
    </dialog>
  );
}
