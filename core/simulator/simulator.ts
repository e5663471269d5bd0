/**
 * A discrete-event simulator: replays a trace against the REAL scaler decision function
 * ({@link decide}) and a simulated provider (boot times, prices, seeded spot interruptions,
 * per-second billing with a minimum), in virtual time.
 */
import { decide } from '../scaler/policy.ts';
import { defaultScalerSettings } from '../scaler/settings.ts';
import { canServe } from '../scaler/instance-view.ts';
import type { LaunchOrder, PolicyName, ScalerDecision, ScalerSettings } from '../scaler/types.ts';
import { EventQueue } from './event-queue.ts';
import { JobGraph } from './job-graph.ts';
import type { SimJob } from './job-graph.ts';
import { SeededRandom } from './random.ts';
import { SimulatedFarm } from './simulated-farm.ts';
import type { Trace } from './trace.ts';

export interface SimulationResult {
  policy: PolicyName;
  trace?: string;
  /** Currency spent on instances. */
  cost: number;
  /** Σ job duration × cheapest eligible price per slot-second. */
  lowerBound: number;
  costRatio: number;
  /** Seconds from the start to the last job's end. */
  makespan: number;
  /** Seconds from runnable to started, over finished jobs. */
  meanWait: number;
  p95Wait: number;
  idleInstanceSeconds: number;
  bootInstanceSeconds: number;
  launches: number;
  interruptions: number;
  unfinishedJobs: number;
  /** Instances launched while no runnable job could run on their type. */
  launchesForUnservable: number;
  /** Instances still running when the simulation ended (they are billed to the end). */
  instancesLeftRunning: number;
  /** Seconds until the last of `watchJobs` (and their subtrees) finished; undefined when not asked or not all finished. */
  watchedFinish?: number;
}

export interface SimulationOptions {
  policy: PolicyName;
  /** Overrides of the scaler settings (after the trace's limits). */
  settings?: Partial<ScalerSettings>;
  /** Seconds between scaler ticks (there is also a tick on every submit, job end and instance loss). */
  tickSeconds?: number;
  /** Seconds the farm may keep instances after the last job before the run stops. */
  drainSeconds?: number;
  /** Called with every decision that launches or terminates something (for explanations and debugging). */
  onDecision?: (atSeconds: number, decision: ScalerDecision) => void;
  /** Instances running at time 0 (an estimate starts from the farm as it is), ready after `readySeconds`. */
  initialInstances?: Array<{ instanceType: string; market: LaunchOrder['market']; readySeconds: number }>;
  /** Job ids whose finish time to report in `watchedFinish` (groups count with their subtrees). */
  watchJobs?: number[];
}

type SimEvent =
  | { kind: 'submit'; job: SimJob }
  | { kind: 'finish'; job: SimJob; run: number }
  | { kind: 'ready'; instanceId: string }
  | { kind: 'interrupt'; instanceId: string };

/** Virtual time 0 in ms since the epoch, so decisions see realistic timestamps. */
const EPOCH = 1_700_000_000_000;

/** Settings a policy runs with on a trace: classic gets the old defaults, both get the trace's limits. */
export function settingsForTrace(trace: Trace, policy: PolicyName, overrides: Partial<ScalerSettings> = {}): ScalerSettings {
  const maxInstances = trace.limits?.maxInstances ?? defaultScalerSettings.maxInstances;
  return {
    ...defaultScalerSettings,
    policy,
    workerinstancemax: maxInstances,
    workerinstancestartdelay: 30,
    workerinstanceminimumlifetime: 900,
    maxInstances,
    budgetPerHour: trace.limits?.maxPerHour ?? null,
    ...overrides,
  };
}

/** Σ duration × the cheapest price per slot-second among the types (and markets) that can run each job. */
export function lowerBoundCost(trace: Trace, graph = new JobGraph(trace.jobs)): number {
  let total = 0;
  for (const job of graph.workJobs) {
    let best = Infinity;
    for (const t of trace.instanceTypes) {
      if (!canServe(job.affinities, t.affinities)) continue;
      for (const price of [t.onDemandPerHour, t.spotPerHour]) if (price != null) best = Math.min(best, price / 3600 / t.slots);
    }
    if (Number.isFinite(best)) total += job.spec.duration * best;
  }
  return total;
}

export function simulate(trace: Trace, options: SimulationOptions): SimulationResult {
  const settings = settingsForTrace(trace, options.policy, options.settings);
  const tick = options.tickSeconds ?? 10;
  const drain = options.drainSeconds ?? 6 * 3600;
  const rng = new SeededRandom(trace.seed ?? 1);
  const graph = new JobGraph(trace.jobs);
  const queue = new EventQueue<SimEvent>();
  const farm = new SimulatedFarm(trace, settings, graph, rng, EPOCH);
  for (const job of graph.jobs.values()) queue.push(job.spec.submit, { kind: 'submit', job });
  for (const initial of options.initialInstances ?? []) {
    for (const inst of farm.launch({ instanceType: initial.instanceType, market: initial.market, count: 1, reason: 'running when the estimate was made' }, 0)) {
      queue.push(Math.max(0, initial.readySeconds), { kind: 'ready', instanceId: inst.id });
      if (Number.isFinite(inst.interruptAt)) queue.push(inst.interruptAt, { kind: 'interrupt', instanceId: inst.id });
    }
  }

  let now = 0;
  // The first tick is at 0: with instances already running the farm is active from the start.
  let lastTick = -tick;
  let lastProgress = 0;
  let launchesForUnservable = 0;
  const workJobs = graph.workJobs.length;
  const unfinished = () => workJobs - farm.finishedCount();

  const apply = (at: number) => {
    const snapshot = farm.snapshot(at);
    const decision = decide(snapshot);
    if (options.onDecision && (decision.launches.length > 0 || decision.terminations.length > 0)) options.onDecision(at, decision);
    for (const t of decision.terminations) farm.terminate(t.instanceId, at);
    for (const order of decision.launches) {
      if (!servesAnyDemand(order, snapshot.demand.map((g) => g.affinities), trace)) launchesForUnservable += order.count;
      for (const inst of farm.launch(order, at)) {
        queue.push(inst.readyAfter, { kind: 'ready', instanceId: inst.id });
        if (Number.isFinite(inst.interruptAt)) queue.push(inst.interruptAt, { kind: 'interrupt', instanceId: inst.id });
      }
      lastProgress = at;
    }
  };

  for (;;) {
    const active = farm.aliveCount() > 0 || farm.waitingCount() > 0;
    const nextTick = active ? lastTick + tick : Infinity;
    const at = Math.min(queue.peekTime(), nextTick);
    if (!Number.isFinite(at)) break;
    if (unfinished() === 0 ? at - farm.lastFinish() > drain : at - lastProgress > drain) break;
    now = at;
    let poke = false;
    while (queue.peekTime() === at) {
      const { event } = queue.pop()!;
      poke = true;
      switch (event.kind) {
        case 'submit':
          farm.released(graph.submit(event.job, at), at);
          break;
        case 'finish':
          if (event.job.run === event.run && event.job.state === 'running') farm.finish(event.job, at);
          break;
        case 'ready':
          farm.ready(event.instanceId, at);
          break;
        case 'interrupt':
          farm.interrupt(event.instanceId, at);
          break;
      }
      lastProgress = at;
    }
    for (const started of farm.dispatch(at)) queue.push(at + started.spec.duration, { kind: 'finish', job: started, run: started.run });
    if (poke || at >= nextTick) {
      apply(at);
      lastTick = at;
      for (const started of farm.dispatch(at)) queue.push(at + started.spec.duration, { kind: 'finish', job: started, run: started.run });
    }
  }

  const instancesLeftRunning = farm.aliveCount();
  farm.closeAll(now);
  const waits = graph.workJobs
    .filter((j) => j.firstStartAt !== undefined && j.firstRunnableAt !== undefined)
    .map((j) => j.firstStartAt! - j.firstRunnableAt!)
    .sort((a, b) => a - b);
  const lowerBound = lowerBoundCost(trace, graph);
  const stats = farm.stats();
  return {
    policy: options.policy,
    trace: trace.name,
    cost: round(stats.cost, 4),
    lowerBound: round(lowerBound, 4),
    costRatio: round(lowerBound > 0 ? stats.cost / lowerBound : 0, 3),
    makespan: Math.round(Math.max(0, ...graph.workJobs.map((j) => j.finishedAt ?? 0))),
    meanWait: round(waits.length ? waits.reduce((a, b) => a + b, 0) / waits.length : 0, 1),
    p95Wait: round(waits.length ? waits[Math.min(waits.length - 1, Math.floor(0.95 * waits.length))] : 0, 1),
    idleInstanceSeconds: Math.round(stats.idleSeconds),
    bootInstanceSeconds: Math.round(stats.bootSeconds),
    launches: stats.launches,
    interruptions: stats.interruptions,
    unfinishedJobs: unfinished(),
    launchesForUnservable,
    instancesLeftRunning,
    ...(options.watchJobs ? { watchedFinish: watchedFinish(graph, options.watchJobs) } : {}),
  };
}

/** When the last work job under `ids` finished (seconds), or undefined if one did not. */
function watchedFinish(graph: JobGraph, ids: readonly number[]): number | undefined {
  let last = 0;
  const stack = ids.map((id) => graph.jobs.get(id)).filter((j): j is SimJob => j !== undefined);
  while (stack.length > 0) {
    const job = stack.pop()!;
    if (job.isGroup) stack.push(...job.children);
    else if (job.finishedAt === undefined) return undefined;
    else last = Math.max(last, job.finishedAt);
  }
  return Math.round(last);
}

function servesAnyDemand(order: LaunchOrder, demand: string[][], trace: Trace): boolean {
  const type = trace.instanceTypes.find((t) => t.name === order.instanceType);
  return !!type && demand.some((needed) => canServe(needed, type.affinities));
}

function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}
