import { isProductionMode } from './auth/keyring';

/**
 * What a start of the server exposes, from its environment (SECURITY.md):
 * - production is NODE_ENV=production or any DATABASE_URL (the keys must come from outside the
 *   database, auth/keyring.ts);
 * - the API documentation (/docs) is served outside production, or in production with COVERDESK_DOCS=1;
 * - the demo's SMS sink (/dev/sms, live one-time codes, no sign-in) only for a demo database outside
 *   production, and the route itself answers loopback callers only (app.ts);
 * - HSTS only when IT says the server is reached over TLS (COVERDESK_HSTS_MAX_AGE, seconds; the
 *   TLS terminator in front of the server is where https is configured);
 * - the client address from X-Forwarded-For (rate limits by address: sign-in, /me) only when the
 *   TCP peer is one of the reverse proxies IT names (COVERDESK_TRUSTED_PROXIES: addresses or CIDR
 *   ranges, comma-separated). Unset, every request's address is its TCP peer's and the header is
 *   ignored: anyone can write it, so trusting it from any peer would let a client pick its own
 *   address and dodge every per-address limit.
 */
export interface DeploymentSettings {
  readonly production: boolean;
  readonly serveDocs: boolean;
  readonly exposeDevelopmentSms: boolean;
  readonly hstsMaxAgeSeconds: number | null;
  /** The reverse proxies whose X-Forwarded-For is believed (Fastify trustProxy); empty: none. */
  readonly trustedProxies: readonly string[];
}

export function deploymentSettings(env: NodeJS.ProcessEnv, isDemoDatabase: boolean): DeploymentSettings {
  const production = isProductionMode(env);
  const hsts = Number(env.COVERDESK_HSTS_MAX_AGE);
  return {
    production,
    serveDocs: !production || env.COVERDESK_DOCS === '1',
    exposeDevelopmentSms: isDemoDatabase && !production,
    hstsMaxAgeSeconds: env.COVERDESK_HSTS_MAX_AGE && Number.isInteger(hsts) && hsts > 0 ? hsts : null,
    trustedProxies: trustedProxiesOf(env.COVERDESK_TRUSTED_PROXIES),
  };
}

const ipv4 = String.raw`(?:25[0-5]|2[0-4]\d|1?\d?\d)(?:\.(?:25[0-5]|2[0-4]\d|1?\d?\d)){3}`;
const proxyEntry = new RegExp(String.raw`^(?:${ipv4}(?:/(?:3[0-2]|[12]?\d))?|[0-9a-fA-F:]*:[0-9a-fA-F:.]*(?:/(?:12[0-8]|1[01]\d|[1-9]?\d))?)$`);

/**
 * COVERDESK_TRUSTED_PROXIES as a list of addresses and CIDR ranges. A word that is neither stops
 * the start with a sentence: a typo would otherwise leave the limits keyed by the proxy (everyone
 * at once) or, worse, a name Fastify cannot match silently trusting nobody the operator meant.
 */
export function trustedProxiesOf(text: string | undefined): string[] {
  const entries = (text ?? '')
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '');
  const bad = entries.filter((entry) => !proxyEntry.test(entry));
  if (bad.length > 0)
    throw new Error(`COVERDESK_TRUSTED_PROXIES must list IP addresses or CIDR ranges (e.g. 10.0.0.5,10.1.0.0/16), comma-separated; not ${bad.join(', ')}.`);
  return entries;
}

/** 127.0.0.0/8 and ::1, also as IPv4-mapped IPv6. */
export function isLoopbackAddress(address: string | undefined): boolean {
  if (!address) return false;
  const v4 = address.startsWith('::ffff:') ? address.slice(7) : address;
  return address === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(v4);
}
