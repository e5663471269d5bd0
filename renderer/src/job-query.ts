/**
 * The jobs page's view (group shown, open groups, sort, filters, columns) and its URL form,
 * so a link shows the same view and a saved view is just a query string.
 */
import { JOB_STATES, type JobState } from './api/types.ts';

export interface JobQuery {
  parent: number;
  expanded: number[];
  sort: string;
  order: 'asc' | 'desc';
  states: JobState[];
  user: string;
  affinity: string;
  worker: string;
  q: string;
}

export const COLUMNS = [
  { id: 'id', label: 'ID', width: 70, sort: 'id' },
  { id: 'title', label: 'Title', width: 260, sort: 'title' },
  { id: 'state', label: 'State', width: 96, sort: 'state' },
  { id: 'progress', label: 'Progress', width: 120, sort: 'progress' },
  { id: 'done', label: 'Done', width: 90, sort: 'total_finished' },
  { id: 'errors', label: 'Errors', width: 82, sort: 'total_errors' },
  { id: 'priority', label: 'Priority', width: 88, sort: 'priority' },
  { id: 'affinity', label: 'Affinity', width: 110, sort: 'affinity' },
  { id: 'user', label: 'User', width: 96, sort: 'user' },
  { id: 'worker', label: 'Worker', width: 120, sort: 'worker' },
  { id: 'start', label: 'Start', width: 130, sort: 'start_time' },
  { id: 'duration', label: 'Duration', width: 86, sort: 'duration' },
  { id: 'eta', label: 'ETA', width: 80, sort: undefined },
  { id: 'cost', label: 'Cost', width: 80, sort: 'cost' },
] as const;

export type ColumnId = (typeof COLUMNS)[number]['id'];
export const DEFAULT_COLUMNS: ColumnId[] = ['id', 'title', 'state', 'progress', 'done', 'errors', 'priority', 'affinity', 'user', 'worker', 'start', 'duration', 'eta', 'cost'];

export function defaultQuery(): JobQuery {
  return { parent: 0, expanded: [], sort: 'id', order: 'asc', states: [], user: '', affinity: '', worker: '', q: '' };
}

type UrlQuery = Record<string, string | null | (string | null)[] | undefined>;
const one = (v: UrlQuery[string]): string => (Array.isArray(v) ? (v[0] ?? '') : (v ?? ''));
const ids = (v: string) => v.split(',').filter((s) => /^\d+$/.test(s)).map(Number);

export function queryFromUrl(u: UrlQuery): JobQuery {
  const d = defaultQuery();
  const states = one(u.state).split(',').filter((s): s is JobState => (JOB_STATES as readonly string[]).includes(s));
  return {
    parent: /^\d+$/.test(one(u.parent)) ? Number(one(u.parent)) : d.parent,
    expanded: ids(one(u.open)),
    sort: one(u.sort) || d.sort,
    order: one(u.order) === 'desc' ? 'desc' : 'asc',
    states,
    user: one(u.user),
    affinity: one(u.affinity),
    worker: one(u.worker),
    q: one(u.q),
  };
}

/** Only what differs from the default, so links stay short. */
export function queryToUrl(q: JobQuery, columns: ColumnId[]): Record<string, string> {
  const out: Record<string, string> = {};
  if (q.parent) out.parent = String(q.parent);
  if (q.expanded.length) out.open = q.expanded.join(',');
  if (q.sort !== 'id') out.sort = q.sort;
  if (q.order !== 'asc') out.order = q.order;
  if (q.states.length) out.state = q.states.join(',');
  if (q.user) out.user = q.user;
  if (q.affinity) out.affinity = q.affinity;
  if (q.worker) out.worker = q.worker;
  if (q.q) out.q = q.q;
  if (columns.join(',') !== DEFAULT_COLUMNS.join(',')) out.cols = columns.join(',');
  return out;
}

export function columnsFromUrl(u: UrlQuery): ColumnId[] {
  const raw = one(u.cols);
  if (!raw) return [...DEFAULT_COLUMNS];
  const known = new Set<string>(COLUMNS.map((c) => c.id));
  const cols = raw.split(',').filter((c): c is ColumnId => known.has(c));
  return cols.length ? cols : [...DEFAULT_COLUMNS];
}

/** The server's query string for `GET /api/view/jobs`. */
export function serverQuery(q: JobQuery, offset: number, limit: number): Record<string, string | number | undefined> {
  return {
    parent: q.parent || undefined,
    expanded: q.expanded.length ? q.expanded.join(',') : undefined,
    sort: q.sort,
    order: q.order,
    state: q.states.length ? q.states.join(',') : undefined,
    user: q.user || undefined,
    affinity: q.affinity || undefined,
    worker: q.worker || undefined,
    q: q.q || undefined,
    offset,
    limit,
  };
}

export const sameQuery = (a: JobQuery, b: JobQuery) => JSON.stringify(a) === JSON.stringify(b);
