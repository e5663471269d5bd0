import { conflict } from '../errors.ts';
import type { Job } from '../jobs/job.ts';
import { DEFAULT_PROGRESS_PATTERN, lastProgress } from '../jobs/progress.ts';
import type { Farm } from './farm.ts';
import type { WorkerRecord } from './worker-registry.ts';

export interface WorkerReport {
  name: string;
  ip?: string;
  affinity?: string;
  cpu?: number[];
  free_memory?: number;
  total_memory?: number;
}

export interface EndReport extends WorkerReport {
  job: number;
  exit_code: number;
  log?: string;
  timed_out?: boolean;
  /** The worker is going away: put the job back without counting a run. */
  requeue?: boolean;
}

interface Waiter {
  worker: WorkerRecord;
  resolve: (job: Job | null) => void;
  timer: NodeJS.Timeout;
}

/**
 * The worker protocol: hands out jobs (long-polling idle workers), takes heartbeats and job
 * ends, and watches for silent workers and overdue jobs.
 */
export class Dispatcher {
  private readonly waiters = new Map<string, Waiter>();
  private drainScheduled = false;
  private sweepTimer?: NodeJS.Timeout;
  /** Spot interruption notices received (the scaler counts them). */
  interruptions = 0;
  /** When set and false for a worker, it gets no new job (a budget that stops jobs on paid instances). */
  jobGate?: (workerName: string) => boolean;

  constructor(
    private readonly farm: Farm,
    private readonly options: { workerTimeoutSeconds: number; maxWaitMs: number },
  ) {
    farm.onRunnable(() => this.scheduleDrain());
  }

  startSweeping(intervalMs = 1000): void {
    // A failed sweep (a write error) is logged: on a timer, it would otherwise end the process.
    this.sweepTimer = setInterval(() => void this.sweep().catch((err: unknown) => this.farm.logger.error({ err }, 'worker sweep failed')), intervalMs);
    this.sweepTimer.unref();
  }

  /** Finds a job for the worker, holding the request up to `waitMs` when there is none yet. */
  async pickJob(report: WorkerReport, waitMs: number, onAbort: (cancel: () => void) => void): Promise<Job | null> {
    const farm = this.farm;
    const worker = await farm.workers.touch(report.name, farm.nowSeconds(), { ip: report.ip, affinity: report.affinity });
    this.applyLoad(worker, report);
    this.forgetLostJob(worker);
    this.waiters.get(worker.name)?.resolve(null);
    const job = this.tryAssign(worker);
    if (job) {
      await farm.persist();
      return job;
    }
    const wait = Math.min(Math.max(0, waitMs), this.options.maxWaitMs);
    if (wait === 0) return null;
    const assigned = await new Promise<Job | null>((resolve) => {
      const done = (j: Job | null) => {
        clearTimeout(waiter.timer);
        if (this.waiters.get(worker.name) === waiter) this.waiters.delete(worker.name);
        worker.ping_time = farm.nowSeconds();
        resolve(j);
      };
      const waiter: Waiter = { worker, resolve: done, timer: setTimeout(() => done(null), wait) };
      this.waiters.set(worker.name, waiter);
      onAbort(() => {
        if (this.waiters.get(worker.name) !== waiter) return;
        done(null);
      });
    });
    if (assigned) await farm.persist();
    return assigned;
  }

  /** A pickjob from a worker means it runs nothing: a job still marked on it was lost. */
  private forgetLostJob(worker: WorkerRecord): void {
    if (!worker.current_job) return;
    const job = this.farm.tree.get(worker.current_job);
    if (job && job.state === 'WORKING' && job.worker === worker.name) this.requeue(job, 'INTERRUPTED');
    worker.current_job = 0;
    worker.state = 'WAITING';
  }

  private tryAssign(worker: WorkerRecord): Job | null {
    if (!worker.active || worker.interrupted || this.jobGate?.(worker.name) === false) return null;
    const job = this.farm.queue.take(this.farm.workers.affinitiesOf(worker));
    if (!job) return null;
    const now = this.farm.nowSeconds();
    this.farm.tree.setLeafState(job, 'WORKING');
    job.worker = worker.name;
    job.start_time = now;
    job.ping_time = now;
    job.duration = 0;
    job.local_progress = 0;
    worker.state = 'WORKING';
    worker.current_job = job.id;
    worker.last_job = job.id;
    this.farm.workerChanged(worker.name);
    return job;
  }

  /** Offers jobs to the waiting workers again (after their affinities or active flag changed). */
  drain(): void {
    this.scheduleDrain();
  }

  private scheduleDrain(): void {
    if (this.drainScheduled || this.waiters.size === 0) return;
    this.drainScheduled = true;
    setImmediate(() => {
      this.drainScheduled = false;
      for (const waiter of [...this.waiters.values()]) {
        const job = this.tryAssign(waiter.worker);
        if (job) waiter.resolve(job);
      }
    });
  }

  /** Takes a log chunk and load; answers whether the job should keep running. */
  async heartbeat(report: WorkerReport & { job: number; log?: string }): Promise<boolean> {
    const farm = this.farm;
    const job = farm.tree.get(report.job);
    refuseOthersJob(job, report.name);
    const worker = await farm.workers.touch(report.name, farm.nowSeconds(), { ip: report.ip });
    this.applyLoad(worker, report);
    if (!job || job.state !== 'WORKING' || job.worker !== worker.name) return false;
    worker.current_job = job.id;
    worker.state = 'WORKING';
    job.ping_time = farm.nowSeconds();
    job.duration = job.ping_time - job.start_time;
    if (report.log) {
      await farm.logs.append(job.id, report.log);
      this.updateProgress(job, report.log);
    }
    farm.jobChanged(job.id);
    return true;
  }

  private updateProgress(job: Job, chunk: string): void {
    const global = lastProgress(job.progress_pattern || DEFAULT_PROGRESS_PATTERN, chunk);
    const local = lastProgress(job.local_progress_pattern, chunk);
    if (global !== undefined) job.progress = global;
    if (local !== undefined) job.local_progress = local;
    if (global === undefined && local !== undefined && !job.progress_pattern) job.progress = local;
  }

  /** Records how a run ended: FINISHED, or a failure that is retried until `retry` is used up. */
  async endJob(report: EndReport): Promise<void> {
    const farm = this.farm;
    const job = farm.tree.get(report.job);
    refuseOthersJob(job, report.name);
    const worker = await farm.workers.touch(report.name, farm.nowSeconds(), { ip: report.ip });
    this.applyLoad(worker, report);
    if (report.log && job) {
      await farm.logs.append(job.id, report.log);
      this.updateProgress(job, report.log);
    }
    if (worker.current_job === report.job) {
      worker.current_job = 0;
      worker.state = 'WAITING';
      farm.workerChanged(worker.name);
    }
    if (!job || job.state !== 'WORKING' || job.worker !== worker.name) return;
    if (report.requeue) {
      this.requeue(job, 'INTERRUPTED');
    } else {
      const now = farm.nowSeconds();
      job.duration = now - job.start_time;
      job.run_done++;
      const ok = report.exit_code === 0 && !report.timed_out;
      if (ok) {
        job.progress = 1;
        worker.finished++;
      } else {
        worker.error++;
        if (report.timed_out) await farm.logs.append(job.id, `\n[coalition] killed after its timeout of ${job.timeout} s\n`);
      }
      farm.recordEvent({ worker: worker.name, job_id: job.id, job_title: job.title, state: ok ? 'FINISHED' : 'ERROR', start: job.start_time, duration: job.duration });
      farm.tree.setLeafState(job, ok ? 'FINISHED' : job.run_done <= job.retry ? farm.tree.queueState(job) : 'ERROR');
    }
    await farm.persist();
  }

  /** A spot notice: the worker takes no new job; its running job is requeued when it ends. */
  async interruption(name: string): Promise<void> {
    const worker = await this.farm.workers.touch(name, this.farm.nowSeconds(), {});
    if (!worker.interrupted) this.interruptions++;
    worker.interrupted = true;
    this.farm.workerChanged(name);
  }

  /** Forgets workers; a job one of them was running goes back to the queue. */
  async removeWorkers(names: string[]): Promise<void> {
    for (const name of names) {
      const worker = this.farm.workers.get(name);
      const job = worker?.current_job ? this.farm.tree.get(worker.current_job) : undefined;
      if (job && job.state === 'WORKING' && job.worker === name) this.requeue(job, 'INTERRUPTED');
      this.waiters.get(name)?.resolve(null);
      this.farm.workerChanged(name);
    }
    await this.farm.workers.remove(names);
    await this.farm.persist();
  }

  /** Puts a running job back in the queue without counting a run. */
  requeue(job: Job, eventState: string): void {
    this.farm.stopRun(job, eventState);
    job.worker = '';
    this.farm.tree.setLeafState(job, this.farm.tree.queueState(job));
  }

  /** Silent workers become TIMEOUT and their job goes back; jobs far past their timeout fail. */
  async sweep(): Promise<void> {
    const farm = this.farm;
    const now = farm.nowSeconds();
    let changed = false;
    for (const worker of farm.workers.list()) {
      if (worker.state === 'TIMEOUT' || this.waiters.has(worker.name)) continue;
      if (now - worker.ping_time <= this.options.workerTimeoutSeconds) continue;
      farm.logger.warn({ worker: worker.name }, 'worker timed out');
      const job = worker.current_job ? farm.tree.get(worker.current_job) : undefined;
      if (job && job.state === 'WORKING' && job.worker === worker.name) this.requeue(job, 'TIMEOUT');
      worker.state = 'TIMEOUT';
      worker.current_job = 0;
      farm.workerChanged(worker.name);
      changed = true;
    }
    if (changed) await farm.persist();
  }

  private applyLoad(worker: WorkerRecord, report: WorkerReport): void {
    if (Array.isArray(report.cpu)) worker.cpu = report.cpu.map(Number).filter((n) => Number.isFinite(n));
    if (Number.isFinite(report.free_memory)) worker.free_memory = Number(report.free_memory);
    if (Number.isFinite(report.total_memory)) worker.total_memory = Number(report.total_memory);
    this.farm.workerChanged(worker.name);
  }

  /** Answers every held pickjob with no job (server shutting down). */
  close(): void {
    if (this.sweepTimer) clearInterval(this.sweepTimer);
    for (const w of [...this.waiters.values()]) w.resolve(null);
  }
}

/** A worker reports only on its own jobs: a heartbeat or end for a job another worker runs is refused (409) and changes nothing. */
function refuseOthersJob(job: Job | undefined, name: string): void {
  if (job && job.worker && job.worker !== name && (job.state === 'WORKING' || job.state === 'FINISHED' || job.state === 'ERROR')) {
    throw conflict(`job ${job.id} is assigned to worker "${job.worker}", not "${name}": a worker may only report on its own jobs`);
  }
}
