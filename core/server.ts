import { mkdirSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Router } from 'express';
import { startCloudMode, type CloudMode, type CloudModeOptions } from './cloud/cloud-mode.ts';
import { systemClock, type Clock } from './clock.ts';
import { SERVER_DEFAULTS, type ServerConfig } from './config.ts';
import { Dispatcher } from './farm/dispatcher.ts';
import { Farm } from './farm/farm.ts';
import { createApp } from './http/app.ts';
import { authenticator, InstanceTokens, loadTokens, type Tokens } from './http/auth.ts';
import { workerProtocolHandler } from './http/worker-protocol.ts';
import { createLogger, type Logger } from './logger.ts';
import { openStore } from './store/store.ts';

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
  close(): Promise<void>;
}

/** Opens the store, restores the farm and serves the HTTP API. */
export async function startServer(options: ServerOptions = {}): Promise<RunningServer> {
  const config = { ...SERVER_DEFAULTS, ...options };
  const logger = options.logger ?? createLogger({ level: config.verbose ? 'debug' : undefined });
  const clock = options.clock ?? systemClock;
  mkdirSync(config.data, { recursive: true, mode: 0o700 });
  const store = openStore({ dataDir: config.data, engine: config.store as 'journal' | 'nedb', fsync: config.fsync });
  const farm = new Farm({ store, dataDir: config.data, clock, logger, eventRetentionDays: config.eventretentiondays });
  await farm.open();
  const dispatcher = new Dispatcher(farm, { workerTimeoutSeconds: config.timeout, maxWaitMs: config.maxwait });
  dispatcher.startSweeping();
  const instanceTokens = new InstanceTokens();
  // Per-instance worker tokens the scaler issued: known before the port opens, or a cloud worker
  // reconnecting right after a restart is refused and stops.
  for (const doc of await store.tokens.load()) instanceTokens.restore(doc._id, String(doc.worker));
  let tokens: Tokens | undefined;
  let tokensFile: string | undefined;
  if (config.auth !== 'none') {
    if (options.tokens) tokens = options.tokens;
    else ({ tokens, file: tokensFile } = loadTokens(config.data));
  }
  const cloudRoutes = Router(); // filled once the server listens and the plugins are loaded
  const app = createApp({ farm, dispatcher, logger, tokens, instanceTokens, extraRoutes: [cloudRoutes] });
  const workerProtocol = workerProtocolHandler({ farm, dispatcher, logger, authenticate: authenticator({ tokens, instanceTokens }) });
  const server: Server = createServer((req, res) => (req.url?.startsWith('/workers/') ? workerProtocol(req, res) : app(req, res)));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, () => resolve());
  });
  server.keepAliveTimeout = 65_000;
  server.requestTimeout = 0;
  const port = (server.address() as AddressInfo).port;
  const shownHost = config.host === '0.0.0.0' || config.host === '::' ? '127.0.0.1' : config.host;
  const url = `http://${shownHost}:${port}`;
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
  });
  cloudRoutes.use(cloud.routes);
  return {
    url,
    port,
    farm,
    dispatcher,
    tokens,
    tokensFile,
    instanceTokens,
    cloud,
    async close() {
      await cloud.stop();
      dispatcher.close();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await farm.close();
    },
  };
}
