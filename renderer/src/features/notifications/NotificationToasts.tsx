import { useEffect, useRef, useState } from 'react';
import type { DeskEvents } from '@desk-api/contract';
import { useDesk } from '../../app/desk-context';
import { routeToHash } from '../../app/routes';
import { useShortcut } from '../../app/shortcut-registry';
import { globalShortcuts } from '../../app/shortcuts';

interface Toast extends Readonly<DeskEvents['notification']> {
  readonly toastId: number;
  readonly arrivedAt: number;
}

/** Long enough to read a pre-auth decision twice; a toast the operator is on does not vanish. */
const toastLifetimeMs = 20_000;
const maximumToasts = 4;

/**
 * Decisions on this desk's cases ('notification' events) as toasts. The list is a polite live
 * region that exists before the first toast arrives, which is what makes screen readers announce
 * additions. Alt+N moves focus to the newest toast's "Open case" link.
 */
export function NotificationToasts() {
  const { client } = useDesk();
  const [toasts, setToasts] = useState<readonly Toast[]>([]);
  const nextId = useRef(1);
  const listRef = useRef<HTMLOListElement>(null);

  useEffect(
    () =>
      client.on('notification', (notification) => {
        const toast: Toast = { ...notification, toastId: nextId.current++, arrivedAt: Date.now() };
        setToasts((current) => [toast, ...current].slice(0, maximumToasts));
      }),
    [client],
  );

  useEffect(() => {
    if (toasts.length === 0) return;
    const timer = setInterval(() => {
      const now = Date.now();
      const focused = document.activeElement;
      const isFocused = (toast: Toast): boolean => focused instanceof HTMLElement && focused.closest(`[data-toast="${toast.toastId}"]`) !== null;
      setToasts((current) => current.filter((toast) => now - toast.arrivedAt < toastLifetimeMs || isFocused(toast)));
    }, 2_000);
    return () => clearInterval(timer);
  }, [toasts.length]);

  const dismiss = (toastId: number): void => setToasts((current) => current.filter((toast) => toast.toastId !== toastId));

  useShortcut(globalShortcuts.notifications, () => listRef.current?.querySelector<HTMLElement>('a, button')?.focus());

  return (
    <section className="toasts" aria-label="Notifications">
      <ol ref={listRef} aria-live="polite" aria-relevant="additions">
        {toasts.map((toast) => (
          <li key={toast.toastId} className="toast" data-toast={toast.toastId}>
            <p className="toast-title">{toast.title}</p>
            <p className="toast-body">{toast.body}</p>
            <div className="button-row">
              <a href={routeToHash({ screen: 'case', caseId: toast.caseId })} onClick={() => dismiss(toast.toastId)}>
                Open case
              </a>
              <button type="button" onClick={() => dismiss(toast.toastId)} aria-label={`Dismiss: ${toast.title}`}>
                Dismiss
              </button>
            </div>
          </li>
        ))}
      </ol>
    </section>
  );
}
