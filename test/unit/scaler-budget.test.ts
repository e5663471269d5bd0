import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../core/clock.ts';
import type { CloudProvider, LaunchRequest, ProviderInstance } from '../../core/plugin-api.ts';
import type { AlertChange } from '../../core/scaler/alerts.ts';
import { ScalerService, type InstanceRepository, type ScalerHost } from '../../core/scaler/scaler-service.ts';
import { defaultScalerSettings } from '../../core/scaler/settings.ts';
import { summarize, type SpendBook, type SpendSummary } from '../../core/scaler/spend.ts';
import type { InstanceRecord, ScalerSettings, WorkerView } from '../../core/scaler/types.ts';

function setup(settings: Partial<ScalerSettings>) {
  const clock = new FakeClock();
  const rows = new Map<string, InstanceRecord>();
  const repo: InstanceRepository = { list: async () => [...rows.values()].map((r) => ({ ...r })), put: async (r) => void rows.set(r.intentId, { ...r }), remove: async (id) => void rows.delete(id) };
  const instances = new Map<string, ProviderInstance>();
  const launches: LaunchRequest[] = [];
  const cloud: CloudProvider = {
    name: 'fake',
    offers: async () => [{ name: 'small', slots: 1, affinities: ['linux'], bootSeconds: 60, markets: ['on-demand'] }],
    prices: async () => [{ instanceType: 'small', market: 'on-demand', perHour: 1, at: 0 }],
    list: async () => [...instances.values()].filter((i) => i.state !== 'terminated'),
    launch: async (req) => {
      launches.push(req);
      const started = req.instances.map((s, k) => ({ id: `i-${launches.length}-${k}`, state: 'running' as const, instanceType: req.instanceType, market: req.market, workerName: s.workerName, launchedAt: clock.now(), tags: req.tags }));
      for (const i of started) instances.set(i.id, i);
      return { started, failed: [] };
    },
    terminate: async (ids) => {
      for (const id of ids) instances.get(id)!.state = 'terminated';
      return { terminated: ids, failed: [] };
    },
  };
  const spent = { today: 0, thisMonth: 0 };
  const spend: SpendBook = {
    settle: async () => {},
    summary: (): SpendSummary => ({ ...summarize([], clock.now()), today: spent.today, thisMonth: spent.thisMonth }),
  };
  const workers: WorkerView[] = [];
  const demand = { affinities: ['linux'], count: 3, expectedSeconds: 3600 };
  const host: ScalerHost = {
    farmId: 'f', serverUrl: 'http://10.0.0.5:19211', clock, logger: { info() {}, warn() {}, error() {}, debug() {} }, instanceRecords: repo,
    snapshotDemand: () => ({ demand: [demand] }),
    snapshotWorkers: () => workers,
    issueWorkerToken: () => 'tok',
    spend,
  };
  const service = new ScalerService(host, cloud, { ...defaultScalerSettings, ...settings });
  const changes: AlertChange[] = [];
  service.onAlert((c) => changes.push(c));
  return { service, spent, launches, instances, workers, clock, changes, demand };
}

describe('daily and monthly budgets in the scaler', () => {
  it('raises the threshold alert, then stops launching at the limit with the reason, and tells observers', async () => {
    const { service, spent, launches, changes, demand } = setup({ budgetPerDay: 10, budgetAlertFraction: 0.8 });
    spent.today = 8.2;
    await service.tick();
    expect(launches).toHaveLength(1);
    let status = await service.status();
    expect(status.alerts.map((a) => a.code)).toEqual(['budget-threshold']);
    expect(status.budgets.perDay).toMatchObject({ limit: 10, spent: 8.2, state: 'alert' });
    spent.today = 10.01;
    demand.count = 6;
    await service.tick();
    expect(launches).toHaveLength(1);
    status = await service.status();
    expect(status.reasons).toContain('daily budget 10 reached (spent 10.01 today, UTC): not launching');
    expect(status.budgets).toMatchObject({ stopLaunching: true, reason: 'daily budget 10 reached (spent 10.01 today, UTC): not launching' });
    expect(status.alerts.map((a) => [a.code, a.severity])).toEqual([['budget-reached', 'error']]);
    expect(changes.map((c) => `${c.change} ${c.alert.code}`)).toEqual(['raised budget-threshold', 'updated budget-reached']);
    // The alert cannot be acknowledged away: it clears when the budget allows again.
    await expect(service.acknowledge('budget-reached')).rejects.toMatchObject({ code: 'conflict' });
    await service.updateSettings({ budgetPerDay: 50 });
    await service.tick();
    expect(launches.length).toBeGreaterThan(1);
    expect((await service.status()).alerts).toEqual([]);
  });

  it("shows the spend rate of now beside the totals, not the last tick's, once instances are gone", async () => {
    const { service, launches, instances } = setup({ budgetPerHour: 10 });
    await service.tick();
    expect(launches).toHaveLength(1);
    let status = await service.status();
    expect(status.budgets.perHour.spent).toBe(status.totals.perHour);
    expect(status.totals.perHour).toBeGreaterThan(0);
    await service.terminate([...instances.keys()]);
    status = await service.status();
    expect(status.totals.perHour).toBe(0);
    expect(status.budgets.perHour.spent).toBe(0);
  });

  it('with stop-jobs, paid instances take no new job and the idle ones go; busy ones finish first', async () => {
    const { service, spent, launches, instances, workers, clock } = setup({ budgetPerMonth: 5, budgetAction: 'stop-jobs' });
    await service.tick();
    const [busy, idle] = launches[0].instances.map((i) => i.workerName);
    workers.push({ name: busy, affinities: ['linux'], busy: true, jobStartedAt: clock.now() }, { name: idle, affinities: ['linux'], busy: false, idleSince: clock.now() });
    clock.advance(120_000);
    await service.tick();
    expect(service.holdsJobsOf(idle)).toBe(false);
    spent.thisMonth = 5;
    clock.advance(15_000);
    await service.tick();
    expect(service.holdsJobsOf(busy)).toBe(true);
    expect(service.holdsJobsOf('office-pc')).toBe(false);
    const states = new Map([...instances.values()].map((i) => [i.workerName, i.state]));
    expect(states.get(idle)).toBe('terminated');
    expect(states.get(busy)).toBe('running');
    expect((await service.status()).budgets).toMatchObject({ stopLaunching: true, stopJobs: true, reason: expect.stringMatching(/paid instances take no new job/) });
  });
});
