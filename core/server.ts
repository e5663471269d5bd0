import { mkdirSync, readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { Router, type Express } from 'express';
import { startCloudMode, type CloudMode, type CloudModeOptions } from './cloud/cloud-mode.ts';
import { systemClock, type Clock } from './clock.ts';
import { SERVER_DEFAULTS, type ServerConfig } from './config.ts';
import { Dispatcher } from './farm/dispatcher.ts';
import { Farm } from './farm/farm.ts';
import { createApp } from './http/app.ts';
import { authenticator, InstanceTokens, loadTokens, type Tokens } from './http/auth.ts';
import { backupRoutes } from './http/ops-routes.ts';
import { TrustedNetworks } from './http/trusted-networks.ts';
import { workerProtocolHandler } from './http/worker-protocol.ts';
import { createLogger, type Logger } from './logger.ts';
import type { SecretStore, WorkerProcess } from './plugin-api.ts';
import { openStore } from './store/store.ts';
import type { Access } from './access/access.ts';
import { openAccess } from './access/open-access.ts';
import { trustProxySetting } from './access/security-config.ts';
import { validationError } from './errors.ts';
import { farmIdFor } from './farm-id.ts';
import { AuditLog } from './ops/audit-log.ts';
import { lockDataDir } from './ops/data-lock.ts';
import { FarmMetrics } from './ops/metrics.ts';
import { budgetAlertForwarder } from './ops/budget-alerts.ts';
import { startOps, type RunningOps } from './ops/start-ops.ts';

export interface ServerOptions extends Partial<ServerConfig> {
  clock?: Clock;
  logger?: Logger;
  /** Overrides the tokens (tests); otherwise environment or `<data>/tokens.json`. */
  tokens?: Tokens;
  /** The parsed coalition.ini (plugin sections like `[local]`, `[cloud]`), and its folder. */
  ini?: Record<string, Record<string, string>>;
  configDir?: string;
  /** Seconds between scaler ticks (tests make it short). */
  scalerTickSeconds?: number;
  /** The plugins' secret store; the desktop app passes its keychain store (default `<data>/secrets.json`). */
  secrets?: SecretStore;
  /** How plugins start a worker process; the desktop app passes its own executable. */
  workerProcess?: WorkerProcess;
  /** `trustednetworks`: whether a request without a credential from this address may make this call (submit, read jobs). */
  isTrusted?: (address: string, method: string, path: string) => boolean;
  /** First webhook retry delay, ms (tests make it short). */
  webhookBackoffMs?: number;
}

export interface RunningServer {
  url: string;
  port: number;
  farm: Farm;
  dispatcher: Dispatcher;
  /** Undefined when auth is off. */
  tokens?: Tokens;
  tokensFile?: string;
  instanceTokens: InstanceTokens;
  cloud: CloudMode;
  access: Access;
  audit: AuditLog;
  metrics: FarmMetrics;
  ops: RunningOps;
  farmId: string;
  /** The Express app serving everything but the worker protocol (the OpenAPI test walks its routes). */
  app: Express;
  /** `keepInstances`: leave the scaler's instances running, local workers too (the next start adopts them). */
  close(options?: { keepInstances?: boolean }): Promise<void>;
}

/** The HTTP timeouts of a config (README "Limits"): the idle one always outlasts a long-poll. */
export function httpTimeouts(config: Pick<ServerConfig, 'headerstimeout' | 'requesttimeout' | 'idletimeout' | 'maxwait'>) {
  const headersMs = config.headerstimeout * 1000;
  const requestMs = Math.max(headersMs, config.requesttimeout * 1000);
  const idleMs = Math.max(config.idletimeout * 1000, config.maxwait + 10_000);
  return { headersMs, requestMs, idleMs, checkEveryMs: Math.min(30_000, Math.max(250, Math.floor(Math.min(headersMs, requestMs) / 4))) };
}

/** Opens the store, restores the farm and serves the HTTP API. */
export async function startServer(options: ServerOptions = {}): Promise<RunningServer> {
  const config = { ...SERVER_DEFAULTS, ...options };
  const logger = options.logger ?? createLogger({ level: config.verbose ? 'debug' : undefined });
  const clock = options.clock ?? systemClock;
  mkdirSync(config.data, { recursive: true, mode: 0o700 });
  const tls = config.tls_cert || config.tls_key ? readTls(config.tls_cert, config.tls_key) : undefined;
  const unlock = lockDataDir(config.data);
  const store = openStore({ dataDir: config.data, engine: config.store as 'journal' | 'nedb', fsync: config.fsync });
  const farm = new Farm({ store, dataDir: config.data, clock, logger, eventRetentionDays: config.eventretentiondays });
  await farm.open();
  const dispatcher = new Dispatcher(farm, { workerTimeoutSeconds: config.timeout, maxWaitMs: config.maxwait });
  dispatcher.startSweeping();
  // Per-worker tokens are restored by openAccess, before the port opens: a cloud worker
  // reconnecting right after a restart is not refused.
  const instanceTokens = new InstanceTokens();
  let tokens: Tokens | undefined;
  let tokensFile: string | undefined;
  if (config.auth !== 'none') {
    if (options.tokens) tokens = options.tokens;
    else ({ tokens, file: tokensFile } = loadTokens(config.data));
  }
  const farmId = farmIdFor(config.data);
  const access = await openAccess({ config, ini: options.ini ?? {}, store, tokens, instanceTokens, farmId, clock, logger, isTrusted: options.isTrusted ?? trustedCheck(config.trustednetworks) });
  const audit = new AuditLog(store.audit, () => clock.now(), config.auditretentiondays);
  await audit.load();
  const streams = { open: 0 };
  const started: { cloud?: CloudMode } = {}; // the metrics read the scaler once it is up
  const metrics = new FarmMetrics({ farm, cloud: async () => started.cloud?.scaler?.status(), streamClients: () => streams.open });
  const cloudRoutes = Router(); // filled once the server listens and the plugins are loaded
  const trustProxy = trustProxySetting(config.trustproxy);
  const app = createApp({
    farm, dispatcher, logger, tokens, instanceTokens, tokenDigests: store.tokens, access, audit, metrics, streams, trustProxy,
    hsts: Boolean(tls) || trustProxy !== undefined,
    corsOrigins: config.corsorigins.split(','),
    streamsPerToken: config.streamspertoken,
    extraRoutes: [backupRoutes({ dataDir: config.data, store, farm, farmId }), cloudRoutes],
  });
  const workerProtocol = workerProtocolHandler({
    farm, dispatcher, logger, authenticate: authenticator(access.authenticator), workerTimeoutSeconds: config.timeout, observePick: (s, got) => metrics.observePick(s, got),
  });
  const timeouts = httpTimeouts(config);
  const handler = (req: IncomingMessage, res: ServerResponse) => {
    try {
      if (req.url?.startsWith('/workers/')) workerProtocol(req, res);
      else app(req, res);
    } catch (err) {
      // Both handlers answer their own errors; this is the last guard that keeps the process up.
      logger.error({ err, url: req.url }, 'request handler threw');
      res.destroy();
    }
  };
  const serverOptions = { connectionsCheckingInterval: timeouts.checkEveryMs };
  const server: Server = tls ? createHttpsServer({ ...tls, ...serverOptions }, handler) : createServer(serverOptions, handler);
  server.headersTimeout = timeouts.headersMs;
  server.requestTimeout = timeouts.requestMs;
  // A socket silent this long mid-request is dropped (a long-poll holds it at most maxwait).
  server.timeout = timeouts.idleMs;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, () => resolve());
  });
  server.keepAliveTimeout = 65_000;
  const port = (server.address() as AddressInfo).port;
  const shownHost = config.host === '0.0.0.0' || config.host === '::' ? '127.0.0.1' : config.host;
  const url = `${tls ? 'https' : 'http'}://${shownHost}:${port}`;
  const cloud = await startCloudMode({
    servermode: config.servermode as CloudModeOptions['servermode'],
    dataDir: config.data,
    serverUrl: config.publicurl || url,
    ini: options.ini ?? {},
    configDir: options.configDir ?? process.cwd(),
    plugindirs: config.plugindirs,
    farm,
    dispatcher,
    store,
    instanceTokens,
    logger,
    tickSeconds: options.scalerTickSeconds,
    secrets: options.secrets,
    workerProcess: options.workerProcess,
  });
  cloudRoutes.use(cloud.routes);
  started.cloud = cloud;
  const ops = startOps({ farm, config, users: access.users, audit, metrics, scaler: cloud.scaler, farmId, serverUrl: url, logger, webhookBackoffMs: options.webhookBackoffMs });
  cloud.onAlert(budgetAlertForwarder(farm.ops));
  return {
    url,
    port,
    farm,
    dispatcher,
    tokens,
    tokensFile,
    instanceTokens,
    cloud,
    access,
    audit,
    metrics,
    ops,
    farmId,
    app,
    async close(closeOptions = {}) {
      ops.stop();
      await cloud.stop(closeOptions);
      dispatcher.close();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await farm.close();
      unlock();
    },
  };
}

/** `tls_cert` and `tls_key`: both, readable PEM files (a message naming the key otherwise). */
function readTls(cert: string, key: string): { cert: Buffer; key: Buffer } {
  if (!cert || !key) throw validationError(`HTTPS needs both tls_cert and tls_key (got only ${cert ? 'tls_cert' : 'tls_key'})`);
  const read = (path: string, name: string) => {
    try {
      return readFileSync(path);
    } catch (e) {
      throw validationError(`${name} = ${path}: cannot read it (${(e as Error).message})`);
    }
  };
  return { cert: read(cert, 'tls_cert'), key: read(key, 'tls_key') };
}

/** `trustednetworks`: which tokenless calls from which addresses are let in (none by default). */
function trustedCheck(setting: string): ((address: string, method: string, path: string) => boolean) | undefined {
  const networks = TrustedNetworks.parse(setting);
  return networks.empty ? undefined : (address, method, path) => networks.allows(address, method, path);
}
