/**
 * What instances cost, and where it went. Billing is per second with a minimum per instance
 * (charged from the launch); days and months are UTC, as cloud bills are. An instance's cost
 * splits into the jobs' shares (each run's seconds × the instance's price per slot-second) and
 * the farm's overhead: boot (launch to worker), idle (empty slots, the rest of the minimum),
 * and instances that never became workers.
 */
import type { InstanceRecord } from './types.ts';

const DAY_MS = 86_400_000;

/** `2026-01-31` (UTC). */
export const dayOf = (ms: number): string => new Date(ms).toISOString().slice(0, 10);
/** `2026-01` (UTC). */
export const monthOf = (ms: number): string => new Date(ms).toISOString().slice(0, 7);

/** An instance's cost per UTC day between its launch and `end` (the minimum billed goes to the launch day). */
export function costByDay(launchedAt: number, end: number, perHour: number, minimumBilledSeconds: number): Record<string, number> {
  const out: Record<string, number> = {};
  const perMs = perHour / 3_600_000;
  for (let t = launchedAt; t < end; ) {
    const next = Math.min(end, (Math.floor(t / DAY_MS) + 1) * DAY_MS);
    out[dayOf(t)] = (out[dayOf(t)] ?? 0) + (next - t) * perMs;
    t = next;
  }
  const short = minimumBilledSeconds * 1000 - Math.max(0, end - launchedAt);
  if (short > 0) out[dayOf(launchedAt)] = (out[dayOf(launchedAt)] ?? 0) + short * perMs;
  return out;
}

/** Where one instance's money went. */
export interface InstanceSpend {
  intentId: string;
  instanceId?: string;
  instanceType: string;
  market: InstanceRecord['market'];
  launchedAt: number;
  /** Absent while it runs. */
  terminatedAt?: number;
  perHour: number;
  /** Cost per UTC day. */
  days: Record<string, number>;
  total: number;
  /** The runs' shares. */
  jobs: number;
  boot: number;
  idle: number;
  /** The whole cost, when it never became a worker. */
  neverWorker: number;
}

/** The spend of an instance up to `now` (or its end), given the job shares its runs recorded. */
export function instanceSpend(r: InstanceRecord, jobs: number, now: number, minimumBilledSeconds: number): InstanceSpend {
  const end = r.terminatedAt ?? now;
  const days = costByDay(r.launchedAt, end, r.perHour, minimumBilledSeconds);
  const total = Object.values(days).reduce((a, b) => a + b, 0);
  const became = r.becameWorkerAt;
  const boot = became === undefined ? 0 : Math.min(total, (Math.max(0, Math.min(end, became) - r.launchedAt) / 3_600_000) * r.perHour);
  const shares = Math.min(jobs, total - boot);
  return {
    intentId: r.intentId,
    instanceId: r.instanceId,
    instanceType: r.instanceType,
    market: r.market,
    launchedAt: r.launchedAt,
    ...(r.terminatedAt !== undefined ? { terminatedAt: r.terminatedAt } : {}),
    perHour: r.perHour,
    days,
    total,
    jobs: shares,
    boot,
    idle: became === undefined ? 0 : Math.max(0, total - boot - shares),
    neverWorker: became === undefined ? total : 0,
  };
}

export interface SpendDay {
  day: string;
  total: number;
  /** Paid for by runs of jobs. */
  jobs: number;
  /** Boot, idle and instances that never worked. */
  overhead: number;
}

/** What `GET /api/cloud` shows under `spend`. */
export interface SpendSummary {
  today: number;
  thisMonth: number;
  allTime: number;
  /** The last 31 days with spend, newest first. */
  perDay: SpendDay[];
  /** All time, split: what jobs used, and the farm's overhead. */
  jobs: number;
  overhead: { boot: number; idle: number; neverWorker: number };
}

const round = (x: number) => Math.round(x * 1_000_000) / 1_000_000;

/** Adds up instance spends into the summary. */
export function summarize(spends: Iterable<InstanceSpend>, now: number): SpendSummary {
  const today = dayOf(now);
  const month = monthOf(now);
  const perDay = new Map<string, SpendDay>();
  const sum = { allTime: 0, jobs: 0, boot: 0, idle: 0, neverWorker: 0 };
  for (const s of spends) {
    sum.allTime += s.total;
    sum.jobs += s.jobs;
    sum.boot += s.boot;
    sum.idle += s.idle;
    sum.neverWorker += s.neverWorker;
    const jobShare = s.total > 0 ? s.jobs / s.total : 0;
    for (const [day, amount] of Object.entries(s.days)) {
      const d = perDay.get(day) ?? { day, total: 0, jobs: 0, overhead: 0 };
      d.total += amount;
      d.jobs += amount * jobShare;
      d.overhead += amount * (1 - jobShare);
      perDay.set(day, d);
    }
  }
  const days = [...perDay.values()].sort((a, b) => b.day.localeCompare(a.day));
  return {
    today: round(perDay.get(today)?.total ?? 0),
    thisMonth: round(days.filter((d) => d.day.startsWith(month)).reduce((a, d) => a + d.total, 0)),
    allTime: round(sum.allTime),
    perDay: days.slice(0, 31).map((d) => ({ day: d.day, total: round(d.total), jobs: round(d.jobs), overhead: round(d.overhead) })),
    jobs: round(sum.jobs),
    overhead: { boot: round(sum.boot), idle: round(sum.idle), neverWorker: round(sum.neverWorker) },
  };
}

/**
 * Where spend is kept (persisted by the host): each instance's final spend once it is gone,
 * and the job shares its runs recorded while it ran.
 */
export interface SpendBook {
  /** Records the final spend of every terminated record not settled yet (idempotent). */
  settle(records: readonly InstanceRecord[], minimumBilledSeconds: number): Promise<void>;
  /** Spend up to now: settled instances plus the records still alive. */
  summary(records: readonly InstanceRecord[], now: number, minimumBilledSeconds: number): SpendSummary;
}
