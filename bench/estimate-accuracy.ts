/**
 * How close `POST /api/cloud/estimate` comes to what running the work actually costs: for each
 * trace, the estimate is made the way a person would ask for it (each job's duration replaced
 * by the mean of its siblings, "frames take ~5 min"; spot interruptions at the assumed rate, not
 * the trace's; another random seed), through the same function the endpoint runs, and compared
 * with the simulated run of the real trace.
 */
import { estimate } from '../core/cloud/estimate.ts';
import { summarize } from '../core/scaler/spend.ts';
import type { OfferView } from '../core/scaler/types.ts';
import { settingsForTrace, type SimulationResult } from '../core/simulator/simulator.ts';
import type { Trace, TraceJob } from '../core/simulator/trace.ts';

export interface EstimateAccuracy {
  trace: string;
  estimatedCost: number;
  actualCost: number;
  costRatio: number;
  estimatedFinish: number | null;
  actualFinish: number;
  finishRatio: number | null;
}

/** The jobs as someone would describe them: every job the mean duration of its siblings of the same affinity. */
function asDescribed(jobs: readonly TraceJob[]): TraceJob[] {
  const groups = new Map<string, { sum: number; n: number }>();
  const key = (j: TraceJob) => `${j.parent ?? 0}|${j.affinity ?? ''}`;
  const parents = new Set(jobs.map((j) => j.parent).filter(Boolean));
  for (const j of jobs) {
    if (parents.has(j.id)) continue;
    const g = groups.get(key(j)) ?? { sum: 0, n: 0 };
    g.sum += j.duration;
    g.n++;
    groups.set(key(j), g);
  }
  return jobs.map((j) => (parents.has(j.id) ? { ...j } : { ...j, duration: Math.round(groups.get(key(j))!.sum / groups.get(key(j))!.n) }));
}

export function estimateAccuracy(trace: Trace, actual: SimulationResult): EstimateAccuracy {
  const offers: OfferView[] = trace.instanceTypes.map((t) => ({
    name: t.name,
    slots: t.slots,
    affinities: [...t.affinities].sort(),
    bootSeconds: t.bootSeconds,
    prices: { ...(t.onDemandPerHour != null ? { 'on-demand': t.onDemandPerHour } : {}), ...(t.spotPerHour != null ? { spot: t.spotPerHour } : {}) },
  }));
  const e = estimate({ offers, settings: settingsForTrace(trace, 'cost'), instances: [], spend: summarize([], 0), now: 0 }, [], asDescribed(trace.jobs));
  const r = (x: number) => Math.round(x * 1000) / 1000;
  return {
    trace: trace.name ?? '?',
    estimatedCost: e.cost,
    actualCost: actual.cost,
    costRatio: r(e.cost / actual.cost),
    estimatedFinish: e.finishInSeconds,
    actualFinish: actual.makespan,
    finishRatio: e.finishInSeconds === null ? null : r(e.finishInSeconds / actual.makespan),
  };
}
