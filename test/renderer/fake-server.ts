/**
 * A stand-in for the server's HTTP API in component tests (the renderer's only way out is
 * fetch): answers `GET /api/view/jobs` from an in-memory list and records every call.
 */
import { vi } from 'vitest';
import type { JobRow } from '../../renderer/src/api/types.ts';

export function row(id: number, over: Partial<JobRow> = {}): JobRow {
  return {
    id, parent: 0, title: `job ${id}`, command: `echo ${id}`, dir: '.', environment: '', priority: 1000, timeout: 0, retry: 0, affinity: '', url: '', user: '',
    progress_pattern: '', local_progress_pattern: '', dependencies: [], is_parent: false, state: 'WAITING', worker: '', start_time: 0, duration: 0, ping_time: 0,
    run_done: 0, progress: 0, local_progress: 0, total: 0, finished: 0, errors: 0, working: 0, total_finished: 0, total_errors: 0, total_working: 0, paused: false, cost: 0, depth: 0, has_children: false, ...over,
  };
}

export interface FakeServer {
  rows: JobRow[];
  calls: string[];
  status: number;
  restore(): void;
}

export function fakeServer(rows: JobRow[]): FakeServer {
  const state: FakeServer = { rows, calls: [], status: 200, restore: () => vi.unstubAllGlobals() };
  vi.stubGlobal('fetch', async (input: string, init?: RequestInit) => {
    const url = new URL(input, 'http://ui.test');
    state.calls.push(`${init?.method ?? 'GET'} ${url.pathname}${url.search}`);
    const headers = new Headers(init?.headers);
    if (state.status !== 200) return new Response(JSON.stringify({ error: { code: 'auth', message: 'a token is needed' } }), { status: state.status });
    if (url.pathname === '/api/view/jobs') {
      const offset = Number(url.searchParams.get('offset') ?? 0);
      const limit = Number(url.searchParams.get('limit') ?? 100);
      const states = url.searchParams.get('state')?.split(',');
      const shown = state.rows.filter((r) => !states || states.includes(r.state));
      const counts = { WAITING: 0, PENDING: 0, WORKING: 0, FINISHED: 0, ERROR: 0, PAUSED: 0 };
      for (const r of state.rows) counts[r.state]++;
      return Response.json({ total: shown.length, counts, offset, rows: shown.slice(offset, offset + limit).map((r) => ({ ...r })), path: [] });
    }
    if (url.pathname === '/api/session') return Response.json({ role: 'admin', user: null, auth: headers.get('authorization') ? 'token' : 'none' });
    return Response.json(1);
  });
  return state;
}

/** Lets the pending fetches (promises and I/O callbacks) finish. */
export async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
}
