import { createReadStream } from 'node:fs';
import { mkdir, open, rename, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Collection, Doc, Serialize } from './collection.ts';

/**
 * The default engine: an append-only file of JSON lines in nedb's datafile format (one
 * document a line, the last line of an `_id` wins, `{"$$deleted":true,"_id":…}` removes), so
 * `nedb-promises` can still open the files. Unlike nedb it group-commits: every change made
 * while a write is in flight goes out in the next single write, and each caller's promise
 * resolves once its lines are in the file. Why not nedb itself: see `bench/store.ts` (nedb
 * appends one open/write/close per update, ~2,500 updates/s, and needs 40 s and 2 GB to load
 * a million jobs).
 */
export class JournalCollection<T = Doc> implements Collection<T> {
  private handle?: FileHandle;
  private queue: string[] = [];
  private waiters: Array<{ resolve: () => void; reject: (e: unknown) => void }> = [];
  private writing = false;
  private lines = 0;
  private held?: Promise<void>;
  private loopDone: Promise<void> = Promise.resolve();

  constructor(
    readonly filename: string,
    private readonly options: { fsync?: boolean; serialize?: Serialize<T> } = {},
  ) {
    this.serialize = options.serialize ?? ((doc) => JSON.stringify(doc));
  }

  private readonly serialize: Serialize<T>;

  get appendedLines(): number {
    return this.lines;
  }

  async load<R = T>(revive?: (doc: Doc) => R): Promise<R[]> {
    await mkdir(dirname(this.filename), { recursive: true });
    const docs = new Map<string, R>();
    let lines = 0;
    const take = (line: string) => {
      if (!line) return;
      lines++;
      let doc: Doc & { $$deleted?: boolean; $$indexCreated?: unknown };
      try {
        doc = JSON.parse(line);
      } catch {
        return; // a line torn by a crash mid-write: its caller was never answered
      }
      if (doc.$$indexCreated) return;
      if (doc.$$deleted) docs.delete(doc._id);
      else docs.set(doc._id, revive ? revive(doc) : (doc as unknown as R));
    };
    try {
      // Big chunks split by hand: several times faster than node:readline on a million lines.
      let rest = '';
      for await (const chunk of createReadStream(this.filename, { encoding: 'utf8', highWaterMark: 4 << 20 })) {
        const text = rest + (chunk as string);
        let start = 0;
        for (let nl = text.indexOf('\n'); nl !== -1; nl = text.indexOf('\n', start)) {
          take(text.slice(start, nl));
          start = nl + 1;
        }
        rest = text.slice(start);
      }
      take(rest);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
    this.lines = lines;
    await this.handle?.close(); // loaded again: the handle of the first load is not leaked
    this.handle = await open(this.filename, 'a+', 0o600);
    await this.endTornLine(this.handle);
    return [...docs.values()];
  }

  /**
   * A write cut by a crash leaves a last line without its newline; end it, so the next write
   * starts a line of its own (the torn line is skipped at load and dropped at compaction).
   */
  private async endTornLine(handle: FileHandle): Promise<void> {
    const { size } = await handle.stat();
    if (size === 0) return;
    const last = Buffer.alloc(1);
    await handle.read(last, 0, 1, size - 1);
    if (last[0] !== 0x0a) await handle.appendFile('\n');
  }

  put(docs: readonly T[]): Promise<void> {
    if (docs.length === 0) return Promise.resolve();
    for (const doc of docs) this.queue.push(this.serialize(doc));
    return this.flushSoon();
  }

  remove(ids: readonly string[]): Promise<void> {
    if (ids.length === 0) return Promise.resolve();
    for (const _id of ids) this.queue.push(JSON.stringify({ $$deleted: true, _id }));
    return this.flushSoon();
  }

  async compact(docs: Iterable<T>): Promise<void> {
    await this.drain();
    const tmp = `${this.filename}~`;
    const out = await open(tmp, 'w', 0o600);
    let batch: string[] = [];
    let count = 0;
    for (const doc of docs) {
      batch.push(this.serialize(doc));
      count++;
      if (batch.length >= 5000) {
        await out.write(batch.join('\n') + '\n');
        batch = [];
      }
    }
    if (batch.length) await out.write(batch.join('\n') + '\n');
    await out.sync();
    await out.close();
    await this.handle?.close();
    await rename(tmp, this.filename);
    this.handle = await open(this.filename, 'a', 0o600);
    this.lines = count;
  }

  async close(): Promise<void> {
    await this.drain();
    await this.handle?.close();
    this.handle = undefined;
  }

  async hold(): Promise<() => void> {
    while (this.held) await this.held;
    let release!: () => void;
    this.held = new Promise<void>((resolve) => (release = resolve));
    await this.loopDone; // the batch in flight ends the loop, the rest waits
    return () => {
      this.held = undefined;
      release();
      if (this.queue.length && !this.writing) void this.writeLoop();
    };
  }

  private drain(): Promise<void> {
    return this.writing || this.queue.length ? new Promise((resolve, reject) => this.waiters.push({ resolve, reject })) : Promise.resolve();
  }

  private flushSoon(): Promise<void> {
    const done = new Promise<void>((resolve, reject) => this.waiters.push({ resolve, reject }));
    if (!this.writing && !this.held) void this.writeLoop();
    return done;
  }

  private writeLoop(): Promise<void> {
    this.loopDone = this.runWrites();
    return this.loopDone;
  }

  private async runWrites(): Promise<void> {
    this.writing = true;
    while (this.queue.length) {
      if (this.held) break; // a backup is copying the file: the queue waits for the release
      const lines = this.queue;
      const waiters = this.waiters;
      this.queue = [];
      this.waiters = [];
      try {
        if (!this.handle) throw new Error(`${this.filename} is not open`);
        await this.handle.appendFile(lines.join('\n') + '\n'); // loops until every byte is written
        if (this.options.fsync) await this.handle.datasync();
        this.lines += lines.length;
        for (const w of waiters) w.resolve();
      } catch (e) {
        for (const w of waiters) w.reject(e);
      }
    }
    this.writing = false;
    if (this.queue.length) return; // held: the release starts the loop again
    const idle = this.waiters;
    this.waiters = [];
    for (const w of idle) w.resolve();
  }
}
