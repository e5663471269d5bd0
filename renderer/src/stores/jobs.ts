import { defineStore } from 'pinia';
import { reactive, ref, shallowReactive } from 'vue';
import { get } from '../api/http.ts';
import type { Job, JobRow, JobState, JobViewPage, JobsMessage } from '../api/types.ts';
import { JOB_STATES } from '../api/types.ts';
import { defaultQuery, sameQuery, serverQuery, type JobQuery } from '../job-query.ts';
import { useLive } from './live.ts';

/** Rows per request; the table keeps only the pages near what is on screen. */
export const PAGE = 200;
/** How often, at most, the shown pages are refetched when the list's order or members change. */
export const REFRESH_MS = 400;
/** How long a change from the stream is kept to patch pages that were in flight. */
const RECENT_MS = 5000;
/** How long the shown range must rest before its missing pages are fetched. */
export const SETTLE_MS = 60;

const zeroCounts = () => Object.fromEntries(JOB_STATES.map((s) => [s, 0])) as Record<JobState, number>;

/**
 * The jobs table: pages of rows from `GET /api/view/jobs` (paged, sorted and filtered by the
 * server), kept live from the event stream. A change to a shown row is applied in place; a
 * change that may move rows or change counts (a new job in the shown group, a state change,
 * the sorted field) refetches the shown pages, at most every {@link REFRESH_MS}.
 */
export const useJobs = defineStore('jobs', () => {
  const query = ref<JobQuery>(defaultQuery());
  const total = ref(0);
  const counts = ref(zeroCounts());
  const path = ref<JobViewPage['path']>([]);
  const ready = ref(false);
  const problem = ref('');
  const pages = shallowReactive(new Map<number, JobRow[]>());
  const selected = ref(new Set<number>());
  const byId = new Map<number, JobRow>();
  /** Parents of jobs the stream carried (a job's first message carries every field). */
  const parentOf = new Map<number, number>();
  const inflight = new Map<number, number>();
  let generation = 0;
  let range = { first: 0, last: 50 };
  /**
   * Changes the stream brought lately: a page answered from a snapshot taken before one of them
   * (the request was in flight) gets it applied again, so a row never steps back in time.
   */
  const recent = new Map<number, { at: number; fields: Partial<Job> }>();
  let refreshTimer: ReturnType<typeof setTimeout> | undefined;
  let settleTimer: ReturnType<typeof setTimeout> | undefined;
  let lastRefresh = 0;

  function index(rows: JobRow[], on: boolean): void {
    for (const r of rows) {
      if (on) byId.set(r.id, r);
      else if (byId.get(r.id) === r) byId.delete(r.id);
    }
  }

  /** Pages asked again while a fetch of them was in flight (its answer may predate the change). */
  const again = new Set<number>();

  async function fetchPage(page: number, gen = generation, force = false): Promise<void> {
    if (inflight.get(page) === gen) {
      if (force) again.add(page);
      return;
    }
    inflight.set(page, gen);
    const sentAt = Date.now();
    try {
      const answer = await get<JobViewPage>('/api/view/jobs', { query: serverQuery(query.value, page * PAGE, PAGE) });
      if (gen !== generation) return;
      total.value = answer.total;
      counts.value = answer.counts;
      path.value = answer.path;
      const old = pages.get(page);
      if (old) index(old, false);
      const rows = answer.rows.map((r) => {
        const later = recent.get(r.id);
        if (later && later.at >= sentAt) Object.assign(r, later.fields);
        return reactive(r) as JobRow;
      });
      pages.set(page, rows);
      index(rows, true);
      ready.value = true;
      problem.value = '';
    } catch (e) {
      if (gen === generation) problem.value = (e as Error).message;
    } finally {
      if (inflight.get(page) === gen) inflight.delete(page);
      if (again.delete(page) && gen === generation) void fetchPage(page, gen);
    }
  }

  const pagesOf = (first: number, last: number) => {
    const out: number[] = [];
    for (let p = Math.floor(first / PAGE); p <= Math.floor(Math.max(first, last) / PAGE); p++) out.push(p);
    return out;
  };

  /**
   * The table shows rows `first..last`: fetch their pages, forget those far away. While the
   * range keeps moving (a fling through the table) nothing is fetched: rows show placeholders
   * until it rests {@link SETTLE_MS}, so a scroll costs no request per page it flies over.
   */
  function ensureRange(first: number, last: number): void {
    range = { first, last };
    clearTimeout(settleTimer);
    if (!ready.value || pagesOf(first, last).every((p) => pages.has(p))) return fetchRange();
    settleTimer = setTimeout(fetchRange, SETTLE_MS);
  }

  function fetchRange(): void {
    const { first, last } = range;
    const wanted = pagesOf(first, last);
    for (const p of wanted) if (!pages.has(p)) void fetchPage(p);
    const lo = wanted[0] - 2;
    const hi = wanted[wanted.length - 1] + 2;
    for (const [p, rows] of pages) {
      if (p < lo || p > hi) {
        index(rows, false);
        pages.delete(p);
      }
    }
  }

  function rowAt(i: number): JobRow | undefined {
    return pages.get(Math.floor(i / PAGE))?.[i % PAGE];
  }

  /** Everything shown again from the server (a new query, a reconnect). */
  function reload(): Promise<void> {
    generation++;
    for (const rows of pages.values()) index(rows, false);
    pages.clear();
    inflight.clear();
    again.clear();
    return Promise.all(pagesOf(range.first, range.last).map((p) => fetchPage(p))).then(() => undefined);
  }

  /** Refetches the pages on screen (not the far ones): order, members and counts may have moved. */
  function refresh(): void {
    lastRefresh = Date.now();
    const gen = generation;
    for (const p of pagesOf(range.first, range.last)) void fetchPage(p, gen, true);
  }

  function scheduleRefresh(): void {
    if (refreshTimer) return;
    const wait = Math.max(0, lastRefresh + REFRESH_MS - Date.now());
    refreshTimer = setTimeout(() => {
      refreshTimer = undefined;
      refresh();
    }, wait);
  }

  function setQuery(next: JobQuery): void {
    if (sameQuery(next, query.value) && ready.value) return;
    const parentChanged = next.parent !== query.value.parent;
    query.value = next;
    if (parentChanged) selected.value = new Set();
    void reload();
  }

  /** Fields whose change may reorder or refilter the list. */
  function viewFields(): Set<string> {
    const q = query.value;
    const f = new Set<string>(['state', q.sort]);
    if (q.user) f.add('user');
    if (q.worker) f.add('worker');
    if (q.affinity) f.add('affinity');
    if (q.q) for (const k of ['title', 'command']) f.add(k);
    return f;
  }

  function applyDelta(message: JobsMessage): void {
    const shown = new Set([query.value.parent, ...query.value.expanded]);
    const fields = viewFields();
    let moved = false;
    const now = Date.now();
    for (const [id, r] of recent) {
      if (now - r.at < RECENT_MS) break; // oldest first
      recent.delete(id);
    }
    for (const change of message.changed) {
      const prior = recent.get(change.id);
      recent.delete(change.id);
      recent.set(change.id, { at: now, fields: prior ? { ...prior.fields, ...change } : change });
      if (change.parent !== undefined) parentOf.set(change.id, change.parent);
      const row = byId.get(change.id);
      if (row) {
        for (const key of Object.keys(change) as Array<keyof Job>) {
          if (fields.has(key) && row[key] !== change[key]) moved = true;
        }
        Object.assign(row, change);
      } else if (shown.has(change.parent ?? parentOf.get(change.id) ?? -1)) {
        moved = true;
      }
    }
    for (const id of message.removed) {
      if (byId.has(id) || shown.has(parentOf.get(id) ?? -1)) moved = true;
      parentOf.delete(id);
      selected.value.delete(id);
    }
    if (moved) scheduleRefresh();
  }

  function toggleExpanded(id: number): void {
    const open = new Set(query.value.expanded);
    if (open.has(id)) open.delete(id);
    else open.add(id);
    setQuery({ ...query.value, expanded: [...open] });
  }

  // On the first connection the first pages are usually still in flight: fetch them again once
  // they land (not from scratch), so the first rows show as soon as possible.
  useLive().subscribe({ jobs: applyDelta, resync: () => (ready.value ? void reload() : refresh()) });

  return { query, total, counts, path, ready, problem, pages, selected, rowAt, ensureRange, reload, refresh, setQuery, applyDelta, toggleExpanded, byId };
});
