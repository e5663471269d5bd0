import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Router } from 'express';
import type { Dispatcher } from '../farm/dispatcher.ts';
import type { Farm } from '../farm/farm.ts';
import { farmIdFor } from '../farm-id.ts';
import type { InstanceTokens } from '../http/auth.ts';
import { cloudRoutes } from '../http/cloud-routes.ts';
import { pluginRoutes } from '../http/plugin-routes.ts';
import { setupRoutes } from '../http/setup-routes.ts';
import { terminateWorkersRoute } from '../http/terminate-workers-route.ts';
import type { Logger } from '../logger.ts';
import type { SecretStore, WorkerProcess } from '../plugin-api.ts';
import { parsePluginDirs } from '../plugins/discover.ts';
import { PluginHost } from '../plugins/plugin-host.ts';
import { ScalerService } from '../scaler/scaler-service.ts';
import { defaultScalerSettings, settingsFromIni } from '../scaler/settings.ts';
import type { ScalerSettings } from '../scaler/types.ts';
import type { Store } from '../store/store.ts';
import { readIni } from '../config.ts';
import type { AlertListener } from '../scaler/alerts.ts';
import { CloudSeries } from './cloud-series.ts';
import { FarmScalerHost, InstanceRecords } from './farm-scaler-host.ts';
import { trackJobCosts } from './job-costs.ts';
import { SpendLedger } from './spend-ledger.ts';
import { estimateRoutes } from '../http/estimate-routes.ts';

export interface CloudModeOptions {
  servermode: 'aws' | 'local' | 'normal';
  dataDir: string;
  /** The URL started workers reach. */
  serverUrl: string;
  /** The parsed coalition.ini (sections), and its folder (relative paths start there). */
  ini: Record<string, Record<string, string>>;
  configDir: string;
  plugindirs: string;
  farm: Farm;
  dispatcher: Dispatcher;
  store: Store;
  instanceTokens: InstanceTokens;
  logger: Logger;
  /** Seconds between scaler ticks. */
  tickSeconds?: number;
  /** The plugins' secret store (the desktop's keychain); defaults to `<data>/secrets.json`. */
  secrets?: SecretStore;
  /** How plugins start a worker process (the desktop app's own executable). */
  workerProcess?: WorkerProcess;
}

export interface CloudMode {
  plugins: PluginHost;
  scaler?: ScalerService;
  routes: Router;
  /**
   * Observes cloud alerts (budget near or at its limit, instances that never became workers) as
   * they are raised, updated and cleared: the hook for notifications and webhooks. Returns an unsubscribe.
   */
  onAlert(listener: AlertListener): () => void;
  /** `keepInstances`: leave even local workers running (the next start adopts them). */
  stop(options?: { keepInstances?: boolean }): Promise<void>;
}

/**
 * Loads the plugins and, unless `servermode = normal`, runs the scaler with the provider the
 * mode names (`local`: worker processes on this machine; `aws`: EC2). The scaler is poked when
 * jobs become runnable, end, or lose their worker.
 */
export async function startCloudMode(o: CloudModeOptions): Promise<CloudMode> {
  const farmId = farmIdFor(o.dataDir);
  // cloud_aws.ini: the one the setup wizard saved < the one named by `cloudawsini` (or next to coalition.ini) < [aws] of coalition.ini.
  const named = o.ini.aws?.cloudawsini ?? o.ini.server?.cloudawsini;
  const awsIniPath = named ? resolve(o.configDir, named) : join(o.configDir, 'cloud_aws.ini');
  const flat = (sections: Record<string, Record<string, string>>) => Object.assign({}, ...Object.values(sections)) as Record<string, string>;
  const readIfThere = (path: string) => (existsSync(path) ? flat(readIni(path)) : {});
  const awsValues = { ...readIfThere(join(o.dataDir, 'plugins', 'aws', 'cloud_aws.ini')), ...readIfThere(awsIniPath), ...(o.ini.aws ?? {}) };
  const plugins = new PluginHost({
    farmId,
    serverUrl: o.serverUrl,
    dataDir: o.dataDir,
    logger: o.logger,
    extraDirs: parsePluginDirs(o.plugindirs, o.configDir),
    secrets: o.secrets,
    workerProcess: o.workerProcess,
    configFor: (name) => (name === 'aws' ? { ...(existsSync(awsIniPath) ? { cloudawsini: awsIniPath } : {}), ...(o.ini.aws ?? {}) } : (o.ini[name] ?? {})),
  });
  await plugins.start();
  const routes = Router();
  routes.use(pluginRoutes(plugins));
  routes.use(setupRoutes(plugins));
  let scaler: ScalerService | undefined;
  let stopJobCosts: (() => void) | undefined;
  let series: CloudSeries | undefined;
  if (o.servermode !== 'normal') {
    const provider = plugins.provider(o.servermode);
    if (!provider) {
      o.logger.error({ servermode: o.servermode }, `servermode = ${o.servermode} but no active plugin provides "${o.servermode}" (see GET /api/plugins); the scaler is off`);
    } else {
      const records = new InstanceRecords(o.store.instances);
      await records.load();
      const host = new FarmScalerHost(o.farm, o.dispatcher, o.instanceTokens, o.store.tokens, records, farmId, o.serverUrl, o.logger.child({ part: 'scaler' }));
      const ledger = new SpendLedger(o.store.spend);
      await ledger.load(o.farm.clock.now());
      host.spend = ledger;
      host.stateCollection = o.store.settings;
      stopJobCosts = trackJobCosts(o.farm, () => records.all(), ledger);
      const state = await host.loadState();
      const fromConfig = scalerSettings(o, awsValues);
      const overridden = Object.keys(state?.settingsPatch ?? {}).filter((k) => JSON.stringify(state!.settingsPatch[k as keyof ScalerSettings]) !== JSON.stringify(fromConfig[k as keyof ScalerSettings]));
      if (overridden.length) o.logger.info({ settings: overridden }, 'cloud settings changed through the API override the config files (POST /api/cloud/settings to change them again)');
      scaler = new ScalerService(host, provider, fromConfig, { tickSeconds: o.tickSeconds, onTick: () => o.farm.cloudChanged(), state });
      const service = scaler;
      o.dispatcher.jobGate = (name) => !service.holdsJobsOf(name);
      // A tick scans every job: at most one every 2 s however busy the farm (plus the timer).
      const poke = throttled(() => scaler!.poke(), 2000);
      o.farm.onRunnable(poke);
      o.farm.onChange(({ workers }) => workers.length && poke());
      scaler.start();
      routes.use(cloudRoutes(scaler));
      routes.use(estimateRoutes({ scaler, farm: o.farm }));
      series = new CloudSeries(o.farm, () => scaler!.status());
      series.start();
      routes.use(series.routes());
    }
  }
  routes.use(terminateWorkersRoute(scaler));
  return {
    plugins,
    scaler,
    routes,
    onAlert: (listener) => scaler?.onAlert(listener) ?? (() => {}),
    async stop(options = {}) {
      scaler?.stop();
      stopJobCosts?.();
      series?.stop();
      // Local workers are this server's children in spirit: a clean stop stops them too (a crash
      // leaves them running, and the next start adopts them).
      if (scaler && o.servermode === 'local' && !options.keepInstances) {
        const alive = (await scaler.status()).instances.filter((i) => i.id && i.state !== 'terminated').map((i) => i.id!);
        if (alive.length) await scaler.terminate(alive).catch((e: unknown) => o.logger.warn({ err: e }, 'could not stop the local workers'));
      }
      await plugins.stop();
    },
  };
}

/** Scaler settings: defaults, then `[cloud]` of coalition.ini, the provider's own section, or cloud_aws.ini. */
function scalerSettings(o: CloudModeOptions, awsIni: Record<string, string>): ScalerSettings {
  let settings: ScalerSettings = { ...defaultScalerSettings };
  if (o.servermode === 'local') {
    const local = o.ini.local ?? {};
    const cap = Number(local.maxinstances ?? 2);
    // Local workers cost nothing and bill nothing: no spot, no minimum billing, quick boots.
    settings = { ...settings, maxInstances: cap, workerinstancemax: cap, allowSpot: false, minimumBilledSeconds: 0, bootDeadlineSeconds: 120, nameprefix: 'local-' };
    settings = settingsFromIni(local, settings);
  } else if (o.servermode === 'aws') {
    settings = settingsFromIni(awsIni, settings);
  }
  return settingsFromIni(o.ini.cloud ?? {}, settings);
}

/** Calls `fn` at most once per `ms` (trailing call kept). */
function throttled(fn: () => void, ms: number): () => void {
  let timer: NodeJS.Timeout | undefined;
  let last = 0;
  return () => {
    if (timer) return;
    const wait = Math.max(0, last + ms - Date.now());
    timer = setTimeout(() => {
      timer = undefined;
      last = Date.now();
      fn();
    }, wait);
    timer.unref();
  };
}
