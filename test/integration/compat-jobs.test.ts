/**
 * What the old Python client (api/coalition.py) and its scripts send, against a real server:
 * the job fields, groups without a command, `with conn:` edits, children of 0, dependencies.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/test-server.ts';

let s: TestServer;
beforeAll(async () => {
  s = await startTestServer();
});
afterAll(async () => s.stop());

type JobView = Record<string, unknown> & { id: number; state: string; parent: number; is_parent: boolean; paused: boolean };
const put = async (job: Record<string, unknown>) => {
  const res = await s.call<number>('PUT', '/api/jobs', job);
  if (res.status !== 200) throw new Error(`PUT answered ${res.status}: ${JSON.stringify(res.body)}`);
  return res.body;
};
const get = async (id: number) => (await s.call<JobView>('GET', `/api/jobs/${id}`)).body;

/** What `Connection.newJob(...)` sends: every argument of the old signature, always. */
const newJob = (fields: Record<string, unknown>) =>
  put({ parent: 0, title: '', command: '', dir: '', environment: '', state: 'WAITING', paused: false, priority: 1000, timeout: 0, affinity: '', user: '', progress_pattern: '', dependencies: [], ...fields });

describe('newJob() of the old client', () => {
  it('sends paused (false, or true as an alias of state PAUSED) and reads it back', async () => {
    const running = await newJob({ title: 'a', command: 'true' });
    expect(await get(running)).toMatchObject({ state: 'WAITING', paused: false });
    const held = await newJob({ title: 'b', command: 'true', paused: true });
    expect(await get(held)).toMatchObject({ state: 'PAUSED', paused: true });
    const byState = await newJob({ title: 'c', command: 'true', state: 'PAUSED' });
    expect(await get(byState)).toMatchObject({ state: 'PAUSED', paused: true });
  });

  it('makes a group of a job with an empty command (the old way to make a parent node)', async () => {
    const parent = await newJob({ title: 'parent' });
    const child = await newJob({ title: 'child', command: 'echo hi', parent });
    expect(await get(parent)).toMatchObject({ is_parent: true, total: 1 });
    expect((await get(child)).parent).toBe(parent);
  });

  it('accepts a job object sent back as the old server returned it, read-only fields ignored', async () => {
    const id = await newJob({ title: 'echoed', command: 'true' });
    const back = { ...(await get(id)), h_paused: 0, h_depth: 1, h_priority: 72057594037927936, h_affinity: 0, affinity_bits: 0 };
    const { id: _id, ...copy } = back;
    const again = await put({ ...copy, title: 'copy' });
    expect(await get(again)).toMatchObject({ title: 'copy', command: 'true', state: 'WAITING' });
    expect((await s.call('POST', '/api/jobs', { [id]: { ...back, title: 'renamed' } })).status).toBe(200);
    expect((await get(id)).title).toBe('renamed');
  });
});

describe('edits in `with conn:` (POST /api/jobs)', () => {
  it('state WAITING starts a paused job (PENDING while its dependencies run), PAUSED pauses it', async () => {
    const dep = await newJob({ title: 'dep', command: 'true', state: 'PAUSED' });
    const job = await newJob({ title: 'job', command: 'true', state: 'PAUSED', dependencies: [dep] });
    expect((await s.call('POST', '/api/jobs', { [job]: { state: 'WAITING' } })).body).toBe(1);
    expect((await get(job)).state).toBe('PENDING');
    await s.call('POST', '/api/jobs', { [dep]: { state: 'WAITING' } });
    expect((await get(dep)).state).toBe('WAITING');
    await s.call('POST', '/api/jobs', { [dep]: { state: 'PAUSED' } });
    expect(await get(dep)).toMatchObject({ state: 'PAUSED', paused: true });
  });

  it('paused true / false pause and start, and the other states the old server took set the state', async () => {
    const a = await newJob({ title: 'a', command: 'true' });
    await s.call('POST', '/api/jobs', { [a]: { paused: true } });
    expect((await get(a)).state).toBe('PAUSED');
    await s.call('POST', '/api/jobs', { [a]: { paused: false } });
    expect((await get(a)).state).toBe('WAITING');
    const b = await newJob({ title: 'b', command: 'true', dependencies: [a] });
    await s.call('POST', '/api/jobs', { [a]: { state: 'FINISHED' } });
    expect((await get(a)).state).toBe('FINISHED');
    expect((await get(b)).state).toBe('WAITING');
    await s.call('POST', '/api/jobs', { [a]: { state: 'ERROR' } });
    expect((await get(a)).state).toBe('ERROR');
    expect((await get(b)).state).toBe('PENDING');
  });

  it('parent moves a job, with the counters of both groups following', async () => {
    const from = await newJob({ title: 'from' });
    const to = await newJob({ title: 'to' });
    const kid = await newJob({ title: 'kid', command: 'true', parent: from });
    await newJob({ title: 'stays', command: 'true', parent: from });
    expect((await s.call('POST', '/api/jobs', { [kid]: { parent: to } })).status).toBe(200);
    expect((await get(kid)).parent).toBe(to);
    expect(await get(from)).toMatchObject({ total: 1 });
    expect(await get(to)).toMatchObject({ total: 1, state: 'WAITING' });
    const children = (await s.call<JobView[]>('GET', `/api/jobs/${to}/children`)).body;
    expect(children.map((c) => c.id)).toEqual([kid]);
  });

  it('a refused field refuses the whole block and changes nothing', async () => {
    const a = await newJob({ title: 'a', command: 'true' });
    const b = await newJob({ title: 'b', command: 'true' });
    const res = await s.call<{ error: { message: string } }>('POST', '/api/jobs', { [a]: { title: 'CHANGED', state: 'PAUSED' }, [b]: { state: 'DANCING' } });
    expect(res.status).toBe(400);
    expect(res.body.error.message).toMatch(/state/);
    expect(await get(a)).toMatchObject({ title: 'a', state: 'WAITING' });
  });
});

describe('children of 0, dependencies', () => {
  it('GET /api/jobs/0/children lists the root jobs (getJobChildren(0))', async () => {
    const id = await newJob({ title: 'at the root', command: 'true' });
    const roots = (await s.call<JobView[]>('GET', '/api/jobs/0/children')).body;
    expect(roots.map((j) => j.id)).toContain(id);
    expect(roots.every((j) => j.parent === 0)).toBe(true);
  });

  it('setJobDependencies(id, []) arrives with no body and clears them', async () => {
    const a = await newJob({ title: 'a', command: 'true' });
    const b = await newJob({ title: 'b', command: 'true', dependencies: [a] });
    expect((await get(b)).state).toBe('PENDING');
    // The old client drops an empty list: json.dumps is skipped when `params` is falsy.
    const res = await fetch(`${s.url}/api/jobs/${b}/dependencies`, { method: 'POST', headers: { Authorization: `Bearer ${s.tokens!.admin}`, 'Content-Type': 'application/json' } });
    expect(res.status).toBe(200);
    expect(await get(b)).toMatchObject({ dependencies: [], state: 'WAITING' });
  });
});

describe('affinities', () => {
  it('POST /api/affinities {"1": "linux", …} names the affinity slots; GET returns them all, 1 to 63', async () => {
    const slots: Record<string, string> = {};
    for (let i = 1; i <= 64; i++) slots[String(i)] = '';
    Object.assign(slots, { 1: 'linux', 2: 'win', 3: 'windows project' });
    expect((await s.call('POST', '/api/affinities', slots)).body).toBe(1);
    const got = (await s.call<Record<string, string>>('GET', '/api/affinities')).body;
    expect(Object.keys(got)).toHaveLength(63);
    expect(got).toMatchObject({ 1: 'linux', 2: 'win', 3: 'windows project', 4: '', 63: '' });
    expect((await s.call('POST', '/api/affinities', { 1: 42 })).status).toBe(400);
    expect((await s.call('POST', '/api/affinities', { linux: '1' })).status).toBe(400);
    // Ids past 63 are ignored, as the old server did (its client's own test sends 1 to 64).
    expect((await s.call('POST', '/api/affinities', { 99: 'gpu' })).status).toBe(200);
    expect((await s.call<Record<string, string>>('GET', '/api/affinities')).body[1]).toBe('linux');
  });
});
