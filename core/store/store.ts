import { join } from 'node:path';
import type { Collection, Doc } from './collection.ts';
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
  jobs: Collection;
  workers: Collection;
  events: Collection;
  settings: Collection;
  instances: Collection;
  /** Digests of the per-instance worker tokens the scaler issued. */
  tokens: Collection;
  close(): Promise<void>;
}

export function openStore(options: StoreOptions): Store {
  const make = <T extends Doc>(name: string): Collection<T> =>
    options.engine === 'nedb' ? new NedbCollection<T>(join(options.dataDir, `${name}.db`)) : new JournalCollection<T>(join(options.dataDir, `${name}.db`), { fsync: options.fsync });
  const store = {
    jobs: make('jobs'),
    workers: make('workers'),
    events: make('events'),
    settings: make('settings'),
    instances: make('instances'),
    tokens: make('tokens'),
    async close() {
      await Promise.all([store.jobs.close(), store.workers.close(), store.events.close(), store.settings.close(), store.instances.close(), store.tokens.close()]);
    },
  };
  return store;
}
