/** The jobs table as CSV (the old web frontend's "CSV" button), for the current view. */
import { get } from './api/http.ts';
import type { JobRow, JobViewPage } from './api/types.ts';
import { serverQuery, type JobQuery } from './job-query.ts';

const FIELDS = ['id', 'parent', 'title', 'state', 'progress', 'priority', 'affinity', 'user', 'worker', 'start_time', 'duration', 'run_done', 'total', 'total_finished', 'total_errors', 'command', 'dir'] as const;

const cell = (v: unknown) => {
  const s = Array.isArray(v) ? v.join(',') : String(v ?? '');
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
};

export function toCsv(rows: JobRow[]): string {
  return [FIELDS.join(','), ...rows.map((r) => FIELDS.map((f) => cell(r[f])).join(','))].join('\n') + '\n';
}

/** Every row of the view, page by page (5,000 a request). */
export async function viewAsCsv(query: JobQuery): Promise<string> {
  const rows: JobRow[] = [];
  for (let offset = 0; ; offset += 5000) {
    const page = await get<JobViewPage>('/api/view/jobs', { query: serverQuery(query, offset, 5000) });
    rows.push(...page.rows);
    if (rows.length >= page.total || page.rows.length === 0) break;
  }
  return toCsv(rows);
}
