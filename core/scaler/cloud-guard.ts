/**
 * What stands between a decision and the money: the runaway guard ({@link BootWatch}), the
 * budgets ({@link budgetStatus}), and the alerts they raise. The scaler service asks it which
 * pools to avoid, then filters each decision through it; its state persists with the service's.
 */
import { AlertTracker, type AlertCause, type AlertChange, type AlertListener, type CloudAlert } from './alerts.ts';
import { BootWatch, defaultBootCauses, type BootWatchState } from './boot-watch.ts';
import { budgetAlerts, budgetStatus, type BudgetStatus } from './budget.ts';
import { isAlive, workersOf } from './instance-view.ts';
import type { SpendSummary } from './spend.ts';
import type { InstanceRecord, LaunchOrder, OfferView, PoolBackoff, ScalerSettings, TerminationOrder, WorkerView } from './types.ts';

export interface GuardState {
  bootWatch?: BootWatchState;
  alertsSince?: Record<string, number>;
}

/** What the guard lets through of a decision. */
export interface GuardedDecision {
  launches: LaunchOrder[];
  /** Terminations the guard adds (idle paid instances when the budget stops jobs). */
  terminations: TerminationOrder[];
  reasons: string[];
}

export class CloudGuard {
  readonly boot: BootWatch;
  private readonly alerts: AlertTracker;
  private budget?: BudgetStatus;

  constructor(state: GuardState = {}) {
    this.boot = new BootWatch(state.bootWatch);
    this.alerts = new AlertTracker(state.alertsSince);
  }

  state(): GuardState {
    return { bootWatch: this.boot.snapshot(), alertsSince: this.alerts.sinceByKey() };
  }

  onAlert(listener: AlertListener): () => void {
    return this.alerts.onChange(listener);
  }

  /** Records that newly became workers (compared with before the reconciliation) prove their pools. */
  reconciled(before: readonly InstanceRecord[], after: readonly InstanceRecord[], now: number): void {
    const was = new Map(before.map((r) => [r.intentId, r]));
    for (const r of after) if (r.becameWorkerAt !== undefined && was.get(r.intentId)?.becameWorkerAt === undefined) this.boot.becameWorker(r, now);
  }

  /** Boot misses among this tick's terminations: each backs its pool off and adds to the waste. */
  terminating(orders: readonly TerminationOrder[], records: readonly InstanceRecord[], now: number, settings: ScalerSettings): void {
    for (const o of orders) {
      if (!o.bootMiss) continue;
      const r = records.find((x) => x.intentId === o.intentId);
      if (!r) continue;
      const billed = Math.max(settings.minimumBilledSeconds, (now - r.launchedAt) / 1000);
      this.boot.missed(r, now, (billed * r.perHour) / 3600, settings);
    }
  }

  backoffs(now: number, settings: ScalerSettings): PoolBackoff[] {
    return this.boot.backoffs(now, settings);
  }

  /** Lets launches through only when neither the runaway guard nor a budget holds them; adds the budget's terminations. */
  filter(launches: readonly LaunchOrder[], ctx: { records: readonly InstanceRecord[]; workers: readonly WorkerView[]; offers: readonly OfferView[]; spend: SpendSummary; now: number; settings: ScalerSettings }): GuardedDecision {
    const { records, now, settings } = ctx;
    const alive = records.filter(isAlive);
    this.budget = budgetStatus(settings, { today: ctx.spend.today, thisMonth: ctx.spend.thisMonth, perHourNow: alive.reduce((s, r) => s + r.perHour, 0) });
    const reasons: string[] = [];
    const hold = this.boot.holdReason(records, ctx.offers, now, settings) ?? this.budget.reason;
    if (hold && launches.length > 0) reasons.push(hold);
    const terminations: TerminationOrder[] = [];
    if (this.budget.stopJobs) {
      for (const r of alive) {
        if (r.perHour <= 0 || r.instanceId === undefined || workersOf(r, ctx.workers).some((w) => w.busy)) continue;
        terminations.push({ instanceId: r.instanceId, intentId: r.intentId, reason: `${r.instanceId} (${r.instanceType}) is idle and the budget stops jobs on paid instances: terminating` });
      }
    }
    return { launches: hold ? [] : [...launches], terminations, reasons };
  }

  /** True while the budget says paid instances take no new job. */
  stopsJobs(): boolean {
    return this.budget?.stopJobs ?? false;
  }

  /** Recomputes the alert set; returns what changed. */
  updateAlerts(now: number, settings: ScalerSettings, bootCauses: AlertCause[] | undefined, serverUrl: string): AlertChange[] {
    const list: Array<Omit<CloudAlert, 'since'>> = [];
    const boot = this.boot.alert(now, settings, bootCauses ?? defaultBootCauses(serverUrl));
    if (boot) list.push(boot);
    if (this.budget) list.push(...budgetAlerts(this.budget));
    return this.alerts.update(list, now);
  }

  list(): CloudAlert[] {
    return this.alerts.list();
  }
}
