/**
 * The Coalition plugin API: the only module a plugin may import from core.
 *
 * A plugin is a folder with a `package.json`:
 * ```json
 * { "name": "coalition-plugin-local", "version": "1.0.0", "type": "module", "main": "index.ts",
 *   "coalition": { "apiVersion": 1 } }
 * ```
 * (`"type": "module"` is required; the plugin is then known as `local`: the `coalition-plugin-`
 * prefix is dropped, and that short name picks its config section and its data folder.)
 * whose `main` module exports `activate(ctx)` and, optionally, `deactivate()`:
 * ```ts
 * import type { PluginContext } from '../../core/plugin-api.ts';
 * export function activate(ctx: PluginContext) {
 *   ctx.registerCloudProvider(new MyProvider(ctx.config));
 * }
 * ```
 * Every `register…()` returns a {@link Disposable}; the host disposes them all when the
 * plugin is deactivated. A plugin that throws in `activate`, takes longer than the host's
 * activation timeout, or asks for another API version is marked failed and the server
 * goes on without it.
 *
 * @packageDocumentation
 */

/** The plugin API version this core provides. A plugin's manifest names the version it needs. */
export const PLUGIN_API_VERSION = 1;

/** The tag every cloud resource of a farm carries, with the farm's id as value. */
export const FARM_TAG = 'coalition:farm';

/** Something that can be undone: a registration, a subscription. */
export interface Disposable {
  dispose(): void;
}

/** Structured logger handed to plugins (pino-compatible subset). Never log secrets. */
export interface PluginLogger {
  info(obj: object | string, msg?: string): void;
  warn(obj: object | string, msg?: string): void;
  error(obj: object | string, msg?: string): void;
  debug(obj: object | string, msg?: string): void;
}

/**
 * Where a plugin keeps secrets (cloud credentials, tokens): the OS keychain on the desktop,
 * a 0600 file or the environment headless. Values never appear in config files or logs.
 */
export interface SecretStore {
  get(key: string): Promise<string | undefined>;
  set(key: string, value: string): Promise<void>;
  delete(key: string): Promise<void>;
}

/** A command line that starts a Coalition worker process (see {@link PluginContext.workerProcess}). */
export interface WorkerProcess {
  readonly command: string;
  readonly args: readonly string[];
  readonly cwd: string;
}

/** What the host gives a plugin when it activates it. */
export interface PluginContext {
  /** The plugin's own name (from its manifest). */
  readonly pluginName: string;
  /** The farm's id: tag every cloud resource you create with it. */
  readonly farmId: string;
  /** The server URL workers should reach (e.g. `http://10.0.0.5:19211`). */
  readonly serverUrl: string;
  /** The data directory of the server; a plugin may keep files under `dataDir/plugins/<name>`. */
  readonly dataDir: string;
  /** Settings for this plugin: the config file section(s) named after it, already parsed. */
  readonly config: Readonly<Record<string, string>>;
  readonly logger: PluginLogger;
  readonly secrets: SecretStore;
  /**
   * How to start a worker process of this very installation: run `command` with `args`, then
   * the worker's own arguments, in `cwd`. From a clone it is node with tsx and
   * `headless/main.ts`; from a build, node and `dist/headless/main.js`; in the desktop app, the
   * app's own executable (which runs as a worker when given `worker`).
   *
   * @example
   * ```ts
   * const { command, args, cwd } = ctx.workerProcess;
   * spawn(command, [...args, 'worker', '--server', url, '--name', name], { cwd });
   * ```
   */
  readonly workerProcess: WorkerProcess;
  /** Registers a cloud provider the scaler can use. */
  registerCloudProvider(provider: CloudProvider): Disposable;
  /** Registers a guided setup (a list of steps) the UI, the desktop app and the CLI can run. */
  registerSetupWizard(wizard: SetupWizard): Disposable;
}

/** The module a plugin's `main` exports. */
export interface PluginModule {
  activate(ctx: PluginContext): void | Promise<void>;
  deactivate?(): void | Promise<void>;
}

// ---------------------------------------------------------------------------------------
// Cloud providers
// ---------------------------------------------------------------------------------------

/** Spot (interruptible, cheaper) or on-demand capacity. */
export type Market = 'spot' | 'on-demand';

/**
 * Provider-neutral instance states. Providers map their own states onto these and skip
 * (with a log line) states they do not know. `stopping`: shutting down, gone by itself soon.
 * `stopped`: stopped (or stopping) without going away: it serves no one and may still cost
 * (its disks), so the scaler terminates it.
 */
export type InstanceState = 'pending' | 'running' | 'stopping' | 'stopped' | 'terminated';

/** One machine of the farm as the provider sees it. */
export interface ProviderInstance {
  /** The provider's id (e.g. `i-0abc…`, or a pid for the local provider). */
  id: string;
  state: InstanceState;
  instanceType: string;
  market: Market;
  /** The name the worker on this machine registers with. */
  workerName: string;
  /** Launch time, ms since the epoch. */
  launchedAt: number;
  /** The tags it carries; always includes {@link FARM_TAG} with the farm's id. */
  tags: Record<string, string>;
}

/** An instance type a provider can start, with what it offers. */
export interface InstanceTypeOffer {
  name: string;
  /** How many jobs it runs at once (worker slots). */
  slots: number;
  /** The worker affinities an instance of this type has. */
  affinities: string[];
  /** Typical seconds from launch to a worker asking for jobs. */
  bootSeconds: number;
  /** The markets it can be bought on. */
  markets: Market[];
}

/** A price quote, in the provider's currency per instance-hour. */
export interface PriceQuote {
  instanceType: string;
  market: Market;
  perHour: number;
  /** When the quote was made, ms since the epoch. */
  at: number;
}

/** An offered type and market the provider could not price, and why (the scaler shows it as its reason). */
export interface MissingPrice {
  instanceType: string;
  market: Market;
  /** A sentence that says what failed and how to fix it, e.g. `no price for m5.large on-demand (price list unreachable: …); set ondemandprice.m5.large`. */
  reason: string;
}

/** A likely reason instances never become workers, and how a person checks it. */
export interface BootFailureCause {
  cause: string;
  /** A command to run or a place to look, with this farm's values filled in. */
  howToCheck: string;
}

/** What the scaler asks a provider to start. */
export interface LaunchRequest {
  instanceType: string;
  market: Market;
  count: number;
  /**
   * One entry per instance to start (length equals `count`): the name its worker registers
   * with, a per-instance worker token the server accepts only for that worker (put it in the
   * instance's bootstrap, never a long-lived secret), and an idempotency token for the call.
   */
  instances: Array<{ workerName: string; workerToken: string; clientToken: string }>;
  /** The URL the started workers must reach. */
  serverUrl: string;
  /** Tags to put on every instance at launch (includes the farm id). */
  tags: Record<string, string>;
}

/**
 * Error codes a provider reports so the scaler can react: `capacity` (no capacity in that
 * pool: try another market or type, back off that pool), `quota` (account limit reached),
 * `price` (spot price above the max), `throttled` (slow down), `auth` (credentials or
 * permission missing: the message names the action), `invalid` (bad request or settings),
 * `unknown`.
 */
export type ProviderErrorCode = 'capacity' | 'quota' | 'price' | 'throttled' | 'auth' | 'invalid' | 'unknown';

/** A failure reported by a provider, with a code the scaler understands. */
export class ProviderError extends Error {
  constructor(
    readonly code: ProviderErrorCode,
    message: string,
    /** The provider's own error name, e.g. `InsufficientInstanceCapacity`. */
    readonly providerCode?: string,
  ) {
    super(message);
    this.name = 'ProviderError';
  }
}

/** Partial success is data, not an exception. */
export interface LaunchResult {
  started: ProviderInstance[];
  failed: Array<{ workerName: string; error: ProviderError }>;
}

export interface TerminateResult {
  terminated: string[];
  failed: Array<{ id: string; error: ProviderError }>;
}

/**
 * A cloud provider: the scaler lists, starts and terminates the farm's instances through it.
 *
 * @example
 * ```ts
 * class MyProvider implements CloudProvider {
 *   readonly name = 'my-cloud';
 *   async offers() { return [{ name: 'small', slots: 1, affinities: ['linux'], bootSeconds: 60, markets: ['on-demand'] }]; }
 *   async prices() { return [{ instanceType: 'small', market: 'on-demand', perHour: 0.05, at: Date.now() }]; }
 *   async list(farmId) { … }
 *   async launch(req) { … return { started, failed }; }
 *   async terminate(ids) { … return { terminated, failed }; }
 * }
 * ```
 */
export interface CloudProvider {
  /** Unique name, e.g. `aws`, `local`. Matches `servermode`. */
  readonly name: string;
  /** The instance types this provider may start, from its settings. */
  offers(): Promise<InstanceTypeOffer[]>;
  /** Current prices for the offered types and markets (cached by the provider). */
  prices(): Promise<PriceQuote[]>;
  /** Optional: the offered types and markets the last `prices()` answer left out, and why. */
  missingPrices?(): MissingPrice[];
  /**
   * Optional: likely causes, with how to check each, when instances never become workers
   * (shown in the scaler's alert instead of generic ones). `instanceIds` are the ones that missed.
   */
  bootFailureCauses?(context: { serverUrl: string; instanceIds: string[] }): BootFailureCause[];
  /** The farm's instances (found by the `coalition:farm` tag), in every state but gone. */
  list(farmId: string): Promise<ProviderInstance[]>;
  /** Starts instances; reports what started and what failed. */
  launch(request: LaunchRequest): Promise<LaunchResult>;
  /** Terminates instances by id. Terminating an already terminated or unknown id succeeds. */
  terminate(ids: string[]): Promise<TerminateResult>;
  /** Releases resources (timers, child processes) when the plugin is deactivated. */
  dispose?(): Promise<void> | void;
}

// ---------------------------------------------------------------------------------------
// Setup wizards
// ---------------------------------------------------------------------------------------

/** One thing a setup step will do: create, reuse, update or delete a resource. */
export interface PlannedAction {
  action: 'create' | 'reuse' | 'update' | 'delete';
  /** Kind of resource, e.g. `vpc`, `security-group`, `bucket`. */
  resource: string;
  /** Human-readable name or id. */
  name: string;
  detail?: string;
}

/** The result of checking or applying a step. */
export interface StepOutcome {
  ok: boolean;
  /** What the step found or did, for the person running the wizard. */
  message: string;
  /** Ids and values later steps or the saved settings need. */
  values?: Record<string, string>;
  /** When refused by the cloud: the missing permission, e.g. `ec2:CreateVpc`. */
  missingPermission?: string;
}

/** A field a step asks the person for. */
export interface StepField {
  key: string;
  label: string;
  /** Secret fields are stored through the {@link SecretStore}, never echoed back. */
  secret?: boolean;
  required?: boolean;
  default?: string;
}

/** One step of a guided setup: check what exists, show the plan, apply it idempotently. */
export interface SetupStep {
  id: string;
  title: string;
  fields: StepField[];
  /** Is what this step needs already usable? */
  check(input: Record<string, string>): Promise<StepOutcome>;
  /** What apply would create or reuse, without changing anything. */
  plan(input: Record<string, string>): Promise<PlannedAction[]>;
  /** Does it; running it twice creates nothing new. */
  apply(input: Record<string, string>, onProgress?: (fraction: number, message: string) => void): Promise<StepOutcome>;
}

/** A guided setup a plugin offers (e.g. "Cloud mode on AWS"). */
export interface SetupWizard {
  id: string;
  title: string;
  steps: SetupStep[];
  /** Everything the wizard created, newest first, for a teardown preview. */
  teardownPlan(): Promise<PlannedAction[]>;
  /** Deletes, in reverse order, what the wizard created (and only that). */
  teardown(): Promise<StepOutcome>;
}

// ---------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------

/**
 * Renders `{{name}}` placeholders. A placeholder with no value is an error at render time,
 * so a broken template never reaches an instance.
 *
 * @example
 * ```ts
 * renderTemplate('echo {{greeting}}', { greeting: 'hi' }); // 'echo hi'
 * ```
 */
export function renderTemplate(template: string, vars: Readonly<Record<string, string>>): string {
  const missing = new Set<string>();
  const out = template.replace(/\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}/g, (_m, name: string) => {
    const value = Object.hasOwn(vars, name) ? vars[name] : undefined; // never Object.prototype's
    if (value === undefined) {
      missing.add(name);
      return '';
    }
    return value;
  });
  if (missing.size > 0) throw new Error(`template variable(s) with no value: ${[...missing].join(', ')}`);
  return out;
}

/**
 * True when `url` names this machine (localhost, 127.x, 0.0.0.0, ::1, ::, or their IPv4-mapped
 * forms): an address a worker on another machine cannot reach the server at.
 *
 * @example
 * ```ts
 * isLoopbackUrl('http://0.0.0.0:19211'); // true
 * isLoopbackUrl('http://10.0.0.5:19211'); // false
 * ```
 */
export function isLoopbackUrl(url: string): boolean {
  let host: string;
  try {
    // The URL parser normalizes the forms people write: `127.1`, `0`, `[0:0::1]`, upper case.
    host = new URL(url).hostname.toLowerCase().replace(/^\[(.*)\]$/, '$1').replace(/\.$/, '');
  } catch {
    return false;
  }
  return host === 'localhost' || host.endsWith('.localhost') || /^127\.\d+\.\d+\.\d+$/.test(host) || host === '0.0.0.0'
    || host === '::1' || host === '::' || /^::ffff:(7f[0-9a-f]{2}:[0-9a-f]{1,4}|0:0)$/.test(host);
}
