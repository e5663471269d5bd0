import { fileURLToPath } from 'node:url';
import type { WorkerProcess } from './plugin-api.ts';

/**
 * How this installation starts a worker process when nobody says otherwise: the running Node
 * with the CLI next to this core. Run from the sources (a clone, tsx, vitest) that is
 * `node --import tsx headless/main.ts` in the repository; run from the build it is
 * `node dist/headless/main.js`, with no TypeScript compiler at start. The desktop app passes
 * its own (its executable runs as a worker when given `worker`).
 */
export function defaultWorkerProcess(moduleUrl: string = import.meta.url): WorkerProcess {
  const built = moduleUrl.endsWith('.js');
  // This file is <repo>/core/worker-process.ts, or <repo>/dist/core/worker-process.js once built;
  // tsx is resolved from the working directory, so the sources' worker starts in the repository.
  const root = fileURLToPath(new URL('../', moduleUrl));
  const entry = fileURLToPath(new URL(built ? '../headless/main.js' : '../headless/main.ts', moduleUrl));
  return { command: process.execPath, args: built ? [entry] : ['--import', 'tsx', entry], cwd: root };
}
