import type { Collection, Doc } from '../store/collection.ts';

/** One job run: which worker ran which job, how it ended, when and how long (seconds). */
export interface JobEvent {
  id: number;
  worker: string;
  job_id: number;
  job_title: string;
  /** FINISHED, ERROR, TIMEOUT (worker lost), INTERRUPTED (worker went away), KILLED (stopped by the server). */
  state: string;
  start: number;
  duration: number;
  /** The run's share of its instance's price (cloud workers; absent elsewhere). */
  cost?: number;
}

export interface EventQuery {
  job?: number;
  worker?: string;
  /** Only events that started in the last `howlong` seconds. */
  howlong?: number;
}

/** The run history, kept in memory and appended to the `events` collection. */
export class EventLog {
  private readonly events: JobEvent[] = [];
  private lastId = 0;

  constructor(private readonly collection: Collection) {}

  async load(retentionSeconds: number, nowSeconds: number): Promise<void> {
    const docs = (await this.collection.load()) as unknown as Array<JobEvent & Doc>;
    const keep = docs.filter((d) => d.start >= nowSeconds - retentionSeconds).sort((a, b) => a.id - b.id);
    for (const d of keep) this.events.push({ id: d.id, worker: d.worker, job_id: d.job_id, job_title: d.job_title, state: d.state, start: d.start, duration: d.duration, ...(d.cost !== undefined ? { cost: d.cost } : {}) });
    this.lastId = docs.reduce((m, d) => Math.max(m, d.id), 0);
    if (keep.length < docs.length || this.collection.appendedLines > keep.length * 2 + 1000) {
      await this.collection.compact(this.events.map(toDoc));
    }
  }

  /** Drops runs that started more than `retentionSeconds` ago (retention); answers how many went. */
  async prune(retentionSeconds: number, nowSeconds: number): Promise<number> {
    const cutoff = nowSeconds - retentionSeconds;
    const keep = this.events.filter((e) => e.start >= cutoff);
    const gone = this.events.length - keep.length;
    if (gone === 0) return 0;
    this.events.length = 0;
    for (const e of keep) this.events.push(e);
    await this.collection.compact(this.events.map(toDoc));
    return gone;
  }

  record(event: Omit<JobEvent, 'id'>): Promise<void> {
    const full = { id: ++this.lastId, ...event };
    this.events.push(full);
    return this.collection.put([toDoc(full)]);
  }

  query(q: EventQuery, nowSeconds: number): JobEvent[] {
    const since = q.howlong !== undefined ? nowSeconds - q.howlong : -Infinity;
    const out: JobEvent[] = [];
    for (let i = this.events.length - 1; i >= 0; i--) {
      const e = this.events[i];
      if (e.start < since && q.howlong !== undefined) continue;
      if (q.job !== undefined && e.job_id !== q.job) continue;
      if (q.worker !== undefined && e.worker !== q.worker) continue;
      out.push(e);
    }
    return out.reverse();
  }

  /** Finished and failed runs per worker (the counters of the workers list). */
  tallyByWorker(): Map<string, { finished: number; error: number }> {
    const out = new Map<string, { finished: number; error: number }>();
    for (const e of this.events) {
      const t = out.get(e.worker) ?? { finished: 0, error: 0 };
      if (e.state === 'FINISHED') t.finished++;
      else if (e.state === 'ERROR') t.error++;
      out.set(e.worker, t);
    }
    return out;
  }
}

function toDoc(e: JobEvent): Doc {
  return { _id: String(e.id), ...e };
}
