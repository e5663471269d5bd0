import { app, dialog, type BrowserWindow } from 'electron';
import type { Logger } from '../../core/logger.ts';
import type { InstanceStatus } from '../../core/scaler/cloud-status.ts';
import type { RunningServer } from '../../core/server.ts';

export type QuitChoice = 'keep' | 'terminate' | 'cancel';

const alive = (instances: readonly InstanceStatus[]) => instances.filter((i) => i.state !== 'terminated');

/** Asks what to do with the instances still running; Cancel (or Escape) keeps the app open. */
export async function askAboutInstances(window: BrowserWindow | undefined, instances: readonly InstanceStatus[]): Promise<QuitChoice> {
  const perHour = instances.reduce((sum, i) => sum + i.perHour, 0);
  const busy = instances.filter((i) => i.busy).length;
  const options = {
    type: 'question' as const,
    title: 'Quit Coalition',
    message: `${instances.length} instance${instances.length === 1 ? ' is' : 's are'} still running (${perHour.toFixed(2)} $/h${busy ? `, ${busy} running a job` : ''}).`,
    detail: 'Keep them: they go on (and go on billing); the next start of Coalition takes them over again.\nTerminate them: they stop now; their jobs go back to the queue.',
    buttons: ['Keep them running', 'Terminate them', 'Cancel'],
    defaultId: 1,
    cancelId: 2,
    noLink: true,
  };
  const { response } = window ? await dialog.showMessageBox(window, options) : await dialog.showMessageBox(options);
  return response === 0 ? 'keep' : response === 1 ? 'terminate' : 'cancel';
}

/**
 * Terminates every instance of the scaler, until none is left (an instance whose launch was in
 * flight gets its id once that tick ends). Returns the ones the provider would not terminate:
 * they stay recorded, so the next start terminates or adopts them — nothing is forgotten.
 */
export async function terminateAll(server: RunningServer, logger: Logger): Promise<string[]> {
  const scaler = server.cloud.scaler;
  if (!scaler) return [];
  scaler.stop();
  let failed: string[] = [];
  for (let round = 0; round < 3; round++) {
    const ids = alive((await scaler.status()).instances).filter((i) => i.state !== 'terminating' && i.id).map((i) => i.id!);
    if (ids.length === 0) break;
    const result = await scaler.terminate(ids);
    failed = result.failed.map((f) => f.id);
    if (failed.length) logger.warn({ failed: result.failed }, 'instances not terminated at quit');
    if (result.terminated.length === 0) break;
  }
  return failed;
}

/**
 * Quitting stops the core cleanly, once: with cloud instances still running it first asks
 * whether to keep them (re-adopted at the next start) or terminate them. Quit is held
 * (`preventDefault`) until the core is closed, then the app quits for real.
 */
export function installQuitPolicy(options: { server: RunningServer; window(): BrowserWindow | undefined; logger: Logger; onStopped?: () => void }): void {
  const { server, logger } = options;
  let phase: 'running' | 'stopping' | 'stopped' = 'running';
  const shutDown = async (): Promise<boolean> => {
    const instances = server.cloud.scaler ? alive((await server.cloud.scaler.status()).instances) : [];
    let choice: QuitChoice = 'terminate';
    if (instances.length > 0) choice = await askAboutInstances(options.window(), instances);
    if (choice === 'cancel') return false;
    if (choice === 'terminate') {
      const failed = await terminateAll(server, logger);
      if (failed.length) {
        dialog.showErrorBox('Some instances were not terminated', `The provider did not confirm the termination of ${failed.join(', ')}. They stay recorded: the next start of Coalition takes them over or terminates them.`);
      }
    }
    await server.close({ keepInstances: choice === 'keep' });
    logger.info({ choice, instances: instances.length }, 'core stopped');
    return true;
  };
  app.on('before-quit', (event) => {
    if (phase === 'stopped') return;
    event.preventDefault();
    if (phase === 'stopping') return;
    phase = 'stopping';
    shutDown()
      .then((stopped) => {
        phase = stopped ? 'stopped' : 'running';
        if (stopped) {
          options.onStopped?.();
          app.quit();
        }
      })
      .catch((err: unknown) => {
        logger.error({ err }, 'stopping the core failed');
        phase = 'stopped';
        app.exit(1);
      });
  });
}
