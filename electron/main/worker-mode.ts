import { app } from 'electron';
import { Command } from 'commander';
import type { WorkerProcess } from '../../core/plugin-api.ts';
import { registerWorkerCommand } from '../../headless/worker-command.ts';

/**
 * The app's executable doubles as the worker the local provider starts (`Coalition worker
 * --server … --name …`): a packaged app has no separate Node, and its fuses forbid running
 * Electron as Node. Started from a clone (`electron .`), the app's folder comes first.
 */
export function desktopWorkerProcess(cwd: string): WorkerProcess {
  return { command: process.execPath, args: process.defaultApp ? [app.getAppPath()] : [], cwd };
}

/** Is this launch one of those workers (and not a person opening the app)? */
export function isWorkerLaunch(argv: readonly string[] = process.argv, defaultApp = Boolean(process.defaultApp)): boolean {
  return argv[defaultApp ? 2 : 1] === 'worker';
}

/** Runs the headless worker command in this process, with no window, no tray and no lock; exits when it stops. */
export async function runAsWorker(argv: readonly string[] = process.argv): Promise<void> {
  app.disableHardwareAcceleration();
  app.dock?.hide();
  const program = new Command('coalition').exitOverride();
  registerWorkerCommand(program);
  try {
    await program.parseAsync([...argv], { from: 'electron' });
  } catch {
    process.exitCode ??= 2;
  }
  app.exit(typeof process.exitCode === 'number' ? process.exitCode : 0);
}
