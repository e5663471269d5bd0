import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { configFromEnv, readIni, resolveServerConfig, type ServerConfig } from '../../core/config.ts';
import type { Tokens } from '../../core/http/auth.ts';
import type { SecretStore } from '../../core/plugin-api.ts';

/** Where the desktop app keeps things, all under the app's user-data folder. */
export interface DesktopPaths {
  userData: string;
  /** `coalition.ini` the user may write ([server] port, servermode…, plugin sections). */
  configFile: string;
  /** The farm's data dir (jobs, logs, plugin files), unless the config names another. */
  defaultData: string;
  /** Encrypted secrets of the plugins (AWS keys…), and of the desktop itself (the server's tokens), apart. */
  pluginSecretsDir: string;
  desktopSecretsDir: string;
  /** What the desktop remembers about itself (first run shown). */
  stateFile: string;
}

export function desktopPaths(userData: string): DesktopPaths {
  return {
    userData,
    configFile: path.join(userData, 'coalition.ini'),
    defaultData: path.join(userData, 'data'),
    pluginSecretsDir: path.join(userData, 'keychain', 'plugins'),
    desktopSecretsDir: path.join(userData, 'keychain', 'desktop'),
    stateFile: path.join(userData, 'desktop-state.json'),
  };
}

export interface DesktopConfig {
  server: ServerConfig;
  ini: Record<string, Record<string, string>>;
  configDir: string;
}

/**
 * The core's settings on the desktop: defaults (port 19211, data in the user-data folder) <
 * `<userData>/coalition.ini` < environment. A relative `data` is relative to the user-data folder.
 */
export function loadDesktopConfig(paths: DesktopPaths, env: NodeJS.ProcessEnv = process.env): DesktopConfig {
  const ini = existsSync(paths.configFile) ? readIni(paths.configFile) : {};
  const server = resolveServerConfig([
    { source: 'desktop defaults', values: { data: paths.defaultData } },
    { source: paths.configFile, values: ini.server ?? {} },
    { source: 'environment', values: configFromEnv(env) },
  ]);
  return { server: { ...server, data: path.resolve(paths.userData, server.data) }, ini, configDir: paths.userData };
}

/** Cloud settings exist when the config picks AWS or an AWS settings file is there (saved by the setup, or the old cloud_aws.ini). */
export function hasCloudSettings(config: DesktopConfig): boolean {
  if (config.server.servermode === 'aws') return true;
  const named = config.ini.aws?.cloudawsini ?? config.ini.server?.cloudawsini;
  const candidates = [
    path.join(config.server.data, 'plugins', 'aws', 'cloud_aws.ini'),
    named ? path.resolve(config.configDir, named) : path.join(config.configDir, 'cloud_aws.ini'),
  ];
  return candidates.some((file) => existsSync(file));
}

interface DesktopState {
  firstRunShownAt?: number;
}

function readState(file: string): DesktopState {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as DesktopState;
  } catch {
    return {};
  }
}

/**
 * The page the window opens on: the setup wizard on the very first start when no cloud settings
 * exist (once: skipping it means the local provider is enough), the farm's home page otherwise.
 */
export function startPath(paths: DesktopPaths, config: DesktopConfig, now: number): string {
  const state = readState(paths.stateFile);
  if (state.firstRunShownAt !== undefined || hasCloudSettings(config)) return '/';
  writeFileSync(paths.stateFile, JSON.stringify({ ...state, firstRunShownAt: now }, null, 2) + '\n', { mode: 0o600 });
  return '/setup?firstrun=1';
}

/**
 * The server's tokens on the desktop: the environment's when both are set, else kept in the
 * desktop's own keychain store, apart from the plugins' (made on first start). Undefined when the keychain cannot keep them: the core then
 * uses `<data>/tokens.json` (0600), as headless.
 */
export async function desktopTokens(secrets: SecretStore & { unavailableReason(): string | undefined }, env: NodeJS.ProcessEnv = process.env): Promise<Tokens | undefined> {
  if (env.COALITION_ADMIN_TOKEN && env.COALITION_WORKER_TOKEN) return { admin: env.COALITION_ADMIN_TOKEN, worker: env.COALITION_WORKER_TOKEN };
  if (secrets.unavailableReason()) return undefined;
  const token = async (key: string) => {
    const kept = await secrets.get(key);
    if (kept) return kept;
    const made = randomBytes(24).toString('base64url');
    await secrets.set(key, made);
    return made;
  };
  return { admin: await token('adminToken'), worker: await token('workerToken') };
}
