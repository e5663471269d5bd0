import { notFound, validationError } from '../errors.ts';
import { parseAffinities } from '../jobs/job.ts';
import type { Collection, Doc } from '../store/collection.ts';

export type WorkerState = 'WAITING' | 'WORKING' | 'TIMEOUT';

/** A worker slot as the server sees it (old Coalition field names). */
export interface WorkerRecord {
  name: string;
  ip: string;
  /** Comma- or newline-separated, as given. */
  affinity: string;
  state: WorkerState;
  /** Last sign of life, seconds since the epoch. */
  ping_time: number;
  finished: number;
  error: number;
  last_job: number;
  /** The job it runs now, 0 when none. */
  current_job: number;
  current_event: number;
  /** Per-core busy %, as the worker reported. */
  cpu: number[];
  free_memory: number;
  total_memory: number;
  /** A stopped (inactive) worker gets no job. */
  active: boolean;
  /** Its machine will be reclaimed (spot notice): it gets no new job. */
  interrupted: boolean;
}

const PERSISTED = ['name', 'ip', 'affinity', 'active'] as const;

/** The workers: kept in memory; their name, address, affinities and active flag on disk. */
export class WorkerRegistry {
  private readonly workers = new Map<string, WorkerRecord>();
  private readonly affinityCache = new Map<string, string[]>();

  constructor(private readonly collection: Collection) {}

  async load(nowSeconds: number): Promise<void> {
    for (const doc of await this.collection.load()) {
      const w = blank(String(doc.name), nowSeconds);
      w.ip = String(doc.ip ?? '');
      w.affinity = String(doc.affinity ?? '');
      w.active = doc.active !== false;
      w.state = 'TIMEOUT';
      this.workers.set(w.name, w);
    }
    if (this.collection.appendedLines > this.workers.size * 2 + 100) await this.collection.compact([...this.workers.values()].map(toDoc));
  }

  list(): WorkerRecord[] {
    return [...this.workers.values()];
  }

  get(name: string): WorkerRecord | undefined {
    return this.workers.get(name);
  }

  require(name: string): WorkerRecord {
    const w = this.workers.get(name);
    if (!w) throw notFound(`worker "${name}" does not exist`);
    return w;
  }

  affinitiesOf(w: WorkerRecord): string[] {
    let list = this.affinityCache.get(w.affinity);
    if (!list) this.affinityCache.set(w.affinity, (list = parseAffinities(w.affinity)));
    return list;
  }

  /** Finds or creates a worker; a new one (or a changed address) is written before it gets work. */
  async touch(name: string, nowSeconds: number, seen: { ip?: string; affinity?: string }): Promise<WorkerRecord> {
    if (!name || name.length > 200) throw validationError('worker name must be 1 to 200 characters');
    let w = this.workers.get(name);
    let changed = false;
    if (!w) {
      w = blank(name, nowSeconds);
      w.affinity = seen.affinity ?? '';
      this.workers.set(name, w);
      changed = true;
    }
    if (seen.ip && seen.ip !== w.ip) {
      w.ip = seen.ip;
      changed = true;
    }
    w.ping_time = nowSeconds;
    if (w.state === 'TIMEOUT') w.state = w.current_job ? 'WORKING' : 'WAITING';
    if (changed) await this.save(w);
    return w;
  }

  /**
   * A worker not seen yet, set up before it first connects (its affinities, say): TIMEOUT
   * until it calls in, when it keeps what was set.
   */
  register(name: string, nowSeconds: number): WorkerRecord {
    if (!name || name.length > 200) throw validationError('worker name must be 1 to 200 characters');
    let w = this.workers.get(name);
    if (!w) {
      w = blank(name, nowSeconds);
      w.state = 'TIMEOUT';
      this.workers.set(name, w);
    }
    return w;
  }

  save(w: WorkerRecord): Promise<void> {
    return this.collection.put([toDoc(w)]);
  }

  async remove(names: string[]): Promise<void> {
    for (const n of names) this.workers.delete(n);
    await this.collection.remove(names);
  }
}

function blank(name: string, nowSeconds: number): WorkerRecord {
  return {
    name, ip: '', affinity: '', state: 'WAITING', ping_time: nowSeconds, finished: 0, error: 0, last_job: 0, current_job: 0,
    current_event: 0, cpu: [], free_memory: 0, total_memory: 0, active: true, interrupted: false,
  };
}

function toDoc(w: WorkerRecord): Doc {
  const doc: Doc = { _id: w.name };
  for (const k of PERSISTED) doc[k] = w[k];
  return doc;
}
