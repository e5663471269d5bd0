/**
 * Estimate before you submit: runs the REAL scaler policy in the simulator, from the farm as it
 * is (current prices and settings, the jobs already queued, the instances already running),
 * twice — with the queue alone and with the submission — so the answer is what the submission
 * adds: its cost, when it would finish, and which instances the policy would start for it.
 */
import { lowerBoundCost, simulate, type SimulationOptions } from '../simulator/simulator.ts';
import type { Trace, TraceInstanceType, TraceJob } from '../simulator/trace.ts';
import type { SpendSummary } from '../scaler/spend.ts';
import type { InstanceRecord, OfferView, ScalerSettings } from '../scaler/types.ts';

/** Spot interruptions per hour assumed for every spot pool (the providers do not say). */
export const ASSUMED_SPOT_INTERRUPTIONS_PER_HOUR = 0.05;

export interface EstimateContext {
  offers: OfferView[];
  settings: ScalerSettings;
  /** Alive instance records (they count as supply from the start). */
  instances: InstanceRecord[];
  spend: SpendSummary;
  now: number;
}

export interface EstimatePlanStep {
  atSeconds: number;
  instanceType: string;
  market: 'spot' | 'on-demand';
  count: number;
}

/** What `POST /api/cloud/estimate` answers. */
export interface Estimate {
  policy: ScalerSettings['policy'];
  /** Work jobs in the submission. */
  jobs: number;
  /** What the submission adds to the spend (with it, minus the queue alone). */
  cost: number;
  /** Spend from now until the queue and the submission are done. */
  costWithQueue: number;
  /** Spend from now until the queue alone is done. */
  costOfQueue: number;
  /** The least the submission's work could cost (each job on the cheapest slot that can run it). */
  lowerBound: number;
  /** Seconds from now until its last job finishes; null when the policy would not finish it (no type can run some job). */
  finishInSeconds: number | null;
  finishAt: number | null;
  /** Jobs of the submission no instance type can run. */
  unservableJobs: number;
  /** The launches the policy would make (with the submission), in order. */
  plan: EstimatePlanStep[];
  /** Launches per pool. */
  pools: Array<{ instanceType: string; market: 'spot' | 'on-demand'; instances: number }>;
  peakInstances: number;
  /** What the estimate assumed (durations it did not know, dependencies on existing jobs). */
  assumptions: string[];
  /** What a person should know before submitting (a budget it would exceed). */
  warnings: string[];
}

const round = (x: number, d = 4) => Math.round(x * 10 ** d) / 10 ** d;

/** The trace of the farm as it is: its offers with their prices, its limits. */
export function traceOf(ctx: EstimateContext, jobs: TraceJob[]): Trace {
  const instanceTypes: TraceInstanceType[] = ctx.offers
    .filter((o) => Object.keys(o.prices).length > 0)
    .map((o) => ({
      name: o.name,
      slots: o.slots,
      affinities: o.affinities,
      onDemandPerHour: o.prices['on-demand'] ?? null,
      spotPerHour: ctx.settings.allowSpot ? (o.prices.spot ?? null) : null,
      bootSeconds: o.bootSeconds,
      spotInterruptionsPerHour: ASSUMED_SPOT_INTERRUPTIONS_PER_HOUR,
    }));
  return { name: 'estimate', instanceTypes, limits: { maxInstances: Math.max(1, ctx.settings.maxInstances), maxPerHour: ctx.settings.budgetPerHour }, jobs, seed: 7 };
}

/**
 * Estimates `submission` on top of `queue` (trace jobs; ids unique across both; the
 * submission's top jobs are `submissionTop`). `assumptions` come from building the jobs.
 */
export function estimate(ctx: EstimateContext, queue: TraceJob[], submission: TraceJob[], assumptions: string[] = []): Estimate {
  const settings = ctx.settings;
  const warnings: string[] = [];
  const initialInstances = ctx.instances
    .filter((r) => ctx.offers.some((o) => o.name === r.instanceType && Object.keys(o.prices).length > 0))
    .map((r) => ({
      instanceType: r.instanceType,
      market: r.market,
      readySeconds: r.becameWorkerAt !== undefined ? 0 : Math.max(0, (r.launchedAt + (ctx.offers.find((o) => o.name === r.instanceType)?.bootSeconds ?? 0) * 1000 - ctx.now) / 1000),
    }));
  const base: Omit<SimulationOptions, 'policy'> = { settings, initialInstances, drainSeconds: 6 * 3600 };
  const without = simulate(traceOf(ctx, queue), { ...base, policy: settings.policy });
  const plan: EstimatePlanStep[] = [];
  let alive = initialInstances.length;
  let peak = alive;
  const submissionIds = new Set(submission.map((j) => j.id));
  const top = submission.filter((j) => !j.parent || !submissionIds.has(j.parent)).map((j) => j.id);
  const withIt = simulate(traceOf(ctx, [...queue, ...submission]), {
    ...base,
    policy: settings.policy,
    watchJobs: top,
    onDecision: (at, d) => {
      for (const l of d.launches) plan.push({ atSeconds: Math.round(at), instanceType: l.instanceType, market: l.market, count: l.count });
      alive += d.launches.reduce((n, l) => n + l.count, 0) - d.terminations.length;
      peak = Math.max(peak, alive);
    },
  });
  const pools = new Map<string, { instanceType: string; market: 'spot' | 'on-demand'; instances: number }>();
  for (const step of plan) {
    const key = `${step.instanceType} ${step.market}`;
    const p = pools.get(key) ?? { instanceType: step.instanceType, market: step.market, instances: 0 };
    p.instances += step.count;
    pools.set(key, p);
  }
  const lowerBound = lowerBoundCost(traceOf(ctx, submission));
  const unservable = withIt.unfinishedJobs - without.unfinishedJobs;
  const cost = Math.max(0, withIt.cost - without.cost);
  if (settings.budgetPerDay !== null && ctx.spend.today + cost > settings.budgetPerDay) {
    warnings.push(`it would take today's spend to ${round(ctx.spend.today + cost)}, over the daily budget of ${settings.budgetPerDay}: launches stop when the budget is reached`);
  }
  if (settings.budgetPerMonth !== null && ctx.spend.thisMonth + cost > settings.budgetPerMonth) {
    warnings.push(`it would take this month's spend to ${round(ctx.spend.thisMonth + cost)}, over the monthly budget of ${settings.budgetPerMonth}`);
  }
  if (unservable > 0) warnings.push(`${unservable} job(s) need affinities no instance type offers: no instance would be started for them`);
  const finish = unservable > 0 ? undefined : withIt.watchedFinish;
  return {
    policy: settings.policy,
    jobs: submission.filter((j) => !submission.some((c) => c.parent === j.id)).length,
    cost: round(cost),
    costWithQueue: round(withIt.cost),
    costOfQueue: round(without.cost),
    lowerBound: round(lowerBound),
    finishInSeconds: finish ?? null,
    finishAt: finish === undefined ? null : ctx.now + finish * 1000,
    unservableJobs: Math.max(0, unservable),
    plan: compact(plan),
    pools: [...pools.values()],
    peakInstances: peak,
    assumptions: [
      ...assumptions,
      `spot interruptions assumed at ${ASSUMED_SPOT_INTERRUPTIONS_PER_HOUR} per instance-hour; prices as of the scaler's last tick`,
    ],
    warnings,
  };
}

/** Merges launches of the same pool at the same second. */
function compact(plan: EstimatePlanStep[]): EstimatePlanStep[] {
  const out: EstimatePlanStep[] = [];
  for (const step of plan) {
    const last = out[out.length - 1];
    if (last && last.atSeconds === step.atSeconds && last.instanceType === step.instanceType && last.market === step.market) last.count += step.count;
    else out.push({ ...step });
  }
  return out.slice(0, 200);
}
