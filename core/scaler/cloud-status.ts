/** What `GET /api/cloud` shows: instances with age, cost so far and current price, and totals. */
import type { Market } from '../plugin-api.ts';
import type { CloudAlert } from './alerts.ts';
import type { BudgetStatus } from './budget.ts';
import { isAlive, workersOf } from './instance-view.ts';
import type { SpendSummary } from './spend.ts';
import type { InstanceRecord, PoolBackoff, ScalerSettings, WorkerView } from './types.ts';

export interface InstanceStatus {
  /** The provider's id (absent while the launch is in flight). */
  id?: string;
  intentId: string;
  state: InstanceRecord['state'];
  instanceType: string;
  market: Market;
  workerName: string;
  launchedAt: number;
  ageSeconds: number;
  busy: boolean;
  /** Current price per hour (0 once terminated). */
  perHour: number;
  /** Billed so far (per second, with the minimum). */
  costSoFar: number;
  reason?: string;
}

export interface CloudStatus {
  provider: string;
  policy: ScalerSettings['policy'];
  settings: ScalerSettings;
  /** What needs a person's attention: instances that never became workers, budgets near or at their limit. */
  alerts: CloudAlert[];
  instances: InstanceStatus[];
  /**
   * `alive` and `perHour` now; `costSoFar` all time (kept across restarts); counters since the
   * farm began; `neverWorkers`: instances that never became workers and what they cost.
   */
  totals: {
    alive: number; perHour: number; costSoFar: number; launches: number; launchFailures: number; terminations: number; interruptions: number; orphans: number;
    neverWorkers: { instances: number; cost: number };
  };
  /** Spend today, this month, per day (UTC), and how much went to jobs versus the farm's overhead. */
  spend: SpendSummary;
  /** The spend rate against budgetPerHour, today and this month against their limits, and what happens when reached. */
  budgets: BudgetStatus;
  /** Pools avoided now: after capacity errors, or after instances that never became workers (`until` far away = blocked). */
  backoffs: PoolBackoff[];
  launchesPausedUntil?: number;
  lastTickAt?: number;
  /** The last decision's "why did / didn't it launch" lines. */
  reasons: string[];
}

const cents = (x: number) => Math.round(x * 10_000) / 10_000;

export function describeInstance(r: InstanceRecord, workers: readonly WorkerView[], now: number, minimumBilledSeconds: number): InstanceStatus {
  const end = r.terminatedAt ?? now;
  const billed = Math.max(minimumBilledSeconds, (end - r.launchedAt) / 1000);
  return {
    id: r.instanceId,
    intentId: r.intentId,
    state: r.state,
    instanceType: r.instanceType,
    market: r.market,
    workerName: r.workerName,
    launchedAt: r.launchedAt,
    ageSeconds: Math.round((end - r.launchedAt) / 1000),
    busy: workersOf(r, workers).some((w) => w.busy),
    perHour: isAlive(r) || r.state === 'terminating' ? r.perHour : 0,
    costSoFar: cents((r.perHour * billed) / 3600),
    reason: r.reason,
  };
}

export function instanceTotals(instances: readonly InstanceStatus[]): { alive: number; perHour: number; costSoFar: number } {
  const alive = instances.filter((i) => i.state !== 'terminated');
  return {
    alive: alive.length,
    perHour: cents(alive.reduce((s, i) => s + i.perHour, 0)),
    costSoFar: cents(instances.reduce((s, i) => s + i.costSoFar, 0)),
  };
}
