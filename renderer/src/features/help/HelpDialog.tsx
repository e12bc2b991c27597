import { useEffect, useRef } from 'react';
import { useActiveShortcuts } from '../../app/shortcut-registry';
import { browserKeys } from '../../app/shortcuts';

/** Every shortcut that works on the current screen, plus the keys the browser gives for free. */
export function HelpDialog({ isOpen, onClose }: { readonly isOpen: boolean; readonly onClose: () => void }) {
  const dialogRef = useRef<HTMLDialogElement>(null);
  const shortcuts = useActiveShortcuts();

  useEffect(() => {
    const dialog = dialogRef.current;
    if (!dialog) return;
    if (isOpen && !dialog.open) dialog.showModal();
    if (!isOpen && dialog.open) dialog.close();
  }, [isOpen]);

  return (
    <dialog
      ref={dialogRef}
      className="help-dialog"
      aria-labelledby="help-title"
      onCancel={(event) => {
        event.preventDefault();
        onClose();
      }}
    >
      <h2 id="help-title">Keyboard shortcuts</h2>
      <table>
        <caption className="visually-hidden">Shortcuts on this screen</caption>
        <thead>
          <tr>
            <th scope="col">Keys</th>
            <th scope="col">What they do</th>
          </tr>
        </thead>
        <tbody>
          {[...shortcuts, ...browserKeys].map((shortcut) => (
            <tr key={shortcut.keys}>
              <td>
                <kbd>{shortcut.keys}</kbd>
              </td>
              <td>{shortcut.description}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <div className="button-row">
        <button type="button" onClick={onClose} autoFocus>
          Close (Esc)
        </button>
      </div>
    </dialog>
  );
}
