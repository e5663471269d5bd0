import type { Job } from '../jobs/job.ts';
import { parseAffinities } from '../jobs/job.ts';

/** The queue's mark on a job (a symbol: never serialized): which heap entry is current. */
const STAMP = Symbol('queueStamp');
type Stamped = Job & { [STAMP]?: number };

/**
 * The runnable (WAITING) leaf jobs, one heap per job affinity set, ordered by priority along
 * the hierarchy then by id. Entries are invalidated lazily: an entry counts only while its job
 * is still WAITING and carries the stamp it was queued with.
 */
export class JobQueue {
  private readonly heaps = new Map<string, Heap>();
  private eligibleCache = new Map<string, Heap[]>();

  /** `sortKey(job)` gives [-prio_root_ancestor, id, …, -prio_job, id]. */
  constructor(private readonly sortKey: (job: Job) => number[]) {}

  push(job: Job): void {
    const stamp = ((job as Stamped)[STAMP] ?? 0) + 1;
    (job as Stamped)[STAMP] = stamp;
    const affinityKey = parseAffinities(job.affinity).sort().join(',');
    let heap = this.heaps.get(affinityKey);
    if (!heap) {
      heap = new Heap(affinityKey === '' ? [] : affinityKey.split(','));
      this.heaps.set(affinityKey, heap);
      this.eligibleCache.clear();
    }
    heap.push({ job, stamp, key: this.sortKey(job) });
  }

  /** Drops a job (deleted) from the queue. */
  forget(job: Job): void {
    (job as Stamped)[STAMP] = ((job as Stamped)[STAMP] ?? 0) + 1;
  }

  /** Takes the best WAITING job whose affinities are all among `workerAffinities`. */
  take(workerAffinities: string[], accept: (job: Job) => boolean = () => true): Job | undefined {
    let best: Heap | undefined;
    let bestEntry: Entry | undefined;
    for (const heap of this.eligible(workerAffinities)) {
      const top = this.validTop(heap, accept);
      if (top && (!bestEntry || compareKeys(top.key, bestEntry.key) < 0)) {
        best = heap;
        bestEntry = top;
      }
    }
    if (!best || !bestEntry) return undefined;
    best.pop();
    (bestEntry.job as Stamped)[STAMP] = ((bestEntry.job as Stamped)[STAMP] ?? 0) + 1;
    return bestEntry.job;
  }

  /** Rebuilds every heap (after a priority change up the hierarchy). */
  rebuild(jobs: Iterable<Job>): void {
    this.heaps.clear();
    this.eligibleCache.clear();
    for (const job of jobs) if (job.state === 'WAITING') this.push(job);
  }

  private isValid(e: Entry): boolean {
    return e.job.state === 'WAITING' && (e.job as Stamped)[STAMP] === e.stamp;
  }

  private validTop(heap: Heap, accept: (job: Job) => boolean): Entry | undefined {
    for (;;) {
      const top = heap.peek();
      if (!top) return undefined;
      if (this.isValid(top) && accept(top.job)) return top;
      if (this.isValid(top)) return undefined;
      heap.pop();
    }
  }

  private eligible(workerAffinities: string[]): Heap[] {
    const cacheKey = [...workerAffinities].sort().join(',');
    let list = this.eligibleCache.get(cacheKey);
    if (!list) {
      const have = new Set(workerAffinities);
      list = [...this.heaps.values()].filter((h) => h.affinities.every((a) => have.has(a)));
      this.eligibleCache.set(cacheKey, list);
    }
    return list;
  }
}

interface Entry {
  job: Job;
  stamp: number;
  key: number[];
}

export function compareKeys(a: number[], b: number[]): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i] - b[i];
  return a.length - b.length;
}

class Heap {
  readonly items: Entry[] = [];
  constructor(readonly affinities: string[]) {}

  peek(): Entry | undefined {
    return this.items[0];
  }

  push(e: Entry): void {
    const a = this.items;
    a.push(e);
    let i = a.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (compareKeys(a[p].key, a[i].key) <= 0) break;
      [a[p], a[i]] = [a[i], a[p]];
      i = p;
    }
  }

  pop(): Entry | undefined {
    const a = this.items;
    const top = a[0];
    const last = a.pop();
    if (a.length > 0 && last) {
      a[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < a.length && compareKeys(a[l].key, a[m].key) < 0) m = l;
        if (r < a.length && compareKeys(a[r].key, a[m].key) < 0) m = r;
        if (m === i) break;
        [a[m], a[i]] = [a[i], a[m]];
        i = m;
      }
    }
    return top;
  }
}
