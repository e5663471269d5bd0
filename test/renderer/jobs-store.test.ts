import { createPinia, setActivePinia } from 'pinia';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { defaultQuery } from '../../renderer/src/job-query.ts';
import { PAGE, REFRESH_MS, SETTLE_MS, useJobs } from '../../renderer/src/stores/jobs.ts';
import { useLive } from '../../renderer/src/stores/live.ts';
import { fakeServer, row, settle, type FakeServer } from './fake-server.ts';

let server: FakeServer;
beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
  setActivePinia(createPinia());
  server = fakeServer(Array.from({ length: 1000 }, (_, i) => row(i + 1)));
});
afterEach(() => {
  server.restore();
  vi.useRealTimers();
});

const viewCalls = () => server.calls.filter((c) => c.includes('/api/view/jobs'));

describe('jobs store', () => {
  it('loads only the pages on screen, and forgets those far away', async () => {
    const jobs = useJobs();
    jobs.ensureRange(0, 40);
    await settle();
    expect(jobs.total).toBe(1000);
    expect(jobs.rowAt(0)?.id).toBe(1);
    expect(jobs.rowAt(PAGE)).toBeUndefined();
    jobs.ensureRange(500, 540);
    jobs.ensureRange(900, 940); // a fling: the pages flown over are never fetched
    await vi.advanceTimersByTimeAsync(SETTLE_MS);
    await settle();
    expect(jobs.rowAt(900)?.id).toBe(901);
    expect(viewCalls().some((c) => /offset=400&/.test(c))).toBe(false);
    expect(jobs.rowAt(0)).toBeUndefined();
    expect(viewCalls().every((c) => /limit=200/.test(c))).toBe(true);
  });

  it('applies a change to a shown row in place, without refetching', async () => {
    const jobs = useJobs();
    jobs.ensureRange(0, 40);
    await settle();
    const before = viewCalls().length;
    useLive().dispatch('jobs', { seq: 1, changed: [{ id: 3, progress: 0.5 }], removed: [] });
    expect(jobs.rowAt(2)?.progress).toBe(0.5);
    await vi.advanceTimersByTimeAsync(REFRESH_MS + 50);
    await settle();
    expect(viewCalls().length).toBe(before);
  });

  it('refetches the shown pages when a state changes, at most every REFRESH_MS however many messages come', async () => {
    const jobs = useJobs();
    jobs.setQuery({ ...defaultQuery(), states: ['WAITING'] });
    jobs.ensureRange(0, 40);
    await settle();
    const before = viewCalls().length;
    server.rows[0] = row(1, { state: 'FINISHED' });
    for (let i = 0; i < 50; i++) useLive().dispatch('jobs', { seq: i, changed: [{ id: 1, state: i % 2 ? 'WAITING' : 'FINISHED' }], removed: [] });
    await vi.advanceTimersByTimeAsync(REFRESH_MS + 50);
    await settle();
    expect(viewCalls().length - before).toBe(1);
    expect(jobs.total).toBe(999);
    expect(jobs.counts.FINISHED).toBe(1);
  });

  it('a new job in the shown group refetches; one elsewhere does not', async () => {
    const jobs = useJobs();
    jobs.ensureRange(0, 40);
    await settle();
    const before = viewCalls().length;
    useLive().dispatch('jobs', { seq: 1, changed: [{ ...row(5000, { parent: 77 }) }], removed: [] });
    await vi.advanceTimersByTimeAsync(REFRESH_MS + 50);
    await settle();
    expect(viewCalls().length).toBe(before);
    server.rows.push(row(5001));
    useLive().dispatch('jobs', { seq: 2, changed: [{ ...row(5001) }], removed: [] });
    await vi.advanceTimersByTimeAsync(REFRESH_MS + 50);
    await settle();
    expect(viewCalls().length).toBe(before + 1);
    expect(jobs.total).toBe(1001);
  });

  it('drops a removed job from the selection and refetches', async () => {
    const jobs = useJobs();
    jobs.ensureRange(0, 40);
    await settle();
    jobs.selected = new Set([2, 3]);
    server.rows.splice(1, 1);
    useLive().dispatch('jobs', { seq: 1, changed: [], removed: [2] });
    expect([...jobs.selected]).toEqual([3]);
    await vi.advanceTimersByTimeAsync(REFRESH_MS + 50);
    await settle();
    expect(jobs.rowAt(1)?.id).toBe(3);
  });

  it('reloads everything after a reconnect (hello) or a resync', async () => {
    const jobs = useJobs();
    jobs.ensureRange(0, 40);
    await settle();
    server.rows[0] = row(1, { title: 'renamed while offline' });
    useLive().dispatch('hello', { seq: 0, jobs: 1000, workers: 0 });
    await settle();
    expect(jobs.rowAt(0)?.title).toBe('renamed while offline');
  });
});

describe('pages and the stream racing', () => {
  it('a page answered from before a stream change does not step the row back', async () => {
    const jobs = useJobs();
    jobs.ensureRange(0, 40);
    await settle();
    // A refresh is in flight with the old state when the stream says job 1 finished.
    let release: () => void = () => {};
    const gate = new Promise<void>((r) => (release = r));
    const original = globalThis.fetch;
    vi.stubGlobal('fetch', async (input: string, init?: RequestInit) => {
      const answer = original(input, init);
      await gate;
      return answer;
    });
    jobs.refresh();
    useLive().dispatch('jobs', { seq: 1, changed: [{ id: 1, state: 'FINISHED' }], removed: [] });
    release();
    await settle();
    expect(jobs.rowAt(0)?.state).toBe('FINISHED');
  });
});

describe('desktop notices', () => {
  it('notifies when a top-level job ends, only in the desktop app', async () => {
    const { notifyTreeEnds } = await import('../../renderer/src/stores/desktop-notices.ts');
    const notes: Array<{ title: string; body: string }> = [];
    notifyTreeEnds({ version: 1, pickFile: async () => null, openDataFolder: async () => {}, notify: async (n) => void notes.push(n) });
    const live = useLive();
    live.dispatch('jobs', { seq: 1, changed: [{ id: 7, parent: 0, title: 'shot 010', state: 'WORKING' }, { id: 8, parent: 7, title: 'frame', state: 'WORKING' }], removed: [] });
    live.dispatch('jobs', { seq: 2, changed: [{ id: 8, state: 'FINISHED' }, { id: 7, state: 'FINISHED' }], removed: [] });
    live.dispatch('jobs', { seq: 3, changed: [{ id: 7, state: 'FINISHED' }], removed: [] });
    expect(notes).toEqual([{ title: 'Finished', body: 'shot 010 is done' }]);
    expect(notifyTreeEnds(undefined)).toBeTypeOf('function');
  });
});
