/**
 * The worker's settings, from defaults < coalition.ini `[worker]` < environment < flags,
 * validated with messages that name the key and where its value came from.
 */
import os from 'node:os';
import path from 'node:path';
import { validationError } from '../errors.ts';

export interface WorkerSettings {
  serverUrl: string;
  name: string;
  /** Comma-separated worker affinities (may be empty). */
  affinity: string;
  /** Number of slots. */
  workers: number;
  /** Template with `__user__`, `__dir__`, `__cmd__`; empty for none. */
  runCommand: string;
  heartbeatSeconds: number;
  /** A command run once before the slots start; empty for none. */
  startup: string;
  verbose: boolean;
  logFile: string;
  /** `aws` watches for spot interruption notices; empty for none. */
  cloud: string;
  /** Where slots record their running job (a restart after a SIGKILL stops what was left). */
  stateDir: string;
}

export type WorkerSettingKey = keyof WorkerSettings;

/** One source of settings, e.g. `{ source: 'coalition.ini [worker]', values: {...} }`. */
export interface SettingsLayer {
  source: string;
  values: Partial<Record<WorkerSettingKey, unknown>>;
}

export function workerDefaults(hostname: string, home = os.homedir()): WorkerSettings {
  return {
    serverUrl: '', name: hostname, affinity: '', workers: 1, runCommand: '', heartbeatSeconds: 1, startup: '', verbose: false, logFile: '', cloud: '',
    stateDir: path.join(home, '.local', 'state', 'coalition', 'worker'),
  };
}

/** `[worker]` keys of the old coalition.ini (matched without case, as Python's ConfigParser did). */
const iniKeys: Record<string, WorkerSettingKey> = {
  serverurl: 'serverUrl',
  workers: 'workers',
  name: 'name',
  sleep: 'heartbeatSeconds',
  runcommand: 'runCommand',
  startup: 'startup',
  verbose: 'verbose',
  logfile: 'logFile',
  affinity: 'affinity',
  statedir: 'stateDir',
};

export function settingsFromIni(section: Record<string, unknown> | undefined): SettingsLayer['values'] {
  const values: SettingsLayer['values'] = {};
  for (const [key, value] of Object.entries(section ?? {})) {
    const setting = iniKeys[key.toLowerCase()];
    if (setting && value !== undefined && value !== '') values[setting] = value;
  }
  return values;
}

export const workerEnvironmentVariables: Record<string, WorkerSettingKey> = {
  COALITION_SERVER: 'serverUrl',
  COALITION_SERVER_URL: 'serverUrl',
  COALITION_WORKER_NAME: 'name',
  COALITION_WORKER_AFFINITY: 'affinity',
  COALITION_WORKERS: 'workers',
  COALITION_WORKER_RUNCOMMAND: 'runCommand',
  COALITION_WORKER_HEARTBEAT: 'heartbeatSeconds',
  COALITION_WORKER_STARTUP: 'startup',
  COALITION_CLOUD: 'cloud',
  COALITION_WORKER_STATEDIR: 'stateDir',
};

export function settingsFromEnvironment(env: NodeJS.ProcessEnv): SettingsLayer['values'] {
  const values: SettingsLayer['values'] = {};
  for (const [variable, setting] of Object.entries(workerEnvironmentVariables)) {
    const value = env[variable];
    if (value !== undefined && value !== '') values[setting] = value;
  }
  return values;
}

/** Later layers win. Throws a `validation` error naming the key and its source. */
export function resolveWorkerSettings(defaults: WorkerSettings, layers: SettingsLayer[]): WorkerSettings {
  const settings = { ...defaults };
  const sourceOf: Partial<Record<WorkerSettingKey, string>> = {};
  for (const layer of layers) {
    for (const [key, value] of Object.entries(layer.values) as Array<[WorkerSettingKey, unknown]>) {
      if (value === undefined) continue;
      const where = `${key} from ${layer.source}`;
      sourceOf[key] = layer.source;
      switch (key) {
        case 'workers':
          settings.workers = wholeNumber(value, where, 1, 1024);
          break;
        case 'heartbeatSeconds':
          settings.heartbeatSeconds = positiveNumber(value, where, 3600);
          break;
        case 'verbose':
          settings.verbose = flag(value, where);
          break;
        case 'affinity':
          settings.affinity = String(value)
            .split(/[,\n]/)
            .map((word) => word.trim())
            .filter(Boolean)
            .join(',');
          break;
        default:
          settings[key] = String(value).trim();
      }
    }
  }
  if (!settings.serverUrl) {
    throw validationError('no server URL: pass --server URL, set COALITION_SERVER, or set serverUrl in the [worker] section of coalition.ini');
  }
  let url: URL;
  try {
    url = new URL(settings.serverUrl);
  } catch {
    throw validationError(`serverUrl from ${sourceOf.serverUrl}: "${settings.serverUrl}" is not a URL (expected e.g. http://farm:19211)`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw validationError(`serverUrl from ${sourceOf.serverUrl}: "${settings.serverUrl}" must start with http:// or https://`);
  }
  settings.serverUrl = settings.serverUrl.replace(/\/+$/, '');
  if (!settings.name) throw validationError(`name from ${sourceOf.name ?? 'defaults'}: the worker name must not be empty`);
  if (settings.cloud === 'none') settings.cloud = '';
  if (settings.cloud && settings.cloud !== 'aws') {
    throw validationError(`cloud from ${sourceOf.cloud}: "${settings.cloud}" is not supported (only "aws")`);
  }
  return settings;
}

function wholeNumber(value: unknown, where: string, min: number, max: number): number {
  const text = String(value).trim();
  const parsed = Number(text);
  if (!/^\d+$/.test(text) || parsed < min || parsed > max) {
    throw validationError(`${where}: "${text}" must be a whole number from ${min} to ${max}`);
  }
  return parsed;
}

function positiveNumber(value: unknown, where: string, max: number): number {
  const text = String(value).trim();
  const parsed = Number(text);
  if (text === '' || !Number.isFinite(parsed) || parsed <= 0 || parsed > max) {
    throw validationError(`${where}: "${text}" must be a number of seconds above 0 and at most ${max}`);
  }
  return parsed;
}

function flag(value: unknown, where: string): boolean {
  if (typeof value === 'boolean') return value;
  const text = String(value).trim().toLowerCase();
  if (['1', 'true', 'yes', 'on'].includes(text)) return true;
  if (['0', 'false', 'no', 'off', ''].includes(text)) return false;
  if (/^-?\d+$/.test(text)) return Number(text) !== 0;
  throw validationError(`${where}: "${text}" must be 1/0, true/false, yes/no or on/off`);
}
