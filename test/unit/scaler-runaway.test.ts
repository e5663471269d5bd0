/**
 * Instances that never become workers (wrong publicurl, the server's group not attached, a
 * broken bootstrap) must not turn into a batch billed every boot deadline, forever.
 */
import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../core/clock.ts';
import type { CloudProvider, InstanceTypeOffer, LaunchRequest, LaunchResult, PriceQuote, ProviderInstance, TerminateResult } from '../../core/plugin-api.ts';
import { ScalerService, type InstanceRepository, type PersistedScalerState, type ScalerHost } from '../../core/scaler/scaler-service.ts';
import { BootWatch } from '../../core/scaler/boot-watch.ts';
import { defaultScalerSettings } from '../../core/scaler/settings.ts';
import type { InstanceRecord, WorkerView } from '../../core/scaler/types.ts';

class Repo implements InstanceRepository {
  readonly rows = new Map<string, InstanceRecord>();
  async list() {
    return [...this.rows.values()].map((r) => ({ ...r }));
  }
  async put(r: InstanceRecord) {
    this.rows.set(r.intentId, { ...r });
  }
  async remove(id: string) {
    this.rows.delete(id);
  }
}

/** Instances start and run, but (like a wrong publicurl) their workers never call in. */
class SilentCloud implements CloudProvider {
  readonly name = 'silent';
  readonly launches: LaunchRequest[] = [];
  readonly instances = new Map<string, ProviderInstance>();
  private n = 0;
  constructor(private readonly clock: FakeClock) {}
  async offers(): Promise<InstanceTypeOffer[]> {
    return [{ name: 'small', slots: 1, affinities: ['linux'], bootSeconds: 120, markets: ['spot', 'on-demand'] }];
  }
  async prices(): Promise<PriceQuote[]> {
    return [{ instanceType: 'small', market: 'spot', perHour: 0.04, at: 0 }, { instanceType: 'small', market: 'on-demand', perHour: 0.1, at: 0 }];
  }
  async list(farm: string) {
    return [...this.instances.values()].filter((i) => i.tags['coalition:farm'] === farm && i.state !== 'terminated');
  }
  async launch(req: LaunchRequest): Promise<LaunchResult> {
    this.launches.push(req);
    const started = req.instances.map((spec) => {
      const i: ProviderInstance = { id: `i-${++this.n}`, state: 'running', instanceType: req.instanceType, market: req.market, workerName: spec.workerName, launchedAt: this.clock.now(), tags: { ...req.tags } };
      this.instances.set(i.id, i);
      return i;
    });
    return { started, failed: [] };
  }
  async terminate(ids: string[]): Promise<TerminateResult> {
    for (const id of ids) if (this.instances.get(id)) this.instances.get(id)!.state = 'terminated';
    return { terminated: ids, failed: [] };
  }
  bootFailureCauses({ serverUrl, instanceIds }: { serverUrl: string; instanceIds: string[] }) {
    return [{ cause: `wrong server URL ${serverUrl}`, howToCheck: `console output of ${instanceIds.join(', ')}` }];
  }
}

function setup(o: { state?: PersistedScalerState; clock?: FakeClock; cloud?: SilentCloud; repo?: Repo; workers?: WorkerView[] } = {}) {
  const clock = o.clock ?? new FakeClock();
  const cloud = o.cloud ?? new SilentCloud(clock);
  const repo = o.repo ?? new Repo();
  const saved: PersistedScalerState[] = [];
  const host: ScalerHost = {
    farmId: 'farm-1',
    serverUrl: 'http://10.0.0.5:19211',
    clock,
    logger: { info() {}, warn() {}, error() {}, debug() {} },
    instanceRecords: repo,
    snapshotDemand: () => ({ demand: [{ affinities: ['linux'], count: 2, expectedSeconds: 3600 }] }),
    snapshotWorkers: () => o.workers ?? [],
    issueWorkerToken: (name) => `t-${name}`,
    saveState: (s) => void saved.push(structuredClone(s)),
  };
  const service = new ScalerService(host, cloud, { ...defaultScalerSettings, bootDeadlineSeconds: 900, bootMissBackoffSeconds: 900, maxBootMisses: 3 }, { state: o.state });
  return { clock, cloud, repo, service, saved };
}

const launched = (cloud: SilentCloud) => cloud.launches.reduce((n, l) => n + l.count, 0);

/** Ticks every 15 s for `seconds` of fake time. */
async function run(service: ScalerService, clock: FakeClock, seconds: number): Promise<void> {
  for (let t = 0; t < seconds; t += 15) {
    clock.advance(15_000);
    await service.tick();
  }
}

describe('runaway guard: instances that never become workers', () => {
  it('does not relaunch a batch every boot deadline: after 3 misses in a row launches stop, for hours', async () => {
    const { service, cloud, clock } = setup();
    await service.tick();
    expect(launched(cloud)).toBe(2);
    await run(service, clock, 6 * 3600);
    // Without the guard: a new batch of 2 every 15 minutes, 48 launches in 6 hours.
    expect(launched(cloud)).toBeLessThanOrEqual(4);
    expect([...cloud.instances.values()].filter((i) => i.state !== 'terminated')).toEqual([]);
    const status = await service.status();
    expect(status.reasons.join('\n')).toMatch(/launches stopped: the last \d instances never became workers/);
    expect(status.totals.neverWorkers.instances).toBe(launched(cloud));
    expect(status.totals.neverWorkers.cost).toBeGreaterThan(0);
  });

  it('shows an alert naming the likely causes and how to check each, and what they cost for nothing', async () => {
    const { service, clock } = setup();
    await service.tick();
    await run(service, clock, 16 * 60);
    const [alert] = (await service.status()).alerts;
    expect(alert).toMatchObject({ code: 'boot-deadline-missed', acknowledgeable: true, since: expect.any(Number) });
    expect(alert.message).toMatch(/2 instance\(s\) never became workers within the 900s boot deadline \(i-1, i-2\) and cost 0\.\d+ for nothing/);
    // The provider's own causes, with the farm's values.
    expect(alert.causes).toEqual([{ cause: 'wrong server URL http://10.0.0.5:19211', howToCheck: expect.stringContaining('console output of') }]);
    expect(alert.details).toMatchObject({ wastedCost: expect.any(Number), instances: ['i-1', 'i-2'] });
  });

  it('backs the pool off with a growing delay: each miss in a row waits twice as long, then the pool is blocked', () => {
    const watch = new BootWatch();
    const settings = { ...defaultScalerSettings, bootMissBackoffSeconds: 900, maxBootMisses: 3 };
    const r = (n: number): InstanceRecord => ({ intentId: `x${n}`, instanceId: `i-${n}`, instanceType: 'small', market: 'spot', state: 'booting', launchedAt: n * 1000, workerName: `w${n}`, perHour: 0.04, slots: 1 });
    const waitAfter = (n: number, now: number) => {
      watch.missed(r(n), now, 0.01, settings);
      const b = watch.backoffs(now, settings).find((x) => x.instanceType === 'small' && x.market === 'spot')!;
      return b.until === Number.MAX_SAFE_INTEGER ? 'blocked' : (b.until - now) / 1000;
    };
    expect(waitAfter(1, 10_000)).toBe(900);
    expect(waitAfter(2, 20_000)).toBe(1800);
    expect(waitAfter(3, 30_000)).toBe('blocked');
    // An instance of the pool that becomes a worker ends the run of misses.
    watch.becameWorker(r(4), 40_000);
    expect(waitAfter(5, 50_000)).toBe(900);
  });

  it('clears the alert when an instance becomes a worker after all', async () => {
    const workers: WorkerView[] = [];
    const { service, clock, cloud } = setup({ workers });
    await service.tick();
    await run(service, clock, 15 * 60 + 45); // the spot batch missed; the policy buys on-demand meanwhile
    expect((await service.status()).alerts.map((a) => a.code)).toEqual(['boot-deadline-missed']);
    const onDemand = cloud.launches.find((l) => l.market === 'on-demand')!;
    workers.push({ name: onDemand.instances[0].workerName, affinities: ['linux'], busy: true, jobStartedAt: clock.now() });
    await run(service, clock, 30);
    expect((await service.status()).alerts).toEqual([]);
  });

  it('launches again once acknowledged; refuses to acknowledge an alert that is not raised', async () => {
    const { service, cloud, clock } = setup();
    await service.tick();
    await run(service, clock, 3 * 3600);
    const before = launched(cloud);
    await run(service, clock, 3600);
    expect(launched(cloud)).toBe(before);
    await expect(service.acknowledge('budget-reached')).rejects.toMatchObject({ code: 'not_found' });
    const ack = await service.acknowledge('boot-deadline-missed');
    expect(ack.alerts).toEqual([]);
    await service.tick();
    expect(launched(cloud)).toBeGreaterThan(before);
  });

  it('stays stopped across a restart (the guard persists)', async () => {
    const first = setup();
    await first.service.tick();
    await run(first.service, first.clock, 3 * 3600);
    const stoppedAt = launched(first.cloud);
    const second = setup({ state: first.saved.at(-1), clock: first.clock, cloud: first.cloud, repo: first.repo });
    await run(second.service, second.clock, 3600);
    expect(launched(first.cloud)).toBe(stoppedAt);
    expect((await second.service.status()).alerts.map((a) => a.code)).toEqual(['boot-deadline-missed']);
  });
});

describe('settings and totals survive a restart', () => {
  it('keeps settings changed through the API and the launch and cost totals', async () => {
    const first = setup();
    await first.service.tick();
    await first.service.updateSettings({ maxInstances: 7, budgetPerDay: 12 });
    await run(first.service, first.clock, 16 * 60);
    const totals = (await first.service.status()).totals;
    expect(totals.launches).toBeGreaterThanOrEqual(2);
    const state = first.saved.at(-1)!;
    const second = setup({ state, clock: first.clock });
    expect(second.service.getSettings()).toMatchObject({ maxInstances: 7, budgetPerDay: 12 });
    expect((await second.service.status()).totals).toMatchObject({ launches: totals.launches, terminations: totals.terminations, neverWorkers: totals.neverWorkers });
  });
});
