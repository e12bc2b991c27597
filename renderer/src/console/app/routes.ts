/** Console routes live in the hash, so the server serves one page: #/<workspace> or #/case/<caseId>. */
export type ConsoleRoute =
  { readonly kind: 'home' } | { readonly kind: 'workspace'; readonly path: string } | { readonly kind: 'case'; readonly caseId: string };

export function parseConsoleRoute(hash: string): ConsoleRoute {
  const path = hash.replace(/^#\/?/, '');
  if (path === '') return { kind: 'home' };
  const caseMatch = /^case\/([0-9a-fA-F-]{36})$/.exec(path);
  if (caseMatch) return { kind: 'case', caseId: caseMatch[1]!.toLowerCase() };
  return { kind: 'workspace', path: decodeURIComponent(path.split('/')[0] ?? '') };
}

export const caseHash = (caseId: string): string => `#/case/${caseId}`;
export const workspaceHash = (path: string): string => `#/${path}`;
