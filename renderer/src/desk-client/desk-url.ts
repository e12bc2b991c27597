import { deskApiPath } from '@desk-api/wire';

/**
 * In browser mode the desk backend serves the page and the desk API from the same host, so the
 * page finds its backend from its own address; nothing to configure on a desk.
 */
export function deskApiUrlFrom(location: Pick<Location, 'protocol' | 'host'>): string {
  const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
  return `${scheme}//${location.host}${deskApiPath}`;
}
