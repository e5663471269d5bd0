import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { LaunchRequest } from '../../core/plugin-api.ts';
import { makeLocalFixture, type LocalFixture } from '../contract/local-provider-fixture.ts';
import { eventually } from '../contract/provider-contract.ts';

const FARM = 'farm-local-it';
const SERVER = 'http://127.0.0.1:1'; // never reached: the stand-in worker does not call it
const onLinux = process.platform === 'linux';

function request(count: number, overrides: Partial<LaunchRequest> = {}): LaunchRequest {
  return {
    instanceType: 'local',
    market: 'on-demand',
    count,
    instances: Array.from({ length: count }, (_, i) => ({ workerName: `it-${randomUUID().slice(0, 6)}-${i}`, workerToken: `tok-${randomUUID()}`, clientToken: randomUUID() })),
    serverUrl: SERVER,
    tags: { 'coalition:farm': FARM },
    ...overrides,
  };
}

describe('local provider: worker processes', () => {
  let fixture: LocalFixture | undefined;
  afterEach(async () => {
    delete process.env.STAND_IN_IGNORE_SIGTERM;
    delete process.env.COALITION_ADMIN_TOKEN;
    await fixture?.cleanup();
    fixture = undefined;
  });

  it('starts a detached worker with its token in the environment, not on the command line, logging to <id>.log', async () => {
    fixture = await makeLocalFixture();
    process.env.COALITION_ADMIN_TOKEN = 'admin-secret';
    const req = request(1);
    const { started, failed } = await fixture.provider.launch(req);
    expect(failed).toEqual([]);
    const [instance] = started;
    expect(instance.id).toMatch(/^local-\d+$/);
    const pid = Number(instance.id.slice('local-'.length));
    const logFile = path.join(fixture.stateDir, `${instance.id}.log`);
    await eventually(async () => expect(await readFile(logFile, 'utf8')).toContain(`stand-in worker ${req.instances[0].workerName} up`));
    if (onLinux) {
      const argv = (await readFile(`/proc/${pid}/cmdline`, 'utf8')).split('\0');
      expect(argv).toEqual(expect.arrayContaining(['worker', '--server', SERVER, '--name', req.instances[0].workerName]));
      expect(argv.join(' ')).not.toContain(req.instances[0].workerToken);
      const env = (await readFile(`/proc/${pid}/environ`, 'utf8')).split('\0');
      expect(env).toContain(`COALITION_WORKER_TOKEN=${req.instances[0].workerToken}`);
      expect(env.some((e) => e.startsWith('COALITION_ADMIN_TOKEN='))).toBe(false);
    }
  });

  it('finds its workers again after a restart and forgets the ones that died', async () => {
    fixture = await makeLocalFixture({ maxInstances: 2 });
    const { started } = await fixture.provider.launch(request(2));
    expect(started).toHaveLength(2);
    await fixture.provider.dispose();

    const restarted = fixture.restart();
    const listed = await restarted.list(FARM);
    expect(listed.map((i) => i.id).sort()).toEqual(started.map((i) => i.id).sort());
    expect(listed.every((i) => i.state === 'running')).toBe(true);

    const dead = started[0];
    process.kill(Number(dead.id.slice('local-'.length)), 'SIGKILL');
    await eventually(async () => expect((await restarted.list(FARM)).map((i) => i.id)).toEqual([started[1].id]));
    const records = JSON.parse(await readFile(path.join(fixture.stateDir, 'instances.json'), 'utf8')) as Array<{ id: string }>;
    expect(records.map((r) => r.id)).toEqual([started[1].id]);
    // The cap counts live processes only: the dead one's slot is free again.
    expect((await restarted.launch(request(1))).started).toHaveLength(1);
  });

  it('refuses beyond its cap with a quota error, starting what fits', async () => {
    fixture = await makeLocalFixture({ maxInstances: 1 });
    const result = await fixture.provider.launch(request(3));
    expect(result.started).toHaveLength(1);
    expect(result.failed.map((f) => f.error.code)).toEqual(['quota', 'quota']);
    expect(result.failed[0].error.message).toContain('maxinstances');
  });

  it('kills a worker that ignores SIGTERM once the grace period is over', async () => {
    fixture = await makeLocalFixture({ graceSeconds: 0.5 });
    process.env.STAND_IN_IGNORE_SIGTERM = '1';
    const { started } = await fixture.provider.launch(request(1));
    const id = started[0].id;
    await eventually(async () => expect(await readFile(path.join(fixture!.stateDir, `${id}.log`), 'utf8')).toContain('up'));
    expect(await fixture.provider.terminate([id])).toEqual({ terminated: [id], failed: [] });
    expect((await fixture.provider.list(FARM)).find((i) => i.id === id)?.state).toBe('stopping');
    await eventually(async () => expect(await fixture!.provider.list(FARM)).toEqual([]));
  });

  it('rejects requests it cannot serve with invalid, starting nothing', async () => {
    fixture = await makeLocalFixture();
    for (const bad of [request(1, { instanceType: 'c6i.large' }), request(1, { market: 'spot' }), request(1, { tags: {} }), request(1, { serverUrl: '' }), { ...request(2), count: 1 }]) {
      const result = await fixture.provider.launch(bad);
      expect(result.started).toEqual([]);
      expect(result.failed.map((f) => f.error.code)).toEqual(bad.instances.map(() => 'invalid'));
    }
    expect(await fixture.provider.list(FARM)).toEqual([]);
  });

  it('offers one local type on demand, with affinities and price from its settings', async () => {
    fixture = await makeLocalFixture({ affinities: ['linux', 'blender'], pricePerHour: 0.02 });
    expect(await fixture.provider.offers()).toEqual([{ name: 'local', slots: 1, affinities: ['linux', 'blender'], bootSeconds: 2, markets: ['on-demand'] }]);
    expect((await fixture.provider.prices()).map(({ instanceType, market, perHour }) => ({ instanceType, market, perHour }))).toEqual([
      { instanceType: 'local', market: 'on-demand', perHour: 0.02 },
    ]);
  });
});
