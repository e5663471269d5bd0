/**
 * A legal chain of 12,000 nested groups: every walk up or down the tree is iterative, so
 * pickjob of the leaf at the bottom works (no stack overflow, no leaf left WORKING with no
 * worker), its end finishes every group, and a restart rebuilds the same state.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { parseJobInput } from '../../core/jobs/job-input.ts';
import { openFarm } from './farm-helpers.ts';

let env: Awaited<ReturnType<typeof openFarm>> | undefined;
afterEach(async () => env?.close());

const DEPTH = 12_000;

describe('a chain of 12,000 groups', () => {
  it('hands out its leaf, finishes every group when it ends, and survives a restart', async () => {
    env = await openFarm();
    let parent = 0;
    const inputs = [];
    for (let i = 0; i < DEPTH; i++) inputs.push(parseJobInput({ title: `g${i}`, is_parent: true }));
    for (const input of inputs) parent = (await env.farm.submit([{ ...input, parent }]))[0].id;
    const leaf = (await env.farm.submit([{ ...parseJobInput({ title: 'leaf', command: 'true' }), parent }]))[0];
    const dependent = await env.submit({ title: 'after', command: 'true', dependencies: [1] });
    expect(dependent.state).toBe('PENDING');

    const picked = await env.pick('w');
    expect(picked?.id).toBe(leaf.id);
    expect(leaf).toMatchObject({ state: 'WORKING', worker: 'w' });
    expect(env.farm.tree.get(1)).toMatchObject({ state: 'WORKING', total: 1, total_working: 1 });

    const dir = env.dataDir;
    await env.close(false);
    env = await openFarm(dir);
    expect(env.farm.tree.get(leaf.id)).toMatchObject({ state: 'WORKING', worker: 'w' });
    await env.end('w', leaf.id, 0);
    expect(env.farm.tree.get(1)).toMatchObject({ state: 'FINISHED', total_finished: 1, progress: 1 });
    expect(env.farm.tree.get(dependent.id)!.state).toBe('WAITING');

    await env.farm.reset([1]);
    expect(env.farm.tree.get(leaf.id)!.state).toBe('WAITING');
    await env.farm.remove([1]);
    expect(env.farm.tree.size).toBe(1);
  });
});
