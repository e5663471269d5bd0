/**
 * The old server's meanings scripts rely on: progress from `PROGRESS:42` and regex patterns,
 * paused groups holding later children, group counters over the whole subtree, and no reruns
 * of a job submitted without `retry`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, workerCall, type TestServer } from '../helpers/test-server.ts';

let s: TestServer;
beforeAll(async () => {
  s = await startTestServer();
});
afterAll(async () => s.stop());

type JobView = { id: number; state: string; progress: number; local_progress: number; total: number; total_finished: number; total_errors: number; total_working: number; run_done: number; paused: boolean };
const put = async (job: Record<string, unknown>) => {
  const res = await s.call<number>('PUT', '/api/jobs', job);
  if (res.status !== 200) throw new Error(JSON.stringify(res.body));
  return res.body;
};
const get = async (id: number) => (await s.call<JobView>('GET', `/api/jobs/${id}`)).body;
let workerSeq = 0;
/** Takes the next job as a fresh worker (so no earlier test's job is on it). */
async function take(expected: number): Promise<string> {
  const name = `sem-${++workerSeq}`;
  const picked = await workerCall<{ job: { id: number } | null }>(s.url, 'pickjob', { name, wait: 0 });
  expect(picked.body.job?.id).toBe(expected);
  return name;
}
const beat = (name: string, job: number, log: string) => workerCall(s.url, 'heartbeat', { name, job, log });
const end = (name: string, job: number, exit_code: number) => workerCall(s.url, 'endjob', { name, job, exit_code });

describe('progress while the job runs', () => {
  it('PROGRESS:42 drives progress when no pattern is set', async () => {
    const id = await put({ title: 'p', command: 'x' });
    const w = await take(id);
    await beat(w, id, 'starting\nPROGRESS:42\n');
    expect((await get(id)).progress).toBeCloseTo(0.42);
    await end(w, id, 0);
  });

  it('a pattern is a regular expression around %percent or %one', async () => {
    const id = await put({ title: 'p', command: 'x', progress_pattern: 'done\\s+%percent', local_progress_pattern: '^frame (?:\\d+) at %one' });
    const w = await take(id);
    await beat(w, id, 'done   12\ndone\t37\nframe 3 at 0.5\n');
    const job = await get(id);
    expect(job.progress).toBeCloseTo(0.37);
    expect(job.local_progress).toBeCloseTo(0.5);
    await end(w, id, 0);
  });

  it('a literal pattern keeps working, and progress never passes 100 %', async () => {
    const id = await put({ title: 'p', command: 'x', progress_pattern: '(%percent%)' });
    const w = await take(id);
    await beat(w, id, 'rendering (25%)\n');
    expect((await get(id)).progress).toBeCloseTo(0.25);
    await beat(w, id, 'rendering (250%)\n');
    expect((await get(id)).progress).toBe(1);
    await end(w, id, 0);
  });
});

describe('paused groups', () => {
  it('a paused group holds the children added to it later, until it is started', async () => {
    const group = await put({ title: 'held', state: 'PAUSED', is_parent: true });
    const kid = await put({ title: 'kid', command: 'x', parent: group });
    expect(await get(kid)).toMatchObject({ state: 'PAUSED' });
    expect(await get(group)).toMatchObject({ paused: true, state: 'PAUSED' });
    const none = await workerCall<{ job: unknown }>(s.url, 'pickjob', { name: 'sem-idle', wait: 0 });
    expect(none.body.job).toBeNull();
    await s.call('POST', '/api/startjobs', [group]);
    expect(await get(kid)).toMatchObject({ state: 'WAITING' });
    const w = await take(kid);
    await end(w, kid, 0);
  });

  it('pausing a group that has children holds the children added after', async () => {
    const group = await put({ title: 'shot', children: [{ title: 'f1', command: 'x' }] });
    await s.call('POST', '/api/pausejobs', [group]);
    const late = await put({ title: 'f2', command: 'x', parent: group });
    expect((await get(late)).state).toBe('PAUSED');
    await s.call('DELETE', '/api/jobs', [group]);
  });
});

describe('group counters', () => {
  it('total and total_* count the leaves of the whole subtree; ERROR shows as soon as one leaf fails', async () => {
    const shot = await put({ title: 'shot', children: [{ title: 'a', command: 'x' }, { title: 'sub', children: [{ title: 'b', command: 'x' }, { title: 'c', command: 'x' }] }] });
    const [a, sub] = (await s.call<JobView[]>('GET', `/api/jobs/${shot}/children`)).body.map((j) => j.id);
    const [b] = (await s.call<JobView[]>('GET', `/api/jobs/${sub}/children`)).body.map((j) => j.id);
    expect(await get(shot)).toMatchObject({ total: 3, total_finished: 0 });
    const wa = await take(a);
    await end(wa, a, 0);
    const wb = await take(b);
    expect(await get(shot)).toMatchObject({ total: 3, total_finished: 1, total_working: 1, state: 'WORKING' });
    await end(wb, b, 1);
    const after = await get(shot);
    expect(after).toMatchObject({ total: 3, total_finished: 1, total_errors: 1, state: 'ERROR' });
    expect(after.progress).toBeLessThanOrEqual(1);
    expect((await get(sub)).state).toBe('ERROR');
    await s.call('DELETE', '/api/jobs', [shot]);
  });
});

describe('retry', () => {
  it('a job submitted without retry runs once and stays in ERROR', async () => {
    const id = await put({ title: 'broken frame', command: 'false' });
    const w = await take(id);
    await end(w, id, 1);
    expect(await get(id)).toMatchObject({ state: 'ERROR', run_done: 1 });
  });

  it("control.py's retry (sent on /json/addjob) is kept", async () => {
    const id = (await s.call<number>('GET', '/json/addjob?title=cp&cmd=false&retry=10')).body;
    const w = await take(id);
    await end(w, id, 1);
    expect(await get(id)).toMatchObject({ state: 'WAITING', run_done: 1 });
    await s.call('DELETE', '/api/jobs', [id]);
  });
});
