/**
 * The default session's permission decisions (Electron's security checklist, item 5). Electron
 * grants every permission a page asks for unless the app says otherwise; before this table the
 * desk granted camera and microphone and notifications to whatever page asked, from any origin.
 *
 * Granted only to the desk's own page (`coverdesk://desk`, the top frame): the camera for face
 * capture (video only: the desk never records sound) and notifications. Everything else, and
 * everything asked by another origin or a subframe, is refused. The payer-workspaces window has a
 * session of its own that refuses everything (main.ts). Pure, so the table is tested without Electron.
 */
import { appOrigin } from './app-protocol';

export type PermissionAsk = {
  readonly permission: string;
  /** The page's URL (request handler: details.requestingUrl) or origin (check handler: requestingOrigin). */
  readonly requestingUrl: string;
  readonly isMainFrame: boolean;
  /** Media requests: which devices (request handler: details.mediaTypes; check handler: details.mediaType). */
  readonly mediaTypes?: readonly string[];
};

/** Permission → whether the desk's own page gets it. Anything not listed is refused. */
export const deskPermissions: Readonly<Record<string, (ask: PermissionAsk) => boolean>> = {
  media: (ask) => (ask.mediaTypes ?? []).length > 0 && (ask.mediaTypes ?? []).every((type) => type === 'video'),
  notifications: () => true,
};

/** Whether a permission request or check is granted. */
export function isPermissionGranted(ask: PermissionAsk): boolean {
  if (!ask.isMainFrame) return false;
  let requesting: URL;
  try {
    requesting = new URL(ask.requestingUrl);
  } catch {
    return false;
  }
  // URL.origin of a scheme WHATWG does not know is "null" in Node: compare scheme and host.
  const own = new URL(appOrigin);
  if (requesting.protocol !== own.protocol || requesting.host !== own.host || requesting.username !== '' || requesting.password !== '') return false;
  const rule = Object.hasOwn(deskPermissions, ask.permission) ? deskPermissions[ask.permission] : undefined;
  return rule ? rule(ask) : false;
}
