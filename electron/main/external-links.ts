/**
 * Which links the desk hands to the operating system (`shell.openExternal`; Electron's security
 * checklist, item 15). Before this list the desk opened any https URL a page asked for: a crafted
 * link (or an injected page) could start whatever the OS associates with the address. Allowed:
 * https, no credentials in the URL, to the project's own help pages or to
 * the server this desk is enrolled with. Pure, so it is tested without Electron.
 */
export const helpOrigins: readonly string[] = ['https://coverdesk.example.org'];

export function isAllowedExternalUrl(url: string, enrolledServerUrl: string | null): boolean {
  let target: URL;
  try {
    target = new URL(url);
  } catch {
    return false;
  }
  if (target.protocol !== 'https:' || target.username !== '' || target.password !== '') return false;
  const allowed = new Set(helpOrigins);
  if (enrolledServerUrl) {
    try {
      const server = new URL(enrolledServerUrl);
      if (server.protocol === 'https:') allowed.add(server.origin);
    } catch {
      // an unreadable server address adds nothing
    }
  }
  return allowed.has(target.origin);
}
