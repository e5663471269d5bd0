/**
 * A refused request changes nothing, in memory and on disk: submissions, edit batches, children
 * under a job that has a command, trees nested too deep, and the documented limits.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { startTestServer, workerCall, type TestServer } from '../helpers/test-server.ts';

let s: TestServer | undefined;
afterEach(async () => {
  await s?.stop();
  s = undefined;
});

type Err = { error: { code: string; message: string } };
const put = async (srv: TestServer, job: unknown) => (await srv.call<number>('PUT', '/api/jobs', job)).body;
const get = async (srv: TestServer, id: number) => (await srv.call<Record<string, unknown>>('GET', `/api/jobs/${id}`)).body;

/** Every job as the API shows it, to compare before and after a refusal (and a restart). */
async function snapshot(srv: TestServer): Promise<unknown[]> {
  const out: unknown[] = [];
  const walk = async (parent: number) => {
    for (const job of (await srv.call<Array<{ id: number }>>('GET', `/api/jobs/${parent}/children`)).body) {
      out.push(job);
      await walk(job.id);
    }
  };
  await walk(0);
  return out;
}

/** Restarts the server on the same data dir. */
async function restart(srv: TestServer): Promise<TestServer> {
  await srv.close();
  return startTestServer({ data: srv.dataDir });
}

describe('children only under groups', () => {
  it('refuses a child under a job that has a command; the queue never hands out a group', async () => {
    s = await startTestServer();
    const a = await put(s, { title: 'A', command: 'echo A' });
    const b = await put(s, { title: 'B', command: 'echo B', dependencies: [a] });
    const before = await snapshot(s);
    const res = await s.call<Err>('PUT', '/api/jobs', { title: 'C', command: 'echo C', parent: a });
    expect(res.status).toBe(400);
    expect(res.body.error.message).toMatch(/job 1 has a command.*cannot have children/);
    expect(await snapshot(s)).toEqual(before);
    const picked = await workerCall<{ job: { id: number; command: string } }>(s.url, 'pickjob', { name: 'w', wait: 0 });
    expect(picked.body.job).toMatchObject({ id: a, command: 'echo A' });
    expect((await get(s, b)).state).toBe('PENDING');
  });

  it('a refused submission leaves its would-be parent untouched, also after a restart', async () => {
    s = await startTestServer();
    const p = await put(s, { title: 'p', command: 'true' });
    const before = await snapshot(s);
    const res = await s.call<Err>('PUT', '/api/jobs', { title: 'kid', command: 'true', parent: p, dependencies: [p] });
    expect(res.status).toBe(400);
    expect(await snapshot(s)).toEqual(before);
    s = await restart(s);
    expect(await get(s, p)).toMatchObject({ is_parent: false, state: 'WAITING', total: 0 });
  });

  it('refuses a cycle between a new job and its group; nothing is created', async () => {
    s = await startTestServer();
    const g = await put(s, { title: 'g', is_parent: true });
    const before = await snapshot(s);
    const res = await s.call<Err>('PUT', '/api/jobs', { title: 'kid', command: 'true', parent: g, dependencies: [g] });
    expect(res.status).toBe(400);
    expect(res.body.error.message).toMatch(/cycle/);
    expect(await snapshot(s)).toEqual(before);
  });
});

describe('a refused edit batch changes nothing', () => {
  const cases: Array<[string, (a: number, b: number) => Record<string, unknown>, RegExp, number?]> = [
    ['an unknown job in the batch', (a) => ({ [a]: { title: 'CHANGED' }, 999999: { title: 'x' } }), /job 999999 does not exist/, 404],
    ['a bad dependency further in the batch', (a, b) => ({ [a]: { title: 'CHANGED' }, [b]: { dependencies: [999999] } }), /dependency 999999 does not exist/],
    ['a cycle across the batch', (a, b) => ({ [a]: { dependencies: [b] }, [b]: { dependencies: [a] } }), /cycle/],
    ['a move under a job that has a command', (a, b) => ({ [a]: { title: 'CHANGED' }, [b]: { parent: a } }), /has a command/],
    ['a bad state after a good one', (a, b) => ({ [a]: { state: 'PAUSED' }, [b]: { state: 'WORKING' } }), /state/],
  ];
  for (const [what, body, message, status] of cases) {
    it(`refuses ${what}`, async () => {
      s = await startTestServer();
      const a = await put(s, { title: 'A', command: 'true' });
      const b = await put(s, { title: 'B', command: 'true' });
      const before = await snapshot(s);
      const res = await s.call<Err>('POST', '/api/jobs', body(a, b));
      expect(res.status).toBe(status ?? 400);
      expect(res.body.error.message).toMatch(message);
      expect(await snapshot(s)).toEqual(before);
      s = await restart(s);
      expect(await snapshot(s)).toEqual(before);
    });
  }

  it('refuses moving a group under its own child', async () => {
    s = await startTestServer();
    const g = await put(s, { title: 'g', children: [{ title: 'sub', is_parent: true }] });
    const sub = (await s.call<Array<{ id: number }>>('GET', `/api/jobs/${g}/children`)).body[0].id;
    const before = await snapshot(s);
    const res = await s.call<Err>('POST', '/api/jobs', { [g]: { parent: sub } });
    expect(res.status).toBe(400);
    expect(res.body.error.message).toMatch(/inside itself/);
    expect(await snapshot(s)).toEqual(before);
  });
});

describe('deep trees and limits', () => {
  /** The JSON text of a chain `depth` groups deep (built as text: JSON.stringify itself would overflow). */
  const nested = (depth: number) => '{"title":"g","children":['.repeat(depth) + '{"title":"leaf","command":"true"}' + ']}'.repeat(depth);
  const send = (method: string, path: string, body: string) =>
    fetch(s!.url + path, { method, headers: { Authorization: `Bearer ${s!.tokens!.admin}`, 'Content-Type': 'application/json' }, body });

  it('refuses a tree nested thousands of levels deep with a 400 naming the limit', async () => {
    s = await startTestServer();
    for (const [method, path] of [['PUT', '/api/jobs'], ['POST', '/json/addjob']]) {
      for (const depth of [5_000, 50_000]) {
        const res = await send(method, path, nested(depth));
        expect(res.status, `${method} ${path} ${depth}`).toBe(400);
        expect(((await res.json()) as Err).error.message).toMatch(/nested more than 100 levels/);
      }
    }
    expect(await snapshot(s)).toEqual([]);
    expect((await send('PUT', '/api/jobs', nested(100))).status).toBe(200);
    expect((await send('PUT', '/api/jobs', nested(101))).status).toBe(400);
  });

  it('refuses a string past its limit with a 400 naming the field and the limit', async () => {
    s = await startTestServer();
    const res = await s.call<Err>('PUT', '/api/jobs', { title: 't'.repeat(1001), command: 'true' });
    expect(res.status).toBe(400);
    expect(res.body.error.message).toMatch(/title: is too long \(1,000 characters at most\)/);
    const cmd = await s.call<Err>('PUT', '/api/jobs', { title: 't', command: 'x'.repeat(100_001) });
    expect(cmd.body.error.message).toMatch(/command: is too long \(100,000 characters at most\)/);
    expect(await snapshot(s)).toEqual([]);
  });

  it('refuses a submission of more jobs than the limit, naming it', async () => {
    s = await startTestServer();
    const frames = Array.from({ length: 100_001 }, (_, i) => ({ title: `f${i}`, command: 'true' }));
    const res = await s.call<Err>('PUT', '/api/jobs', { title: 'too many', children: frames });
    expect(res.status).toBe(413);
    expect(res.body.error.message).toMatch(/more than 100,000 jobs \(100,000 jobs at most in one request/);
    expect(await snapshot(s)).toEqual([]);
  });
});
