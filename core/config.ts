import { readFileSync } from 'node:fs';
import { parse as parseIni } from 'ini';
import { z } from 'zod';
import { SECURITY_DEFAULTS, securitySchema } from './access/security-config.ts';
import { continuedValues } from './config-continuation.ts';
import { validationError } from './errors.ts';
import { OPS_DEFAULTS, opsSchema } from './ops/ops-config.ts';
import { TrustedNetworks } from './http/trusted-networks.ts';
import { HEADERS_TIMEOUT_MS, IDLE_TIMEOUT_MS, REQUEST_TIMEOUT_MS, STREAMS_PER_TOKEN } from './limits.ts';

/** Every server setting with its default. Precedence: defaults < coalition.ini < environment < flags. */
export const SERVER_DEFAULTS = {
  port: 19211,
  host: '0.0.0.0',
  data: './data',
  /** Seconds of silence after which a worker is TIMEOUT and its job requeued (old `timeout`). */
  timeout: 10,
  /** `aws | local | normal` (old `servermode`): which provider the scaler uses; `normal` = none. */
  servermode: 'local',
  /** `token` (default) or `none` for a trusted LAN whose old submitters cannot send a token. */
  auth: 'token',
  /** CIDR blocks whose requests without a token may submit and read jobs (old submitters on a studio LAN). */
  trustednetworks: '',
  store: 'journal',
  fsync: false,
  /** Longest time a pickjob is held open, in ms. */
  maxwait: 20_000,
  /** The URL workers on started instances use to reach this server (default: http://<host>:<port>). */
  publicurl: '',
  /** Extra plugin folders, comma-separated. */
  plugindirs: '',
  eventretentiondays: 30,
  verbose: false,
  ...SECURITY_DEFAULTS,
  ...OPS_DEFAULTS,
  /** Open event streams per token (README "Limits"). */
  streamspertoken: STREAMS_PER_TOKEN,
  /** Seconds to receive a request's headers, its whole body, and the longest silence on a connection (raised above maxwait). */
  headerstimeout: HEADERS_TIMEOUT_MS / 1000,
  requesttimeout: REQUEST_TIMEOUT_MS / 1000,
  idletimeout: IDLE_TIMEOUT_MS / 1000,
};

export type ServerConfig = typeof SERVER_DEFAULTS;

const bool = z.preprocess((v) => (typeof v === 'string' ? ['1', 'true', 'yes', 'on'].includes(v.toLowerCase()) : v), z.boolean());
const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

const schema = z
  .object({
    port: int(0, 65535),
    host: z.string().min(1),
    data: z.string().min(1),
    timeout: z.coerce.number().positive(),
    servermode: z.enum(['aws', 'local', 'normal']),
    auth: z.enum(['token', 'none']),
    trustednetworks: z.string().superRefine((text, ctx) => {
      try {
        TrustedNetworks.parse(text);
      } catch (e) {
        ctx.addIssue({ code: 'custom', message: (e as Error).message });
      }
    }),
    store: z.enum(['journal', 'nedb']),
    fsync: bool,
    maxwait: int(0, 600_000),
    plugindirs: z.string(),
    publicurl: z.union([z.literal(''), z.url({ error: 'must be a URL like http://10.0.0.5:19211' })]),
    eventretentiondays: z.coerce.number().positive(),
    verbose: bool,
    ...securitySchema,
    ...opsSchema,
    streamspertoken: int(1, 100_000),
    headerstimeout: z.coerce.number().positive().max(3600),
    requesttimeout: z.coerce.number().positive().max(86400),
    idletimeout: z.coerce.number().positive().max(86400),
  })
  .partial();

/** Settings of the environment: `COALITION_PORT`, `COALITION_DATA`, … */
export function configFromEnv(env: NodeJS.ProcessEnv): Record<string, string> {
  const out: Record<string, string> = {};
  for (const key of Object.keys(SERVER_DEFAULTS)) {
    const v = env[`COALITION_${key.toUpperCase()}`];
    if (v !== undefined && v !== '') out[key] = v;
  }
  return out;
}

/** Reads an ini file (`coalition.ini`, `cloud_aws.ini`): sections of lower-cased keys. */
export function readIni(path: string): Record<string, Record<string, string>> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw validationError(`cannot read config file ${path}: ${(e as Error).message}`);
  }
  const out: Record<string, Record<string, string>> = {};
  const multiline = continuedValues(text);
  for (const [section, values] of Object.entries(parseIni(multiline.text))) {
    if (typeof values !== 'object' || values === null) continue;
    out[section.toLowerCase()] = Object.fromEntries(Object.entries(values as Record<string, unknown>).map(([k, v]) => [k.toLowerCase(), String(v)]));
  }
  for (const [section, values] of Object.entries(multiline.values)) Object.assign((out[section] ??= {}), values);
  return out;
}

/**
 * Merges the layers and validates; a bad value gets an error naming the key and its source.
 * Keys of the old `[server]` section that Coalition does not use (db_*) are ignored; `ldap*` are read by ldap-directory.ts.
 */
export function resolveServerConfig(layers: Array<{ source: string; values: Record<string, unknown> }>): ServerConfig {
  const merged: Record<string, unknown> = { ...SERVER_DEFAULTS };
  for (const { source, values } of layers) {
    for (const [key, value] of Object.entries(values)) {
      if (value === undefined || !Object.hasOwn(SERVER_DEFAULTS, key)) continue;
      const one = schema.safeParse({ [key]: value });
      if (!one.success) throw validationError(`${source}: "${key}" = "${String(value)}" is not valid (${one.error.issues[0].message})`);
      merged[key] = (one.data as Record<string, unknown>)[key];
    }
  }
  return merged as ServerConfig;
}
