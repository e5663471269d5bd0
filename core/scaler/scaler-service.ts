/**
 * The scaler at run time: each tick it reconciles the provider's instances with the records,
 * takes a snapshot, runs the pure decision ({@link decide}) and applies it through a
 * {@link CloudProvider} — recording each launch intent BEFORE calling the provider, with the
 * intent id as idempotency token, and treating partial failure as data.
 */
import { randomUUID } from 'node:crypto';
import { conflict, notFound } from '../errors.ts';
import type { CloudProvider, Market } from '../plugin-api.ts';
import type { AlertListener } from './alerts.ts';
import { Actuator } from './actuator.ts';
import { budgetStatus } from './budget.ts';
import { CloudGuard } from './cloud-guard.ts';
import { describeInstance, instanceTotals } from './cloud-status.ts';
import type { CloudStatus } from './cloud-status.ts';
import { EventHistory } from './event-history.ts';
import type { ScalerEvent } from './event-history.ts';
import { isAlive, workersOf } from './instance-view.ts';
import { decide } from './policy.ts';
import { reconcile } from './reconcile.ts';
import type { PersistedScalerState, ScalerCounters, ScalerHost } from './scaler-host.ts';
import { summarize, type SpendSummary } from './spend.ts';
import type { InstanceRecord, ListedInstance, OfferView, ScalerDecision, ScalerSettings, WorkerView } from './types.ts';

export type { DemandSnapshot, InstanceRepository, PersistedScalerState, ScalerHost } from './scaler-host.ts';

/** Settings that, changed, may fix instances that never became workers: a change lets launches resume. */
const BOOT_SETTINGS: ReadonlyArray<keyof ScalerSettings> = ['bootDeadlineSeconds', 'bootMissBackoffSeconds', 'maxBootMisses'];

export interface ScalerServiceOptions {
  tickSeconds?: number;
  historySize?: number;
  /** Makes launch intent ids (also the idempotency tokens). */
  newId?: () => string;
  listGraceSeconds?: number;
  retainTerminatedSeconds?: number;
  /** Called after every tick (live clients refetch the cloud state). */
  onTick?: () => void;
  /** What an earlier run saved (host.saveState): API settings, totals, the runaway guard. */
  state?: PersistedScalerState;
}

export class ScalerService {
  private settings: ScalerSettings;
  private readonly history: EventHistory;
  private readonly actuator: Actuator;
  private timer?: ReturnType<typeof setInterval>;
  private running: Promise<ScalerDecision | undefined> = Promise.resolve(undefined);
  private pending = false;
  private lastDecision?: ScalerDecision;
  private lastTickAt?: number;
  private lastWorkers: WorkerView[] = [];
  private lastOffers: OfferView[] = [];
  private readonly counters: ScalerCounters;
  private settingsPatch: Partial<ScalerSettings>;
  private readonly guard: CloudGuard;
  private savedState?: string;
  private readonly newId: () => string;

  constructor(
    private readonly host: ScalerHost,
    private readonly provider: CloudProvider,
    settings: ScalerSettings,
    private readonly options: ScalerServiceOptions = {},
  ) {
    this.settingsPatch = { ...options.state?.settingsPatch };
    this.settings = { ...settings, ...this.settingsPatch };
    this.counters = { launches: 0, launchFailures: 0, terminations: 0, interruptions: 0, orphans: 0, ...options.state?.counters };
    this.guard = new CloudGuard(options.state?.guard);
    this.actuator = new Actuator({ host, provider, counters: this.counters, event: (e) => this.event(e), settings: () => this.settings, newId: () => this.newId() });
    this.history = new EventHistory(options.historySize ?? 500);
    this.newId = options.newId ?? (() => randomUUID());
    this.guard.onAlert(({ change, alert }) => this.event({ kind: 'alert', message: `${change}: ${alert.message}` }));
  }

  /** Observes alerts as they are raised, updated and cleared (budgets, instances that never became workers). */
  onAlert(listener: AlertListener): () => void {
    return this.guard.onAlert(listener);
  }

  /** True while a budget says paid instances take no new job (the dispatcher asks before giving one). */
  holdsJobsOf(workerName: string): boolean {
    if (!this.guard.stopsJobs()) return false;
    return this.recordsCache.some((r) => isAlive(r) && r.perHour > 0 && workersOf(r, [{ name: workerName, affinities: [], busy: false }]).length > 0);
  }

  private recordsCache: InstanceRecord[] = [];

  private async saveState(): Promise<void> {
    const state: PersistedScalerState = { settingsPatch: this.settingsPatch, counters: { ...this.counters }, guard: this.guard.state() };
    const text = JSON.stringify(state);
    if (text === this.savedState || !this.host.saveState) return;
    this.savedState = text;
    await this.host.saveState(state);
  }

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => this.poke(), (this.options.tickSeconds ?? 15) * 1000);
    this.timer.unref?.();
    this.poke();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Asks for a tick soon (on submit, job end, worker loss); ticks never overlap, pokes during a tick coalesce. */
  poke(): void {
    if (this.pending) return;
    this.pending = true;
    this.running = this.running.then(() => {
      this.pending = false;
      return this.runTick();
    });
  }

  /** Runs one tick now (after any tick in progress) and returns its decision. */
  tick(): Promise<ScalerDecision | undefined> {
    this.running = this.running.then(() => this.runTick());
    return this.running;
  }

  private async runTick(): Promise<ScalerDecision | undefined> {
    try {
      return await this.tickOnce();
    } catch (error) {
      this.event({ kind: 'error', message: `scaler tick failed: ${(error as Error).message}` });
      this.host.logger.error({ err: error }, 'scaler tick failed');
      return undefined;
    } finally {
      this.options.onTick?.();
    }
  }

  private event(e: Omit<ScalerEvent, 'at'>): void {
    this.history.push({ at: this.host.clock.now(), ...e });
    if (e.kind !== 'decision') this.host.logger.info({ scaler: e.kind, instanceIds: e.instanceIds }, e.message);
  }

  private async tickOnce(): Promise<ScalerDecision> {
    const now = this.host.clock.now();
    this.lastTickAt = now;
    const [listedRaw, offers, prices, demand, workers] = await Promise.all([
      this.provider.list(this.host.farmId),
      this.provider.offers(),
      this.provider.prices(),
      this.host.snapshotDemand(),
      this.host.snapshotWorkers(),
    ]);
    this.lastWorkers = workers;
    const listed: ListedInstance[] = listedRaw.map((i) => ({ id: i.id, state: i.state, instanceType: i.instanceType, workerName: i.workerName, launchedAt: i.launchedAt }));

    // Reconcile records with the provider and the workers.
    let records = await this.host.instanceRecords.list();
    const before = records;
    const rec = reconcile(records, listed, workers, {
      now,
      bootDeadlineSeconds: this.settings.bootDeadlineSeconds,
      listGraceSeconds: this.options.listGraceSeconds ?? 120,
      retainTerminatedSeconds: this.options.retainTerminatedSeconds ?? 86_400,
    });
    for (const r of rec.changed) await this.host.instanceRecords.put(r);
    for (const id of rec.removed) await this.host.instanceRecords.remove(id);
    for (const e of rec.events) this.event(e);
    this.counters.interruptions += rec.interruptions;
    if (rec.changed.length || rec.removed.length) records = await this.host.instanceRecords.list();
    this.guard.reconciled(before, records, now);
    this.recordsCache = records;

    const missing = this.provider.missingPrices?.() ?? [];
    const offerViews: OfferView[] = offers.map((o) => {
      const p: Partial<Record<Market, number>> = {};
      for (const q of prices) if (q.instanceType === o.name && o.markets.includes(q.market)) p[q.market] = q.perHour;
      const unpriced: Partial<Record<Market, string>> = {};
      for (const m of missing) if (m.instanceType === o.name && o.markets.includes(m.market) && p[m.market] === undefined) unpriced[m.market] = m.reason;
      return { name: o.name, slots: o.slots, affinities: [...o.affinities].sort(), bootSeconds: o.bootSeconds, prices: p, ...(Object.keys(unpriced).length ? { unpriced } : {}) };
    });
    this.lastOffers = offerViews;
    const fingerprint = JSON.stringify([this.host.serverUrl, offerViews.map((o) => [o.name, o.slots, o.affinities, o.bootSeconds])]);
    if (this.guard.boot.settingsAre(fingerprint, now)) this.event({ kind: 'settings', message: 'the provider settings or the server URL changed: launches into pools that missed the boot deadline may resume' });
    const decision = decide({
      now,
      demand: demand.demand,
      arrivals: demand.arrivals,
      runningJobs: demand.runningJobs,
      workers,
      instances: records,
      offers: offerViews,
      settings: this.settings,
      backoffs: [...[...this.actuator.backoffs.values()].filter((b) => b.until > now), ...this.guard.backoffs(now, this.settings)],
      listed,
    });
    this.guard.terminating(decision.terminations, records, now, this.settings);
    const guarded = this.guard.filter(decision.launches, { records, workers, offers: offerViews, spend: this.spendSummary(records, now), now, settings: this.settings });
    decision.reasons.push(...guarded.reasons);
    const planned = new Set(decision.terminations.map((t) => t.instanceId));
    decision.terminations.push(...guarded.terminations.filter((t) => !planned.has(t.instanceId)));
    const launches = now < this.actuator.pausedUntil ? [] : guarded.launches;
    if (launches.length < guarded.launches.length) decision.reasons.push(`launches paused until ${new Date(this.actuator.pausedUntil).toISOString()} after a provider error`);
    const previous = this.lastDecision;
    this.lastDecision = decision;
    // Record a decision when it acts, or when its reasons change in more than their numbers (no flood of identical ticks).
    const shape = (reasons?: string[]) => (reasons ?? []).map((r) => r.replace(/\d+(\.\d+)?/g, '#')).join('\n');
    if (decision.launches.length || decision.terminations.length || shape(previous?.reasons) !== shape(decision.reasons)) {
      this.event({ kind: 'decision', message: `launch ${launches.reduce((n, l) => n + l.count, 0)}, terminate ${decision.terminations.length}`, reasons: decision.reasons });
    }
    await this.actuator.terminate(decision.terminations, records);
    for (const order of launches) await this.actuator.launch(order, offerViews);
    const after = await this.host.instanceRecords.list();
    this.recordsCache = after;
    await this.host.spend?.settle(after, this.settings.minimumBilledSeconds);
    const missed = after.filter((r) => r.becameWorkerAt === undefined && r.instanceId).map((r) => r.instanceId!);
    this.guard.updateAlerts(now, this.settings, this.provider.bootFailureCauses?.({ serverUrl: this.host.serverUrl, instanceIds: missed }), this.host.serverUrl);
    await this.saveState();
    return decision;
  }

  private spendSummary(records: readonly InstanceRecord[], now: number): SpendSummary {
    return this.host.spend?.summary(records, now, this.settings.minimumBilledSeconds) ?? summarize([], now);
  }

  // ---- API-facing operations -------------------------------------------------------

  getSettings(): ScalerSettings {
    return { ...this.settings };
  }

  /** Changes settings (kept across restarts, over the config files). */
  async updateSettings(patch: Partial<ScalerSettings>): Promise<ScalerSettings> {
    await this.running;
    this.settings = { ...this.settings, ...patch };
    this.settingsPatch = { ...this.settingsPatch, ...patch };
    if (BOOT_SETTINGS.some((k) => k in patch)) this.guard.boot.acknowledge(this.host.clock.now());
    await this.saveState();
    this.event({ kind: 'settings', message: `settings changed: ${Object.keys(patch).join(', ')}` });
    this.poke();
    return this.getSettings();
  }

  /**
   * Acknowledges an alert: for `boot-deadline-missed`, the cause is fixed (or being watched):
   * blocked pools and stopped launches open again. Other alerts clear by themselves.
   */
  async acknowledge(code: string): Promise<{ acknowledged: string; alerts: CloudStatus['alerts'] }> {
    await this.running;
    const alert = this.guard.list().find((a) => a.code === code);
    if (!alert) throw notFound(`no alert ${code} is raised now (see GET /api/cloud)`);
    if (!alert.acknowledgeable) throw conflict(`alert ${code} cannot be acknowledged: it clears by itself (${alert.message})`);
    const now = this.host.clock.now();
    this.guard.boot.acknowledge(now);
    this.guard.updateAlerts(now, this.settings, undefined, this.host.serverUrl);
    await this.saveState();
    this.event({ kind: 'settings', message: `alert ${code} acknowledged: launches may resume` });
    this.poke();
    return { acknowledged: code, alerts: this.guard.list() };
  }

  /** What an estimate starts from: the offers and prices of the last tick, the settings, the instances. */
  async estimateContext(): Promise<{ offers: OfferView[]; settings: ScalerSettings; instances: InstanceRecord[]; workers: WorkerView[]; spend: SpendSummary }> {
    await this.running;
    if (this.lastOffers.length === 0) await this.tick();
    const now = this.host.clock.now();
    const records = await this.host.instanceRecords.list();
    return { offers: this.lastOffers, settings: this.getSettings(), instances: records.filter(isAlive), workers: this.lastWorkers, spend: this.spendSummary(records, now) };
  }

  /**
   * Terminates the given instances (provider ids or intent ids), or, with none given, every
   * instance that is not running a job (the old "terminate" button).
   */
  async terminate(ids?: readonly string[]): Promise<{ terminated: string[]; failed: Array<{ id: string; code: string; message: string }> }> {
    await this.running;
    const records = (await this.host.instanceRecords.list()).filter((r) => isAlive(r) && r.instanceId);
    let chosen: InstanceRecord[];
    if (ids && ids.length > 0) {
      chosen = ids.map((id) => {
        const r = records.find((x) => x.instanceId === id || x.intentId === id);
        if (!r) throw notFound(`no running instance with id ${id}`);
        return r;
      });
    } else {
      const workers = await this.host.snapshotWorkers();
      chosen = records.filter((r) => !workersOf(r, workers).some((w) => w.busy));
    }
    const orders = chosen.map((r) => ({ instanceId: r.instanceId!, intentId: r.intentId, reason: `terminated on request${ids?.length ? '' : ' (all idle instances)'}` }));
    await this.actuator.terminate(orders, records);
    const done = new Set((await this.host.instanceRecords.list()).filter((r) => r.state === 'terminated').map((r) => r.instanceId));
    const terminated = orders.filter((o) => done.has(o.instanceId)).map((o) => o.instanceId);
    return {
      terminated,
      failed: orders.filter((o) => !done.has(o.instanceId)).map((o) => ({ id: o.instanceId, code: 'provider', message: 'the provider did not confirm the termination; see /api/cloud/events' })),
    };
  }

  events(options?: { since?: number; limit?: number }): ScalerEvent[] {
    return this.history.list(options);
  }

  async status(): Promise<CloudStatus> {
    const now = this.host.clock.now();
    const records = await this.host.instanceRecords.list();
    const instances = records.map((r) => describeInstance(r, this.lastWorkers, now, this.settings.minimumBilledSeconds));
    const spend = this.spendSummary(records, now);
    const live = instanceTotals(instances);
    return {
      provider: this.provider.name,
      policy: this.settings.policy,
      settings: this.getSettings(),
      alerts: this.guard.list(),
      instances,
      totals: { ...live, costSoFar: this.host.spend ? spend.allTime : live.costSoFar, ...this.counters, neverWorkers: this.guard.boot.wasted },
      spend,
      // Figured now, from the same numbers as the totals beside it (the guard's copy is the last tick's).
      budgets: budgetStatus(this.settings, { today: spend.today, thisMonth: spend.thisMonth, perHourNow: live.perHour }),
      backoffs: [...[...this.actuator.backoffs.values()].filter((b) => b.until > now), ...this.guard.backoffs(now, this.settings)],
      launchesPausedUntil: this.actuator.pausedUntil > now ? this.actuator.pausedUntil : undefined,
      lastTickAt: this.lastTickAt,
      reasons: this.lastDecision?.reasons ?? [],
    };
  }
}
