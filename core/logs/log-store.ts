import { createReadStream, mkdirSync, type ReadStream } from 'node:fs';
import { appendFile, open, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { JOB_LOG_LIMIT_BYTES } from '../limits.ts';
import { cutMarker, firstCharStart, headOf, MARKER_ROOM } from './log-cut.ts';

/**
 * One log file per job under `<data>/logs/<id>.log`, appended from heartbeats. Bounded: once a
 * log passes `limitBytes` its middle is cut, keeping its first quarter and its last quarter
 * with a marker line saying how much was cut between them; it then grows again until the limit.
 */
export class LogStore {
  private readonly dir: string;
  private readonly limitBytes: number;
  /** Appends to one file are chained so chunks never interleave. */
  private readonly tails = new Map<number, Promise<void>>();
  /** Sizes of the logs appended to since start (read from disk on the first append). */
  private readonly sizes = new Map<number, number>();

  constructor(dataDir: string, options: { limitBytes?: number } = {}) {
    this.dir = join(dataDir, 'logs');
    this.limitBytes = options.limitBytes ?? JOB_LOG_LIMIT_BYTES;
    mkdirSync(this.dir, { recursive: true });
  }

  pathOf(jobId: number): string {
    return join(this.dir, `${jobId}.log`);
  }

  append(jobId: number, text: string): Promise<void> {
    if (!text) return this.tails.get(jobId) ?? Promise.resolve();
    const previous = this.tails.get(jobId) ?? Promise.resolve();
    const next = previous.catch(() => {}).then(() => this.write(jobId, text));
    this.tails.set(jobId, next);
    void next.finally(() => {
      if (this.tails.get(jobId) === next) this.tails.delete(jobId);
    }).catch(() => {});
    return next;
  }

  private async write(jobId: number, text: string): Promise<void> {
    const path = this.pathOf(jobId);
    const size = this.sizes.get(jobId) ?? (await sizeOf(path));
    const bytes = Buffer.from(text);
    await appendFile(path, bytes, { mode: 0o600 });
    this.sizes.set(jobId, size + bytes.length);
    if (size + bytes.length > this.limitBytes) this.sizes.set(jobId, await this.cutMiddle(path, size + bytes.length));
  }

  /** Rewrites the log as its head, a marker of what was cut, and its last quarter; returns the new size. */
  private async cutMiddle(path: string, size: number): Promise<number> {
    const keep = Math.floor(this.limitBytes / 4);
    const file = await open(path, 'r');
    const tmp = `${path}~`;
    try {
      const head = Buffer.alloc(Math.min(keep + MARKER_ROOM, size));
      await file.read(head, 0, head.length, 0);
      // A log cut before keeps its head and marker: count what that cut already removed.
      const { end: headEnd, cut: earlier } = headOf(head, keep);
      const tailFrom = headEnd + (earlier?.markerBytes ?? 0);
      const tail = Buffer.alloc(Math.min(keep + 4, size - tailFrom));
      await file.read(tail, 0, tail.length, size - tail.length);
      const tailStart = firstCharStart(tail, tail.length - Math.min(keep, tail.length));
      const cut = (earlier?.cutBytes ?? 0) + (size - tail.length + tailStart - tailFrom);
      const marker = Buffer.from(cutMarker(cut, this.limitBytes));
      const out = await open(tmp, 'w', 0o600);
      try {
        await out.writev([head.subarray(0, headEnd), marker, tail.subarray(tailStart)]);
      } finally {
        await out.close();
      }
      await rename(tmp, path);
      return headEnd + marker.length + tail.length - tailStart;
    } finally {
      await file.close();
    }
  }

  /** The log's size in bytes (0 when the job never wrote anything), once pending appends are in. */
  async size(jobId: number): Promise<number> {
    await this.tails.get(jobId)?.catch(() => {});
    return sizeOf(this.pathOf(jobId));
  }

  /** Bytes `start` to `end` (exclusive) of the log, streamed from the file. */
  stream(jobId: number, start: number, end: number): ReadStream {
    return createReadStream(this.pathOf(jobId), { start, end: Math.max(start, end - 1), highWaterMark: 256 * 1024 });
  }

  /** The whole log, or its last `tail` bytes, as text (bounded by the log limit). */
  async read(jobId: number, options: { tail?: number; offset?: number } = {}): Promise<{ text: string; size: number }> {
    const size = await this.size(jobId);
    let start = options.offset ?? 0;
    if (options.tail !== undefined) start = Math.max(0, size - options.tail);
    start = Math.min(start, size);
    if (start === size) return { text: '', size };
    const chunks: Buffer[] = [];
    for await (const chunk of this.stream(jobId, start, size)) chunks.push(chunk as Buffer);
    return { text: Buffer.concat(chunks).toString('utf8'), size };
  }

  async remove(jobId: number): Promise<void> {
    await this.tails.get(jobId)?.catch(() => {});
    this.sizes.delete(jobId);
    await rm(this.pathOf(jobId), { force: true });
  }
}

async function sizeOf(path: string): Promise<number> {
  try {
    return (await stat(path)).size;
  } catch {
    return 0;
  }
}
