import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Logger } from '../logger.ts';
import {
  PLUGIN_API_VERSION,
  type CloudProvider,
  type Disposable,
  type PluginContext,
  type PluginModule,
  type SecretStore,
  type SetupWizard,
  type WorkerProcess,
} from '../plugin-api.ts';
import { defaultWorkerProcess } from '../worker-process.ts';
import { discoverPluginFolders } from './discover.ts';
import { FileSecretStore, scopedSecretStore } from './file-secret-store.ts';
import { readManifest, shortPluginName } from './manifest.ts';
import { PluginRegistry } from './plugin-registry.ts';
import { withTimeout } from './with-timeout.ts';

export type PluginState = 'active' | 'failed' | 'disabled';

/** One plugin as `GET /api/plugins` shows it. */
export interface PluginInfo {
  name: string;
  version: string;
  dir: string;
  state: PluginState;
  error?: string;
  providers: string[];
  wizards: string[];
}

export interface PluginHostOptions {
  farmId: string;
  /** The URL workers on started instances reach. */
  serverUrl: string;
  dataDir: string;
  /** The settings of one plugin (`[local]` of coalition.ini, the parsed cloud_aws.ini for aws…). May throw: the plugin then fails with that message. */
  configFor(pluginName: string): Readonly<Record<string, string>>;
  logger: Logger;
  /** Built-in plugins; defaults to the repository's `plugins/`. */
  builtinDir?: string;
  /** Extra plugin folders (config `plugindirs`, see `parsePluginDirs`). */
  extraDirs?: string[];
  /** Defaults to a {@link FileSecretStore} in `dataDir`; the desktop app passes its keychain store. */
  secrets?: SecretStore;
  /** How plugins start a worker process; defaults to {@link defaultWorkerProcess}. */
  workerProcess?: WorkerProcess;
  /** Plugin names not to activate (a plugin is also disabled by `enabled = false` in its section). */
  disabled?: string[];
  activationTimeoutMs?: number;
  deactivationTimeoutMs?: number;
}

interface Registration {
  dispose(): Promise<void>;
}

interface LoadedPlugin {
  info: PluginInfo;
  module?: PluginModule;
  registrations: Set<Registration>;
  /** Set once the plugin failed or stopped: late registrations (from a hung activate) are refused. */
  closed: boolean;
}

const DEFAULT_TIMEOUT_MS = 10_000;
const defaultBuiltinDir = fileURLToPath(new URL('../../plugins/', import.meta.url));

/**
 * Loads plugins, activates them with a timeout, and keeps what they register. A plugin that
 * fails in any way is marked `failed` with its error and its registrations are disposed; the
 * host itself never throws because of a plugin.
 *
 * @example
 * ```ts
 * const host = new PluginHost({ farmId, serverUrl, dataDir, configFor, logger });
 * await host.start();
 * const local = host.provider('local');
 * …
 * await host.stop();
 * ```
 */
export class PluginHost {
  readonly registry = new PluginRegistry();
  private readonly plugins: LoadedPlugin[] = [];
  private readonly log: Logger;
  private readonly secrets: SecretStore;
  private readonly activationTimeoutMs: number;
  private readonly deactivationTimeoutMs: number;
  private started = false;

  constructor(private readonly options: PluginHostOptions) {
    this.log = options.logger.child({ part: 'plugin' });
    this.secrets = options.secrets ?? new FileSecretStore(options.dataDir);
    this.activationTimeoutMs = options.activationTimeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.deactivationTimeoutMs = options.deactivationTimeoutMs ?? DEFAULT_TIMEOUT_MS;
  }

  /** Finds and activates every plugin, each with its own timeout. */
  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    const roots = [this.options.builtinDir ?? defaultBuiltinDir, ...(this.options.extraDirs ?? [])];
    const folders = await discoverPluginFolders(roots, this.log);
    const toActivate: Array<{ plugin: LoadedPlugin; mainPath: string }> = [];
    const accepted = new Map<string, string>(); // name → folder, for plugins with a valid manifest
    for (const dir of folders) {
      const result = await readManifest(dir);
      const fallbackName = result.ok ? result.manifest.name : (result.name ?? path.basename(dir));
      const plugin: LoadedPlugin = {
        info: {
          name: shortPluginName(fallbackName),
          version: result.ok ? result.manifest.version : (result.version ?? '?'),
          dir,
          state: 'failed',
          providers: [],
          wizards: [],
        },
        registrations: new Set(),
        closed: true,
      };
      this.plugins.push(plugin);
      if (!result.ok) {
        this.fail(plugin, result.error);
        continue;
      }
      const name = plugin.info.name;
      const earlier = accepted.get(name);
      if (earlier) {
        this.fail(plugin, `another plugin named "${name}" is already loaded from ${earlier}`);
        continue;
      }
      accepted.set(name, dir);
      if (this.isDisabled(name)) {
        plugin.info.state = 'disabled';
        this.log.info({ plugin: name }, 'plugin disabled by configuration');
        continue;
      }
      const wanted = result.manifest.coalition.apiVersion;
      if (wanted !== PLUGIN_API_VERSION) {
        this.fail(plugin, `needs plugin API version ${wanted}, this server provides version ${PLUGIN_API_VERSION}`);
        continue;
      }
      toActivate.push({ plugin, mainPath: result.mainPath });
    }
    // One at a time, in discovery order (built-ins first): a name clash between two plugins
    // is then decided the same way on every start.
    for (const { plugin, mainPath } of toActivate) await this.activate(plugin, mainPath);
  }

  /** Deactivates every active plugin (each with a timeout) and disposes all registrations. */
  async stop(): Promise<void> {
    for (const plugin of [...this.plugins].reverse()) {
      if (plugin.info.state !== 'active' || plugin.closed) continue;
      plugin.closed = true;
      const deactivate = plugin.module?.deactivate;
      if (deactivate) {
        try {
          await withTimeout(Promise.resolve().then(() => deactivate.call(plugin.module)), this.deactivationTimeoutMs, `plugin "${plugin.info.name}" deactivate()`);
        } catch (err) {
          this.log.error({ plugin: plugin.info.name, err: messageOf(err) }, 'plugin deactivate failed');
        }
      }
      await this.disposeAll(plugin);
      this.log.info({ plugin: plugin.info.name }, 'plugin deactivated');
    }
  }

  /** Every plugin found, with its state and what it registered. */
  list(): PluginInfo[] {
    return this.plugins.map((p) => ({
      ...p.info,
      providers: this.registry.providerNamesOf(p.info.name),
      wizards: this.registry.wizardIdsOf(p.info.name),
    }));
  }

  provider(name: string): CloudProvider | undefined {
    return this.registry.provider(name);
  }

  providers(): Array<{ plugin: string; provider: CloudProvider }> {
    return this.registry.providers();
  }

  wizard(id: string): SetupWizard | undefined {
    return this.registry.wizard(id);
  }

  wizards(): Array<{ plugin: string; wizard: SetupWizard }> {
    return this.registry.wizards();
  }

  private isDisabled(name: string): boolean {
    if (this.options.disabled?.includes(name)) return true;
    try {
      const enabled = this.options.configFor(name).enabled;
      return enabled !== undefined && /^(false|no|off|0)$/i.test(enabled.trim());
    } catch {
      return false; // a config error surfaces at activation, with its message
    }
  }

  private async activate(plugin: LoadedPlugin, mainPath: string): Promise<void> {
    const name = plugin.info.name;
    plugin.closed = false;
    try {
      const ctx = this.contextFor(plugin);
      const work = (async () => {
        const mod = (await import(pathToFileURL(mainPath).href)) as Partial<PluginModule>;
        if (typeof mod.activate !== 'function') throw new Error(`${mainPath} exports no activate() function`);
        plugin.module = mod as PluginModule;
        await mod.activate(ctx);
      })();
      await withTimeout(work, this.activationTimeoutMs, `plugin "${name}" activate()`);
      plugin.info.state = 'active';
      this.log.info({ plugin: name, version: plugin.info.version, providers: this.registry.providerNamesOf(name) }, 'plugin active');
    } catch (err) {
      this.fail(plugin, messageOf(err));
      await this.disposeAll(plugin);
    }
  }

  private contextFor(plugin: LoadedPlugin): PluginContext {
    const name = plugin.info.name;
    const logger = this.log.child({ plugin: name });
    const { farmId, serverUrl, dataDir } = this.options;
    const config = Object.freeze({ ...this.options.configFor(name) });
    const register = <T>(kind: string, item: T, add: (plugin: string, item: T) => () => void, release?: () => Promise<void> | void): Disposable => {
      if (plugin.closed) {
        logger.warn(`${kind} registered after the plugin failed or stopped: ignored`);
        return { dispose: () => undefined };
      }
      const remove = add(name, item);
      let done: Promise<void> | undefined;
      const registration: Registration = {
        dispose: () => {
          done ??= (async () => {
            plugin.registrations.delete(registration);
            remove();
            if (release) await withTimeout(Promise.resolve().then(release), this.deactivationTimeoutMs, `${kind} dispose()`);
          })();
          return done;
        },
      };
      plugin.registrations.add(registration);
      return {
        dispose: () => {
          registration.dispose().catch((err: unknown) => logger.error({ err: messageOf(err) }, `${kind} dispose failed`));
        },
      };
    };
    return {
      pluginName: name,
      farmId,
      serverUrl,
      dataDir,
      config,
      logger,
      secrets: scopedSecretStore(this.secrets, name),
      workerProcess: this.options.workerProcess ?? defaultWorkerProcess(),
      registerCloudProvider: (provider) =>
        register('cloud provider', provider, (p, item) => this.registry.addProvider(p, item), provider.dispose ? () => provider.dispose?.() : undefined),
      registerSetupWizard: (wizard) => register('setup wizard', wizard, (p, item) => this.registry.addWizard(p, item)),
    };
  }

  private fail(plugin: LoadedPlugin, error: string): void {
    plugin.closed = true;
    plugin.info.state = 'failed';
    plugin.info.error = error;
    this.log.error({ plugin: plugin.info.name, dir: plugin.info.dir, error }, 'plugin failed');
  }

  private async disposeAll(plugin: LoadedPlugin): Promise<void> {
    const results = await Promise.allSettled([...plugin.registrations].map((r) => r.dispose()));
    for (const r of results) {
      if (r.status === 'rejected') this.log.error({ plugin: plugin.info.name, err: messageOf(r.reason) }, 'disposing a registration failed');
    }
  }
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
