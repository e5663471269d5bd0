import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { contractWorkerEntry, makeLocalFixture } from './local-provider-fixture.ts';
import { runProviderContract, unusedLocalUrl } from './provider-contract.ts';

// Real worker processes, told to reach a server that is not listening: they retry until terminated.
const entry = contractWorkerEntry();
const label = entry.endsWith('stand-in-worker.ts') ? 'stand-in worker' : entry;

runProviderContract(`local worker processes (${label})`, async ({ capacity }) => {
  const fixture = await makeLocalFixture({ maxInstances: capacity ?? 3 }, entry);
  return {
    provider: fixture.provider,
    farmId: `farm-${process.pid}-${Date.now()}`,
    cleanup: fixture.cleanup,
  };
});

describe(`local provider with ${label}`, () => {
  // The contract's cases are quick; this one makes sure the worker command really stays up.
  it('keeps a started worker running past its boot time', async () => {
    const fixture = await makeLocalFixture({}, entry);
    try {
      const farm = 'farm-boot';
      const { started } = await fixture.provider.launch({
        instanceType: 'local',
        market: 'on-demand',
        count: 1,
        instances: [{ workerName: `boot-${randomUUID().slice(0, 6)}`, workerToken: randomUUID(), clientToken: randomUUID() }],
        serverUrl: await unusedLocalUrl(),
        tags: { 'coalition:farm': farm },
      });
      expect(started).toHaveLength(1);
      const [offer] = await fixture.provider.offers();
      await new Promise((resolve) => setTimeout(resolve, (offer.bootSeconds + 1) * 1000)); // waiting for nothing to happen
      expect((await fixture.provider.list(farm)).map((i) => [i.id, i.state])).toEqual([[started[0].id, 'running']]);
      expect(await fixture.provider.terminate([started[0].id])).toEqual({ terminated: [started[0].id], failed: [] });
    } finally {
      await fixture.cleanup();
    }
  });
});
