/**
 * The trace's jobs as the simulated server sees them: hierarchy, dependencies, and which
 * jobs are runnable (submitted, not a group, their own and their ancestors' dependencies done).
 * A dependency on a group waits for all of the group's children.
 */
import { normalizeAffinities, affinityKey } from '../scaler/instance-view.ts';
import { jobAffinities } from './trace.ts';
import type { TraceJob } from './trace.ts';

export type SimJobState = 'unsubmitted' | 'blocked' | 'waiting' | 'running' | 'done';

export interface SimJob {
  spec: TraceJob;
  affinities: string[];
  key: string;
  isGroup: boolean;
  children: SimJob[];
  parent?: SimJob;
  state: SimJobState;
  /** Children not finished yet (groups). */
  openChildren: number;
  firstRunnableAt?: number;
  firstStartAt?: number;
  startedAt?: number;
  finishedAt?: number;
  /** Bumped when a run is abandoned (spot interruption), so its finish event is ignored. */
  run: number;
  /** The estimate of its duration the server had when it started (seconds). */
  expectedSeconds?: number;
}

export class JobGraph {
  readonly jobs = new Map<number, SimJob>();
  private readonly dependents = new Map<number, SimJob[]>();

  constructor(specs: readonly TraceJob[]) {
    for (const spec of specs) {
      const affinities = normalizeAffinities(jobAffinities(spec));
      this.jobs.set(spec.id, { spec, affinities, key: affinityKey(affinities), isGroup: false, children: [], state: 'unsubmitted', openChildren: 0, run: 0 });
    }
    for (const job of this.jobs.values()) {
      const parent = job.spec.parent ? this.jobs.get(job.spec.parent) : undefined;
      if (parent) {
        job.parent = parent;
        parent.children.push(job);
        parent.isGroup = true;
        parent.openChildren++;
      }
      for (const dep of job.spec.dependencies ?? []) {
        const list = this.dependents.get(dep) ?? [];
        list.push(job);
        this.dependents.set(dep, list);
      }
    }
  }

  /** Work jobs (not groups). */
  get workJobs(): SimJob[] {
    return [...this.jobs.values()].filter((j) => !j.isGroup);
  }

  private depsDone(job: SimJob): boolean {
    for (let j: SimJob | undefined = job; j; j = j.parent) {
      for (const dep of j.spec.dependencies ?? []) if (this.jobs.get(dep)?.state !== 'done') return false;
    }
    return true;
  }

  /** Marks a job submitted; returns the work jobs that became runnable. */
  submit(job: SimJob, now: number): SimJob[] {
    job.state = 'blocked';
    if (job.isGroup) {
      if (job.openChildren === 0) return this.finish(job, now);
      return this.descendantsRunnable(job, now);
    }
    return this.refresh(job, now);
  }

  /** Marks a job (or group) finished; returns the work jobs that became runnable. */
  finish(job: SimJob, now: number): SimJob[] {
    job.state = 'done';
    job.finishedAt = now;
    const released: SimJob[] = [];
    for (const d of this.dependents.get(job.spec.id) ?? []) {
      released.push(...(d.isGroup ? this.descendantsRunnable(d, now) : this.refresh(d, now)));
    }
    const parent = job.parent;
    if (parent && parent.state !== 'unsubmitted') {
      parent.openChildren--;
      if (parent.openChildren === 0) released.push(...this.finish(parent, now));
    } else if (parent) {
      parent.openChildren--;
    }
    return released;
  }

  private descendantsRunnable(group: SimJob, now: number): SimJob[] {
    const out: SimJob[] = [];
    for (const child of group.children) out.push(...(child.isGroup ? this.descendantsRunnable(child, now) : this.refresh(child, now)));
    return out;
  }

  private refresh(job: SimJob, now: number): SimJob[] {
    if (job.state !== 'blocked' || !this.depsDone(job)) return [];
    job.state = 'waiting';
    job.firstRunnableAt ??= now;
    return [job];
  }
}
