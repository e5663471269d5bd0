import { mkdirSync } from 'node:fs';
import { appendFile, open, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';

/** One log file per job under `<data>/logs/<id>.log`, appended from heartbeats. */
export class LogStore {
  private readonly dir: string;
  /** Appends to one file are chained so chunks never interleave. */
  private readonly tails = new Map<number, Promise<void>>();

  constructor(dataDir: string) {
    this.dir = join(dataDir, 'logs');
    mkdirSync(this.dir, { recursive: true });
  }

  pathOf(jobId: number): string {
    return join(this.dir, `${jobId}.log`);
  }

  append(jobId: number, text: string): Promise<void> {
    if (!text) return this.tails.get(jobId) ?? Promise.resolve();
    const previous = this.tails.get(jobId) ?? Promise.resolve();
    const next = previous.then(() => appendFile(this.pathOf(jobId), text, { mode: 0o600 }));
    this.tails.set(jobId, next);
    void next.finally(() => {
      if (this.tails.get(jobId) === next) this.tails.delete(jobId);
    }).catch(() => {});
    return next;
  }

  /** The whole log, or its last `tail` bytes. Empty when the job never wrote anything. */
  async read(jobId: number, options: { tail?: number; offset?: number } = {}): Promise<{ text: string; size: number }> {
    await this.tails.get(jobId)?.catch(() => {});
    let size: number;
    try {
      size = (await stat(this.pathOf(jobId))).size;
    } catch {
      return { text: '', size: 0 };
    }
    let start = options.offset ?? 0;
    if (options.tail !== undefined) start = Math.max(0, size - options.tail);
    start = Math.min(start, size);
    const handle = await open(this.pathOf(jobId), 'r');
    try {
      const buf = Buffer.alloc(size - start);
      await handle.read(buf, 0, buf.length, start);
      return { text: buf.toString('utf8'), size };
    } finally {
      await handle.close();
    }
  }

  async remove(jobId: number): Promise<void> {
    await rm(this.pathOf(jobId), { force: true });
  }
}
