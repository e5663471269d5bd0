import { notFound, validationError } from '../errors.ts';
import { addTally, emptyCounts, groupState, tallyOfLeaf, type StateCounts, type Tally } from './group-counters.ts';
import { newJob, type Job, type JobSpec, type JobState } from './job.ts';
import { findCycleIn, type WaitView } from './wait-graph.ts';


export const ROOT_ID = 0;

/**
 * The in-memory job hierarchy: parents, children, counters, states and dependencies.
 * Pure model: no I/O. Every job it changes is put in `dirty` (to persist and to broadcast),
 * and every leaf that becomes WAITING is reported through `onRunnable` (to queue it).
 */
export class JobTree {
  readonly jobs = new Map<number, Job>();
  readonly dirty = new Set<number>();
  private readonly children = new Map<number, number[]>();
  private readonly directCounts = new Map<number, StateCounts>();
  private readonly leafCount = new Map<number, number>();
  private readonly dependents = new Map<number, Set<number>>();
  private readonly groupsByTitle = new Map<string, number[]>();
  private lastId = 0;

  constructor(private readonly onRunnable: (job: Job) => void = () => {}) {
    const root = newJob(ROOT_ID, -1, { title: 'Root', command: '', dir: '.', environment: '', priority: 1000, timeout: 0, retry: 0, affinity: '', url: '', user: '', progress_pattern: '', local_progress_pattern: '', dependencies: [], is_parent: true });
    this.jobs.set(ROOT_ID, root);
    this.directCounts.set(ROOT_ID, emptyCounts());
    this.leafCount.set(ROOT_ID, 0);
    this.children.set(ROOT_ID, []);
  }

  get root(): Job {
    return this.jobs.get(ROOT_ID)!;
  }

  get size(): number {
    return this.jobs.size - 1;
  }

  nextId(): number {
    return ++this.lastId;
  }

  /** The highest id handed out so far. */
  get highestId(): number {
    return this.lastId;
  }

  /** Ids up to `id` were handed out before (deleted jobs' ids are never given again). */
  reserveIds(id: number): void {
    this.lastId = Math.max(this.lastId, id);
  }

  get(id: number): Job | undefined {
    return id === ROOT_ID ? undefined : this.jobs.get(id);
  }

  require(id: number): Job {
    const job = this.get(id);
    if (!job) throw notFound(`job ${id} does not exist`);
    return job;
  }

  /** The children id list of a group (created on its first child: leaves have none). */
  private kids(id: number): number[] {
    let list = this.children.get(id);
    if (!list) this.children.set(id, (list = []));
    return list;
  }

  childrenOf(id: number): Job[] {
    return (this.children.get(id) ?? []).map((c) => this.jobs.get(c)!);
  }

  hasChildren(id: number): boolean {
    return (this.children.get(id)?.length ?? 0) > 0;
  }

  isGroup(job: Job): boolean {
    return job.is_parent || this.hasChildren(job.id);
  }

  ancestors(job: Job): Job[] {
    const out: Job[] = [];
    for (let p = job.parent; p !== ROOT_ID && p > 0; p = this.jobs.get(p)!.parent) out.push(this.jobs.get(p)!);
    return out;
  }

  /** Every job of the subtree of `id`, `id` first (parents before their children). */
  subtree(id: number): Job[] {
    const out: Job[] = [];
    const stack = [id];
    while (stack.length) {
      const cur = stack.pop()!;
      const job = this.jobs.get(cur);
      if (!job) continue;
      if (cur !== ROOT_ID) out.push(job);
      const kids = this.children.get(cur);
      if (kids) for (let i = kids.length - 1; i >= 0; i--) stack.push(kids[i]);
    }
    return out;
  }

  leavesOf(id: number): Job[] {
    return this.subtree(id).filter((j) => !this.isGroup(j));
  }

  /**
   * Resolves the `parent` attribute of the old API: an id, a title, or a path `a|b` of titles.
   * A plain title is looked up among root jobs first, then anywhere. Missing levels are errors.
   */
  resolveParent(ref: number | string | undefined | null): number {
    if (ref === undefined || ref === null || ref === '' || ref === 0 || ref === '0') return ROOT_ID;
    if (typeof ref === 'number' || /^\d+$/.test(ref)) {
      const id = Number(ref);
      if (!this.jobs.has(id)) throw validationError(`parent job ${id} does not exist`);
      return id;
    }
    const parts = ref.split('|').map((p) => p.trim());
    if (parts.some((p) => p === '')) throw validationError(`parent path "${ref}" has an empty level`);
    let current = ROOT_ID;
    for (const [i, title] of parts.entries()) {
      const match = this.findChildByTitle(current, title) ?? (parts.length === 1 ? this.findAnyByTitle(title) : undefined);
      if (match === undefined) {
        const where = i === 0 ? 'at the top level' : `under "${parts.slice(0, i).join('|')}"`;
        throw validationError(`parent "${ref}": no job titled "${title}" ${where}`);
      }
      current = match;
    }
    return current;
  }

  private findChildByTitle(parent: number, title: string): number | undefined {
    const groups = this.groupsByTitle.get(title);
    const group = groups?.find((id) => this.jobs.get(id)?.parent === parent);
    if (group !== undefined) return group;
    return (this.children.get(parent) ?? []).find((id) => this.jobs.get(id)!.title === title);
  }

  private findAnyByTitle(title: string): number | undefined {
    const groups = this.groupsByTitle.get(title);
    if (groups?.length) return Math.min(...groups);
    for (const job of this.jobs.values()) if (job.id !== ROOT_ID && job.title === title) return job.id;
    return undefined;
  }

  /** Refuses a parent that does not exist or is not a group (only groups have children). */
  checkParent(parent: number): void {
    const parentJob = this.jobs.get(parent);
    if (!parentJob) throw validationError(`parent job ${parent} does not exist`);
    if (parent !== ROOT_ID && !this.isGroup(parentJob)) {
      throw validationError(`job ${parent} has a command, so it cannot have children: make the parent a group (a job with no command)`);
    }
  }

  /**
   * Adds a new job under `parent` and returns it; state WAITING or PENDING from its
   * dependencies, or PAUSED under a held group. Checks everything before changing anything.
   */
  add(parent: number, spec: JobSpec, id = this.nextId()): Job {
    this.checkParent(parent);
    for (const dep of spec.dependencies) if (!this.get(dep)) throw validationError(`dependency ${dep} does not exist`);
    const job = newJob(id, parent, { ...spec, dependencies: [...spec.dependencies] });
    this.lastId = Math.max(this.lastId, id);
    this.insert(job);
    if (job.is_parent) {
      job.state = 'WAITING';
      this.attach(job, { leaves: 0, finished: 0, errors: 0, working: 0 });
    } else {
      job.state = this.isHeld(parent) ? 'PAUSED' : this.depsDone(job) ? 'WAITING' : 'PENDING';
      job.paused = job.state === 'PAUSED';
      this.attach(job, tallyOfLeaf(job.state));
      if (job.state === 'WAITING') this.onRunnable(job);
    }
    return job;
  }

  /** Whether a group or one of its ancestors holds new children (the old `h_paused`). */
  isHeld(id: number): boolean {
    for (let node = this.jobs.get(id); node && node.id !== ROOT_ID; node = this.jobs.get(node.parent)) if (node.paused && this.isGroup(node)) return true;
    return false;
  }

  /** Holds (or releases) a group's later children; an empty held group reads PAUSED. */
  setHeld(group: Job, held: boolean): void {
    if (group.paused === held || !this.isGroup(group)) return;
    group.paused = held;
    this.dirty.add(group.id);
    this.recomputeUp(group);
  }

  /** Puts back a job read from disk; call `rebuild()` once all are loaded. */
  restore(job: Job): void {
    this.lastId = Math.max(this.lastId, job.id);
    this.insert(job);
  }

  /** Recomputes every counter and group state after `restore()`s, parents before children. */
  rebuild(): void {
    for (const id of this.jobs.keys()) if (id !== ROOT_ID && !this.jobs.has(this.jobs.get(id)!.parent)) this.jobs.get(id)!.parent = ROOT_ID;
    for (const job of this.jobs.values()) if (job.id !== ROOT_ID) this.kids(job.parent).push(job.id);
    for (const kids of this.children.values()) kids.sort((a, b) => a - b);
    const order = this.subtree(ROOT_ID).reverse(); // children before parents
    order.push(this.root);
    for (const job of order) {
      const kids = this.children.get(job.id) ?? [];
      if (kids.length === 0 && !job.is_parent) continue;
      const counts = emptyCounts();
      const tally: Tally = { leaves: 0, finished: 0, errors: 0, working: 0 };
      for (const kidId of kids) {
        const kid = this.jobs.get(kidId)!;
        counts[kid.state]++;
        addTally(tally, this.isGroup(kid) ? this.tallyOfGroup(kid) : tallyOfLeaf(kid.state), 1);
      }
      this.directCounts.set(job.id, counts);
      this.leafCount.set(job.id, tally.leaves);
      job.total = tally.leaves;
      job.finished = counts.FINISHED;
      job.errors = counts.ERROR;
      job.working = counts.WORKING;
      job.total_finished = tally.finished;
      job.total_errors = tally.errors;
      job.total_working = tally.working;
      job.progress = tally.leaves ? tally.finished / tally.leaves : 0;
      if (job.id !== ROOT_ID) job.state = groupState(counts, kids.length, job.paused);
    }
    for (const job of this.jobs.values()) {
      if (job.id === ROOT_ID || this.isGroup(job)) continue;
      job.paused = job.state === 'PAUSED';
      if (job.state === 'WAITING' || job.state === 'PENDING') this.refreshPending(job);
      if (job.state === 'WAITING') this.onRunnable(job);
    }
    this.dirty.clear();
  }

  private insert(job: Job): void {
    this.jobs.set(job.id, job);
    for (const dep of job.dependencies) this.addDependent(dep, job.id);
    if (job.is_parent) {
      this.indexGroup(job);
      this.directCounts.set(job.id, emptyCounts());
      this.leafCount.set(job.id, 0);
    }
    this.dirty.add(job.id);
  }

  private indexGroup(job: Job): void {
    const list = this.groupsByTitle.get(job.title) ?? [];
    if (!list.includes(job.id)) list.push(job.id);
    this.groupsByTitle.set(job.title, list);
  }

  private unindexGroup(job: Job): void {
    const list = this.groupsByTitle.get(job.title)?.filter((id) => id !== job.id);
    if (list?.length) this.groupsByTitle.set(job.title, list);
    else this.groupsByTitle.delete(job.title);
  }

  /** Hooks a new node (with the leaf tally it brings) under its parent and updates ancestors. */
  private attach(job: Job, tally: Tally): void {
    const parent = this.jobs.get(job.parent)!;
    this.kids(parent.id).push(job.id);
    const counts = this.directCounts.get(parent.id)!;
    counts[job.state]++;
    this.applyTally(parent, tally, 1);
    this.syncDirectCounters(parent);
    this.recomputeUp(parent);
  }

  /** Sets a leaf's state, keeping every counter, group state and dependent in step. */
  setLeafState(job: Job, state: JobState): void {
    if (job.state === state) return;
    const parent = this.jobs.get(job.parent)!;
    this.applyTally(parent, tallyOfLeaf(job.state), -1);
    this.applyTally(parent, tallyOfLeaf(state), 1);
    job.paused = state === 'PAUSED';
    this.setNodeState(job, state);
    if (state === 'WAITING') this.onRunnable(job);
  }

  /** WAITING or PENDING, whichever the dependencies allow (for a leaf about to be queued). */
  queueState(job: Job): JobState {
    return this.depsDone(job) ? 'WAITING' : 'PENDING';
  }

  /** Sets a node's state, then its ancestors' as they follow: a loop, however deep the tree. */
  private setNodeState(job: Job, state: JobState): void {
    let node = job;
    let next = state;
    for (;;) {
      const old = node.state;
      if (old === next) return;
      node.state = next;
      this.dirty.add(node.id);
      const parent = this.jobs.get(node.parent)!;
      const counts = this.directCounts.get(parent.id)!;
      counts[old]--;
      counts[next]++;
      this.syncDirectCounters(parent);
      if (old === 'FINISHED' || next === 'FINISHED') this.refreshDependents(node.id);
      if (parent.id === ROOT_ID) return;
      node = parent;
      next = this.stateOfGroup(parent);
    }
  }

  private stateOfGroup(group: Job): JobState {
    return groupState(this.directCounts.get(group.id)!, this.children.get(group.id)?.length ?? 0, group.paused);
  }

  private recomputeUp(group: Job): void {
    if (group.id === ROOT_ID) return;
    const next = this.stateOfGroup(group);
    if (next !== group.state) this.setNodeState(group, next);
  }

  private syncDirectCounters(group: Job): void {
    const counts = this.directCounts.get(group.id)!;
    group.finished = counts.FINISHED;
    group.errors = counts.ERROR;
    group.working = counts.WORKING;
    this.dirty.add(group.id);
  }

  private applyTally(from: Job, tally: Tally, sign: 1 | -1): void {
    if (tally.leaves === 0 && tally.finished === 0 && tally.errors === 0 && tally.working === 0) return; // an empty group changes no ancestor
    for (let node: Job | undefined = from; node; node = this.jobs.get(node.parent)) {
      this.leafCount.set(node.id, this.leafCount.get(node.id)! + sign * tally.leaves);
      node.total_finished += sign * tally.finished;
      node.total_errors += sign * tally.errors;
      node.total_working += sign * tally.working;
      const leaves = this.leafCount.get(node.id)!;
      node.total = leaves;
      node.progress = leaves ? Math.min(1, node.total_finished / leaves) : 0;
      this.dirty.add(node.id);
      if (node.id === ROOT_ID) break;
    }
  }

  private tallyOfGroup(job: Job): Tally {
    return { leaves: this.leafCount.get(job.id) ?? 0, finished: job.total_finished, errors: job.total_errors, working: job.total_working };
  }

  // ---- dependencies -------------------------------------------------------------------

  depsDone(job: Job): boolean {
    for (let node: Job | undefined = job; node && node.id !== ROOT_ID; node = this.jobs.get(node.parent)) {
      for (const dep of node.dependencies) if (this.jobs.get(dep)?.state !== 'FINISHED') return false;
    }
    return true;
  }

  /** A queued leaf goes WAITING when its dependencies are done, PENDING otherwise. */
  refreshPending(job: Job): void {
    if (job.state !== 'WAITING' && job.state !== 'PENDING') return;
    this.setLeafState(job, this.depsDone(job) ? 'WAITING' : 'PENDING');
  }

  private refreshDependents(id: number): void {
    const deps = this.dependents.get(id);
    if (!deps) return;
    for (const dependentId of deps) {
      const dependent = this.jobs.get(dependentId);
      if (!dependent) continue;
      for (const leaf of this.isGroup(dependent) ? this.leavesOf(dependentId) : [dependent]) this.refreshPending(leaf);
    }
  }

  private addDependent(dep: number, id: number): void {
    let set = this.dependents.get(dep);
    if (!set) this.dependents.set(dep, (set = new Set()));
    set.add(id);
  }

  /**
   * Replaces a job's dependencies after checking they exist and make no cycle (`checked`: the
   * caller checked a whole batch of edits at once, cycles included).
   */
  setDependencies(job: Job, deps: number[], checked = false): void {
    for (const dep of deps) if (!this.get(dep)) throw validationError(`dependency ${dep} does not exist`);
    const old = job.dependencies;
    job.dependencies = [...new Set(deps)];
    const cycle = checked ? undefined : this.findCycle([job.id]);
    if (cycle) {
      job.dependencies = old;
      throw validationError(`dependencies of job ${job.id} would make a cycle: ${cycle.join(' → ')}`);
    }
    for (const dep of old) this.dependents.get(dep)?.delete(job.id);
    for (const dep of job.dependencies) this.addDependent(dep, job.id);
    this.dirty.add(job.id);
    for (const leaf of this.isGroup(job) ? this.leavesOf(job.id) : [job]) this.refreshPending(leaf);
  }

  /**
   * Looks for a wait cycle reachable from `start`: a job waits for its dependencies, for its
   * ancestors' dependencies, and a group waits for its children. Returns the cycle, if any.
   */
  findCycle(start: number[]): number[] | undefined {
    return findCycleIn(this.waitView(), start);
  }

  /** The tree as the cycle search sees it (edits lay their changes over it). */
  waitView(): WaitView {
    return {
      has: (id) => id !== ROOT_ID && this.jobs.has(id),
      dependencies: (id) => this.jobs.get(id)?.dependencies ?? [],
      children: (id) => this.children.get(id) ?? [],
      parent: (id) => this.jobs.get(id)?.parent ?? ROOT_ID,
    };
  }


  // ---- removal and edits ------------------------------------------------------------------

  /** Deletes a job and its subtree; returns the deleted jobs. Dependents forget them. */
  remove(id: number): Job[] {
    const job = this.require(id);
    const gone = this.subtree(id);
    const parent = this.jobs.get(job.parent)!;
    const tally = this.isGroup(job) ? this.tallyOfGroup(job) : tallyOfLeaf(job.state);
    this.applyTally(parent, tally, -1);
    const siblings = this.kids(parent.id);
    siblings.splice(siblings.indexOf(id), 1);
    this.directCounts.get(parent.id)![job.state]--;
    this.syncDirectCounters(parent);
    const goneIds = new Set(gone.map((j) => j.id));
    const affected = new Set<number>();
    for (const g of gone) {
      this.jobs.delete(g.id);
      this.children.delete(g.id);
      this.directCounts.delete(g.id);
      this.leafCount.delete(g.id);
      this.dirty.add(g.id);
      if (g.is_parent) this.unindexGroup(g);
      for (const dep of g.dependencies) this.dependents.get(dep)?.delete(g.id);
      for (const d of this.dependents.get(g.id) ?? []) if (!goneIds.has(d)) affected.add(d);
      this.dependents.delete(g.id);
    }
    this.recomputeUp(parent);
    for (const d of affected) {
      const dependent = this.jobs.get(d);
      if (dependent) this.setDependencies(dependent, dependent.dependencies.filter((x) => !goneIds.has(x)));
    }
    return gone;
  }

  /** Re-titles a job, keeping the title index of groups right. */
  retitle(job: Job, title: string): void {
    if (job.is_parent) this.unindexGroup(job);
    job.title = title;
    if (job.is_parent) this.indexGroup(job);
    this.dirty.add(job.id);
  }

  /**
   * Moves a job and its subtree under another group (the caller checked the move: see
   * job-edits.ts). Its leaves now wait for other ancestors' dependencies and are queued under
   * other priorities; under a held group they are paused.
   */
  move(job: Job, parent: number): void {
    if (job.parent === parent) return;
    const from = this.jobs.get(job.parent)!;
    const to = this.jobs.get(parent)!;
    const tally = this.isGroup(job) ? this.tallyOfGroup(job) : tallyOfLeaf(job.state);
    this.applyTally(from, tally, -1);
    const siblings = this.kids(from.id);
    siblings.splice(siblings.indexOf(job.id), 1);
    this.directCounts.get(from.id)![job.state]--;
    this.syncDirectCounters(from);
    job.parent = parent;
    this.dirty.add(job.id);
    const kids = this.kids(to.id);
    let at = kids.length;
    while (at > 0 && kids[at - 1] > job.id) at--;
    kids.splice(at, 0, job.id); // in id order, as a restart lists them
    this.directCounts.get(to.id)![job.state]++;
    this.applyTally(to, tally, 1);
    this.syncDirectCounters(to);
    this.recomputeUp(from);
    this.recomputeUp(to);
    const held = this.isHeld(parent);
    for (const leaf of this.leavesOf(job.id)) {
      if (leaf.state !== 'WAITING' && leaf.state !== 'PENDING') continue;
      if (held) this.setLeafState(leaf, 'PAUSED');
      else {
        this.refreshPending(leaf);
        if (leaf.state === 'WAITING') this.onRunnable(leaf);
      }
    }
  }
}
