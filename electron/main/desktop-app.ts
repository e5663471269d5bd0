import { app, dialog, Notification, safeStorage, session, shell, type BrowserWindow } from 'electron';
import { CoalitionError } from '../../core/errors.ts';
import { createLogger, type Logger } from '../../core/logger.ts';
import { startServer, type RunningServer, type ServerOptions } from '../../core/server.ts';
import { desktopPaths, desktopTokens, loadDesktopConfig, startPath, type DesktopConfig, type DesktopPaths } from './desktop-config.ts';
import { FarmTray } from './farm-tray.ts';
import { registerBridgeHandlers } from './ipc-handlers.ts';
import { outcomeNotification, watchJobTrees } from './job-tree-notifier.ts';
import { KeychainSecretStore } from './keychain-secret-store.ts';
import { installQuitPolicy } from './quit-policy.ts';
import { secureSession } from './secure-session.ts';
import { createFarmWindow } from './secure-window.ts';
import { desktopWorkerProcess } from './worker-mode.ts';

export interface DesktopOptions {
  /** The bundled preload (`out/preload/index.cjs`). */
  preload: string;
  /** The window and tray icon. */
  icon: string;
  env?: NodeJS.ProcessEnv;
  now?: () => number;
  logger?: Logger;
  /** Overrides of the core's options (tests: a free port, quick scaler ticks, the worker command). */
  server?: Partial<ServerOptions>;
}

export interface Desktop {
  server: RunningServer;
  /** The farm's origin the window shows, e.g. `http://127.0.0.1:19211`. */
  origin: string;
  paths: DesktopPaths;
  config: DesktopConfig;
  tray: FarmTray;
  window(): BrowserWindow | undefined;
}

/**
 * The office app: one instance per user; the same core as the headless server, in this
 * process, with its data under the user-data folder; a locked-down window on the web UI the
 * core serves; a tray with the farm's state; a notification when a job tree ends; and a quit
 * that stops the core cleanly, asking first about cloud instances still running. Resolves to
 * undefined when another instance already runs (that one's window is brought forward) or when
 * the core cannot start (the person is told why).
 */
export async function startDesktop(options: DesktopOptions): Promise<Desktop | undefined> {
  if (!app.requestSingleInstanceLock()) {
    app.quit();
    return undefined;
  }
  // Set once the core is up; a second launch before that has nothing to bring forward.
  let window: BrowserWindow | undefined = undefined as BrowserWindow | undefined;
  const showWindow = () => {
    if (!window || window.isDestroyed()) return;
    if (window.isMinimized()) window.restore();
    window.show();
    window.focus();
  };
  app.on('second-instance', showWindow);
  await app.whenReady();

  const env = options.env ?? process.env;
  const logger = options.logger ?? createLogger();
  const paths = desktopPaths(app.getPath('userData'));
  let config: DesktopConfig;
  let server: RunningServer;
  try {
    config = loadDesktopConfig(paths, env);
    const secrets = new KeychainSecretStore(paths.pluginSecretsDir, safeStorage, env);
    const desktopSecrets = new KeychainSecretStore(paths.desktopSecretsDir, safeStorage, env);
    const unavailable = secrets.unavailableReason();
    if (unavailable) logger.warn(`no keychain: ${unavailable}; secrets typed in the setup are refused and the tokens stay in ${config.server.data}/tokens.json (0600)`);
    server = await startServer({
      ...config.server,
      logger,
      ini: config.ini,
      configDir: config.configDir,
      secrets,
      tokens: await desktopTokens(desktopSecrets, env),
      workerProcess: desktopWorkerProcess(paths.userData),
      ...options.server,
    });
  } catch (err) {
    dialog.showErrorBox('Coalition cannot start', startFailure(err, paths));
    app.exit(1);
    return undefined;
  }

  const origin = new URL(server.url).origin;
  secureSession(session.defaultSession, origin, server.tokens?.admin);
  const removeHandlers = registerBridgeHandlers({ origin, dataDir: config.server.data, window: () => window });
  let stopped = false;
  window = createFarmWindow({ url: origin + startPath(paths, config, (options.now ?? Date.now)()), origin, preload: options.preload, icon: options.icon });
  // Closing the window quits (through the quit policy, so the window stays if the person cancels).
  window.on('close', (event) => {
    if (stopped) return;
    event.preventDefault();
    app.quit();
  });
  const openDataFolder = () => void shell.openPath(config.server.data);
  const tray = new FarmTray({ server, icon: options.icon, showWindow, openDataFolder, quit: () => app.quit() });
  const stopWatching = watchJobTrees(server.farm, (outcome) => {
    if (Notification.isSupported()) new Notification(outcomeNotification(outcome)).show();
  });
  installQuitPolicy({
    server,
    window: () => window,
    logger,
    onStopped: () => {
      stopped = true;
      stopWatching();
      tray.dispose();
      removeHandlers();
    },
  });
  logger.info({ url: server.url, data: config.server.data }, 'Coalition desktop ready');
  return { server, origin, paths, config, tray, window: () => window };
}

/** What the person reads when the core cannot start. */
function startFailure(err: unknown, paths: DesktopPaths): string {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'EADDRINUSE') {
    return `The port the farm listens on is taken (another Coalition server?). Stop it, or choose another port with "port = …" under [server] in ${paths.configFile}.`;
  }
  if (err instanceof CoalitionError) return `${err.message}\n\nSettings are read from ${paths.configFile}.`;
  return err instanceof Error ? err.message : String(err);
}
