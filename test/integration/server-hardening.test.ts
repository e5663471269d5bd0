/**
 * Requests that used to crash the server or corrupt the farm (issue 7), against a real server
 * process: each must get a 4xx naming the problem, change nothing, and leave the server serving.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, killAll, removeDir, runCoalition, startServerProcess, tempDir, TEST_TOKENS, type ServerProc } from '../helpers/processes.ts';

let server: ServerProc;
let exited = false;

beforeAll(async () => {
  server = await startServerProcess();
  void server.exited.then(() => (exited = true));
});

afterAll(async () => {
  await killAll();
  removeDir(server.dataDir);
});

type ErrorBody = { error: { code: string; message: string } };

async function raw(method: string, path: string, body: string | undefined, token = TEST_TOKENS.admin, type = 'application/json'): Promise<{ status: number; text: string }> {
  const res = await fetch(server.url + path, { method, headers: { Authorization: `Bearer ${token}`, 'Content-Type': type }, body });
  return { status: res.status, text: await res.text() };
}

async function stillServing(): Promise<void> {
  expect(exited).toBe(false);
  expect((await api(server.url, 'GET', '/api/session')).status).toBe(200);
}

describe('no route lookup reaches a prototype', () => {
  const inherited = ['constructor', 'toString', 'valueOf', 'hasOwnProperty', '__proto__', '__defineGetter__', 'isPrototypeOf'];
  for (const name of inherited) {
    it(`POST /workers/${name} is a 404 and the server keeps serving`, async () => {
      const res = await raw('POST', `/workers/${name}`, JSON.stringify({ name: 'w' }), TEST_TOKENS.worker);
      expect(res.status).toBe(404);
      expect((JSON.parse(res.text) as ErrorBody).error.message).toContain('no such endpoint');
      await stillServing();
    });
  }

  it('a "__proto__" field is refused by its name (it used to read as "[object Object]")', async () => {
    const before = (await api<unknown[]>(server.url, 'GET', '/api/jobs')).body.length;
    const res = await raw('PUT', '/api/jobs', '{"title": "smuggled", "__proto__": {"command": "echo pwned"}}');
    expect(res.status).toBe(400);
    expect(res.text).toContain('__proto__');
    expect((await api<unknown[]>(server.url, 'GET', '/api/jobs')).body.length).toBe(before);
  });
});

describe('ids', () => {
  it('deeply nested arrays as ids or dependencies are a 400, not a stack overflow', async () => {
    const deep = '['.repeat(50_000) + '1' + ']'.repeat(50_000);
    for (const [method, path] of [['DELETE', '/api/jobs'], ['POST', '/api/pausejobs'], ['POST', '/api/resetjobs']] as const) {
      const res = await raw(method, path, `[${deep}]`);
      expect(res.status, `${method} ${path}`).toBe(400);
      expect((JSON.parse(res.text) as ErrorBody).error.message).toMatch(/not a job id/);
    }
    const id = (await api<number>(server.url, 'PUT', '/api/jobs', { title: 'dep target', command: 'true' })).body;
    const res = await raw('POST', `/api/jobs/${id}/dependencies`, `[${deep}]`);
    expect(res.status).toBe(400);
    await stillServing();
  });

  it('huge, fractional and negative ids are refused with the range named', async () => {
    for (const bad of ['1e300', '9007199254740993', '1.5', '-3', '0']) {
      const res = await raw('DELETE', '/api/jobs', `[${bad}]`);
      expect(res.status, bad).toBe(400);
      expect((JSON.parse(res.text) as ErrorBody).error.message).toMatch(/job ids are whole numbers from 1 to 9007199254740991/);
    }
    const path = await raw('GET', '/api/jobs/99999999999999999999999', undefined);
    expect(path.status).toBe(400);
    expect(path.text).toMatch(/whole numbers from 1 to/);
  });

  it('an enormous worker name in a list is refused by length, not echoed back', async () => {
    const res = await raw('POST', '/api/stopworkers', JSON.stringify(['w'.repeat(1_000_000)]));
    expect(res.status).toBe(400);
    expect(res.text.length).toBeLessThan(1000);
  });
});

describe('body sizes', () => {
  it('the worker protocol refuses a body over its limit with a 413 naming it, without reading it all', async () => {
    const res = await raw('POST', '/workers/heartbeat', JSON.stringify({ name: 'big', job: 1, log: 'x'.repeat(5 * 1024 * 1024) }), TEST_TOKENS.worker);
    expect(res.status).toBe(413);
    expect((JSON.parse(res.text) as ErrorBody).error.message).toMatch(/larger than the limit of 4194304 bytes/);
    await stillServing();
  });

  it('a heartbeat log chunk over its limit is refused with a 4xx naming the limit', async () => {
    const res = await raw('POST', '/workers/heartbeat', JSON.stringify({ name: 'big', job: 1, log: 'é'.repeat(1_000_001) }), TEST_TOKENS.worker);
    expect(res.status).toBe(400);
    expect((JSON.parse(res.text) as ErrorBody).error.message).toMatch(/log: .*1000000 characters/);
  });

  it('heartbeat numbers and lists have bounds', async () => {
    const cpu = await raw('POST', '/workers/pickjob', JSON.stringify({ name: 'loads', wait: 0, cpu: Array.from({ length: 5000 }, () => 1) }), TEST_TOKENS.worker);
    expect(cpu.status).toBe(400);
    expect(cpu.text).toMatch(/cpu: .*4096/);
    const inf = await raw('POST', '/workers/pickjob', '{"name": "loads", "wait": 0, "free_memory": 1e999}', TEST_TOKENS.worker);
    expect(inf.status).toBe(400);
    const workers = (await api<Array<{ name: string }>>(server.url, 'GET', '/api/workers')).body;
    expect(workers.map((w) => w.name)).not.toContain('loads');
  });
});

describe('job timeouts', () => {
  it('accepts a timeout of 30 days and refuses an absurd one with the limit named', async () => {
    const ok = await api<number>(server.url, 'PUT', '/api/jobs', { title: 'long render', command: 'true', timeout: 30 * 86400 });
    expect(ok.status).toBe(200);
    expect((await api<{ timeout: number }>(server.url, 'GET', `/api/jobs/${ok.body}`)).body.timeout).toBe(30 * 86400);
    const bad = await api<ErrorBody>(server.url, 'PUT', '/api/jobs', { title: 'forever', command: 'true', timeout: 1e12 });
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toMatch(/timeout: must be at most 31536000 seconds/);
  });
});

describe('the event stream', () => {
  it('HEAD /api/stream answers at once with the stream headers', async () => {
    const res = await fetch(`${server.url}/api/stream`, { method: 'HEAD', headers: { Authorization: `Bearer ${TEST_TOKENS.admin}` }, signal: AbortSignal.timeout(5_000) });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/event-stream');
  });
});

describe('job ids are never reused', () => {
  it('deleting the newest job and restarting does not hand its id (or its history and log) to the next job', async () => {
    const earlier = (await api<Array<{ id: number }>>(server.url, 'GET', '/api/jobs')).body.map((j) => j.id);
    if (earlier.length) await api(server.url, 'DELETE', '/api/jobs', earlier);
    const first = (await api<number>(server.url, 'PUT', '/api/jobs', { title: 'kept', command: 'true', state: 'PAUSED' })).body;
    const newest = (await api<number>(server.url, 'PUT', '/api/jobs', { title: 'deleted', command: 'echo old log', affinity: 'reuse-test' })).body;
    const picked = await api<{ job: { id: number } }>(server.url, 'POST', '/workers/pickjob', { name: 'reuse-w', affinity: 'reuse-test', wait: 0 }, TEST_TOKENS.worker);
    expect(picked.body.job.id).toBe(newest);
    await api(server.url, 'POST', '/workers/endjob', { name: 'reuse-w', job: newest, exit_code: 0, log: 'the old log\n' }, TEST_TOKENS.worker);
    expect((await api(server.url, 'DELETE', '/api/jobs', [newest])).status).toBe(200);

    await server.kill('SIGTERM');
    const port = server.port;
    server = await startServerProcess({ port, dataDir: server.dataDir });
    exited = false;
    void server.exited.then(() => (exited = true));

    const next = (await api<number>(server.url, 'PUT', '/api/jobs', { title: 'next', command: 'true' })).body;
    expect(next).toBeGreaterThan(newest);
    expect(first).toBeLessThan(newest);
    expect((await api<unknown[]>(server.url, 'GET', `/api/events?job=${next}`)).body).toEqual([]);
    expect((await api<string>(server.url, 'GET', `/api/jobs/${next}/log`)).body).toBe('');
  });
});

describe('starting a second server on a port in use', () => {
  it('exits with a message naming the port, not a stack trace, and leaves the first one serving', async () => {
    const data = tempDir();
    try {
      const second = runCoalition(['server', '--host', '127.0.0.1', '--port', String(server.port), '--data', data], { COALITION_SERVERMODE: 'normal' });
      expect(await second.exited).toBe(2);
      expect(second.output()).toContain(`port ${server.port} on 127.0.0.1 is already in use`);
      expect(second.output()).not.toMatch(/\n\s+at /);
      await stillServing();
    } finally {
      removeDir(data);
    }
  });
});
