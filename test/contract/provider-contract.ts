/**
 * The provider contract: cases every CloudProvider must pass. Run it from a test file:
 *
 * ```ts
 * import { runProviderContract } from './provider-contract.ts';
 * runProviderContract('aws (fake EC2)', async ({ capacity }) => {
 *   const ec2 = await startFakeEc2({ capacity });           // however your backend is faked
 *   return {
 *     provider: new Ec2Provider({ endpoint: ec2.url, … }),
 *     farmId: `contract-${Date.now()}`,
 *     cleanup: () => ec2.stop(),
 *     injectUnknownState: () => ec2.addInstance({ state: 'hibernating', farm: … }), // optional
 *   };
 * });
 * ```
 *
 * The factory is called once per case, with:
 * - `capacity`: when set, the backend must accept at most that many live instances at once;
 *   a launch asking for more reports the excess in `failed` with code `capacity` or `quota`
 *   (partial success), not as an exception. When unset, allow at least 3.
 *
 * It returns the provider, the farm id to use (the suite also uses `<farmId>-other` to check
 * that listing filters by the `coalition:farm` tag), `cleanup()` (called last, even on
 * failure; the suite has already terminated what it launched) and, for providers backed by a
 * fake cloud, `injectUnknownState()`: puts an instance of this farm into a state the provider
 * does not know and returns its id; the provider must not list it. Optional `serverUrl`
 * (default: a free local port nothing listens on) is what started workers are told to reach.
 *
 * The suite launches the first offered type on its first market.
 */
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import type { CloudProvider, InstanceState, LaunchRequest, LaunchResult, ProviderInstance } from '../../core/plugin-api.ts';

export interface ContractOptions {
  capacity?: number;
}

export interface ContractSubject {
  provider: CloudProvider;
  farmId: string;
  cleanup(): Promise<void>;
  injectUnknownState?(): Promise<string>;
  serverUrl?: string;
}

export type ContractFactory = (options: ContractOptions) => Promise<ContractSubject>;

const FARM_TAG = 'coalition:farm';
const KNOWN_STATES: InstanceState[] = ['pending', 'running', 'stopping', 'stopped', 'terminated'];
const LIVE: InstanceState[] = ['pending', 'running'];
const WAIT_MS = 20_000;

/** Polls `check` until it stops throwing (no fixed sleeps). */
export async function eventually<T>(check: () => Promise<T>, timeoutMs = WAIT_MS, everyMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((resolve) => setTimeout(resolve, everyMs));
    }
  }
}

export function runProviderContract(label: string, makeProvider: ContractFactory): void {
  /** Runs one case with a fresh subject; terminates whatever the case launched, then cleans up. */
  const withSubject = (options: ContractOptions, body: (s: ContractSubject, launch: (n: number, farm?: string) => Promise<LaunchResult>) => Promise<void>) => async () => {
    const subject = await makeProvider(options);
    const launched = new Set<string>();
    const launch = async (n: number, farm = subject.farmId) => {
      const result = await subject.provider.launch(await launchRequest(subject, n, farm));
      for (const i of result.started) launched.add(i.id);
      return result;
    };
    try {
      await body(subject, launch);
    } finally {
      try {
        if (launched.size > 0) await subject.provider.terminate([...launched]);
      } finally {
        await subject.cleanup();
      }
    }
  };

  const liveIds = async (s: ContractSubject, farm = s.farmId) =>
    (await s.provider.list(farm)).filter((i) => LIVE.includes(i.state)).map((i) => i.id);

  describe(`provider contract: ${label}`, () => {
    it('offers instance types and quotes their prices', withSubject({}, async ({ provider }) => {
      const offers = await provider.offers();
      expect(offers.length).toBeGreaterThan(0);
      for (const offer of offers) {
        expect(offer.slots).toBeGreaterThanOrEqual(1);
        expect(offer.markets.length).toBeGreaterThan(0);
      }
      const prices = await provider.prices();
      const first = offers[0];
      expect(prices.find((p) => p.instanceType === first.name && p.market === first.markets[0])?.perHour).toBeGreaterThanOrEqual(0);
    }));

    it('starts instances carrying the farm tag and the requested worker names', withSubject({}, async (s, launch) => {
      const result = await launch(2);
      expect(result.failed).toEqual([]);
      expect(result.started).toHaveLength(2);
      expect(new Set(result.started.map((i) => i.id)).size).toBe(2);
      for (const instance of result.started) {
        expect(instance.tags[FARM_TAG]).toBe(s.farmId);
        expect(LIVE).toContain(instance.state);
      }
      const listed = await eventually(async () => {
        const ids = await liveIds(s);
        for (const i of result.started) expect(ids).toContain(i.id);
        return s.provider.list(s.farmId);
      });
      const names = new Map(listed.map((i) => [i.id, i.workerName]));
      for (const i of result.started) expect(names.get(i.id)).toBe(i.workerName);
    }));

    it("lists only this farm's instances, found by the coalition:farm tag", withSubject({}, async (s, launch) => {
      const other = `${s.farmId}-other`;
      const mine = await launch(1);
      const theirs = await launch(1, other);
      expect(mine.started).toHaveLength(1);
      expect(theirs.started).toHaveLength(1);
      await eventually(async () => {
        const listed = await s.provider.list(s.farmId);
        expect(listed.map((i) => i.id)).toContain(mine.started[0].id);
        expect(listed.map((i) => i.id)).not.toContain(theirs.started[0].id);
        for (const i of listed) expect(i.tags[FARM_TAG]).toBe(s.farmId);
        const listedOther = await s.provider.list(other);
        expect(listedOther.map((i) => i.id)).toEqual([theirs.started[0].id]);
      });
    }));

    it('terminates an instance: it leaves the list', withSubject({}, async (s, launch) => {
      const { started } = await launch(1);
      expect(started).toHaveLength(1);
      const id = started[0].id;
      await eventually(async () => expect(await liveIds(s)).toContain(id));
      const result = await s.provider.terminate([id]);
      expect(result).toEqual({ terminated: [id], failed: [] });
      await eventually(async () => {
        const listed: ProviderInstance[] = await s.provider.list(s.farmId);
        const still = listed.find((i) => i.id === id);
        expect(still === undefined || still.state === 'terminated').toBe(true);
      });
    }));

    it('terminates idempotently: twice, and an unknown id', withSubject({}, async (s, launch) => {
      const { started } = await launch(1);
      const id = started[0].id;
      expect(await s.provider.terminate([id])).toEqual({ terminated: [id], failed: [] });
      expect(await s.provider.terminate([id])).toEqual({ terminated: [id], failed: [] });
      await eventually(async () => expect(await liveIds(s)).not.toContain(id));
      expect(await s.provider.terminate([id])).toEqual({ terminated: [id], failed: [] });
      const unknown = `unknown-${randomUUID()}`;
      expect(await s.provider.terminate([unknown])).toEqual({ terminated: [unknown], failed: [] });
      expect(await s.provider.terminate([])).toEqual({ terminated: [], failed: [] });
    }));

    it('reports partial success: what started and what failed, with a code', withSubject({ capacity: 1 }, async (s, launch) => {
      const result = await launch(2);
      expect(result.started).toHaveLength(1);
      expect(result.failed).toHaveLength(1);
      const { error, workerName } = result.failed[0];
      expect(error.name).toBe('ProviderError');
      expect(['capacity', 'quota']).toContain(error.code);
      expect(error.message).not.toBe('');
      expect(workerName).not.toBe(result.started[0].workerName);
      await eventually(async () => expect(await liveIds(s)).toEqual([result.started[0].id]));
    }));

    it('skips instances in states it does not know', withSubject({}, async (s, launch) => {
      const { started } = await launch(1);
      const injected = s.injectUnknownState ? await s.injectUnknownState() : undefined;
      const listed = await eventually(async () => {
        const all = await s.provider.list(s.farmId);
        expect(all.map((i) => i.id)).toContain(started[0].id);
        return all;
      });
      for (const i of listed) expect(KNOWN_STATES).toContain(i.state);
      if (injected !== undefined) expect(listed.map((i) => i.id)).not.toContain(injected);
    }));
  });
}

async function launchRequest(s: ContractSubject, count: number, farm: string): Promise<LaunchRequest> {
  const [offer] = await s.provider.offers();
  const run = randomUUID().slice(0, 8);
  return {
    instanceType: offer.name,
    market: offer.markets[0],
    count,
    instances: Array.from({ length: count }, (_, i) => ({
      workerName: `contract-${run}-${i}`,
      workerToken: randomUUID(),
      clientToken: randomUUID(),
    })),
    serverUrl: s.serverUrl ?? (await unusedLocalUrl()),
    tags: { [FARM_TAG]: farm, 'coalition:test': 'contract' },
  };
}

/** A URL on 127.0.0.1 where nothing listens (a port just freed; not one fetch refuses, like 9). */
export async function unusedLocalUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}
