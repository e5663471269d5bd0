/**
 * The jobs table of the UI, computed on the server: the children of one group (with the groups
 * the person expanded shown in place), filtered, sorted and cut to a page, with counts per
 * state so the page can say how many it did not show. Pure over the tree: no I/O.
 */
import { validationError } from '../errors.ts';
import { JOB_STATES, parseAffinities, type Job, type JobState } from '../jobs/job.ts';
import { ROOT_ID, type JobTree } from '../jobs/job-tree.ts';

export interface JobViewQuery {
  parent: number;
  /** Groups shown open, their children right under them. */
  expanded: Set<number>;
  sort: string;
  descending: boolean;
  offset: number;
  limit: number;
  states?: Set<JobState>;
  user?: string;
  affinity?: string;
  worker?: string;
  /** Case-insensitive text in the title or the command, or an id. */
  text?: string;
}

/** A row of the table: the job and where it sits in the shown tree. */
export type JobRow = Job & { depth: number; has_children: boolean };

export interface JobViewPage {
  /** Rows after every filter (top-level rows and those of open groups). */
  total: number;
  /** Top-level rows per state, with every filter but the state one (for the state chips). */
  counts: Record<JobState, number>;
  offset: number;
  rows: JobRow[];
  /** From the top down to the shown group (empty at the top level). */
  path: Array<{ id: number; title: string }>;
}

/** Fields the table can sort by (numbers and strings of a job). */
export const SORTABLE = [
  'id', 'title', 'state', 'progress', 'priority', 'affinity', 'user', 'worker', 'start_time', 'duration', 'run_done', 'total',
  'total_finished', 'total_errors', 'total_working', 'ping_time', 'timeout', 'retry', 'command', 'cost',
] as const;

/** Reads the query string of `GET /api/view/jobs`; a bad value is a 400 naming it. */
export function parseJobViewQuery(q: Record<string, unknown>): JobViewQuery {
  const text = (name: string): string | undefined => {
    const v = q[name];
    if (v === undefined || v === '') return undefined;
    if (typeof v !== 'string') throw validationError(`${name} must be given once, as text`);
    return v;
  };
  const int = (name: string, fallback: number, min: number, max: number): number => {
    const v = text(name);
    if (v === undefined) return fallback;
    const n = Number(v);
    if (!Number.isInteger(n) || n < min || n > max) throw validationError(`${name} must be an integer from ${min} to ${max}, got "${v}"`);
    return n;
  };
  const ids = (name: string): Set<number> => {
    const v = text(name);
    if (v === undefined) return new Set();
    return new Set(v.split(',').map((s) => {
      if (!/^\d+$/.test(s.trim())) throw validationError(`${name} must be job ids separated by commas, got "${s}"`);
      return Number(s);
    }));
  };
  const sort = text('sort') ?? 'id';
  if (!(SORTABLE as readonly string[]).includes(sort)) throw validationError(`sort must be one of ${SORTABLE.join(', ')}, got "${sort}"`);
  const order = text('order') ?? 'asc';
  if (order !== 'asc' && order !== 'desc') throw validationError(`order must be asc or desc, got "${order}"`);
  const stateText = text('state');
  let states: Set<JobState> | undefined;
  if (stateText !== undefined) {
    states = new Set();
    for (const s of stateText.split(',')) {
      if (!(JOB_STATES as readonly string[]).includes(s)) throw validationError(`state must be among ${JOB_STATES.join(', ')}, got "${s}"`);
      states.add(s as JobState);
    }
  }
  return {
    parent: int('parent', ROOT_ID, 0, Number.MAX_SAFE_INTEGER),
    expanded: ids('expanded'),
    sort,
    descending: order === 'desc',
    offset: int('offset', 0, 0, Number.MAX_SAFE_INTEGER),
    limit: int('limit', 100, 0, 5000),
    states,
    user: text('user'),
    affinity: text('affinity'),
    worker: text('worker'),
    text: text('q')?.toLowerCase(),
  };
}

const collator = new Intl.Collator(undefined, { numeric: true, sensitivity: 'base' });

/** Numbers compare as numbers, text with a collator (much faster than localeCompare); ties by id. */
function compareBy(field: string, descending: boolean, sample: Job | undefined): (a: Job, b: Job) => number {
  const sign = descending ? -1 : 1;
  const get = (j: Job) => (j as unknown as Record<string, unknown>)[field];
  if (typeof get(sample ?? ({} as Job)) === 'number') return (a, b) => sign * (((get(a) as number) ?? 0) - ((get(b) as number) ?? 0)) || a.id - b.id;
  return (a, b) => sign * collator.compare(String(get(a) ?? ''), String(get(b) ?? '')) || a.id - b.id;
}

/** Children come in id order (ids grow, and the tree keeps them sorted): no sort needed for it. */
function sortJobs(jobs: Job[], field: string, descending: boolean): Job[] {
  if (field === 'id') {
    let sorted = true;
    for (let i = 1; i < jobs.length && sorted; i++) sorted = jobs[i - 1].id < jobs[i].id;
    if (!sorted) jobs.sort((a, b) => a.id - b.id);
    return descending ? jobs.reverse() : jobs;
  }
  return jobs.sort(compareBy(field, descending, jobs[0]));
}

/** Does the job pass every filter but the state one? */
function matcher(q: JobViewQuery): (job: Job) => boolean {
  const id = q.text && /^\d+$/.test(q.text) ? Number(q.text) : undefined;
  return (job) => {
    if (q.user !== undefined && job.user !== q.user) return false;
    if (q.worker !== undefined && job.worker !== q.worker) return false;
    if (q.affinity !== undefined && !parseAffinities(job.affinity).includes(q.affinity)) return false;
    if (q.text !== undefined && job.id !== id && !job.title.toLowerCase().includes(q.text) && !job.command.toLowerCase().includes(q.text)) return false;
    return true;
  };
}

const noFilter = (q: JobViewQuery) => q.user === undefined && q.worker === undefined && q.affinity === undefined && q.text === undefined;

/** One page of the jobs table. */
export function viewJobs(tree: JobTree, q: JobViewQuery): JobViewPage {
  if (q.parent !== ROOT_ID) tree.require(q.parent);
  const passes = noFilter(q) ? () => true : matcher(q);
  const inState = (job: Job) => !q.states || q.states.has(job.state);
  const counts = Object.fromEntries(JOB_STATES.map((s) => [s, 0])) as Record<JobState, number>;
  const top: Job[] = [];
  for (const job of tree.childrenOf(q.parent)) {
    if (!passes(job)) continue;
    counts[job.state]++;
    if (inState(job)) top.push(job);
  }
  sortJobs(top, q.sort, q.descending);
  const row = (job: Job, depth: number): JobRow => ({ ...job, depth, has_children: tree.hasChildren(job.id) });
  let total: number;
  let rows: JobRow[];
  if (!top.some((j) => q.expanded.has(j.id))) {
    total = top.length;
    rows = top.slice(q.offset, q.offset + q.limit).map((j) => row(j, 0));
  } else {
    const flat: Array<{ job: Job; depth: number }> = [];
    const emit = (jobs: Job[], depth: number) => {
      for (const job of jobs) {
        flat.push({ job, depth });
        if (q.expanded.has(job.id) && tree.hasChildren(job.id)) emit(sortJobs(tree.childrenOf(job.id).filter((c) => passes(c) && inState(c)), q.sort, q.descending), depth + 1);
      }
    };
    emit(top, 0);
    total = flat.length;
    rows = flat.slice(q.offset, q.offset + q.limit).map(({ job, depth }) => row(job, depth));
  }
  const parentJob = tree.get(q.parent);
  const path = parentJob ? [...tree.ancestors(parentJob).reverse(), parentJob].map((j) => ({ id: j.id, title: j.title })) : [];
  return { total, counts, offset: q.offset, rows, path };
}
/** Distinct values for the filter menus, over the whole farm. */
export function jobFacets(tree: JobTree, workerNames: string[]): { users: string[]; affinities: string[]; workers: string[]; states: readonly JobState[] } {
  const users = new Set<string>();
  const affinities = new Set<string>();
  const workers = new Set<string>(workerNames);
  for (const job of tree.jobs.values()) {
    if (job.id === ROOT_ID) continue;
    if (job.user) users.add(job.user);
    if (job.worker) workers.add(job.worker);
    if (job.affinity) for (const a of parseAffinities(job.affinity)) affinities.add(a);
  }
  const sorted = (s: Set<string>) => [...s].sort((a, b) => a.localeCompare(b));
  return { users: sorted(users), affinities: sorted(affinities), workers: sorted(workers), states: JOB_STATES };
}
