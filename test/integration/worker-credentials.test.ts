/** A worker credential reaches only its own worker's jobs; a deleted worker's own token stops working. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_TOKENS } from '../helpers/processes.ts';
import { call, startTestFarm, type TestFarm } from '../helpers/access-fixtures.ts';

let farm: TestFarm;
let url: string;
const admin = (method: string, path: string, body?: unknown) => call(url, method, path, { token: TEST_TOKENS.admin, body });
const proto = (route: string, body: unknown, token = TEST_TOKENS.worker) => call(url, 'POST', `/workers/${route}`, { token, body });

beforeAll(async () => {
  farm = await startTestFarm();
  url = farm.server.url;
});
afterAll(async () => {
  await farm.stop();
});

describe('worker credentials', () => {
  it("refuses a heartbeat or an end for another worker's job, and changes nothing", async () => {
    const id = (await admin('PUT', '/api/jobs', { title: 'w1 job', command: 'true' })).body as number;
    const picked = await proto('pickjob', { name: 'w1', wait: 0 });
    expect((picked.body as { job: { id: number } }).job.id).toBe(id);
    const before = JSON.stringify([farm.server.farm.tree.get(id), farm.server.farm.workers.list()]);
    const beat = await proto('heartbeat', { name: 'w2', job: id, log: 'forged progress 100%' });
    expect(beat.status).toBe(409);
    expect((beat.body as { error: { message: string } }).error.message).toContain('assigned to worker "w1", not "w2"');
    const end = await proto('endjob', { name: 'w2', job: id, exit_code: 0, log: 'forged end' });
    expect(end.status).toBe(409);
    expect(JSON.stringify([farm.server.farm.tree.get(id), farm.server.farm.workers.list()])).toBe(before);
    expect((await admin('GET', `/api/jobs/${id}/log`)).body).toBe('');
    expect(await proto('endjob', { name: 'w1', job: id, exit_code: 0, log: 'done' })).toMatchObject({ status: 200 });
    expect((await admin('GET', `/api/jobs/${id}`)).body).toMatchObject({ state: 'FINISHED' });
  });

  it("a worker's own token works only under its name and slots, and stops working when the worker is deleted", async () => {
    const issued = await admin('POST', '/api/workers/render-01/token');
    expect(issued.status).toBe(200);
    const token = (issued.body as { token: string }).token;
    expect(JSON.stringify(farm.server.audit.query({ action: 'worker.token' }))).not.toContain(token);
    const other = await proto('pickjob', { name: 'render-02', wait: 0 }, token);
    expect(other.status).toBe(403);
    expect(farm.server.farm.workers.get('render-02')).toBeUndefined();
    expect((await proto('pickjob', { name: 'render-01-1', wait: 0 }, token)).status).toBe(200);
    expect((await call(url, 'GET', '/api/jobs', { token })).status).toBe(403);
    expect((await admin('DELETE', '/api/workers', ['render-01-1'])).status).toBe(200);
    const after = await proto('pickjob', { name: 'render-01-1', wait: 0 }, token);
    expect(after.status).toBe(401);
  });

  it('with sharedworkertoken = false only per-worker tokens reach the worker protocol', async () => {
    const strict = await startTestFarm({ sharedworkertoken: false });
    try {
      const shared = await call(strict.server.url, 'POST', '/workers/pickjob', { token: TEST_TOKENS.worker, body: { name: 'x', wait: 0 } });
      expect(shared.status).toBe(401);
      expect((shared.body as { error: { message: string } }).error.message).toContain('sharedworkertoken = false');
      const own = ((await call(strict.server.url, 'POST', '/api/workers/x/token', { token: TEST_TOKENS.admin })).body as { token: string }).token;
      expect((await call(strict.server.url, 'POST', '/workers/pickjob', { token: own, body: { name: 'x', wait: 0 } })).status).toBe(200);
    } finally {
      await strict.stop();
    }
  });
});
