/**
 * How the desk app offers the payer workspaces. In browser mode the desk host serves the same
 * console page (console.html) and forwards its server calls to the enrolled server
 * (electron/browser-mode/console-forward.ts), so a link is all it takes. Electron loads the desk
 * from disk under a policy that allows no server connection from the page, so there the main
 * process opens the enrolled server's /console/ page in a window of its own
 * (electron/main/payer-window.ts), asked through `window.coverdesk.openPayerWorkspaces()`.
 */
import { useState } from 'react';
import { isRole, type Role } from '@domain/ids';

export const payerRoles: readonly Role[] = ['PPD', 'MC', 'ADMIN', 'CEX', 'CPD', 'ACO', 'HA'];

export function hasPayerRole(roles: readonly string[]): boolean {
  return roles.some((role) => isRole(role) && payerRoles.includes(role));
}

type OpenAnswer = { ok: true } | { ok: false; error: { code: string; message: string } };

function electronDesk(): object | null {
  if (typeof window === 'undefined') return null;
  const bridge: unknown = Reflect.get(window, 'coverdesk');
  return typeof bridge === 'object' && bridge !== null ? bridge : null;
}

/** Electron's window opener, or null (browser mode, or an older preload without it). */
function electronOpener(): (() => Promise<OpenAnswer>) | null {
  const bridge = electronDesk();
  const open: unknown = bridge ? Reflect.get(bridge, 'openPayerWorkspaces') : null;
  return typeof open === 'function' ? () => (open as () => Promise<OpenAnswer>)() : null;
}

/** The console page next to the desk page in browser mode; null in Electron. */
export function payerWorkspacesHref(): string | null {
  return electronDesk() ? null : './console.html';
}

/** Whether this desk can offer the payer workspaces at all. */
export function canOfferPayerWorkspaces(): boolean {
  return payerWorkspacesHref() !== null || electronOpener() !== null;
}

export function PayerWorkspacesLink({ children }: { readonly children: string }) {
  const [problem, setProblem] = useState<string | null>(null);
  const href = payerWorkspacesHref();
  if (href) return <a href={href}>{children}</a>;
  const open = electronOpener();
  if (!open) return null;
  return (
    <>
      <button
        type="button"
        className="link-button"
        onClick={() => {
          setProblem(null);
          void open().then(
            (answer) => setProblem(answer.ok ? null : answer.error.message),
            (error: unknown) => setProblem(error instanceof Error ? error.message : String(error)),
          );
        }}
      >
        {children}
      </button>
      {problem ? (
        <span role="alert" className="inline-problem">
          {problem}
        </span>
      ) : null}
    </>
  );
}
