import type { ServerResponse } from 'node:http';
import type { Farm } from '../farm/farm.ts';
import type { Job } from '../jobs/job.ts';
import { STREAM_BACKLOG_BYTES, STREAM_COALESCE_MS, STREAM_MAX_JOBS_PER_MESSAGE, STREAM_REMEMBERED_JOBS, STREAM_STALL_MS } from '../limits.ts';
import type { StreamEventName } from './stream-messages.ts';
import { StreamDeltas } from './stream-deltas.ts';

export interface StreamHubOptions {
  coalesceMs?: number;
  maxJobsPerMessage?: number;
  rememberedJobs?: number;
  backlogBytes?: number;
  stallMs?: number;
  keepAliveMs?: number;
}

interface Client {
  res: ServerResponse;
  seq: number;
  /** It has had more than the backlog queued since `behindSince`: skipped until it drains. */
  behind: boolean;
  behindSince: number;
  stallTimer?: NodeJS.Timeout;
}

/** One message, serialized once for every client: all of it but the client's own `seq`. */
interface Shared {
  event: StreamEventName;
  /** `,"field":…}\n\n` (or `}\n\n` for a message with no field of its own). */
  rest: Buffer;
}

/**
 * The event stream's fan-out (contract in stream-messages.ts). Farm changes are gathered for
 * `coalesceMs` into one message per kind, each serialized once and written to every client; a
 * client whose queue passes `backlogBytes` is skipped until it drains, then gets `resync`, and
 * is disconnected when it stays behind for `stallMs`. Jobs and workers carry only the fields
 * that changed since the stream last carried them.
 */
export class StreamHub {
  private readonly clients = new Set<Client>();
  private readonly jobs: StreamDeltas<number>;
  private readonly workers = new StreamDeltas<string>('name', 100_000);
  private readonly pendingJobs = new Set<number>();
  private readonly pendingWorkers = new Set<string>();
  private pendingCloud = false;
  private flushTimer?: NodeJS.Timeout;
  private keepAlive?: NodeJS.Timeout;
  private unsubscribe?: () => void;
  private readonly o: Required<StreamHubOptions>;

  constructor(
    private readonly farm: Farm,
    options: StreamHubOptions = {},
  ) {
    this.o = {
      coalesceMs: options.coalesceMs ?? STREAM_COALESCE_MS,
      maxJobsPerMessage: options.maxJobsPerMessage ?? STREAM_MAX_JOBS_PER_MESSAGE,
      rememberedJobs: options.rememberedJobs ?? STREAM_REMEMBERED_JOBS,
      backlogBytes: options.backlogBytes ?? STREAM_BACKLOG_BYTES,
      stallMs: options.stallMs ?? STREAM_STALL_MS,
      keepAliveMs: options.keepAliveMs ?? 15_000,
    };
    this.jobs = new StreamDeltas<number>('id', this.o.rememberedJobs);
  }

  get size(): number {
    return this.clients.size;
  }

  /** Starts streaming to `res` (headers already sent); it leaves when the response closes. */
  add(res: ServerResponse): void {
    const client: Client = { res, seq: 0, behind: false, behindSince: 0 };
    this.clients.add(client);
    if (this.clients.size === 1) this.start();
    res.on('drain', () => this.drained(client));
    res.on('close', () => this.remove(client));
    this.writeOwn(client, 'hello', { jobs: this.farm.tree.size, workers: this.farm.workers.list().length });
  }

  private start(): void {
    this.unsubscribe = this.farm.onChange(({ jobs, workers, cloud }) => {
      for (const id of jobs) this.pendingJobs.add(id);
      for (const name of workers) this.pendingWorkers.add(name);
      if (cloud) this.pendingCloud = true;
      this.flushTimer ??= setTimeout(() => this.flush(), this.o.coalesceMs);
    });
    this.keepAlive = setInterval(() => this.writeAll(KEEP_ALIVE), this.o.keepAliveMs);
    this.keepAlive.unref();
  }

  /** The last client left: stop listening and forget what was carried (the next ones get whole jobs). */
  private stop(): void {
    this.unsubscribe?.();
    clearInterval(this.keepAlive);
    clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    this.pendingJobs.clear();
    this.pendingWorkers.clear();
    this.pendingCloud = false;
    this.jobs.clear();
    this.workers.clear();
  }

  private remove(client: Client): void {
    clearTimeout(client.stallTimer);
    if (this.clients.delete(client) && this.clients.size === 0) this.stop();
  }

  private flush(): void {
    this.flushTimer = undefined;
    try {
      this.flushPending();
    } catch (err) {
      // Runs on a timer: an error here would end the process. Clients refetch instead.
      this.farm.logger.error({ err }, 'event stream: could not build a message');
      this.pendingJobs.clear();
      this.pendingWorkers.clear();
      this.pendingCloud = false;
      this.broadcast('resync', { reason: 'the server could not describe the last changes' });
    }
  }

  private flushPending(): void {
    if (this.pendingJobs.size > this.o.maxJobsPerMessage) {
      this.broadcast('resync', { reason: `${this.pendingJobs.size} jobs changed at once` });
    } else if (this.pendingJobs.size > 0) {
      const changed: object[] = [];
      const removed: number[] = [];
      for (const id of this.pendingJobs) {
        const job = this.farm.tree.get(id);
        if (!job) {
          removed.push(id);
          this.jobs.forget(id);
          continue;
        }
        const entry = this.jobs.delta(id, job as Job);
        if (entry) changed.push(entry);
      }
      if (changed.length || removed.length) this.broadcast('jobs', { changed, removed });
    }
    if (this.pendingWorkers.size > 0) {
      const changed: object[] = [];
      const removed: string[] = [];
      for (const name of this.pendingWorkers) {
        const worker = this.farm.workers.get(name);
        if (!worker) {
          removed.push(name);
          this.workers.forget(name);
          continue;
        }
        const entry = this.workers.delta(name, worker);
        if (entry) changed.push(entry);
      }
      if (changed.length || removed.length) this.broadcast('workers', { changed, removed });
    }
    if (this.pendingCloud) this.broadcast('cloud', {});
    this.pendingJobs.clear();
    this.pendingWorkers.clear();
    this.pendingCloud = false;
  }

  private broadcast(event: StreamEventName, data: object): void {
    const json = JSON.stringify(data);
    const shared: Shared = { event, rest: Buffer.from(`${json.length > 2 ? ',' : ''}${json.slice(1)}\n\n`) };
    for (const client of this.clients) this.writeShared(client, shared);
  }

  private writeShared(client: Client, shared: Shared): void {
    if (client.behind) return;
    const { res } = client;
    res.cork();
    res.write(`event: ${shared.event}\ndata: {"seq":${client.seq++}`);
    res.write(shared.rest);
    res.uncork();
    this.checkBacklog(client);
  }

  /** A message of this client's own (hello, its resync). */
  private writeOwn(client: Client, event: StreamEventName, data: object): void {
    client.res.write(`event: ${event}\ndata: ${JSON.stringify({ seq: client.seq++, ...data })}\n\n`);
    this.checkBacklog(client);
  }

  private writeAll(text: string): void {
    for (const client of this.clients) {
      if (client.behind) continue;
      client.res.write(text);
      this.checkBacklog(client);
    }
  }

  /** Too much queued: skip this client until it drains; drop it if it never does. */
  private checkBacklog(client: Client): void {
    if (client.behind || client.res.writableLength <= this.o.backlogBytes) return;
    client.behind = true;
    client.behindSince = this.farm.clock.now();
    client.stallTimer = setTimeout(() => client.res.destroy(), this.o.stallMs);
    client.stallTimer.unref();
  }

  private drained(client: Client): void {
    if (!client.behind) return;
    const behindMs = this.farm.clock.now() - client.behindSince;
    clearTimeout(client.stallTimer);
    client.behind = false;
    this.writeOwn(client, 'resync', { reason: `this client fell behind for ${behindMs} ms: messages were skipped` });
  }
}

const KEEP_ALIVE = ': keep-alive\n\n';
