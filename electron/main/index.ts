/**
 * The desktop app's main process. Launched by a person: the office app (desktop-app.ts).
 * Launched with `worker …` by the local provider: a worker process, nothing else.
 */
import { fileURLToPath } from 'node:url';
import { isWorkerLaunch, runAsWorker } from './worker-mode.ts';

if (isWorkerLaunch()) {
  await runAsWorker();
} else {
  const { startDesktop } = await import('./desktop-app.ts');
  await startDesktop({
    preload: fileURLToPath(new URL('../preload/index.cjs', import.meta.url)),
    icon: fileURLToPath(new URL('../../resources/icon.png', import.meta.url)),
  });
}
