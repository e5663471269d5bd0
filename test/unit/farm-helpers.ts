import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FakeClock } from '../../core/clock.ts';
import { Dispatcher } from '../../core/farm/dispatcher.ts';
import { Farm } from '../../core/farm/farm.ts';
import { parseJobInput } from '../../core/jobs/job-input.ts';
import { createLogger } from '../../core/logger.ts';
import { openStore, type StoreEngine } from '../../core/store/store.ts';

/** A farm on a real store in a temp dir, with a fake clock. */
export async function openFarm(dataDir = mkdtempSync(join(tmpdir(), 'coalition-farm-')), engine: StoreEngine = 'journal') {
  const clock = new FakeClock();
  const farm = new Farm({ store: openStore({ dataDir, engine }), dataDir, clock, logger: createLogger({ quiet: true }) });
  await farm.open();
  const dispatcher = new Dispatcher(farm, { workerTimeoutSeconds: 10, maxWaitMs: 1000 });
  return {
    farm,
    dispatcher,
    clock,
    dataDir,
    submit: async (raw: unknown) => (await farm.submit([parseJobInput(raw)]))[0],
    pick: async (name: string, affinity = '') => dispatcher.pickJob({ name, affinity }, 0, () => {}),
    end: (name: string, job: number, exit_code = 0) => dispatcher.endJob({ name, job, exit_code }),
    async close(remove = true) {
      dispatcher.close();
      await farm.close();
      if (remove) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
