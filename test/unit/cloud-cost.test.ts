import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { trackJobCosts } from '../../core/cloud/job-costs.ts';
import { SpendLedger } from '../../core/cloud/spend-ledger.ts';
import { budgetAlerts, budgetStatus } from '../../core/scaler/budget.ts';
import { defaultScalerSettings } from '../../core/scaler/settings.ts';
import { costByDay, instanceSpend } from '../../core/scaler/spend.ts';
import type { InstanceRecord } from '../../core/scaler/types.ts';
import { JournalCollection } from '../../core/store/journal-collection.ts';
import { openFarm } from './farm-helpers.ts';

const T0 = Date.UTC(2026, 0, 31, 23, 59, 30);
const record = (patch: Partial<InstanceRecord> = {}): InstanceRecord => ({
  intentId: 'intent-1', instanceId: 'i-1', instanceType: 'c6a.2xlarge', market: 'spot', state: 'ready', launchedAt: T0,
  workerName: 'cloud-abc', becameWorkerAt: T0 + 100_000, perHour: 3.6, slots: 2, ...patch,
});

describe('what an instance costs (per-second billing, 60 s minimum, UTC days)', () => {
  it('splits across midnight and bills the minimum to the launch day', () => {
    expect(costByDay(T0, T0 + 70_000, 3.6, 60)).toEqual({ '2026-01-31': expect.closeTo(0.03, 9), '2026-02-01': expect.closeTo(0.04, 9) });
    expect(costByDay(T0 + 60_000, T0 + 80_000, 3.6, 60)).toEqual({ '2026-02-01': expect.closeTo(0.06, 9) });
  });

  it('splits the cost into the jobs\' shares, boot and idle; an instance that never became a worker is all waste', () => {
    const s = instanceSpend(record({ terminatedAt: T0 + 1_000_000, state: 'terminated' }), 0.5, T0 + 2_000_000, 60);
    expect(s.total).toBeCloseTo(1.0, 9); // 1000 s at 0.001/s
    expect(s.boot).toBeCloseTo(0.1, 9);
    expect(s.jobs).toBeCloseTo(0.5, 9);
    expect(s.idle).toBeCloseTo(0.4, 9);
    const never = instanceSpend(record({ becameWorkerAt: undefined, terminatedAt: T0 + 900_000, state: 'terminated' }), 0, T0 + 900_000, 60);
    expect(never).toMatchObject({ neverWorker: expect.closeTo(0.9, 9), jobs: 0, boot: 0, idle: 0 });
  });
});

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
const tmp = () => {
  const d = mkdtempSync(join(tmpdir(), 'coalition-spend-'));
  dirs.push(d);
  return d;
};

describe('spend ledger', () => {
  it('settles each gone instance once, keeps it across a restart, and counts live ones up to now', async () => {
    const file = join(tmp(), 'spend.db');
    const collection = new JournalCollection(file);
    const ledger = new SpendLedger(collection);
    await ledger.load(T0);
    await ledger.noteRun('intent-1', 0.25);
    const gone = record({ state: 'terminated', terminatedAt: T0 + 1_000_000 });
    await ledger.settle([gone], 60);
    await ledger.settle([gone], 60);
    const live = record({ intentId: 'intent-2', instanceId: 'i-2', launchedAt: T0 + 500_000, becameWorkerAt: T0 + 560_000 });
    const now = T0 + 1_500_000;
    const first = ledger.summary([gone, live], now, 60);
    expect(first.allTime).toBeCloseTo(1.0 + 1.0, 6);
    expect(first.today).toBeCloseTo(first.allTime - 0.03, 6); // 30 s of the first were on Jan 31
    expect(first.perDay.map((d) => d.day)).toEqual(['2026-02-01', '2026-01-31']);
    expect(first.jobs).toBeCloseTo(0.25, 6);
    expect(first.overhead.boot).toBeCloseTo(0.1 + 0.06, 6);

    await collection.close();
    const again = new JournalCollection(file);
    const reopened = new SpendLedger(again);
    await reopened.load(now);
    // The terminated record is gone from the scaler after a day: the ledger still knows it.
    expect(reopened.summary([live], now, 60)).toEqual(first);
    await again.close();
  });
});

describe('budgets', () => {
  const settings = { ...defaultScalerSettings, budgetPerDay: 10, budgetPerMonth: 100, budgetAlertFraction: 0.8 };

  it('warns at the threshold and stops launching when a limit is reached, saying why', () => {
    const warn = budgetStatus(settings, { today: 8.5, thisMonth: 20, perHourNow: 1 });
    expect(warn.perDay).toMatchObject({ state: 'alert', fraction: 0.85 });
    expect(warn.stopLaunching).toBe(false);
    expect(budgetAlerts(warn)).toEqual([expect.objectContaining({ code: 'budget-threshold', key: 'budget-day', severity: 'warning' })]);
    const reached = budgetStatus(settings, { today: 10.2, thisMonth: 101, perHourNow: 1 });
    expect(reached).toMatchObject({ stopLaunching: true, stopJobs: false });
    expect(reached.reason).toBe('daily budget 10 reached (spent 10.2 today, UTC); monthly budget 100 reached (spent 101 this month, UTC): not launching');
    expect(budgetAlerts(reached).map((a) => [a.code, a.key])).toEqual([['budget-reached', 'budget-day'], ['budget-reached', 'budget-month']]);
    expect(budgetStatus({ ...settings, budgetAction: 'stop-jobs' }, { today: 11, thisMonth: 0, perHourNow: 0 })).toMatchObject({ stopJobs: true });
  });
});

describe('cost per job', () => {
  it("records each run's share of its instance (slots shared), sums it up the tree, and keeps it across a restart", async () => {
    const dataDir = tmp();
    const env = await openFarm(dataDir);
    const spendDb = new JournalCollection(join(dataDir, 'spend.db'));
    const ledger = new SpendLedger(spendDb);
    await ledger.load(env.clock.now());
    // A 2-slot instance at 3.6/h: a slot-second costs 0.0005.
    const records = [record({ workerName: 'cloud-abc' })];
    const stop = trackJobCosts(env.farm, () => records, ledger);
    const shot = await env.submit({ title: 'shot', children: [{ title: 'render', children: [{ title: 'f1', command: 'true' }, { title: 'f2', command: 'true' }] }, { title: 'local', command: 'true' }] });
    const [render] = env.farm.tree.childrenOf(shot.id);
    const f1 = await env.pick('cloud-abc-1');
    env.clock.advance(100_000);
    await env.end('cloud-abc-1', f1!.id);
    const f2 = await env.pick('cloud-abc-2');
    env.clock.advance(40_000);
    await env.end('cloud-abc-2', f2!.id);
    const local = await env.pick('office-pc');
    env.clock.advance(10_000);
    await env.end('office-pc', local!.id);
    expect(env.farm.tree.get(f1!.id)!.cost).toBeCloseTo(0.05, 9);
    expect(env.farm.tree.get(f2!.id)!.cost).toBeCloseTo(0.02, 9);
    expect(env.farm.tree.get(local!.id)!.cost).toBe(0); // not a cloud worker
    expect(render.cost).toBeCloseTo(0.07, 9);
    expect(shot.cost).toBeCloseTo(0.07, 9);
    expect(env.farm.events.query({ job: f1!.id }, env.farm.nowSeconds())[0].cost).toBeCloseTo(0.05, 9);
    expect(ledger.jobSharesOf('intent-1')).toBeCloseTo(0.07, 9);
    stop();
    await env.close(false);

    const again = await openFarm(dataDir);
    const stop2 = trackJobCosts(again.farm, () => records, ledger);
    expect(again.farm.tree.get(shot.id)!.cost).toBeCloseTo(0.07, 9);
    expect(again.farm.tree.get(render.id)!.cost).toBeCloseTo(0.07, 9);
    // Deleting a subtree takes its cost out of the groups above it.
    await again.farm.remove([f2!.id]);
    expect(again.farm.tree.get(shot.id)!.cost).toBeCloseTo(0.05, 9);
    stop2();
    await again.close(false);
    await spendDb.close();
  });
});
