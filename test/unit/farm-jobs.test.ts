import { afterEach, describe, expect, it } from 'vitest';
import { openFarm } from './farm-helpers.ts';

let env: Awaited<ReturnType<typeof openFarm>>;
afterEach(async () => env?.close());

describe('job hierarchy', () => {
  it('a parent never runs; its counters and state follow its children', async () => {
    env = await openFarm();
    const render = await env.submit({ title: 'render', children: [{ title: 'f1', command: 'true' }, { title: 'f2', command: 'true' }] });
    expect(render.total).toBe(2);
    const a = await env.pick('w1');
    expect(a?.title).toBe('f1');
    expect(render.state).toBe('WORKING');
    expect(render.working).toBe(1);
    expect(render.total_working).toBe(1);
    await env.end('w1', a!.id);
    expect(render.finished).toBe(1);
    expect(render.state).toBe('WAITING');
    const b = await env.pick('w1');
    await env.end('w1', b!.id);
    expect(render.state).toBe('FINISHED');
    expect(render.total_finished).toBe(2);
    expect(render.progress).toBe(1);
    expect(await env.pick('w1')).toBeNull();
  });

  it('resolves a parent given by title or by a|b path and refuses a missing level', async () => {
    env = await openFarm();
    const dept = await env.submit({ title: 'departments', is_parent: true });
    const render = await env.submit({ title: 'render', is_parent: true, parent: 'departments' });
    expect(render.parent).toBe(dept.id);
    const frame = await env.submit({ title: 'f', command: 'true', parent: 'departments|render' });
    expect(frame.parent).toBe(render.id);
    await expect(env.submit({ title: 'g', command: 'true', parent: 'departments|comp' })).rejects.toThrow(/no job titled "comp" under "departments"/);
    expect(env.farm.tree.size).toBe(3);
  });

  it('pausing a parent pauses its subtree and starting it queues them again', async () => {
    env = await openFarm();
    const shot = await env.submit({ title: 'shot', children: [{ title: 'a', command: 'x' }, { title: 'sub', children: [{ title: 'b', command: 'x' }] }] });
    await env.farm.pause([shot.id]);
    expect(env.farm.tree.leavesOf(shot.id).map((j) => j.state)).toEqual(['PAUSED', 'PAUSED']);
    expect(shot.state).toBe('PAUSED');
    expect(await env.pick('w')).toBeNull();
    await env.farm.start([shot.id]);
    expect(shot.state).toBe('WAITING');
    expect((await env.pick('w'))?.title).toBe('a');
  });
});

describe('retries and failures', () => {
  it('retry=2 runs at most 3 times, then ERROR', async () => {
    env = await openFarm();
    const job = await env.submit({ title: 'flaky', command: 'false', retry: 2 });
    for (let run = 1; run <= 3; run++) {
      const picked = await env.pick('w');
      expect(picked?.id).toBe(job.id);
      await env.end('w', job.id, 1);
      expect(job.run_done).toBe(run);
    }
    expect(job.state).toBe('ERROR');
    expect(await env.pick('w')).toBeNull();
    expect(env.farm.events.query({ job: job.id }, env.farm.nowSeconds()).map((e) => e.state)).toEqual(['ERROR', 'ERROR', 'ERROR']);
  });

  it('a requeued run (worker going away) does not use a retry', async () => {
    env = await openFarm();
    const job = await env.submit({ title: 'j', command: 'x', retry: 0 });
    await env.pick('w');
    await env.dispatcher.endJob({ name: 'w', job: job.id, exit_code: 143, requeue: true });
    expect(job.state).toBe('WAITING');
    expect(job.run_done).toBe(0);
  });
});

describe('dependencies', () => {
  it('a job waits PENDING for its dependencies, and a dependency on a parent waits for the whole subtree', async () => {
    env = await openFarm();
    const sim = await env.submit({ title: 'sim', children: [{ title: 's1', command: 'x' }, { title: 's2', command: 'x' }] });
    const comp = await env.submit({ title: 'comp', command: 'x', dependencies: [sim.id] });
    expect(comp.state).toBe('PENDING');
    const s1 = await env.pick('w');
    await env.end('w', s1!.id);
    expect(comp.state).toBe('PENDING');
    const s2 = await env.pick('w');
    await env.end('w', s2!.id);
    expect(comp.state).toBe('WAITING');
    expect((await env.pick('w'))?.id).toBe(comp.id);
  });

  it('refuses a cycle and unknown dependencies, changing nothing', async () => {
    env = await openFarm();
    const a = await env.submit({ title: 'a', command: 'x' });
    const b = await env.submit({ title: 'b', command: 'x', dependencies: [a.id] });
    await expect(env.farm.setDependencies(a.id, [b.id])).rejects.toThrow(/cycle/);
    expect(a.dependencies).toEqual([]);
    await expect(env.submit({ title: 'c', command: 'x', dependencies: [999] })).rejects.toThrow(/dependency 999 does not exist/);
    expect(env.farm.tree.size).toBe(2);
  });

  it('a tree submission can depend on its own parts by ref', async () => {
    env = await openFarm();
    const top = await env.submit({ title: 'shot', children: [{ title: 'sim', ref: 'sim', command: 'x' }, { title: 'render', command: 'x', dependencies: ['sim'] }] });
    const [sim, render] = env.farm.tree.childrenOf(top.id);
    expect(render.dependencies).toEqual([sim.id]);
    expect(render.state).toBe('PENDING');
  });
});

describe('scheduling', () => {
  it('hands out by priority along the hierarchy, then by id', async () => {
    env = await openFarm();
    const low = await env.submit({ title: 'low', priority: 10, children: [{ title: 'low-urgent', command: 'x', priority: 9999 }] });
    const high = await env.submit({ title: 'high', priority: 20, children: [{ title: 'h1', command: 'x' }, { title: 'h2', command: 'x', priority: 2000 }] });
    const order = [];
    for (let i = 0; i < 3; i++) order.push((await env.pick(`w${i}`))!.title);
    expect(order).toEqual(['h2', 'h1', 'low-urgent']);
    expect(low.id).toBeLessThan(high.id);
  });

  it('gives a job only to a worker that has all its affinities, and never to two workers', async () => {
    env = await openFarm();
    await env.submit({ title: 'gpu', command: 'x', affinity: 'linux,gpu' });
    expect(await env.pick('cpu-box', 'linux')).toBeNull();
    const got = await env.pick('gpu-box', 'gpu,linux,24GB');
    expect(got?.title).toBe('gpu');
    expect(await env.pick('gpu-box-2', 'gpu,linux')).toBeNull();
  });

  it('an inactive worker gets nothing', async () => {
    env = await openFarm();
    await env.submit({ title: 'j', command: 'x' });
    await env.pick('w');
    const w = env.farm.workers.get('w')!;
    await env.dispatcher.endJob({ name: 'w', job: w.current_job, exit_code: 0 });
    await env.submit({ title: 'k', command: 'x' });
    w.active = false;
    expect(await env.pick('w')).toBeNull();
  });

  it('a silent worker is TIMEOUT and its job goes back to WAITING', async () => {
    env = await openFarm();
    const job = await env.submit({ title: 'j', command: 'x' });
    await env.pick('w');
    env.clock.advance(11_000);
    await env.dispatcher.sweep();
    expect(env.farm.workers.get('w')!.state).toBe('TIMEOUT');
    expect(job.state).toBe('WAITING');
  });
});

describe('durability', () => {
  it('reopening the data dir restores jobs, states, counters and finished runs', async () => {
    env = await openFarm();
    const shot = await env.submit({ title: 'shot', children: [{ title: 'a', command: 'x' }, { title: 'b', command: 'x' }] });
    const a = await env.pick('w');
    await env.end('w', a!.id);
    const dir = env.dataDir;
    await env.close(false);
    env = await openFarm(dir);
    const again = env.farm.tree.get(shot.id)!;
    expect(again.total).toBe(2);
    expect(again.finished).toBe(1);
    expect(env.farm.tree.get(a!.id)!.state).toBe('FINISHED');
    expect((await env.pick('w'))?.title).toBe('b');
  });
});

describe('spot interruption', () => {
  it('an interrupted worker gets no new job and its requeued job keeps its retries', async () => {
    env = await openFarm();
    const job = await env.submit({ title: 'frame', command: 'x', retry: 0 });
    await env.submit({ title: 'next', command: 'x' });
    await env.pick('spot-1');
    await env.dispatcher.interruption('spot-1');
    await env.dispatcher.endJob({ name: 'spot-1', job: job.id, exit_code: 143, requeue: true });
    expect(job.state).toBe('WAITING');
    expect(job.run_done).toBe(0);
    expect(await env.pick('spot-1')).toBeNull();
    expect((await env.pick('on-demand-1'))?.id).toBe(job.id);
    expect(env.dispatcher.interruptions).toBe(1);
  });
});

describe('removing workers', () => {
  it('puts the job of a removed worker back in the queue', async () => {
    env = await openFarm();
    const job = await env.submit({ title: 'frame', command: 'x' });
    await env.pick('gone');
    await env.dispatcher.removeWorkers(['gone']);
    expect(env.farm.workers.get('gone')).toBeUndefined();
    expect(job.state).toBe('WAITING');
    expect((await env.pick('other'))?.id).toBe(job.id);
  });
});

describe('the nedb-promises engine (--store nedb)', () => {
  it('keeps jobs, states and runs across a restart like the default engine', async () => {
    env = await openFarm(undefined, 'nedb');
    const shot = await env.submit({ title: 'shot', children: [{ title: 'a', command: 'x' }, { title: 'b', command: 'x' }] });
    const a = await env.pick('w');
    await env.end('w', a!.id);
    const dir = env.dataDir;
    await env.close(false);
    env = await openFarm(dir, 'nedb');
    expect(env.farm.tree.get(shot.id)).toMatchObject({ total: 2, finished: 1, state: 'WAITING' });
    expect((await env.pick('w'))?.title).toBe('b');
    expect(env.farm.events.query({ job: a!.id }, env.farm.nowSeconds())).toHaveLength(1);
  });
});
