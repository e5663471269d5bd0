/** Builds a LocalProvider in a temp data dir for tests, and removes every process it started. */
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { LocalProvider } from '../../plugins/local/local-provider.ts';
import { LOCAL_DEFAULTS, type LocalSettings } from '../../plugins/local/local-settings.ts';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
export const STAND_IN_WORKER = fileURLToPath(new URL('./stand-in-worker.ts', import.meta.url));
const REAL_WORKER = path.join(repoRoot, 'headless', 'main.ts');

/**
 * The worker command the contract runs: `COALITION_TEST_WORKER_ENTRY` if set, else the real
 * `headless/main.ts` when it exists, else the stand-in.
 */
export function contractWorkerEntry(): string {
  return process.env.COALITION_TEST_WORKER_ENTRY ?? (existsSync(REAL_WORKER) ? REAL_WORKER : STAND_IN_WORKER);
}

export interface LocalFixture {
  provider: LocalProvider;
  stateDir: string;
  /** A second provider on the same state dir, as after a server restart. */
  restart(): LocalProvider;
  cleanup(): Promise<void>;
}

export async function makeLocalFixture(settings: Partial<LocalSettings> = {}, workerEntry = STAND_IN_WORKER): Promise<LocalFixture> {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'coalition-local-'));
  const stateDir = path.join(dataDir, 'plugins', 'local');
  const full: LocalSettings = { ...LOCAL_DEFAULTS, graceSeconds: 3, ...settings };
  const logger = pino({ level: 'silent' });
  const make = () => new LocalProvider({ stateDir, settings: full, logger, workerEntry });
  const providers = [make()];
  return {
    provider: providers[0],
    stateDir,
    restart: () => {
      const p = make();
      providers.push(p);
      return p;
    },
    cleanup: async () => {
      for (const p of providers) await p.dispose();
      // Safety net: whatever is still recorded gets SIGKILL, so no test leaks a process.
      let records: Array<{ pid: number }> = [];
      try {
        records = JSON.parse(await readFile(path.join(stateDir, 'instances.json'), 'utf8')) as Array<{ pid: number }>;
      } catch {
        // no records file: nothing was started
      }
      for (const { pid } of records) {
        try {
          process.kill(-pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
