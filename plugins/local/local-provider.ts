import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { closeSync, openSync, renameSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  FARM_TAG,
  ProviderError,
  type CloudProvider,
  type InstanceTypeOffer,
  type LaunchRequest,
  type LaunchResult,
  type PluginLogger,
  type PriceQuote,
  type ProviderInstance,
  type TerminateResult,
  type WorkerProcess,
} from '../../core/plugin-api.ts';
import { InstanceRecordFile, type LocalInstanceRecord } from './instance-records.ts';
import type { LocalSettings } from './local-settings.ts';
import { isOurWorker, signal } from './process-probe.ts';

export const LOCAL_INSTANCE_TYPE = 'local';
/** Below the host's default deactivation timeout (10 s), so a normal shutdown logs no timeout. */
const DISPOSE_WAIT_MS = 8_000;
const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

export interface LocalProviderOptions {
  /** Where records and logs go: `<stateDir>/instances.json`, `<stateDir>/<id>.log`. */
  stateDir: string;
  settings: LocalSettings;
  logger: PluginLogger;
  /** How to start a worker (the plugin context's `workerProcess`); wins over `workerEntry`. */
  workerProcess?: WorkerProcess;
  /** The script run as `node --import tsx <workerEntry> worker …`; defaults to `headless/main.ts`. */
  workerEntry?: string;
  now?: () => number;
}

/**
 * "Instances" that are worker processes on this machine: a newcomer sees autoscaling with no
 * cloud account. Workers are detached, so they outlive a server restart; their records in
 * `instances.json` let the next server find them again.
 */
export class LocalProvider implements CloudProvider {
  readonly name = 'local';
  private readonly records = new Map<string, LocalInstanceRecord>();
  private readonly recordFile: InstanceRecordFile;
  private readonly workerProcess: WorkerProcess;
  private readonly now: () => number;
  /** Serializes every change to the records (launch, terminate, pruning), so the cap holds. */
  private queue: Promise<unknown> = Promise.resolve();
  private loaded = false;
  private readonly stopping = new Map<string, Promise<void>>();
  private disposed = false;

  constructor(private readonly options: LocalProviderOptions) {
    this.recordFile = new InstanceRecordFile(path.join(options.stateDir, 'instances.json'));
    this.workerProcess = options.workerProcess ?? {
      command: process.execPath,
      args: ['--import', 'tsx', options.workerEntry ?? path.join(repoRoot, 'headless', 'main.ts')],
      cwd: repoRoot,
    };
    this.now = options.now ?? Date.now;
  }

  async offers(): Promise<InstanceTypeOffer[]> {
    const { affinities, bootSeconds } = this.options.settings;
    return [{ name: LOCAL_INSTANCE_TYPE, slots: 1, affinities: [...affinities], bootSeconds, markets: ['on-demand'] }];
  }

  async prices(): Promise<PriceQuote[]> {
    return [{ instanceType: LOCAL_INSTANCE_TYPE, market: 'on-demand', perHour: this.options.settings.pricePerHour, at: this.now() }];
  }

  list(farmId: string): Promise<ProviderInstance[]> {
    return this.serially(async () => {
      await this.prune();
      return [...this.records.values()].filter((r) => r.tags[FARM_TAG] === farmId).map((r) => this.toInstance(r));
    });
  }

  launch(request: LaunchRequest): Promise<LaunchResult> {
    const refuse = (error: ProviderError): LaunchResult => ({
      started: [],
      failed: request.instances.map((i) => ({ workerName: i.workerName, error })),
    });
    if (request.instanceType !== LOCAL_INSTANCE_TYPE) {
      return Promise.resolve(refuse(new ProviderError('invalid', `the local provider offers only the "${LOCAL_INSTANCE_TYPE}" type, not "${request.instanceType}"`)));
    }
    if (request.market !== 'on-demand') {
      return Promise.resolve(refuse(new ProviderError('invalid', 'the local provider has no spot market: ask for on-demand')));
    }
    if (request.instances.length !== request.count) {
      return Promise.resolve(refuse(new ProviderError('invalid', `count is ${request.count} but ${request.instances.length} instance entries were given`)));
    }
    if (!/^https?:\/\/[^/\s]+/.test(request.serverUrl)) {
      return Promise.resolve(refuse(new ProviderError('invalid', `serverUrl "${request.serverUrl}" is not an http(s) URL`)));
    }
    if (!request.tags[FARM_TAG]) {
      return Promise.resolve(refuse(new ProviderError('invalid', `launch tags must include "${FARM_TAG}"`)));
    }
    return this.serially(async () => {
      await this.prune();
      const result: LaunchResult = { started: [], failed: [] };
      const cap = this.options.settings.maxInstances;
      for (const wanted of request.instances) {
        if (this.disposed) {
          result.failed.push({ workerName: wanted.workerName, error: new ProviderError('unknown', 'the local provider is shutting down') });
        } else if (this.records.size >= cap) {
          result.failed.push({
            workerName: wanted.workerName,
            error: new ProviderError('quota', `the local provider runs at most ${cap} worker processes (maxinstances = ${cap})`),
          });
        } else {
          try {
            const record = await this.spawnWorker(request, wanted.workerName, wanted.workerToken);
            this.records.set(record.id, record);
            result.started.push(this.toInstance(record));
          } catch (err) {
            result.failed.push({ workerName: wanted.workerName, error: new ProviderError('unknown', `cannot start a worker process: ${(err as Error).message}`) });
          }
        }
      }
      if (result.started.length > 0) await this.persist();
      return result;
    });
  }

  terminate(ids: string[]): Promise<TerminateResult> {
    return this.serially(async () => {
      await this.load();
      const result: TerminateResult = { terminated: [], failed: [] };
      let changed = false;
      for (const id of ids) {
        const record = this.records.get(id);
        if (!record || !isOurWorker(record.pid, record.workerName)) {
          if (record) {
            this.records.delete(id);
            changed = true;
          }
          result.terminated.push(id); // unknown or already gone: nothing to do
          continue;
        }
        try {
          if (record.terminatingAt === undefined) {
            signal(record.pid, 'SIGTERM'); // the worker requeues its job and exits
            record.terminatingAt = this.now();
            changed = true;
          }
          this.watchUntilGone(record);
          result.terminated.push(id);
        } catch (err) {
          result.failed.push({ id, error: new ProviderError('unknown', `cannot stop worker process ${record.pid}: ${(err as Error).message}`) });
        }
      }
      if (changed) await this.persist();
      return result;
    });
  }

  /**
   * Waits a while for the workers being terminated. Running workers are left alone: they
   * outlive the server and the next one finds them in `instances.json` (and resumes watching
   * those still stopping, SIGKILL included).
   */
  async dispose(): Promise<void> {
    this.disposed = true;
    await this.queue.catch(() => undefined);
    let timer: NodeJS.Timeout | undefined;
    const enough = new Promise<void>((resolve) => (timer = setTimeout(resolve, DISPOSE_WAIT_MS)));
    await Promise.race([Promise.all(this.stopping.values()), enough]);
    clearTimeout(timer);
    await this.queue.catch(() => undefined); // the record updates of the workers that just stopped
  }

  private toInstance(r: LocalInstanceRecord): ProviderInstance {
    return {
      id: r.id,
      state: r.terminatingAt !== undefined ? 'stopping' : 'running',
      instanceType: r.instanceType,
      market: r.market,
      workerName: r.workerName,
      launchedAt: r.launchedAt,
      tags: { ...r.tags },
    };
  }

  private async spawnWorker(request: LaunchRequest, workerName: string, workerToken: string): Promise<LocalInstanceRecord> {
    await mkdir(this.options.stateDir, { recursive: true });
    const pendingLog = path.join(this.options.stateDir, `starting-${workerName.replace(/[^A-Za-z0-9._-]/g, '_')}.log`);
    const { command, cwd } = this.workerProcess;
    const args = [...this.workerProcess.args, 'worker', '--server', request.serverUrl, '--name', workerName];
    const { affinities } = this.options.settings;
    if (affinities.length > 0) args.push('--affinity', affinities.join(','));
    const logFd = openSync(pendingLog, 'a', 0o600);
    let pid: number;
    try {
      // The token goes in the environment, never in argv: other users can read a command line.
      const child = spawn(command, args, {
        cwd,
        detached: true,
        stdio: ['ignore', logFd, logFd],
        env: workerEnvironment(workerToken, request.serverUrl),
        windowsHide: true,
      });
      await Promise.race([once(child, 'spawn'), once(child, 'error').then(([err]) => Promise.reject(err as Error))]);
      child.unref();
      if (child.pid === undefined) throw new Error('no pid');
      pid = child.pid;
    } finally {
      closeSync(logFd);
    }
    const id = `local-${pid}`;
    let logFile = path.join(this.options.stateDir, `${id}.log`);
    try {
      renameSync(pendingLog, logFile); // the worker keeps writing through its open descriptor
    } catch {
      logFile = pendingLog; // Windows will not rename an open file; keep the first name
    }
    this.options.logger.info({ id, pid, workerName, logFile }, 'local worker process started');
    return {
      id,
      pid,
      workerName,
      instanceType: LOCAL_INSTANCE_TYPE,
      market: 'on-demand',
      launchedAt: this.now(),
      tags: { ...request.tags },
      logFile,
    };
  }

  /** Polls until the worker is gone, escalating to SIGKILL (of its whole group) after the grace period. */
  private watchUntilGone(record: LocalInstanceRecord): void {
    if (this.stopping.has(record.id)) return;
    const graceMs = this.options.settings.graceSeconds * 1000;
    const watch = (async () => {
      const started = Date.now();
      let killed = false;
      while (isOurWorker(record.pid, record.workerName)) {
        if (!killed && Date.now() - started >= graceMs) {
          this.options.logger.warn({ id: record.id, pid: record.pid }, 'worker ignored SIGTERM: SIGKILL');
          try {
            signal(record.pid, 'SIGKILL', true);
          } catch {
            signal(record.pid, 'SIGKILL');
          }
          killed = true;
        }
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      this.options.logger.info({ id: record.id, pid: record.pid }, 'local worker process stopped');
    })().finally(() => {
      this.stopping.delete(record.id);
      void this.serially(() => this.prune()).catch((err: unknown) =>
        this.options.logger.error({ err: (err as Error).message }, 'cannot update instances.json'),
      );
    });
    this.stopping.set(record.id, watch);
  }

  private async load(): Promise<void> {
    if (this.loaded) return;
    for (const record of await this.recordFile.load()) this.records.set(record.id, record);
    this.loaded = true;
    for (const record of this.records.values()) {
      if (record.terminatingAt !== undefined && isOurWorker(record.pid, record.workerName)) this.watchUntilGone(record);
    }
  }

  /** Forgets workers that are gone. */
  private async prune(): Promise<void> {
    await this.load();
    let changed = false;
    for (const [id, record] of this.records) {
      if (!isOurWorker(record.pid, record.workerName)) {
        this.records.delete(id);
        changed = true;
        this.options.logger.debug({ id }, 'local worker process gone: record dropped');
      }
    }
    if (changed) await this.persist();
  }

  private persist(): Promise<void> {
    return this.recordFile.save(this.records.values());
  }

  private serially<T>(work: () => Promise<T>): Promise<T> {
    const next = this.queue.then(work);
    this.queue = next.catch(() => undefined);
    return next;
  }
}

/**
 * The server's environment minus what a worker must not hold (admin token, secrets), plus its
 * own token. The server URL goes in `COALITION_SERVER` too, besides `--server`, so the worker
 * finds it whichever way its command line is parsed.
 */
function workerEnvironment(workerToken: string, serverUrl: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (key === 'COALITION_ADMIN_TOKEN' || key.startsWith('COALITION_SECRET_')) continue;
    env[key] = value;
  }
  env.COALITION_WORKER_TOKEN = workerToken;
  env.COALITION_SERVER = serverUrl;
  return env;
}
