/**
 * The auth matrix: every route × no credential, the worker token, an artist acting on another
 * user's jobs, a viewer, a wrangler and the admin token. Refused requests answer 401/403 and
 * change nothing (jobs, workers, users, cloud settings compared before and after).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_TOKENS } from '../helpers/processes.ts';
import { call, startTestFarm, type TestFarm } from '../helpers/access-fixtures.ts';

let farm: TestFarm;
let url: string;
const ids = { bobJob: 0, bobGroup: 0 };
let counter = 0;

const WHO = ['none', 'worker', 'artist', 'viewer', 'wrangler', 'admin'] as const;
type Who = (typeof WHO)[number];
const tokenOf = (who: Who): string | undefined =>
  ({ none: undefined, worker: TEST_TOKENS.worker, artist: farm.tokens.alice, viewer: farm.tokens.vera, wrangler: farm.tokens.wendy, admin: TEST_TOKENS.admin })[who];

const admin = (method: string, path: string, body?: unknown) => call(url, method, path, { token: TEST_TOKENS.admin, body });
const freshBobJob = async () => (await call(url, 'PUT', '/api/jobs', { token: farm.tokens.bob, body: { title: `bob-${++counter}`, command: 'sleep 100' } })).body as number;
const freshWorker = async () => {
  const name = `w-${++counter}`;
  await call(url, 'POST', '/workers/pickjob', { token: TEST_TOKENS.worker, body: { name, wait: 0, affinity: 'none-such' } });
  return name;
};

interface Case {
  what: string;
  method: string;
  /** Path and body, made fresh for each caller (a delete needs something to delete; `who` for what is the caller's own). */
  make: (who: Who) => Promise<{ path: string; body?: unknown; form?: string }> | { path: string; body?: unknown; form?: string };
  /** Status for none, worker, artist (on bob's jobs), viewer, wrangler, admin: a number, or "ok" for any 2xx. */
  expect: string;
}

const c = (what: string, method: string, make: Case['make'], expect: string): Case => ({ what, method, make, expect });
/** The account behind each caller's credential (the admin and worker tokens have none: alice stands in). */
const accountOf = (who: Who) => ({ artist: 'alice', viewer: 'vera', wrangler: 'wendy' }[who as string] ?? 'alice');
/** A job of the caller's account (made by the admin token, which keeps the `user` it is given). */
const jobOf = async (who: Who) => (await admin('PUT', '/api/jobs', { title: `own-${++counter}`, command: 'sleep 100', user: accountOf(who) })).body as number;
/** A group of the caller's account that an administrator filled with one of bob's jobs. */
const groupWithBobsJob = async (who: Who) => (await admin('PUT', '/api/jobs', { title: `mixed-${++counter}`, user: accountOf(who), children: [{ title: 'bob inside', command: 'sleep 100', user: 'bob' }] })).body as number;
const encoded = (id: number) => [...String(id)].map((d) => `%3${d}`).join('');
const tokenIdOf = async (name: string) => (await farm.server.access.users.issueToken(name, `matrix-${++counter}`)).id;
const READ = '401 403 ok ok ok ok';

const CASES: Case[] = [
  c('list jobs', 'GET', () => ({ path: '/api/jobs' }), READ),
  c('one job', 'GET', () => ({ path: `/api/jobs/${ids.bobJob}` }), READ),
  c('children', 'GET', () => ({ path: `/api/jobs/${ids.bobGroup}/children` }), READ),
  c('dependencies', 'GET', () => ({ path: `/api/jobs/${ids.bobJob}/dependencies` }), READ),
  c('log', 'GET', () => ({ path: `/api/jobs/${ids.bobJob}/log` }), READ),
  c('events', 'GET', () => ({ path: '/api/events' }), READ),
  c('workers', 'GET', () => ({ path: '/api/workers' }), READ),
  c('affinities', 'GET', () => ({ path: '/api/affinities' }), READ),
  c('session', 'GET', () => ({ path: '/api/session' }), READ),
  c('plugins', 'GET', () => ({ path: '/api/plugins' }), READ),
  c('providers', 'GET', () => ({ path: '/api/providers' }), READ),
  c('setups', 'GET', () => ({ path: '/api/setup' }), READ),
  c('cloud', 'GET', () => ({ path: '/api/cloud' }), READ),
  c('cloud events', 'GET', () => ({ path: '/api/cloud/events' }), READ),
  c('metrics', 'GET', () => ({ path: '/metrics' }), READ),
  c('unknown read', 'GET', () => ({ path: '/api/no-such-thing' }), '401 403 404 404 404 404'),
  c('submit at the root', 'PUT', () => ({ path: '/api/jobs', body: { title: 'mine', command: 'true' } }), '401 403 ok 403 ok ok'),
  c("submit under bob's group", 'PUT', () => ({ path: '/api/jobs', body: { title: 'intruder', command: 'true', parent: ids.bobGroup } }), '401 403 403 403 ok ok'),
  c("edit bob's job", 'POST', () => ({ path: '/api/jobs', body: { [ids.bobJob]: { priority: 5 } } }), '401 403 403 403 ok ok'),
  c("delete bob's job", 'DELETE', async () => ({ path: '/api/jobs', body: [await freshBobJob()] }), '401 403 403 403 403 ok'),
  c("bob's dependencies", 'POST', () => ({ path: `/api/jobs/${ids.bobJob}/dependencies`, body: [] }), '401 403 403 403 ok ok'),
  c("reset bob's job", 'POST', () => ({ path: '/api/resetjobs', body: [ids.bobJob] }), '401 403 403 403 ok ok'),
  c("start bob's job", 'POST', () => ({ path: '/api/startjobs', body: [ids.bobJob] }), '401 403 403 403 ok ok'),
  c("pause bob's job", 'POST', async () => ({ path: '/api/pausejobs', body: [await freshBobJob()] }), '401 403 403 403 ok ok'),
  c("addjob under bob's group", 'GET', () => ({ path: `/json/addjob?title=old&cmd=true&parent=${ids.bobGroup}` }), '401 403 403 403 ok ok'),
  c("xmlrpc addjob under bob's group", 'POST', () => ({ path: '/xmlrpc/addjob', form: `title=old&cmd=true&parent=${ids.bobGroup}` }), '401 403 403 403 ok ok'),
  c('edit a worker', 'POST', async () => ({ path: '/api/workers', body: { [await freshWorker()]: { affinity: 'linux' } } }), '401 403 403 403 ok ok'),
  c('stop a worker', 'POST', async () => ({ path: '/api/stopworkers', body: [await freshWorker()] }), '401 403 403 403 ok ok'),
  c('start a worker', 'POST', async () => ({ path: '/api/startworkers', body: [await freshWorker()] }), '401 403 403 403 ok ok'),
  c('delete a worker', 'DELETE', async () => ({ path: '/api/workers', body: [await freshWorker()] }), '401 403 403 403 ok ok'),
  c("issue a worker's token", 'POST', () => ({ path: `/api/workers/render-${++counter}/token` }), '401 403 403 403 403 ok'),
  c('terminate instances', 'POST', () => ({ path: '/api/cloud/terminate', body: { ids: [] } }), '401 403 403 403 ok ok'),
  c('cloud settings', 'POST', () => ({ path: '/api/cloud/settings', body: { maxLaunchesPerMinute: 3 + (++counter % 5) } }), '401 403 403 403 403 ok'),
  c('a setup step', 'POST', () => ({ path: '/api/setup/none/steps/none/check', body: {} }), '401 403 403 403 403 404'),
  c('a teardown', 'POST', () => ({ path: '/api/setup/none/teardown', body: { confirm: true } }), '401 403 403 403 403 404'),
  c('list users', 'GET', () => ({ path: '/api/users' }), '401 403 403 403 403 ok'),
  c('one user', 'GET', () => ({ path: '/api/users/bob' }), '401 403 403 403 403 ok'),
  c('create a user', 'PUT', () => ({ path: '/api/users', body: { name: `u${++counter}`, role: 'artist', password: 'long-enough-1' } }), '401 403 403 403 403 ok'),
  c('edit a user', 'POST', () => ({ path: '/api/users/bob', body: { email: `bob${++counter}@example.test` } }), '401 403 403 403 403 ok'),
  c('delete a user', 'DELETE', async () => {
    const name = `gone${++counter}`;
    await admin('PUT', '/api/users', { name, role: 'viewer' });
    return { path: `/api/users/${name}` };
  }, '401 403 403 403 403 ok'),
  c("a user's tokens", 'GET', () => ({ path: '/api/users/bob/tokens' }), '401 403 403 403 403 ok'),
  c('a token for bob', 'POST', () => ({ path: '/api/users/bob/tokens', body: { label: 'x' } }), '401 403 403 403 403 ok'),
  c('my account', 'GET', () => ({ path: '/api/users/me' }), '401 403 ok ok ok 404'),
  c('my tokens', 'POST', () => ({ path: '/api/users/me/tokens', body: { label: 'ci' } }), '401 403 ok ok ok 404'),
  c('audit log', 'GET', () => ({ path: '/api/audit' }), '401 403 403 403 403 ok'),
  c('backup', 'POST', () => ({ path: '/api/ops/backup' }), '401 403 403 403 403 ok'),
  c("reset bob's errors", 'POST', () => ({ path: '/api/reseterrorjobs', body: [ids.bobJob] }), '401 403 403 403 ok ok'),
  c('affinities in use', 'GET', () => ({ path: '/api/affinities/used' }), READ),
  c('the affinity table', 'POST', () => ({ path: '/api/affinities', body: { '1': 'linux' } }), '401 403 403 403 ok ok'),
  c('terminate workers', 'POST', async () => ({ path: '/api/terminateworkers', body: [await freshWorker()] }), '401 403 403 403 ok ok'),
  c("control.py's list", 'GET', () => ({ path: '/json/getjobs' }), READ),
  c("control.py's remove of bob's job", 'GET', async () => ({ path: `/json/clearjobs?id=${await freshBobJob()}` }), '401 403 403 403 403 ok'),
  c('the API description', 'GET', () => ({ path: '/api/openapi.json' }), 'ok ok ok ok ok ok'),
  c('the event stream', 'HEAD', () => ({ path: '/api/stream' }), '401 403 ok ok ok ok'),
  c('a teardown preview', 'GET', () => ({ path: '/api/setup/none/teardown' }), '401 403 403 403 403 404'),
  c('my account, edited', 'POST', () => ({ path: '/api/users/me', body: { email: `me${++counter}@example.test` } }), '401 403 ok ok ok 404'),
  c('my tokens, listed', 'GET', () => ({ path: '/api/users/me/tokens' }), '401 403 ok ok ok 404'),
  c("xmlrpc addjob", 'GET', () => ({ path: '/xmlrpc/addjob?title=old&cmd=true' }), '401 403 ok 403 ok ok'),
  c('addjob by form', 'POST', () => ({ path: '/json/addjob', form: 'title=old&cmd=true' }), '401 403 ok 403 ok ok'),
  c('a heartbeat', 'POST', () => ({ path: '/workers/heartbeat', body: { name: `hb-${++counter}`, job: ids.bobJob } }), '401 409 403 403 403 409'),
  c('a job end', 'POST', () => ({ path: '/workers/endjob', body: { name: `end-${++counter}`, job: ids.bobJob, exit_code: 0 } }), '401 409 403 403 403 409'),
  c('a spot notice', 'POST', () => ({ path: '/workers/interruption', body: { name: `spot-${++counter}` } }), '401 ok 403 403 403 ok'),
  c('unknown write', 'POST', () => ({ path: '/api/no-such-thing', body: {} }), '401 403 403 403 403 404'),
  c('the jobs table', 'GET', () => ({ path: `/api/view/jobs?expanded=${ids.bobGroup}` }), READ),
  c('filter menus', 'GET', () => ({ path: '/api/view/facets' }), READ),
  c('cloud chart', 'GET', () => ({ path: '/api/cloud/series' }), READ),
  c('an estimate', 'POST', () => ({ path: '/api/cloud/estimate', body: { groups: [{ count: 2, seconds: 60 }] } }), '401 403 ok 403 ok ok'),
  c('an estimate of a tree', 'POST', () => ({ path: '/api/cloud/estimate', body: { jobs: { title: 'shot', children: [{ title: 'f', command: 'true' }] }, seconds: 60 } }), '401 403 ok 403 ok ok'),
  // No alert is raised here: whoever may acknowledge gets past the role check to the 404.
  c('acknowledge an alert', 'POST', () => ({ path: '/api/cloud/alerts/boot-deadline-missed/acknowledge' }), '401 403 403 403 404 404'),
  c('log in', 'POST', () => ({ path: '/api/session', body: { user: 'vera', password: 'vera-password-12' } }), 'ok 403 ok ok ok ok'),
  c('log out', 'DELETE', () => ({ path: '/api/session' }), READ),
  c('revoke my token', 'DELETE', async (who) => ({ path: `/api/users/me/tokens/${await tokenIdOf(accountOf(who))}` }), '401 403 ok ok ok 404'),
  c("revoke bob's token", 'DELETE', async () => ({ path: `/api/users/bob/tokens/${await tokenIdOf('bob')}` }), '401 403 403 403 403 ok'),
  c("revoke a worker's token", 'DELETE', async () => {
    const name = `render-${++counter}`;
    await admin('POST', `/api/workers/${name}/token`);
    return { path: `/api/workers/${name}/token` };
  }, '401 403 403 403 403 ok'),
  // Every way to reach another user's job (job-guard.ts): moves, cascades through a group, and
  // paths Express routes the same way (without case, with encoded ids).
  c("move my job under bob's group", 'POST', async (who) => ({ path: '/api/jobs', body: { [await jobOf(who)]: { parent: ids.bobGroup } } }), '401 403 403 403 ok ok'),
  c("move my job under bob's group by its title", 'POST', async (who) => ({ path: '/api/jobs', body: { [await jobOf(who)]: { parent: 'bob group' } } }), '401 403 403 403 ok ok'),
  c("pause my group holding bob's job", 'POST', async (who) => ({ path: '/api/pausejobs', body: [await groupWithBobsJob(who)] }), '401 403 403 403 ok ok'),
  c("reset my group holding bob's job", 'POST', async (who) => ({ path: '/api/resetjobs', body: [await groupWithBobsJob(who)] }), '401 403 403 403 ok ok'),
  c("my group holding bob's job set PAUSED", 'POST', async (who) => ({ path: '/api/jobs', body: { [await groupWithBobsJob(who)]: { state: 'PAUSED' } } }), '401 403 403 403 ok ok'),
  c("delete my group holding bob's job", 'DELETE', async (who) => ({ path: '/api/jobs', body: [await groupWithBobsJob(who)] }), '401 403 403 403 403 ok'),
  c("control.py's remove of my group holding bob's job", 'GET', async (who) => ({ path: `/json/clearjobs?id=${await groupWithBobsJob(who)}` }), '401 403 403 403 403 ok'),
  c("control.py's remove of bob's job, in capitals", 'GET', async () => ({ path: `/JSON/CLEARJOBS?id=${await freshBobJob()}` }), '401 403 403 403 403 ok'),
  c('addjob in capitals', 'GET', () => ({ path: '/JSON/ADDJOB?title=old&cmd=true' }), '401 403 ok 403 ok ok'),
  c("addjob in capitals under bob's group", 'GET', () => ({ path: `/Json/AddJob?title=old&cmd=true&parent=${ids.bobGroup}` }), '401 403 403 403 ok ok'),
  c("edit bob's job, in capitals", 'POST', () => ({ path: '/API/JOBS/', body: { [ids.bobJob]: { priority: 6 } } }), '401 403 403 403 ok ok'),
  c("bob's dependencies, the id encoded", 'POST', () => ({ path: `/api/jobs/${encoded(ids.bobJob)}/dependencies`, body: [] }), '401 403 403 403 ok ok'),
  c("terminate the worker of bob's job", 'POST', async () => ({ path: '/API/TERMINATEWORKERS', body: [await freshWorker()] }), '401 403 403 403 ok ok'),
  c('worker protocol', 'POST', () => ({ path: '/workers/pickjob', body: { name: `proto-${++counter}`, wait: 0, affinity: 'none-such' } }), '401 ok 403 403 403 ok'),
];

/** The farm's state a refused request must not touch. */
async function snapshot(): Promise<string> {
  const s = farm.server;
  return JSON.stringify({
    jobs: [...s.farm.tree.jobs.values()],
    workers: s.farm.workers.list(),
    users: s.access.users.list(),
    cloud: await s.cloud.scaler?.status().then(({ settings, alerts }) => ({ settings, alerts })),
    workerTokens: [...(s.instanceTokens as unknown as { byDigest: Map<string, string> }).byDigest.values()].sort(),
  });
}

beforeAll(async () => {
  farm = await startTestFarm({ servermode: 'local', ini: { local: { maxinstances: '0' } } });
  url = farm.server.url;
  ids.bobGroup = (await call(url, 'PUT', '/api/jobs', { token: farm.tokens.bob, body: { title: 'bob group', children: [{ title: 'bob child', command: 'sleep 100' }] } })).body as number;
  ids.bobJob = await freshBobJob();
});

afterAll(async () => {
  await farm.stop();
});

describe('the auth matrix', () => {
  it.each(CASES)('$method $what', async (one) => {
    const expected = one.expect.split(' ');
    for (const [i, who] of WHO.entries()) {
      const { path, body, form } = await one.make(who);
      const before = await snapshot();
      const res = await call(url, one.method, path, { token: tokenOf(who), body, raw: form, headers: form ? { 'Content-Type': 'application/x-www-form-urlencoded' } : undefined });
      const want = expected[i];
      const label = `${who}: ${one.method} ${path} → ${res.status} ${String(JSON.stringify(res.body)).slice(0, 200)}`;
      if (want === 'ok') expect(res.status, label).toBeLessThan(300);
      else expect(res.status, label).toBe(Number(want));
      if (res.status >= 400) {
        expect(await snapshot(), `${label} changed the farm`).toBe(before);
        if (one.method !== 'HEAD') expect(res.body, label).toMatchObject({ error: { code: expect.any(String), message: expect.any(String) } });
      }
    }
  });

  it('an artist may edit, pause and delete their own jobs, and what they submit is theirs whatever user they name', async () => {
    const mine = (await call(url, 'PUT', '/api/jobs', { token: farm.tokens.alice, body: { title: 'alice job', command: 'true', user: 'bob' } })).body as number;
    expect(((await admin('GET', `/api/jobs/${mine}`)).body as { user: string }).user).toBe('alice');
    expect((await call(url, 'POST', '/api/jobs', { token: farm.tokens.alice, body: { [mine]: { priority: 7 } } })).status).toBe(200);
    expect((await call(url, 'POST', '/api/pausejobs', { token: farm.tokens.alice, body: [mine] })).status).toBe(200);
    const giveAway = await call(url, 'POST', '/api/jobs', { token: farm.tokens.alice, body: { [mine]: { user: 'bob' } } });
    expect(giveAway.status).toBe(403);
    expect((giveAway.body as { error: { message: string } }).error.message).toContain('may not give job');
    const old = await call(url, 'GET', `/json/addjob?title=old-script&cmd=true&user=bob`, { token: farm.tokens.alice });
    expect(((await admin('GET', `/api/jobs/${old.body as number}`)).body as { user: string }).user).toBe('alice');
    expect((await call(url, 'DELETE', '/api/jobs', { token: farm.tokens.alice, body: [mine] })).status).toBe(200);
    const group = (await call(url, 'PUT', '/api/jobs', { token: farm.tokens.alice, body: { title: 'alice group', children: [{ title: 'frame', command: 'true' }] } })).body as number;
    expect((await call(url, 'POST', '/api/pausejobs', { token: farm.tokens.alice, body: [group] })).status).toBe(200);
    expect((await call(url, 'POST', `/api/jobs/${encoded(group + 1)}/dependencies`, { token: farm.tokens.alice, body: [] })).status).toBe(200);
    expect((await call(url, 'GET', `/JSON/CLEARJOBS?id=${group}`, { token: farm.tokens.alice })).status).toBe(200);
    expect(farm.server.farm.tree.get(group)).toBeUndefined();
  });

  it('a batch naming one job the caller may not touch is refused whole', async () => {
    const mine = (await call(url, 'PUT', '/api/jobs', { token: farm.tokens.alice, body: { title: 'alice 2', command: 'true' } })).body as number;
    const before = await snapshot();
    const res = await call(url, 'POST', '/api/jobs', { token: farm.tokens.alice, body: { [mine]: { title: 'CHANGED' }, [ids.bobJob]: { title: 'CHANGED' } } });
    expect(res.status).toBe(403);
    expect((res.body as { error: { message: string } }).error.message).toContain(`job ${ids.bobJob} belongs to "bob"`);
    expect(await snapshot()).toBe(before);
  });
});

describe('the matrix covers the API', () => {
  it('has a case for every operation the API describes (GET /api/openapi.json)', async () => {
    const doc = (await call(url, 'GET', '/api/openapi.json')).body as { paths: Record<string, Record<string, { tags: string[] }>> };
    const covered = CASES.map((one) => `${one.method === 'HEAD' ? 'GET' : one.method} ${one.what}`);
    const concrete = await Promise.all(CASES.map(async (one) => ({ method: one.method === 'HEAD' ? 'GET' : one.method, path: (await one.make('admin')).path.split('?')[0] })));
    const missing: string[] = [];
    for (const [template, operations] of Object.entries(doc.paths)) {
      const pattern = new RegExp(`^${template.replace(/\{[^}]+\}/g, '[^/]+')}$`);
      for (const [method, op] of Object.entries(operations)) {
        if (op.tags.includes('ui')) continue; // the web UI's pages: public, like its static files (test/integration/ui-serving.test.ts)
        if (!concrete.some((c) => c.method === method.toUpperCase() && pattern.test(c.path))) missing.push(`${method.toUpperCase()} ${template}`);
      }
    }
    expect(missing.join(', '), `operations with no case in the auth matrix (cases: ${covered.length})`).toBe('');
  });
});

describe('a trusted network (the hook trustednetworks plugs into)', () => {
  it('lets a caller without a token submit and read, as old scripts do, and nothing else', async () => {
    const lan = await startTestFarm({ isTrusted: (address) => address === '127.0.0.1' || address === '::ffff:127.0.0.1' });
    try {
      const u = lan.server.url;
      const group = (await call(u, 'GET', '/json/addjob?title=shot&user=render')).body as number;
      expect(group).toBeGreaterThan(0);
      const frame = await call(u, 'PUT', '/api/jobs', { body: { title: 'frame', command: 'true', parent: group } });
      expect(frame.status).toBe(200);
      expect((await call(u, 'GET', `/api/jobs/${group}/children`)).status).toBe(200);
      expect((await call(u, 'GET', '/api/session')).body).toMatchObject({ role: 'anonymous', via: 'trusted-network', user: null });
      const before = JSON.stringify([...lan.server.farm.tree.jobs.values()]);
      for (const [method, path, body] of [['POST', '/api/jobs', { [group]: { priority: 1 } }], ['DELETE', '/api/jobs', [group]], ['POST', '/api/pausejobs', [group]], ['POST', '/api/stopworkers', ['w']], ['GET', '/api/users', undefined]] as const) {
        const res = await call(u, method, path, { body });
        expect(res.status, `${method} ${path}`).toBe(403);
      }
      expect(JSON.stringify([...lan.server.farm.tree.jobs.values()])).toBe(before);
      expect((await call(u, 'POST', '/workers/pickjob', { body: { name: 'x', wait: 0 } })).status).toBe(401);
      expect(lan.server.audit.query({ action: 'job.delete' }).entries[0]).toMatchObject({ actor: { via: 'trusted-network', role: 'anonymous' }, outcome: 403 });
    } finally {
      await lan.stop();
    }
  });
});
