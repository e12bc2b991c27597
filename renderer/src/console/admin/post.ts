import type { ConsoleApi, ConsoleError, ConsoleResult } from '../data/api';

/**
 * POST to a server route that is not a command (desk enrollment codes), with the operator's token,
 * answering like ConsoleApi: the value, or the server's {code, message} as a ConsoleError.
 */
export async function postRoute<T>(api: ConsoleApi, path: string): Promise<ConsoleResult<T>> {
  const token = api.currentToken();
  let response: Response;
  try {
    response = await fetch(`${api.baseUrl}${path}`, { method: 'POST', headers: token ? { authorization: `Bearer ${token}` } : {}, cache: 'no-store' });
  } catch {
    return { ok: false, error: { code: 'network', message: 'The server cannot be reached: check the network connection. Nothing was changed; try again when it is back.' } };
  }
  const body = (await response.json().catch(() => null)) as (T & { code?: unknown; message?: unknown }) | null;
  if (response.ok && body) return { ok: true, value: body };
  const error: ConsoleError = typeof body?.code === 'string' && typeof body.message === 'string'
    ? { code: body.code, message: body.message, status: response.status }
    : { code: `http-${response.status}`, message: `The server answered ${response.status} without an explanation. Try again.`, status: response.status };
  return { ok: false, error };
}
