/**
 * Batch calls handle every id they know and skip the rest (cleanup scripts rely on it), and the
 * routes old scripts call exist: reseterrorjobs, terminateworkers, control.py's getjobs and
 * clearjobs, and /xmlrpc/addjob.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { TEST_TOKENS } from '../helpers/processes.ts';
import { startTestServer, workerCall, type TestServer } from '../helpers/test-server.ts';

let s: TestServer;
beforeAll(async () => {
  s = await startTestServer();
});
afterAll(async () => s.stop());
// Each test starts from an empty queue (the pickjob checks take the first waiting job).
beforeEach(async () => {
  const roots = (await s.call<Array<{ id: number }>>('GET', '/api/jobs')).body.map((j) => j.id);
  if (roots.length) await s.call('DELETE', '/api/jobs', roots);
});

const put = async (job: Record<string, unknown>) => (await s.call<number>('PUT', '/api/jobs', job)).body;
const state = async (id: number) => (await s.call<{ state: string }>('GET', `/api/jobs/${id}`)).body.state;
const raw = (method: string, path: string, body?: unknown) =>
  fetch(s.url + path, { method, headers: { Authorization: `Bearer ${TEST_TOKENS.admin}`, 'Content-Type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });

describe('batch calls skip unknown ids and say which', () => {
  it('DELETE /api/jobs deletes the known ids, answers 1 and names the unknown ones', async () => {
    const a = await put({ title: 'a', command: 'true' });
    const b = await put({ title: 'b', command: 'true' });
    const res = await raw('DELETE', '/api/jobs', [a, 987654, b]);
    expect(res.status).toBe(200);
    expect(await res.json()).toBe(1);
    expect(res.headers.get('x-coalition-unknown')).toBe('987654');
    expect((await s.call('GET', `/api/jobs/${a}`)).status).toBe(404);
    expect((await s.call('GET', `/api/jobs/${b}`)).status).toBe(404);
  });

  it('reset, start and pause act on the known ids', async () => {
    const a = await put({ title: 'a', command: 'true' });
    for (const [path, expected] of [['/api/pausejobs', 'PAUSED'], ['/api/startjobs', 'WAITING'], ['/api/resetjobs', 'WAITING']] as const) {
      const res = await raw('POST', path, [876543, a]);
      expect(res.status).toBe(200);
      expect(res.headers.get('x-coalition-unknown')).toBe('876543');
      expect(await state(a)).toBe(expected);
    }
  });

  it('a body that is not a list of ids is still refused, changing nothing', async () => {
    const a = await put({ title: 'a', command: 'true' });
    expect((await s.call('DELETE', '/api/jobs', [a, 'abc'])).status).toBe(400);
    expect(await state(a)).toBe('WAITING');
  });

  it('delete, stop and start workers act on the known names', async () => {
    await workerCall(s.url, 'pickjob', { name: 'known-w', wait: 0 });
    const stop = await raw('POST', '/api/stopworkers', ['known-w', 'ghost-w']);
    expect(stop.status).toBe(200);
    expect(stop.headers.get('x-coalition-unknown')).toBe('ghost-w');
    const workers = (await s.call<Array<{ name: string; active: number }>>('GET', '/api/workers')).body;
    expect(workers.find((w) => w.name === 'known-w')?.active).toBe(0);
    expect((await raw('POST', '/api/startworkers', ['ghost-w', 'known-w'])).status).toBe(200);
    const del = await raw('DELETE', '/api/workers', ['known-w', 'ghost-w']);
    expect(del.status).toBe(200);
    expect(del.headers.get('x-coalition-unknown')).toBe('ghost-w');
    expect((await s.call<Array<{ name: string }>>('GET', '/api/workers')).body.map((w) => w.name)).not.toContain('known-w');
  });

  it('a worker not seen yet can be given its affinities before it first connects', async () => {
    expect((await s.call('POST', '/api/workers', { 'future-w': { affinity: 'gpu' } })).body).toBe(1);
    const job = await put({ title: 'gpu job', command: 'true', affinity: 'gpu' });
    const picked = await workerCall<{ job: { id: number } | null }>(s.url, 'pickjob', { name: 'future-w', wait: 0 });
    expect(picked.body.job?.id).toBe(job);
  });
});

describe('routes old scripts call', () => {
  it('POST /api/reseterrorjobs puts the jobs in ERROR back in the queue and leaves the others', async () => {
    const group = await put({ title: 'g', children: [{ title: 'bad', command: 'false' }, { title: 'good', command: 'true' }] });
    const [bad, good] = (await s.call<Array<{ id: number }>>('GET', `/api/jobs/${group}/children`)).body.map((j) => j.id);
    for (const [id, code] of [[bad, 1], [good, 0]]) {
      const picked = await workerCall<{ job: { id: number } }>(s.url, 'pickjob', { name: 'rw', wait: 0 });
      expect(picked.body.job.id).toBe(id);
      await workerCall(s.url, 'endjob', { name: 'rw', job: id, exit_code: code });
    }
    expect(await state(bad)).toBe('ERROR');
    const res = await raw('POST', '/api/reseterrorjobs', [group]);
    expect(res.status).toBe(200);
    expect(await state(bad)).toBe('WAITING');
    expect(await state(good)).toBe('FINISHED');
  });

  it('POST /api/terminateworkers needs a scaler: without one it says so', async () => {
    const res = await s.call<{ error: { message: string } }>('POST', '/api/terminateworkers', ['w1']);
    expect(res.status).toBe(409);
    expect(res.body.error.message).toMatch(/servermode/);
  });

  it("control.py's /json/getjobs lists the children of a job in a shape Python's eval reads", async () => {
    const group = await put({ title: 'listed', children: [{ title: 'one', command: 'echo 1' }] });
    const res = await fetch(`${s.url}/json/getjobs?id=${group}`, { headers: { Authorization: `Bearer ${TEST_TOKENS.admin}` } });
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text).not.toMatch(/\b(true|false|null)\b/);
    const data = JSON.parse(text) as { Vars: string[]; Jobs: unknown[][]; Parents: Array<{ ID: number; Title: string }> };
    expect(data.Vars.slice(0, 5)).toEqual(['ID', 'Title', 'Command', 'Dir', 'State']);
    expect(data.Jobs).toHaveLength(1);
    expect(data.Jobs[0].slice(0, 3)).toEqual([expect.any(Number), 'one', 'echo 1']);
    expect(data.Parents).toEqual([{ ID: 0, Title: 'Root' }, { ID: group, Title: 'listed' }]);
  });

  it("control.py's /json/clearjobs?id= deletes a job", async () => {
    const id = await put({ title: 'to clear', command: 'true' });
    const res = await fetch(`${s.url}/json/clearjobs?id=${id}`, { headers: { Authorization: `Bearer ${TEST_TOKENS.admin}` } });
    expect(res.status).toBe(200);
    expect((await s.call('GET', `/api/jobs/${id}`)).status).toBe(404);
  });

  it('/xmlrpc/addjob answers the id as text and takes paused and localprogress', async () => {
    const res = await fetch(`${s.url}/xmlrpc/addjob?title=legacy&cmd=echo%20hi&paused=1&localprogress=P:%25one`, { headers: { Authorization: `Bearer ${TEST_TOKENS.admin}` } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/text\/plain/);
    const id = Number(await res.text());
    const job = (await s.call<Record<string, unknown>>('GET', `/api/jobs/${id}`)).body;
    expect(job).toMatchObject({ title: 'legacy', state: 'PAUSED', progress_pattern: 'P:%one' });
  });
});
