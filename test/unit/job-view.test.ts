import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { jobFacets, parseJobViewQuery, viewJobs } from '../../core/farm/job-view.ts';
import { openFarm } from './farm-helpers.ts';

let f: Awaited<ReturnType<typeof openFarm>>;
beforeEach(async () => {
  f = await openFarm();
});
afterEach(() => f.close());

const q = (raw: Record<string, string> = {}) => parseJobViewQuery(raw);

describe('the jobs table on the server', () => {
  it('pages the children of a group, sorted, with counts per state', async () => {
    for (let i = 1; i <= 30; i++) await f.submit({ title: `job ${String(i).padStart(2, '0')}`, command: 'true', priority: i % 3 });
    const page = viewJobs(f.farm.tree, q({ sort: 'priority', order: 'desc', offset: '5', limit: '10' }));
    expect(page.total).toBe(30);
    expect(page.rows).toHaveLength(10);
    expect(page.offset).toBe(5);
    expect(page.rows.map((r) => r.priority)).toEqual([2, 2, 2, 2, 2, 1, 1, 1, 1, 1]);
    expect(page.counts.WAITING).toBe(30);
  });

  it('shows open groups in place with their depth, and the path into a group', async () => {
    const shot = await f.submit({ title: 'shot', children: [{ title: 'a', command: 'true' }, { title: 'b', command: 'true', children: [{ title: 'b1', command: 'true' }] }] });
    await f.submit({ title: 'other', command: 'true' });
    const kids = f.farm.tree.childrenOf(shot.id);
    const flat = viewJobs(f.farm.tree, q({ expanded: `${shot.id}` }));
    expect(flat.rows.map((r) => [r.title, r.depth])).toEqual([['shot', 0], ['a', 1], ['b', 1], ['other', 0]]);
    expect(flat.rows[0].has_children).toBe(true);
    const inside = viewJobs(f.farm.tree, q({ parent: String(kids[1].id) }));
    expect(inside.rows.map((r) => r.title)).toEqual(['b1']);
    expect(inside.path.map((p) => p.title)).toEqual(['shot', 'b']);
  });

  it('filters by state, user, affinity, worker and text; counts ignore only the state filter', async () => {
    await f.submit({ title: 'render shot', command: 'true', user: 'ana', affinity: 'linux,gpu' });
    await f.submit({ title: 'comp', command: 'nuke', user: 'bob' });
    const paused = await f.submit({ title: 'sim', command: 'true', user: 'ana' });
    await f.farm.pause([paused.id]);
    const ana = viewJobs(f.farm.tree, q({ user: 'ana', state: 'PAUSED' }));
    expect(ana.rows.map((r) => r.title)).toEqual(['sim']);
    expect(ana.total).toBe(1);
    expect(ana.counts).toMatchObject({ WAITING: 1, PAUSED: 1 });
    expect(viewJobs(f.farm.tree, q({ affinity: 'gpu' })).rows.map((r) => r.title)).toEqual(['render shot']);
    expect(viewJobs(f.farm.tree, q({ q: 'NUKE' })).rows.map((r) => r.title)).toEqual(['comp']);
    expect(viewJobs(f.farm.tree, q({ q: String(paused.id) })).rows.map((r) => r.title)).toEqual(['sim']);
    expect(jobFacets(f.farm.tree, ['w1'])).toMatchObject({ users: ['ana', 'bob'], affinities: ['gpu', 'linux'], workers: ['w1'] });
  });

  it('refuses a bad query by name', () => {
    expect(() => q({ sort: 'password' })).toThrow(/sort must be one of/);
    expect(() => q({ order: 'up' })).toThrow(/order must be asc or desc/);
    expect(() => q({ state: 'DONE' })).toThrow(/state must be among/);
    expect(() => q({ limit: '100000' })).toThrow(/limit must be an integer from 0 to 5000/);
    expect(() => q({ expanded: '1,x' })).toThrow(/expanded must be job ids/);
    expect(() => viewJobs(f.farm.tree, q({ parent: '999' }))).toThrow(/job 999 does not exist/);
  });
});
