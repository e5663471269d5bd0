import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, killAll, removeDir, runCoalition, startServerProcess, TEST_TOKENS, type ServerProc } from '../helpers/processes.ts';

let server: ServerProc;

beforeAll(async () => {
  server = await startServerProcess();
});

afterAll(async () => {
  await killAll();
  removeDir(server.dataDir);
});

const count = async () => (await api<unknown[]>(server.url, 'GET', '/api/jobs')).body.length;

describe('the old REST API', () => {
  it('PUT /api/jobs returns the new id as a bare number, GET returns the job with the documented fields', async () => {
    const res = await fetch(`${server.url}/api/jobs`, {
      method: 'PUT',
      headers: { Authorization: `Bearer ${TEST_TOKENS.admin}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ title: 'Job 1', command: 'echo test', dir: '.', environment: '', state: 'WAITING', retry: 10, timeout: 10000, priority: 1000, affinity: 'LINUX', user: 'render', url: 'http://localhost/image.png', progress_pattern: '#%percent' }),
    });
    const text = await res.text();
    expect(res.status).toBe(200);
    expect(text).toMatch(/^\d+$/);
    const job = (await api<Record<string, unknown>>(server.url, 'GET', `/api/jobs/${text}`)).body;
    for (const field of ['id', 'parent', 'title', 'command', 'dir', 'environment', 'state', 'worker', 'start_time', 'duration', 'ping_time', 'run_done', 'retry', 'timeout', 'priority', 'affinity', 'user', 'finished', 'errors', 'working', 'total', 'total_finished', 'total_errors', 'total_working', 'url', 'progress', 'progress_pattern']) {
      expect(job).toHaveProperty(field);
    }
    expect(job).toMatchObject({ title: 'Job 1', state: 'WAITING', affinity: 'LINUX', parent: 0 });
  });

  it('/json/addjob takes the old query and form fields, with parent by title path and env with literal \\n', async () => {
    const dept = (await api<number>(server.url, 'GET', '/json/addjob?title=departments')).body;
    const render = (await api<number>(server.url, 'GET', '/json/addjob?title=render&parent=departments')).body;
    const form = new URLSearchParams({ title: 'frame', cmd: 'echo toto', parent: 'departments|render', env: 'USER=me\\nPATH=/bin', priority: '1000', affinity: 'linux', retry: '10', dependencies: '', localprogress: 'None', globalprogress: '%percent' });
    const res = await fetch(`${server.url}/json/addjob`, { method: 'POST', headers: { Authorization: `Bearer ${TEST_TOKENS.admin}`, 'Content-Type': 'application/x-www-form-urlencoded' }, body: form });
    expect(res.status).toBe(200);
    const id = Number(await res.text());
    const job = (await api<Record<string, unknown>>(server.url, 'GET', `/api/jobs/${id}`)).body;
    expect(job).toMatchObject({ parent: render, environment: 'USER=me\\nPATH=/bin', progress_pattern: '%percent', command: 'echo toto' });
    const children = (await api<Array<{ id: number }>>(server.url, 'GET', `/api/jobs/${dept}/children`)).body;
    expect(children.map((c) => c.id)).toEqual([render]);
    const missing = await api<{ error: { message: string } }>(server.url, 'GET', '/json/addjob?title=x&cmd=true&parent=departments|comp');
    expect(missing.status).toBe(400);
    expect(missing.body.error.message).toContain('no job titled "comp"');
  });

  it('edits, dependencies, pause, start, reset and delete work on many jobs at once', async () => {
    const a = (await api<number>(server.url, 'PUT', '/api/jobs', { title: 'a', command: 'true' })).body;
    const b = (await api<number>(server.url, 'PUT', '/api/jobs', { title: 'b', command: 'true' })).body;
    expect((await api(server.url, 'POST', '/api/jobs', { [a]: { title: 'a2', priority: 5 }, [b]: { command: 'echo b' } })).body).toBe(1);
    expect((await api(server.url, 'POST', `/api/jobs/${b}/dependencies`, [a])).body).toBe(1);
    const deps = (await api<Array<{ id: number }>>(server.url, 'GET', `/api/jobs/${b}/dependencies`)).body;
    expect(deps.map((d) => d.id)).toEqual([a]);
    expect((await api<{ state: string }>(server.url, 'GET', `/api/jobs/${b}`)).body.state).toBe('PENDING');
    await api(server.url, 'POST', '/api/pausejobs', [a, b]);
    expect((await api<{ state: string; title: string }>(server.url, 'GET', `/api/jobs/${a}`)).body).toMatchObject({ state: 'PAUSED', title: 'a2' });
    await api(server.url, 'POST', '/api/startjobs', [a, b]);
    expect((await api<{ state: string }>(server.url, 'GET', `/api/jobs/${a}`)).body.state).toBe('WAITING');
    expect((await api<{ state: string }>(server.url, 'GET', `/api/jobs/${b}`)).body.state).toBe('PENDING');
    await api(server.url, 'POST', '/api/resetjobs', [a]);
    expect((await api(server.url, 'DELETE', '/api/jobs', [a, b])).body).toBe(1);
    expect((await api(server.url, 'GET', `/api/jobs/${a}`)).status).toBe(404);
    expect((await api<{ dependencies: number[] }>(server.url, 'GET', `/api/jobs/${b}`)).status).toBe(404);
  });

  it('takes a whole tree of 10,000 frames in one request', async () => {
    const frames = Array.from({ length: 10_000 }, (_, i) => ({ title: `frame ${i + 1}`, command: `render ${i + 1}` }));
    const res = await api<number>(server.url, 'PUT', '/api/jobs', { title: 'big render', children: frames });
    expect(res.status).toBe(200);
    const top = (await api<{ total: number; state: string }>(server.url, 'GET', `/api/jobs/${res.body}`)).body;
    expect(top).toMatchObject({ total: 10_000, state: 'WAITING' });
    const page = (await api<Array<{ title: string }>>(server.url, 'GET', `/api/jobs/${res.body}/children?offset=9998&limit=5`)).body;
    expect(page.map((j) => j.title)).toEqual(['frame 9999', 'frame 10000']);
    await api(server.url, 'DELETE', '/api/jobs', [res.body]);
  });
});

describe('bad input gets a 4xx naming the problem and stores nothing', () => {
  const cases: Array<[string, unknown, RegExp]> = [
    ['a wrong field type', { title: 'x', command: 'true', priority: 'high' }, /priority: must be an integer/],
    ['an unknown field', { title: 'x', command: 'true', colour: 'red' }, /unknown field\(s\) "colour"/],
    ['a missing command on a job that is not a group', { title: 'x', is_parent: false }, /command is required/],
    ['an unknown parent', { title: 'x', command: 'true', parent: 99999 }, /parent job 99999 does not exist/],
    ['an unknown dependency', { title: 'x', command: 'true', dependencies: [99999] }, /dependency 99999 does not exist/],
    ['a bad child deep in a tree', { title: 'tree', children: [{ title: 'ok', command: 'true' }, { title: 'bad', command: 'true', retry: -1 }] }, /children\[1\]: retry: must be ≥ 0/],
    ['a dependency cycle in a tree', { title: 't', children: [{ title: 'a', ref: 'a', command: 'x', dependencies: ['b'] }, { title: 'b', ref: 'b', command: 'x', dependencies: ['a'] }] }, /cycle/],
  ];
  for (const [what, body, message] of cases) {
    it(`refuses ${what}`, async () => {
      const before = await count();
      const res = await api<{ error: { code: string; message: string } }>(server.url, 'PUT', '/api/jobs', body);
      expect(res.status).toBe(400);
      expect(res.body.error.message).toMatch(message);
      expect(await count()).toBe(before);
    });
  }

  it('refuses malformed JSON and oversized bodies with JSON errors', async () => {
    const bad = await fetch(`${server.url}/api/jobs`, { method: 'PUT', headers: { Authorization: `Bearer ${TEST_TOKENS.admin}`, 'Content-Type': 'application/json' }, body: '{"title": "x",' });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { message: string } }).error.message).toMatch(/malformed JSON/);
    const huge = await fetch(`${server.url}/api/jobs`, { method: 'PUT', headers: { Authorization: `Bearer ${TEST_TOKENS.admin}`, 'Content-Type': 'application/json' }, body: JSON.stringify({ title: 'x', command: 'x'.repeat(70 * 1024 * 1024) }) });
    expect(huge.status).toBe(413);
    expect(((await huge.json()) as { error: { code: string } }).error.code).toBe('too_large');
  });

  it('refuses a cycle made by editing dependencies, keeping the old ones', async () => {
    const a = (await api<number>(server.url, 'PUT', '/api/jobs', { title: 'a', command: 'true' })).body;
    const b = (await api<number>(server.url, 'PUT', '/api/jobs', { title: 'b', command: 'true', dependencies: [a] })).body;
    const res = await api<{ error: { message: string } }>(server.url, 'POST', `/api/jobs/${a}/dependencies`, [b]);
    expect(res.status).toBe(400);
    expect(res.body.error.message).toMatch(/cycle/);
    expect((await api<{ dependencies: number[] }>(server.url, 'GET', `/api/jobs/${a}`)).body.dependencies).toEqual([]);
    await api(server.url, 'DELETE', '/api/jobs', [a, b]);
  });

  it('answers unknown jobs and endpoints with 404 JSON', async () => {
    expect((await api(server.url, 'GET', '/api/jobs/424242')).status).toBe(404);
    expect((await api(server.url, 'GET', '/api/nope')).status).toBe(404);
    expect((await api(server.url, 'POST', '/api/pausejobs', ['abc'])).status).toBe(400);
  });
});

describe('tokens', () => {
  it('needs a token on the API, lets the worker token reach only /workers/*, and serves the page without one', async () => {
    expect((await fetch(`${server.url}/api/jobs`)).status).toBe(401);
    expect((await api(server.url, 'GET', '/api/jobs', undefined, 'wrong-token')).status).toBe(401);
    expect((await api(server.url, 'GET', '/api/jobs', undefined, TEST_TOKENS.worker)).status).toBe(403);
    const picked = await api(server.url, 'POST', '/workers/pickjob', { name: 'tok-test', wait: 0 }, TEST_TOKENS.worker);
    expect(picked.status).toBe(200);
    expect((await api(server.url, 'POST', '/workers/pickjob', { name: 'tok-test', wait: 0 }, 'wrong-token')).status).toBe(401);
    const page = await fetch(`${server.url}/`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<title>Coalition</title>');
    await api(server.url, 'DELETE', '/api/workers', ['tok-test']);
  });
});

describe('workers and events', () => {
  it('lists, edits, stops, starts and deletes workers; a stopped worker gets no job', async () => {
    const job = (await api<number>(server.url, 'PUT', '/api/jobs', { title: 'w-test', command: 'true', affinity: 'wtest' })).body;
    await api(server.url, 'POST', '/workers/pickjob', { name: 'w-admin', affinity: 'wtest', wait: 0 }, TEST_TOKENS.worker).then(async (r) => {
      const picked = r.body as { job: { id: number } };
      expect(picked.job.id).toBe(job);
      await api(server.url, 'POST', '/workers/endjob', { name: 'w-admin', job: job, exit_code: 0 }, TEST_TOKENS.worker);
    });
    const workers = (await api<Array<{ name: string; finished: number; active: number }>>(server.url, 'GET', '/api/workers')).body;
    expect(workers.find((w) => w.name === 'w-admin')).toMatchObject({ finished: 1, active: 1 });
    await api(server.url, 'POST', '/api/stopworkers', ['w-admin']);
    await api(server.url, 'PUT', '/api/jobs', { title: 'w-test-2', command: 'true', affinity: 'wtest' });
    const none = (await api<{ job: unknown }>(server.url, 'POST', '/workers/pickjob', { name: 'w-admin', wait: 0 }, TEST_TOKENS.worker)).body;
    expect(none.job).toBeNull();
    await api(server.url, 'POST', '/api/startworkers', ['w-admin']);
    expect((await api(server.url, 'POST', '/api/workers', { 'w-admin': { affinity: 'GPU\nwtest', active: 1 } })).body).toBe(1);
    expect((await api(server.url, 'POST', '/api/workers', { 'w-admin': { colour: 'red' } })).status).toBe(400);
    const again = (await api<{ job: { title: string } | null }>(server.url, 'POST', '/workers/pickjob', { name: 'w-admin', wait: 0 }, TEST_TOKENS.worker)).body;
    expect(again.job?.title).toBe('w-test-2');
    const events = (await api<Array<{ job_id: number; worker: string; state: string }>>(server.url, 'GET', `/api/events?job=${job}&howlong=3600`)).body;
    expect(events).toEqual([expect.objectContaining({ job_id: job, worker: 'w-admin', state: 'FINISHED' })]);
    const affinities = (await api<string[]>(server.url, 'GET', '/api/affinities/used')).body;
    expect(affinities).toEqual(expect.arrayContaining(['GPU', 'LINUX', 'wtest']));
    expect((await api(server.url, 'DELETE', '/api/workers', ['w-admin'])).body).toBe(1);
  });
});

describe('live updates', () => {
  it('streams job changes as Server-Sent Events', async () => {
    const ctrl = new AbortController();
    const res = await fetch(`${server.url}/api/stream`, { headers: { Authorization: `Bearer ${TEST_TOKENS.admin}` }, signal: ctrl.signal });
    expect(res.headers.get('content-type')).toContain('text/event-stream');
    const reader = res.body!.getReader();
    let text = '';
    const id = (await api<number>(server.url, 'PUT', '/api/jobs', { title: 'streamed job', command: 'true' })).body;
    while (!text.includes('streamed job')) text += new TextDecoder().decode((await reader.read()).value);
    expect(text).toContain('event: jobs');
    expect(text).toContain(`"id":${id}`);
    ctrl.abort();
  });
});

describe('the CLI', () => {
  it('submits a job and lists it, like control.py did', async () => {
    const env = { COALITION_ADMIN_TOKEN: TEST_TOKENS.admin };
    const submit = runCoalition(['submit', '--server', server.url, '-t', 'cli job', '-c', 'echo hi', '-a', 'linux', '-r', '2'], env);
    expect(await submit.exited).toBe(0);
    const id = Number(submit.output().trim().split('\n').pop());
    expect(id).toBeGreaterThan(0);
    const list = runCoalition(['jobs', '--server', server.url], env);
    expect(await list.exited).toBe(0);
    expect(list.output()).toMatch(new RegExp(`${id}\\s+cli job\\s+WAITING`));
    const bad = runCoalition(['submit', '--server', server.url, '-t', 'urgent', '-c', 'true', '-p', 'high'], env);
    expect(await bad.exited).toBe(1);
    expect(bad.output()).toContain('priority: must be an integer');
    const group = runCoalition(['submit', '--server', server.url, '-t', 'a group'], env);
    expect(await group.exited).toBe(0);
    const made = (await api<{ is_parent: boolean }>(server.url, 'GET', `/api/jobs/${group.output().trim().split('\n').pop()}`)).body;
    expect(made.is_parent).toBe(true);
  });
});

describe('the session', () => {
  it('tells a page who it is, or refuses without a token so the page asks for one', async () => {
    expect((await api(server.url, 'GET', '/api/session')).body).toMatchObject({ role: 'admin', user: null, auth: 'token', via: 'admin-token' });
    const anonymous = await fetch(`${server.url}/api/session`);
    expect(anonymous.status).toBe(401);
    expect(await anonymous.json()).toMatchObject({ error: { code: 'auth' }, login: { password: false, ldap: false, csrfHeader: 'X-CSRF-Token' } });
  });
});
