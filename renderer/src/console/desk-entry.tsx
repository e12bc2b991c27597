/**
 * How the desk app offers the payer workspaces: in browser mode the desk host serves the same
 * console page (console.html) and forwards its server calls to the enrolled server
 * (electron/browser-mode/console-forward.ts), so a link is all it takes. Electron loads the desk
 * from disk with a policy that allows no server connection from the page, so it shows no link.
 */
import { isRole, type Role } from '@domain/ids';

export const payerRoles: readonly Role[] = ['PPD', 'MC', 'ADMIN', 'CEX', 'CPD', 'ACO', 'HA'];

export function hasPayerRole(roles: readonly string[]): boolean {
  return roles.some((role) => isRole(role) && payerRoles.includes(role));
}

/** The console page next to the desk page, or null where the desk cannot offer it (Electron). */
export function payerWorkspacesHref(): string | null {
  const isElectron = typeof window !== 'undefined' && 'coverdesk' in window;
  return isElectron ? null : './console.html';
}

export function PayerWorkspacesLink({ children }: { readonly children: string }) {
  const href = payerWorkspacesHref();
  if (!href) return null;
  return <a href={href}>{children}</a>;
}
