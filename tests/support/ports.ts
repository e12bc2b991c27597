import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';

/**
 * A free loopback port *below* the kernel's ephemeral range. Use it for a listener that is
 * closed and opened again on the same port (a server killed and restarted, a proxy refusing
 * connections while a desk is cut off): while nobody listens on an ephemeral port, an outgoing
 * connection may be handed that very port as its local end — or even connect to itself — and the
 * restart then fails with EADDRINUSE. Ports under the ephemeral range are never handed out so.
 */
export async function stablePort(): Promise<number> {
  let low = 20_000;
  let high = 30_000;
  try {
    const [ephemeralLow] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number);
    if (ephemeralLow && ephemeralLow > 12_000) {
      high = ephemeralLow - 1;
      low = Math.max(10_000, high - 12_000);
    }
  } catch {
    // Not Linux: keep the defaults.
  }
  for (let attempt = 0; attempt < 50; attempt += 1) {
    const port = low + Math.floor(Math.random() * (high - low));
    if (await isFree(port)) return port;
  }
  throw new Error(`no free port found between ${low} and ${high}`);
}

function isFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once('error', () => resolve(false));
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(true)));
  });
}
