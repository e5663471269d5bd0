import { z } from 'zod';

/**
 * `[server]` keys of coalition.ini for access and transport (merged into SERVER_DEFAULTS, so
 * `COALITION_<KEY>` and the precedence rules apply). The old `ldap*` keys are read as they are
 * by ldap-directory.ts.
 */
export const SECURITY_DEFAULTS = {
  /** PEM certificate and key files: both set = the server speaks HTTPS only. */
  tls_cert: '',
  tls_key: '',
  /** Behind a reverse proxy: express's `trust proxy` (`true`, a hop count, or addresses/CIDRs). Empty = off. */
  trustproxy: '',
  /** Origins allowed to call the API from a browser page of theirs (CORS), comma-separated; empty = none. */
  corsorigins: '',
  /** Hours a web UI login lasts. */
  sessionhours: 12,
  /** Requests a second each credential may make to /api (sustained; 0 = no limit), and the burst above it. */
  apiratelimit: 1000,
  apiburst: 10000,
  /** Wrong passwords allowed per user name (and 4× per address) before logins wait; one more comes back every 3 minutes. */
  loginattempts: 5,
  /** The shared worker token of tokens.json; `false` leaves only per-worker tokens (safer on a cloud host). */
  sharedworkertoken: true,
  /** The old command white list (see command-whitelist.ts). */
  commandwhitelist: '',
};

const bool = z.preprocess((v) => (typeof v === 'string' ? ['1', 'true', 'yes', 'on'].includes(v.toLowerCase()) : v), z.boolean());

export const securitySchema = {
  tls_cert: z.string(),
  tls_key: z.string(),
  trustproxy: z.string(),
  corsorigins: z.string(),
  sessionhours: z.coerce.number().positive().max(24 * 365),
  apiratelimit: z.coerce.number().min(0),
  apiburst: z.coerce.number().int().min(1),
  loginattempts: z.coerce.number().int().min(1).max(1000),
  sharedworkertoken: bool,
  commandwhitelist: z.string(),
};

/** express's `trust proxy` value from the `trustproxy` key. */
export function trustProxySetting(value: string): boolean | number | string | undefined {
  const v = value.trim();
  if (!v || v === 'false' || v === '0') return undefined;
  if (v === 'true') return true;
  if (/^\d+$/.test(v)) return Number(v);
  return v;
}
