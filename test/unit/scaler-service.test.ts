import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../core/clock.ts';
import { ProviderError } from '../../core/plugin-api.ts';
import type { CloudProvider, InstanceTypeOffer, LaunchRequest, LaunchResult, PriceQuote, ProviderInstance, TerminateResult } from '../../core/plugin-api.ts';
import { ScalerService } from '../../core/scaler/scaler-service.ts';
import type { DemandSnapshot, InstanceRepository, ScalerHost } from '../../core/scaler/scaler-service.ts';
import { defaultScalerSettings } from '../../core/scaler/settings.ts';
import type { InstanceRecord, WorkerView } from '../../core/scaler/types.ts';

class MemoryRepository implements InstanceRepository {
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

/** A small in-memory cloud: instances keyed by id, idempotent on clientToken, with scripted failures. */
class FakeCloud implements CloudProvider {
  readonly name = 'fake';
  readonly instances = new Map<string, ProviderInstance>();
  readonly launchCalls: LaunchRequest[] = [];
  private byToken = new Map<string, string>();
  private next = 0;
  /** Returns an error for an instance to fail, or undefined to start it. */
  failWith?: (req: LaunchRequest, index: number) => ProviderError | undefined;
  throwOnLaunch?: Error;
  onLaunch?: (req: LaunchRequest) => void;
  constructor(private clock: FakeClock) {}
  async offers(): Promise<InstanceTypeOffer[]> {
    return [{ name: 'small', slots: 1, affinities: ['linux'], bootSeconds: 60, markets: ['spot', 'on-demand'] }];
  }
  async prices(): Promise<PriceQuote[]> {
    return [
      { instanceType: 'small', market: 'spot', perHour: 0.03, at: this.clock.now() },
      { instanceType: 'small', market: 'on-demand', perHour: 0.08, at: this.clock.now() },
    ];
  }
  async list(farmId: string) {
    return [...this.instances.values()].filter((i) => i.tags['coalition:farm'] === farmId && i.state !== 'terminated');
  }
  async launch(req: LaunchRequest): Promise<LaunchResult> {
    this.launchCalls.push(req);
    this.onLaunch?.(req);
    const result: LaunchResult = { started: [], failed: [] };
    req.instances.forEach((spec, index) => {
      const error = this.failWith?.(req, index);
      if (error) return result.failed.push({ workerName: spec.workerName, error });
      const existing = this.byToken.get(spec.clientToken);
      const id = existing ?? `i-${++this.next}`;
      const inst: ProviderInstance = { id, state: 'pending', instanceType: req.instanceType, market: req.market, workerName: spec.workerName, launchedAt: this.clock.now(), tags: { ...req.tags } };
      this.instances.set(id, inst);
      this.byToken.set(spec.clientToken, id);
      result.started.push(inst);
    });
    if (this.throwOnLaunch) throw this.throwOnLaunch;
    return result;
  }
  async terminate(ids: string[]): Promise<TerminateResult> {
    for (const id of ids) {
      const i = this.instances.get(id);
      if (i) i.state = 'terminated';
    }
    return { terminated: ids, failed: [] };
  }
}

function setup(options: { demand?: DemandSnapshot; workers?: WorkerView[]; repo?: MemoryRepository; clock?: FakeClock; cloud?: FakeCloud } = {}) {
  const clock = options.clock ?? new FakeClock();
  const repo = options.repo ?? new MemoryRepository();
  const cloud = options.cloud ?? new FakeCloud(clock);
  const state = { demand: options.demand ?? { demand: [] }, workers: options.workers ?? [] };
  const tokens: string[] = [];
  const host: ScalerHost = {
    farmId: 'farm-1',
    serverUrl: 'http://10.0.0.5:19211',
    clock,
    logger: { info() {}, warn() {}, error() {}, debug() {} },
    instanceRecords: repo,
    snapshotDemand: () => state.demand,
    snapshotWorkers: () => state.workers,
    issueWorkerToken: (name) => {
      tokens.push(name);
      return `token-for-${name}`;
    },
  };
  let id = 0;
  const service = new ScalerService(host, cloud, { ...defaultScalerSettings, maxInstances: 10 }, { newId: () => `intent${++id}-${Math.random().toString(36).slice(2, 8)}` });
  return { clock, repo, cloud, state, service, tokens };
}

const linuxJobs = (count: number, expectedSeconds = 3600): DemandSnapshot => ({ demand: [{ affinities: ['linux'], count, expectedSeconds }] });

describe('scaler service', () => {
  it('records each launch intent before calling the provider, with its id as idempotency token', async () => {
    const { service, cloud, repo, tokens } = setup({ demand: linuxJobs(2) });
    let seenAtCall: InstanceRecord[] = [];
    cloud.onLaunch = () => {
      seenAtCall = [...repo.rows.values()].map((r) => ({ ...r }));
    };
    await service.tick();
    expect(cloud.launchCalls).toHaveLength(1);
    const req = cloud.launchCalls[0];
    expect(req.tags['coalition:farm']).toBe('farm-1');
    expect(seenAtCall.map((r) => r.state)).toEqual(['launching', 'launching']);
    expect(req.instances.map((i) => i.clientToken).sort()).toEqual(seenAtCall.map((r) => r.intentId).sort());
    expect(req.instances.every((i) => i.workerToken === `token-for-${i.workerName}`)).toBe(true);
    expect(tokens).toHaveLength(2);
    const after = await repo.list();
    expect(after.every((r) => r.state === 'booting' && r.instanceId?.startsWith('i-'))).toBe(true);
  });

  it('keeps what started when part of a launch fails, and backs off the failed pool', async () => {
    const { service, cloud, repo, clock } = setup({ demand: linuxJobs(3) });
    cloud.failWith = (req, index) => (req.market === 'spot' && index === 2 ? new ProviderError('capacity', 'no spot capacity', 'InsufficientInstanceCapacity') : undefined);
    await service.tick();
    const records = await repo.list();
    expect(records).toHaveLength(2);
    expect(records.every((r) => r.state === 'booting')).toBe(true);
    const status = await service.status();
    expect(status.backoffs).toEqual([expect.objectContaining({ instanceType: 'small', market: 'spot' })]);
    expect(service.events().some((e) => e.kind === 'launch-failed' && /capacity/.test(e.message))).toBe(true);
    // Next tick: the missing slot comes from on-demand.
    clock.advance(10_000);
    await service.tick();
    expect(cloud.launchCalls.at(-1)).toMatchObject({ market: 'on-demand', count: 1 });
  });

  it('keeps intents when the launch call itself fails, then adopts the instances that appear instead of launching again', async () => {
    const { service, cloud, repo, clock } = setup({ demand: linuxJobs(1) });
    cloud.throwOnLaunch = new Error('socket hang up');
    await service.tick();
    expect((await repo.list()).map((r) => r.state)).toEqual(['launching']);
    cloud.throwOnLaunch = undefined;
    clock.advance(5_000);
    await service.tick();
    // The first call did start an instance; it is adopted; no second launch for the same job.
    expect(cloud.launchCalls).toHaveLength(1);
    const [r] = await repo.list();
    expect(r).toMatchObject({ state: 'booting', instanceId: 'i-1' });
    expect(service.events().some((e) => e.kind === 'adopt')).toBe(true);
  });

  it('after a restart, picks up its instances instead of launching new ones', async () => {
    const first = setup({ demand: linuxJobs(2) });
    await first.service.tick();
    expect(first.cloud.launchCalls).toHaveLength(1);
    first.clock.advance(20_000);
    const second = setup({ demand: linuxJobs(2), repo: first.repo, clock: first.clock, cloud: first.cloud });
    await second.service.tick();
    expect(first.cloud.launchCalls).toHaveLength(1);
    expect((await second.service.status()).totals.alive).toBe(2);
  });

  it('terminates and reports a tagged instance it has no record of', async () => {
    const { service, cloud } = setup();
    cloud.instances.set('i-99', { id: 'i-99', state: 'running', instanceType: 'small', market: 'spot', workerName: 'cloud-ghost', launchedAt: 0, tags: { 'coalition:farm': 'farm-1' } });
    await service.tick();
    expect(cloud.instances.get('i-99')?.state).toBe('terminated');
    expect(service.events().find((e) => e.kind === 'orphan')?.message).toMatch(/i-99.*no record/);
    expect((await service.status()).totals.orphans).toBe(1);
  });

  it('terminates idle instances and never busy ones; counts spot interruptions', async () => {
    const { service, cloud, state, clock, repo } = setup({ demand: linuxJobs(2) });
    await service.tick();
    const [a, b] = await repo.list();
    for (const i of cloud.instances.values()) i.state = 'running';
    clock.advance(300_000);
    state.demand = { demand: [] };
    state.workers = [
      { name: a.workerName, affinities: ['linux'], busy: true, jobStartedAt: clock.now() - 100_000 },
      { name: b.workerName, affinities: ['linux'], busy: false, idleSince: clock.now() - 30_000, interrupted: false },
    ];
    await service.tick();
    expect(cloud.instances.get(a.instanceId!)?.state).toBe('running');
    expect(cloud.instances.get(b.instanceId!)?.state).toBe('terminated');
    const status = await service.status();
    expect(status.instances.find((i) => i.id === b.instanceId)?.state).toBe('terminated');
    expect(status.instances.find((i) => i.id === a.instanceId)).toMatchObject({ state: 'ready', busy: true });
    state.workers = [{ ...state.workers[0], interrupted: true }];
    await service.tick();
    expect((await service.status()).totals.interruptions).toBe(1);
  });

  it('the terminate button with no ids stops every idle instance', async () => {
    const { service, cloud, state, repo } = setup({ demand: linuxJobs(3) });
    await service.tick();
    const [a, b, c] = await repo.list();
    state.workers = [
      { name: a.workerName, affinities: ['linux'], busy: true },
      { name: b.workerName, affinities: ['linux'], busy: false },
    ];
    const result = await service.terminate();
    expect(result.terminated.sort()).toEqual([b.instanceId, c.instanceId].sort());
    expect(cloud.instances.get(a.instanceId!)?.state).toBe('pending');
    await expect(service.terminate(['i-unknown'])).rejects.toMatchObject({ code: 'not_found' });
  });

  it('explains in its event history why it did not launch', async () => {
    const { service } = setup({ demand: { demand: [{ affinities: ['gpu'], count: 4, expectedSeconds: 600 }] } });
    await service.tick();
    const decision = service.events().find((e) => e.kind === 'decision');
    expect(decision?.reasons).toContain('no instance type can serve affinity gpu — not launching for 4 job(s)');
  });
});
