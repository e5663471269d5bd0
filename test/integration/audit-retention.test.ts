/** The audit log (who did what, queryable by administrators, no secrets) and the retention settings. */
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_TOKENS } from '../helpers/processes.ts';
import { call, startTestFarm, type TestFarm } from '../helpers/access-fixtures.ts';

let farm: TestFarm;
let url: string;
const admin = (method: string, path: string, body?: unknown) => call(url, method, path, { token: TEST_TOKENS.admin, body });
type Page = { total: number; entries: Array<{ action: string; actor: { user: string | null; role: string; via: string }; target?: string; details?: Record<string, unknown>; outcome: number }> };

beforeAll(async () => {
  farm = await startTestFarm({ jobretentiondays: 7, logretentiondays: 3, eventretentiondays: 10 });
  url = farm.server.url;
});
afterAll(async () => {
  await farm.stop();
});

describe('the audit log', () => {
  it('records submissions, edits, deletions, worker changes, settings and refusals, with who did them', async () => {
    const id = (await call(url, 'PUT', '/api/jobs', { token: farm.tokens.alice, body: { title: 'a', command: 'echo s3cr3t-in-a-command' } })).body as number;
    await call(url, 'POST', '/api/jobs', { token: farm.tokens.alice, body: { [id]: { priority: 3, command: 'echo other-s3cr3t' } } });
    await call(url, 'POST', '/api/pausejobs', { token: farm.tokens.wendy, body: [id] });
    await call(url, 'POST', '/workers/pickjob', { token: TEST_TOKENS.worker, body: { name: 'w9', wait: 0, affinity: 'x' } });
    await call(url, 'POST', '/api/stopworkers', { token: farm.tokens.wendy, body: ['w9'] });
    await call(url, 'DELETE', '/api/jobs', { token: farm.tokens.bob, body: [id] }); // refused: not bob's
    await call(url, 'DELETE', '/api/jobs', { token: farm.tokens.alice, body: [id] });
    await admin('PUT', '/api/users', { name: 'newbie', role: 'artist', password: 'p4ssw0rd-never-logged' });
    await admin('POST', '/api/setup/aws/steps/credentials/plan', { input: { secretAccessKey: 'AKIA-s3cr3t' } });
    await admin('POST', '/api/setup/aws/teardown', {});
    const page = (await admin('GET', '/api/audit?limit=50')).body as Page;
    const lines = page.entries.map((e) => `${e.actor.user ?? e.actor.via} ${e.action} ${e.target ?? ''} ${e.outcome}`);
    expect(lines).toEqual(
      expect.arrayContaining([
        `alice job.submit ${id} 200`,
        `alice job.edit ${id} 200`,
        `wendy job.pause ${id} 200`,
        'wendy worker.stop w9 200',
        `bob job.delete ${id} 403`,
        `alice job.delete ${id} 200`,
        'admin-token user.create newbie 200',
        'admin-token setup.teardown aws 400',
      ]),
    );
    expect(page.entries.find((e) => e.action === 'job.edit')?.details).toEqual({ fields: ['priority', 'command'] });
    expect(page.entries.find((e) => e.action === 'setup.plan')).toMatchObject({ target: 'aws/credentials', details: { fields: ['secretAccessKey'] } });
    const all = JSON.stringify(farm.server.audit.query({ limit: 10_000 }));
    for (const secret of ['s3cr3t', 'p4ssw0rd', farm.tokens.alice, TEST_TOKENS.admin]) expect(all).not.toContain(secret);
  });

  it('filters by user, action prefix and time, newest first', async () => {
    const mine = (await admin('GET', '/api/audit?user=alice&action=job.')).body as Page;
    expect(mine.entries.length).toBeGreaterThanOrEqual(3);
    expect(mine.entries.every((e) => e.actor.user === 'alice' && e.action.startsWith('job.'))).toBe(true);
    expect(mine.entries[0].action).toBe('job.delete');
    const future = (await admin('GET', `/api/audit?since=${new Date(farm.clock.now() + 60_000).toISOString()}`)).body as Page;
    expect(future.total).toBe(0);
    expect((await admin('GET', '/api/audit?since=yesterday')).status).toBe(400);
    expect((await admin('GET', '/api/audit?limit=-1')).status).toBe(400);
  });
});

describe('retention', () => {
  it('deletes trees finished more than jobretentiondays ago, logs past logretentiondays, and old runs', async () => {
    const proto = (route: string, body: unknown) => call(url, 'POST', `/workers/${route}`, { token: TEST_TOKENS.worker, body });
    const old = (await admin('PUT', '/api/jobs', { title: 'old', children: [{ title: 'o1', command: 'true' }] })).body as number;
    const job = ((await proto('pickjob', { name: 'r1', wait: 0 })).body as { job: { id: number } }).job;
    await proto('endjob', { name: 'r1', job: job.id, exit_code: 0, log: 'the old log\n' });
    const logFile = farm.server.farm.logs.pathOf(job.id);
    expect(existsSync(logFile)).toBe(true);
    const fresh = (await admin('PUT', '/api/jobs', { title: 'waiting', command: 'true' })).body as number;

    farm.clock.advance(4 * 86_400_000);
    let done = await farm.server.ops.retention.run();
    expect(done.trees).toEqual([]);
    expect(existsSync(logFile)).toBe(false); // 4 days > logretentiondays (3): the log went, the job stays
    expect(farm.server.farm.tree.get(old)).toBeDefined();

    farm.clock.advance(4 * 86_400_000);
    done = await farm.server.ops.retention.run();
    expect(done.trees).toEqual([old]);
    expect(farm.server.farm.tree.get(old)).toBeUndefined();
    expect(farm.server.farm.tree.get(fresh)).toBeDefined(); // unfinished trees are never deleted
    expect((await admin('GET', `/api/audit?action=job.delete&target=${old}`)).body).toMatchObject({ entries: [{ actor: { via: 'retention' } }] });

    farm.clock.advance(3 * 86_400_000);
    done = await farm.server.ops.retention.run();
    expect(done.events).toBeGreaterThan(0);
    expect(farm.server.farm.events.query({ job: job.id }, farm.server.farm.nowSeconds())).toEqual([]);
  });
});
