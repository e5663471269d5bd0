/**
 * The scaler's vocabulary: what a decision looks at (a {@link ScalerSnapshot}) and what it
 * answers (a {@link ScalerDecision}). Decisions are pure functions of a snapshot, so the live
 * service and the simulator run exactly the same code.
 */
import type { Market } from '../plugin-api.ts';

export type PolicyName = 'cost' | 'classic';

export type BudgetAction = 'stop-launching' | 'stop-jobs';

/** Runnable jobs (WAITING with their dependencies done) that need the same affinity set. */
export interface DemandGroup {
  /** Sorted, de-duplicated affinities every job of the group needs. */
  affinities: string[];
  /** How many runnable jobs are waiting. */
  count: number;
  /** Expected seconds per job (e.g. mean of finished siblings); undefined when unknown. */
  expectedSeconds?: number;
  /** Longest time a job of this group has been running so far, in seconds (a lower bound on durations). */
  runningElapsedSeconds?: number;
  /** Highest priority among the waiting jobs (higher runs first). */
  priority?: number;
  /** When the oldest of these jobs became runnable, ms since the epoch. */
  oldestRunnableAt?: number;
}

/** When jobs of an affinity set recently became runnable: the scaler's arrival signal for its idle rule. */
export interface ArrivalHistory {
  affinities: string[];
  /** Ascending ms timestamps of the most recent arrivals (a few dozen are enough). */
  times: number[];
  /** Mean duration of recently finished jobs of this set, in seconds, when known. */
  meanSeconds?: number;
}

/** One worker (one slot) the server knows. */
export interface WorkerView {
  name: string;
  affinities: string[];
  busy: boolean;
  /** Since when it has been idle (ms), when idle. */
  idleSince?: number;
  /** Start of the job it runs (ms), when busy. */
  jobStartedAt?: number;
  /** Expected end of the job it runs (ms), when known. */
  expectedEndAt?: number;
  /** The worker learnt that its instance will be reclaimed (spot interruption): it takes no new jobs. */
  interrupted?: boolean;
  /** The instance it runs on, when it is a cloud worker. */
  instanceId?: string;
}

/**
 * `launching`: intent recorded, the provider call may or may not have happened.
 * `booting`: the provider started it; no worker yet. `ready`: its worker registered.
 * `terminating`: termination asked. `terminated`: gone (kept briefly for history and cost).
 */
export type InstanceRecordState = 'launching' | 'booting' | 'ready' | 'terminating' | 'terminated';

/** The server's record of an instance it started (persisted; written before the provider call). */
export interface InstanceRecord {
  /** The launch intent's id (also the launch's idempotency token). The record's key. */
  intentId: string;
  /** The provider's id, once known. */
  instanceId?: string;
  instanceType: string;
  market: Market;
  state: InstanceRecordState;
  /** When the launch was asked (ms). */
  launchedAt: number;
  /** The name its worker registers with (workers with several slots use `name` or `name-N`). */
  workerName: string;
  /** When its worker first registered (ms). */
  becameWorkerAt?: number;
  /** Last time one of its workers was busy (ms). */
  lastBusyAt?: number;
  /** When it was terminated (ms). */
  terminatedAt?: number;
  /** Price per hour when it was launched. */
  perHour: number;
  /** Worker slots of its type. */
  slots: number;
  /** Why it was launched, or why it was terminated. */
  reason?: string;
  /** When its spot capacity was reclaimed (ms), if it was. */
  interruptedAt?: number;
  /** Since when none of its workers calls in (ms), after it had become a worker (a server restart, a hung machine). */
  workerLostAt?: number;
}

/** An instance type the provider offers, joined with its current prices. */
export interface OfferView {
  name: string;
  slots: number;
  affinities: string[];
  bootSeconds: number;
  /** Price per hour per market; a market absent here cannot be bought. */
  prices: Partial<Record<Market, number>>;
  /** Why a market the type is offered on has no price (shown as the reason nothing launches). */
  unpriced?: Partial<Record<Market, string>>;
}

/** A pool (type + market) the scaler should avoid until `until` (ms), after a capacity error. */
export interface PoolBackoff {
  instanceType: string;
  market: Market;
  until: number;
  reason?: string;
}

/** A provider instance as seen by `list()`, reduced to what the safety rules need. */
export interface ListedInstance {
  id: string;
  state: 'pending' | 'running' | 'stopping' | 'stopped' | 'terminated';
  instanceType: string;
  workerName: string;
  launchedAt: number;
}

export interface ScalerSettings {
  policy: PolicyName;
  /** classic: maximum number of instances (the old `workerinstancemax`). */
  workerinstancemax: number;
  /** classic: seconds between two instance launches (the old `workerinstancestartdelay`). */
  workerinstancestartdelay: number;
  /** classic: an idle instance is terminated only once it has lived this long (`workerinstanceminimumlifetime`). */
  workerinstanceminimumlifetime: number;
  /** Prefix of the worker names of started instances (`nameprefix`). */
  nameprefix: string;
  /** cost: maximum instances alive at once. */
  maxInstances: number;
  /** cost: maximum launches in any 60 s window. */
  maxLaunchesPerMinute: number;
  /** cost: maximum spend rate, currency per hour (sum of alive instances' prices); null = none. */
  budgetPerHour: number | null;
  /** cost: may buy spot capacity. */
  allowSpot: boolean;
  /** Seconds an instance may take to become a worker before it is terminated. */
  bootDeadlineSeconds: number;
  /** A pool whose instance missed the boot deadline is avoided this long, doubled for each further miss in a row. */
  bootMissBackoffSeconds: number;
  /** Misses in a row that block a pool, and on the whole farm stop every launch, until acknowledged. */
  maxBootMisses: number;
  /** Spend limit per UTC day (currency); null = none. */
  budgetPerDay: number | null;
  /** Spend limit per UTC month (currency); null = none. */
  budgetPerMonth: number | null;
  /** Share of a daily or monthly limit at which the budget alert is raised (0–1). */
  budgetAlertFraction: number;
  /** When a limit is reached: stop launching, or also stop giving new jobs to paid instances (they then go). */
  budgetAction: BudgetAction;
  /** Seconds a pool is avoided after a capacity error. */
  capacityBackoffSeconds: number;
  /** cost: each launched slot should expect at least this many boot-times of work. */
  workPerSlotBootFactor: number;
  /** cost: a busy slot counts as supply for waiting jobs only if it should free up within (1 + this) boot-times. */
  busyWaitBootFactor: number;
  /** cost: slots launched for a group whose job durations are still unknown. */
  probeSlots: number;
  /** Minimum billed seconds per instance (the provider's billing rule). */
  minimumBilledSeconds: number;
}

export interface LaunchOrder {
  instanceType: string;
  market: Market;
  count: number;
  reason: string;
  /** The affinity set it was launched for (`gpu,linux`), for statistics. */
  forAffinities?: string[];
}

export interface TerminationOrder {
  /** The provider's id. */
  instanceId: string;
  reason: string;
  /** The record's intent id, when the instance has a record (orphans have none). */
  intentId?: string;
  /** True for tagged instances with no record. */
  orphan?: boolean;
  /** True when it never became a worker within the boot deadline. */
  bootMiss?: boolean;
}

export interface ScalerDecision {
  launches: LaunchOrder[];
  terminations: TerminationOrder[];
  /** Human-readable "why did / didn't it launch or terminate" lines. */
  reasons: string[];
}

export interface ScalerSnapshot {
  /** ms since the epoch. */
  now: number;
  demand: DemandGroup[];
  arrivals?: ArrivalHistory[];
  /** Jobs running right now anywhere (so an idle instance might still be useful). */
  runningJobs?: number;
  workers: WorkerView[];
  /** Instance records (terminated ones may be included; they are ignored). */
  instances: InstanceRecord[];
  offers: OfferView[];
  settings: ScalerSettings;
  backoffs: PoolBackoff[];
  /** The provider's list of tagged instances; when absent, orphan detection is skipped. */
  listed?: ListedInstance[];
}
