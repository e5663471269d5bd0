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
  /** People's accounts and the digests of their personal tokens. */
  users: Collection;
  /** Web UI sessions (digests). */
  sessions: Collection;
  audit: Collection;
  /** Every collection, for what acts on all of them (backups). */
  all(): Collection<unknown>[];
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
    users: make('users'),
    sessions: make('sessions'),
    audit: make('audit'),
    spend: make('spend'),
    all: (): Collection<unknown>[] => [store.jobs, store.workers, store.events, store.settings, store.instances, store.tokens, store.users, store.sessions, store.audit, store.spend] as Collection<unknown>[],
    async close() {
      await Promise.all(store.all().map((c) => c.close()));
    },
  };
  return store;
}
