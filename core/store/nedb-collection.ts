import Datastore from 'nedb-promises';
import type { Collection, Doc, Serialize } from './collection.ts';

/**
 * The same collection on `nedb-promises` itself (`--store nedb`). It keeps its own copy of
 * every document in memory and writes one append per change: fine for small farms, too slow
 * and too big for a million jobs (figures in `bench/store.ts`).
 */
export class NedbCollection<T = Doc> implements Collection<T> {
  private readonly db: Datastore<Doc>;
  private lines = 0;
  /** nedb queues every call until the datastore is loaded: never wait on one that was not. */
  private loaded = false;

  constructor(
    filename: string,
    private readonly serialize: Serialize<T> = (doc) => JSON.stringify(doc),
  ) {
    this.db = Datastore.create({ filename, autoload: false }) as Datastore<Doc>;
  }

  get appendedLines(): number {
    return this.lines;
  }

  async load<R = T>(revive?: (doc: Doc) => R): Promise<R[]> {
    await this.db.load();
    this.loaded = true;
    const docs = (await this.db.find({})) as Doc[];
    return revive ? docs.map(revive) : (docs as unknown as R[]);
  }

  async put(docs: readonly T[]): Promise<void> {
    await Promise.all(
      docs.map((doc) => {
        const plain = JSON.parse(this.serialize(doc)) as Doc;
        return this.db.update({ _id: plain._id } as never, plain as never, { upsert: true });
      }),
    );
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

  /** nedb runs its calls in order: once a count answers, earlier writes are done (new ones are not held). */
  async hold(): Promise<() => void> {
    if (this.loaded) await this.db.count({});
    return () => {};
  }

  async close(): Promise<void> {
    if (this.loaded) await (this.db as unknown as { compactDatafileAsync(): Promise<void> }).compactDatafileAsync();
  }
}
