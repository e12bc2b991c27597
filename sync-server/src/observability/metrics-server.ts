import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ServerMetrics } from './metrics';

/**
 * `GET /metrics` on a port of its own (main.ts: METRICS_PORT, METRICS_HOST), apart from the API:
 * Prometheus scrapes it without an operator's token, and who may reach it is the network's
 * decision (loopback by default), never the desks'. Anything else is a 404.
 */
export async function startMetricsServer(
  metrics: ServerMetrics,
  listen: { host: string; port: number },
): Promise<{ readonly url: string; close(): Promise<void> }> {
  const server: Server = createServer((request, response) => {
    const path = (request.url ?? '/').split('?')[0];
    if (request.method !== 'GET' || path !== '/metrics') {
      response.writeHead(404, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ code: 'not-found', message: 'This port serves GET /metrics only.' }));
      return;
    }
    metrics.text().then(
      (text) => {
        response.writeHead(200, { 'content-type': metrics.contentType, 'cache-control': 'no-store' });
        response.end(text);
      },
      (error: unknown) => {
        response.writeHead(500, { 'content-type': 'application/json' });
        response.end(
          JSON.stringify({ code: 'internal-error', message: `The metrics could not be collected: ${error instanceof Error ? error.message : String(error)}` }),
        );
      },
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(listen.port, listen.host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${listen.host.includes(':') ? `[${listen.host}]` : listen.host}:${port}/metrics`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
