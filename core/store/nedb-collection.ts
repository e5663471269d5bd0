import Datastore from 'nedb-promises';
import type { Collection, Doc } from './collection.ts';

/**
 * The same collection on `nedb-promises` itself (`--store nedb`). It keeps its own copy of
 * every document in memory and writes one append per change: fine for small farms, too slow
 * and too big for a million jobs (figures in `bench/store.ts`).
 */
export class NedbCollection<T extends Doc = Doc> implements Collection<T> {
  private readonly db: Datastore<T>;
  private lines = 0;

  constructor(filename: string) {
    this.db = Datastore.create({ filename, autoload: false }) as Datastore<T>;
  }

  get appendedLines(): number {
    return this.lines;
  }

  async load(): Promise<T[]> {
    await this.db.load();
    return (await this.db.find({})) as T[];
  }

  async put(docs: readonly T[]): Promise<void> {
    await Promise.all(docs.map((doc) => this.db.update({ _id: doc._id } as never, doc as never, { upsert: true })));
    this.lines += docs.length;
  }

  async remove(ids: readonly string[]): Promise<void> {
    if (ids.length) await this.db.remove({ _id: { $in: [...ids] } } as never, { multi: true });
    this.lines += ids.length;
  }

  async compact(): Promise<void> {
    await (this.db as unknown as { compactDatafileAsync(): Promise<void> }).compactDatafileAsync();
    this.lines = 0;
  }

  async close(): Promise<void> {
    await (this.db as unknown as { compactDatafileAsync(): Promise<void> }).compactDatafileAsync();
  }
}
