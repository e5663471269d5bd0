import type { Clock } from '../clock.ts';
import { validationError } from '../errors.ts';
import type { Job, JobState } from '../jobs/job.ts';
import { jobFromDoc, type JobDoc } from '../jobs/job.ts';
import type { JobEdit, JobInput } from '../jobs/job-input.ts';
import { JobTree, ROOT_ID } from '../jobs/job-tree.ts';
import type { Logger } from '../logger.ts';
import { OpsEvents } from '../ops/ops-events.ts';
import { LogStore } from '../logs/log-store.ts';
import { JobQueue } from '../scheduler/job-queue.ts';

import type { Store } from '../store/store.ts';
import { AffinityTable } from './affinity-table.ts';
import { EventLog, type JobEvent } from './event-log.ts';
import { checkEdits } from './job-edits.ts';
import { JobIdFloor } from './job-id-floor.ts';
import { WorkerRegistry } from './worker-registry.ts';

export interface FarmOptions {
  store: Store;
  dataDir: string;
  clock: Clock;
  logger: Logger;
  /** Days of run history kept. */
  eventRetentionDays?: number;
}

/** `cloud`: the scaler's state (instances, spend, decisions) may have changed. */
export type ChangeListener = (change: { jobs: number[]; workers: string[]; cloud: boolean }) => void;

/**
 * The farm's state and every operation on jobs: the job tree, the run queue, the workers, the
 * run history and the logs, persisted through the store. Each operation changes memory
 * synchronously, then resolves once its changes are written (group-committed).
 */
export class Farm {
  readonly tree: JobTree;
  readonly queue: JobQueue;
  readonly workers: WorkerRegistry;
  readonly events: EventLog;
  readonly logs: LogStore;
  /** The old server's named affinity slots (1–63), kept for scripts that set and read them. */
  readonly affinities: AffinityTable;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Job tree and budget events for notifications (core/ops). */
  readonly ops: OpsEvents;
  private readonly store: Store;
  private readonly idFloor: JobIdFloor;
  /** Groups whose own fields changed (a group's state and counters are derived at load). */
  private readonly groupsToSave = new Set<number>();
  private lastWrite: Promise<void> = Promise.resolve();
  private readonly listeners = new Set<ChangeListener>();
  private readonly changedWorkers = new Set<string>();
  private readonly pendingBroadcastJobs = new Set<number>();
  private readonly runnableListeners = new Set<(job: Job) => void>();
  private readonly runEndListeners = new Set<(run: Omit<JobEvent, 'id'>) => void>();
  private readonly removedListeners = new Set<(gone: readonly Job[]) => void>();
  private broadcastScheduled = false;
  private cloudChangePending = false;

  constructor(private readonly options: FarmOptions) {
    this.store = options.store;
    this.clock = options.clock;
    this.logger = options.logger;
    this.ops = new OpsEvents(() => options.clock.now());
    this.queue = new JobQueue((job) => this.sortKey(job));
    this.tree = new JobTree((job) => {
      this.queue.push(job);
      for (const l of this.runnableListeners) l(job);
    });
    this.workers = new WorkerRegistry(options.store.workers);
    this.events = new EventLog(options.store.events);
    this.logs = new LogStore(options.dataDir);
    this.affinities = new AffinityTable(options.store.settings);
    this.idFloor = new JobIdFloor(options.dataDir);
  }

  nowSeconds(): number {
    return Math.floor(this.clock.now() / 1000);
  }

  async open(): Promise<void> {
    const jobs = await this.store.jobs.load((doc) => jobFromDoc(doc as JobDoc));
    for (const job of jobs) this.tree.restore(job);
    this.tree.rebuild();
    this.tree.reserveIds(this.idFloor.read());
    if (this.store.jobs.appendedLines > jobs.length * 2 + 10_000) await this.store.jobs.compact(this.persistedJobs());
    await this.workers.load(this.nowSeconds());
    await this.events.load((this.options.eventRetentionDays ?? 30) * 86400, this.nowSeconds());
    await this.affinities.load();
    for (const [name, t] of this.events.tallyByWorker()) {
      const w = this.workers.get(name);
      if (w) Object.assign(w, t);
    }
    await this.adoptRunningJobs();
  }

  /**
   * Jobs that were running when the server stopped stay WORKING: their worker may still be
   * alive and carry on. A worker that does not call in within the worker timeout is TIMEOUT
   * and its job is requeued by the dispatcher's sweep.
   */
  private async adoptRunningJobs(): Promise<void> {
    for (const job of this.tree.jobs.values()) {
      if (job.state !== 'WORKING' || this.tree.isGroup(job)) continue;
      const worker = await this.workers.touch(job.worker || 'unknown', this.nowSeconds(), {});
      worker.current_job = job.id;
      worker.state = 'WORKING';
    }
  }

  private *persistedJobs(): Iterable<Job> {
    for (const job of this.tree.jobs.values()) if (job.id !== ROOT_ID) yield job;
  }

  /** Called whenever a job may have become runnable (the dispatcher wakes long-polls). */
  onRunnable(listener: (job: Job) => void): () => void {
    this.runnableListeners.add(listener);
    return () => this.runnableListeners.delete(listener);
  }

  /** Called as each run ends (before it is recorded; a listener may set the run's `cost`). */
  onRunEnded(listener: (run: Omit<JobEvent, 'id'>) => void): () => void {
    this.runEndListeners.add(listener);
    return () => this.runEndListeners.delete(listener);
  }

  /** Called with the jobs a deletion removed (a subtree's jobs, its top first). */
  onRemoved(listener: (gone: readonly Job[]) => void): () => void {
    this.removedListeners.add(listener);
    return () => this.removedListeners.delete(listener);
  }

  onChange(listener: ChangeListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  workerChanged(name: string): void {
    this.changedWorkers.add(name);
    this.scheduleBroadcast();
  }

  /** The scaler ticked: live clients showing the cloud refetch it. */
  cloudChanged(): void {
    this.cloudChangePending = true;
    this.scheduleBroadcast();
  }

  jobChanged(id: number): void {
    this.pendingBroadcastJobs.add(id);
    this.scheduleBroadcast();
  }

  private scheduleBroadcast(): void {
    if (this.broadcastScheduled || this.listeners.size === 0) {
      if (this.listeners.size === 0) {
        this.pendingBroadcastJobs.clear();
        this.changedWorkers.clear();
        this.cloudChangePending = false;
      }
      return;
    }
    this.broadcastScheduled = true;
    setImmediate(() => {
      this.broadcastScheduled = false;
      const change = { jobs: [...this.pendingBroadcastJobs], workers: [...this.changedWorkers], cloud: this.cloudChangePending };
      this.pendingBroadcastJobs.clear();
      this.changedWorkers.clear();
      this.cloudChangePending = false;
      for (const l of this.listeners) l(change);
    });
  }

  /**
   * Writes every change made so far. Resolves when they are in the file, including changes
   * an earlier caller already queued (so no caller answers before its change is stored).
   */
  persist(): Promise<void> {
    const dirty = this.tree.dirty;
    if (dirty.size > 0) {
      const put: Job[] = [];
      const removed: string[] = [];
      for (const id of dirty) {
        if (id === ROOT_ID) continue;
        this.jobChanged(id);
        const job = this.tree.jobs.get(id);
        if (!job) removed.push(String(id));
        else if (!this.tree.isGroup(job) || this.groupsToSave.delete(id)) put.push(job);
      }
      dirty.clear();
      this.lastWrite = settled([this.lastWrite, this.store.jobs.put(put), this.store.jobs.remove(removed)]);
    }
    return this.lastWrite;
  }

  // ---- jobs ---------------------------------------------------------------------------------

  /**
   * Adds jobs (each may carry `children`): the parents are checked first, then the jobs are
   * created and their dependencies and cycles checked; nothing is left when anything is wrong.
   * Returns the top jobs created.
   */
  async submit(inputs: JobInput[]): Promise<Job[]> {
    const plans = inputs.map((input) => {
      const parent = this.tree.resolveParent(input.parent);
      this.tree.checkParent(parent);
      return { input, parent };
    });
    const created: Job[] = [];
    const made: Array<{ job: Job; input: JobInput }> = [];
    const refs = new Map<string, number>();
    try {
      for (const plan of plans) {
        // Depth first, children in order (a loop: a submission is at most 100 levels, the tree may be deeper).
        const stack = [{ input: plan.input, parent: plan.parent, top: true }];
        while (stack.length) {
          const { input, parent, top } = stack.pop()!;
          const job = this.tree.add(parent, input.spec);
          if (top) created.push(job);
          made.push({ job, input });
          if (input.ref) {
            if (refs.has(input.ref)) throw validationError(`ref "${input.ref}" is used twice in this submission`);
            refs.set(input.ref, job.id);
          }
          if (job.is_parent) this.groupsToSave.add(job.id);
          if (input.paused) {
            if (job.is_parent) this.tree.setHeld(job, true);
            else this.tree.setLeafState(job, 'PAUSED');
          }
          for (let i = input.children.length - 1; i >= 0; i--) stack.push({ input: input.children[i], parent: job.id, top: false });
        }
      }
      for (const { job, input } of made) {
        if (!input.dependsOnRefs.length) continue;
        const ids = input.dependsOnRefs.map((r) => {
          const id = refs.get(r);
          if (id === undefined) throw validationError(`job "${job.title}": dependency "${r}" names no ref of this submission`);
          return id;
        });
        this.tree.setDependencies(job, [...job.dependencies, ...ids], true);
      }
      const cycle = this.tree.findCycle(made.filter(({ job }) => job.dependencies.length > 0).map(({ job }) => job.id));
      if (cycle) throw validationError(`dependencies make a cycle: ${cycle.join(' → ')}`);
    } catch (e) {
      for (const job of created.reverse()) if (this.tree.get(job.id)) this.removeFromTree(job.id);
      this.tree.dirty.clear();
      for (const { job } of made) this.groupsToSave.delete(job.id);
      throw e;
    }
    await this.persist();
    return created;
  }

  /**
   * Applies `{ id: { field: value } }` edits with the old meanings (state, paused, parent):
   * the whole batch is checked first (see job-edits.ts), so a refused batch changes nothing.
   */
  async edit(edits: Map<number, JobEdit>): Promise<void> {
    let reorder = false;
    for (const { job, edit, parent } of checkEdits(this.tree, edits)) {
      const { dependencies, title, state, paused, parent: _given, ...fields } = edit;
      if (dependencies !== undefined) this.tree.setDependencies(job, dependencies, true);
      if (title !== undefined) this.tree.retitle(job, title);
      if (fields.priority !== undefined && fields.priority !== job.priority) reorder = true;
      if (fields.affinity !== undefined && fields.affinity !== job.affinity) reorder = true;
      Object.assign(job, fields);
      this.tree.dirty.add(job.id);
      if (this.tree.isGroup(job)) this.groupsToSave.add(job.id);
      if (parent !== undefined) this.tree.move(job, parent);
      if (paused === true) this.pauseNow([job.id]);
      else if (paused === false) this.startNow([job.id]);
      if (state === 'WAITING' || state === 'PENDING') this.startNow([job.id]);
      else if (state === 'PAUSED') this.pauseNow([job.id]);
      else if (state) this.settle(job.id, state);
    }
    if (reorder) this.queue.rebuild(this.tree.leavesOf(ROOT_ID));
    await this.persist();
  }

  async setDependencies(id: number, deps: number[]): Promise<void> {
    const job = this.tree.require(id);
    this.tree.setDependencies(job, deps);
    if (this.tree.isGroup(job)) this.groupsToSave.add(id);
    await this.persist();
  }

  /**
   * The batch operations below act on every id they know and skip the others, as the old
   * server did (cleanup scripts rely on it); each returns the ids it did not know.
   */
  async reset(ids: number[]): Promise<number[]> {
    const { known, unknown } = this.split(ids);
    this.release(known);
    for (const leaf of this.leavesOfMany(known)) this.resetLeaf(leaf);
    await this.persist();
    return unknown;
  }

  /** Like reset, for the leaves in ERROR only (the old `reseterrorjobs`). */
  async resetErrors(ids: number[]): Promise<number[]> {
    const { known, unknown } = this.split(ids);
    for (const leaf of this.leavesOfMany(known)) if (leaf.state === 'ERROR') this.resetLeaf(leaf);
    await this.persist();
    return unknown;
  }

  /** Paused and failed leaves of the subtrees go back to the queue (failed ones with their retries); groups stop holding. */
  async start(ids: number[]): Promise<number[]> {
    const { known, unknown } = this.split(ids);
    this.startNow(known);
    await this.persist();
    return unknown;
  }

  /** Every unfinished leaf of the subtrees is PAUSED (running ones are stopped); groups hold their later children. */
  async pause(ids: number[]): Promise<number[]> {
    const { known, unknown } = this.split(ids);
    this.pauseNow(known);
    await this.persist();
    return unknown;
  }

  async remove(ids: number[]): Promise<number[]> {
    const { known, unknown } = this.split(ids);
    await this.idFloor.raise(this.tree.highestId);
    const gone: Job[] = [];
    for (const id of known) {
      if (!this.tree.get(id)) continue; // inside a subtree deleted just before
      for (const leaf of this.tree.leavesOf(id)) this.stopRun(leaf, 'KILLED');
      gone.push(...this.removeFromTree(id));
    }
    await this.persist();
    await Promise.all(gone.map((j) => this.logs.remove(j.id)));
    return unknown;
  }

  private split(ids: number[]): { known: number[]; unknown: number[] } {
    const known: number[] = [];
    const unknown: number[] = [];
    for (const id of ids) (this.tree.get(id) ? known : unknown).push(id);
    return { known, unknown };
  }

  private resetLeaf(leaf: Job): void {
    this.stopRun(leaf, 'KILLED');
    Object.assign(leaf, { run_done: 0, progress: 0, local_progress: 0, duration: 0, start_time: 0, worker: '' });
    this.tree.setLeafState(leaf, this.tree.queueState(leaf));
    this.tree.dirty.add(leaf.id);
  }

  private startNow(ids: number[]): void {
    this.release(ids);
    for (const leaf of this.leavesOfMany(ids)) {
      if (leaf.state === 'ERROR') leaf.run_done = 0;
      if (leaf.state === 'PAUSED' || leaf.state === 'ERROR') this.tree.setLeafState(leaf, this.tree.queueState(leaf));
    }
  }

  private pauseNow(ids: number[]): void {
    for (const id of ids) {
      const job = this.tree.require(id);
      if (this.tree.isGroup(job)) {
        this.tree.setHeld(job, true);
        this.groupsToSave.add(id);
      }
    }
    for (const leaf of this.leavesOfMany(ids)) {
      if (leaf.state === 'FINISHED' || leaf.state === 'PAUSED') continue;
      this.stopRun(leaf, 'KILLED');
      this.tree.setLeafState(leaf, 'PAUSED');
    }
  }

  /** Groups of the subtrees stop holding their later children. */
  private release(ids: number[]): void {
    for (const id of ids) {
      for (const job of this.tree.subtree(id)) {
        if (!job.paused || !this.tree.isGroup(job)) continue;
        this.tree.setHeld(job, false);
        this.groupsToSave.add(job.id);
      }
    }
  }

  /** `state: FINISHED` or `ERROR` in an edit: sets the job, or the unfinished leaves of a group (stopping running ones). */
  private settle(id: number, state: JobState): void {
    const group = this.tree.isGroup(this.tree.require(id));
    for (const leaf of this.tree.leavesOf(id)) {
      if (leaf.state === state || (group && leaf.state === 'FINISHED')) continue;
      this.stopRun(leaf, 'KILLED');
      if (state === 'FINISHED') leaf.progress = 1;
      this.tree.setLeafState(leaf, state);
    }
  }

  private removeFromTree(id: number): Job[] {
    const gone = this.tree.remove(id);
    for (const l of this.removedListeners) l(gone);
    for (const job of gone) this.queue.forget(job);
    return gone;
  }

  private leavesOfMany(ids: number[]): Job[] {
    const seen = new Set<number>();
    const out: Job[] = [];
    for (const id of ids) {
      for (const leaf of this.tree.leavesOf(id)) {
        if (!seen.has(leaf.id)) out.push(leaf);
        seen.add(leaf.id);
      }
    }
    return out;
  }

  /** Ends the bookkeeping of a running job the server stops (its worker is told at its next heartbeat). */
  stopRun(job: Job, eventState: string): void {
    if (job.state !== 'WORKING') return;
    const worker = this.workers.get(job.worker);
    if (worker && worker.current_job === job.id) {
      worker.current_job = 0;
      worker.state = 'WAITING';
      this.workerChanged(worker.name);
    }
    const now = this.nowSeconds();
    this.recordEvent({ worker: job.worker, job_id: job.id, job_title: job.title, state: eventState, start: job.start_time, duration: now - job.start_time });
  }

  /** Adds a run to the history; the next `persist()` also waits for it to be written. */
  recordEvent(event: Omit<JobEvent, 'id'>): void {
    for (const l of this.runEndListeners) l(event);
    this.lastWrite = settled([this.lastWrite, this.events.record(event)]);
  }

  /** [-priority, id] for each ancestor from the top, then for the job: the dispatch order. */
  private sortKey(job: Job): number[] {
    const chain = [job, ...this.tree.ancestors(job)].reverse();
    const key: number[] = [];
    for (const j of chain) key.push(-j.priority, j.id);
    return key;
  }

  async close(): Promise<void> {
    await this.persist();
    await this.store.close();
  }
}

/**
 * Waits for the earlier writes (whose failure was already reported to their caller) and the new
 * ones; keeps no result, since chained writes would otherwise nest every earlier result.
 */
const settled = ([earlier, ...writes]: Promise<unknown>[]): Promise<void> => Promise.all([earlier.catch(() => {}), ...writes]).then(() => undefined);
