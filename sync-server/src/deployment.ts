import { isProductionMode } from './auth/keyring';

/**
 * What a start of the server exposes, from its environment (SECURITY.md):
 * - production is NODE_ENV=production or any DATABASE_URL (the keys must come from outside the
 *   database, auth/keyring.ts);
 * - the API documentation (/docs) is served outside production, or in production with COVERDESK_DOCS=1;
 * - the demo's SMS sink (/dev/sms, live one-time codes, no sign-in) only for a demo database outside
 *   production, and the route itself answers loopback callers only (app.ts);
 * - HSTS only when IT says the server is reached over TLS (COVERDESK_HSTS_MAX_AGE, seconds; the
 *   TLS terminator in front of the server is where https is configured).
 */
export interface DeploymentSettings {
  readonly production: boolean;
  readonly serveDocs: boolean;
  readonly exposeDevelopmentSms: boolean;
  readonly hstsMaxAgeSeconds: number | null;
}

export function deploymentSettings(env: NodeJS.ProcessEnv, isDemoDatabase: boolean): DeploymentSettings {
  const production = isProductionMode(env);
  const hsts = Number(env.COVERDESK_HSTS_MAX_AGE);
  return {
    production,
    serveDocs: !production || env.COVERDESK_DOCS === '1',
    exposeDevelopmentSms: isDemoDatabase && !production,
    hstsMaxAgeSeconds: env.COVERDESK_HSTS_MAX_AGE && Number.isInteger(hsts) && hsts > 0 ? hsts : null,
  };
}

/** 127.0.0.0/8 and ::1, also as IPv4-mapped IPv6. */
export function isLoopbackAddress(address: string | undefined): boolean {
  if (!address) return false;
  const v4 = address.startsWith('::ffff:') ? address.slice(7) : address;
  return address === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(v4);
}
