import { join } from 'node:path';
import { jobLine, type Job } from '../jobs/job.ts';
import type { Collection, Doc, Serialize } from './collection.ts';
import { JournalCollection } from './journal-collection.ts';
import { NedbCollection } from './nedb-collection.ts';

export type StoreEngine = 'journal' | 'nedb';

export interface StoreOptions {
  dataDir: string;
  engine?: StoreEngine;
  /** fdatasync after every group commit (survives power loss, not only process crashes). */
  fsync?: boolean;
}

/** The collections the server keeps under its data dir. */
export interface Store {
  jobs: Collection<Job>;
  workers: Collection;
  events: Collection;
  settings: Collection;
  instances: Collection;
  /** Digests of the per-instance worker tokens the scaler issued. */
  tokens: Collection;
  /** What cloud instances cost (core/cloud/spend-ledger.ts). */
  spend: Collection;
  close(): Promise<void>;
}

export function openStore(options: StoreOptions): Store {
  const make = <T = Doc>(name: string, serialize?: Serialize<T>): Collection<T> =>
    options.engine === 'nedb' ? new NedbCollection<T>(join(options.dataDir, `${name}.db`), serialize) : new JournalCollection<T>(join(options.dataDir, `${name}.db`), { fsync: options.fsync, serialize });
  const store = {
    jobs: make<Job>('jobs', jobLine),
    workers: make('workers'),
    events: make('events'),
    settings: make('settings'),
    instances: make('instances'),
    tokens: make('tokens'),
    spend: make('spend'),
    async close() {
      await Promise.all([store.jobs.close(), store.workers.close(), store.events.close(), store.settings.close(), store.instances.close(), store.tokens.close(), store.spend.close()]);
    },
  };
  return store;
}
