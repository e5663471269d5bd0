/**
 * The simulated server + provider: instances that boot, bill per second (with a minimum) and
 * may be reclaimed (spot), worker slots that take the highest-priority job they can run, and
 * the snapshot the scaler decides on — built only from what a real server would know.
 */
import { canServe } from '../scaler/instance-view.ts';
import type { DemandGroup, InstanceRecord, LaunchOrder, OfferView, ScalerSettings, ScalerSnapshot, WorkerView } from '../scaler/types.ts';
import type { JobGraph, SimJob } from './job-graph.ts';
import type { SeededRandom } from './random.ts';
import type { Trace, TraceInstanceType } from './trace.ts';

interface SimInstance {
  id: string;
  type: TraceInstanceType;
  record: InstanceRecord;
  launchAt: number;
  readyAt: number;
  ready: boolean;
  alive: boolean;
  slots: Array<SimJob | undefined>;
  slotIdleSince: number[];
  /** When every slot became idle (seconds), while ready and idle. */
  idleFrom?: number;
}

const HISTORY = 50;

export class SimulatedFarm {
  private readonly instances = new Map<string, SimInstance>();
  private readonly records: InstanceRecord[] = [];
  private waiting: SimJob[] = [];
  private waitingDirty = false;
  private readonly running = new Set<SimJob>();
  private readonly siblingStats = new Map<string, { sum: number; n: number }>();
  private readonly recentByKey = new Map<string, number[]>();
  private readonly arrivals = new Map<string, { affinities: string[]; times: number[] }>();
  private readonly offers: OfferView[];
  private counter = 0;
  private lastFinishAt = 0;
  private finishedJobs = 0;
  private totals = { cost: 0, idleSeconds: 0, bootSeconds: 0, launches: 0, interruptions: 0 };

  constructor(
    private readonly trace: Trace,
    private readonly settings: ScalerSettings,
    private readonly graph: JobGraph,
    private readonly rng: SeededRandom,
    private readonly epoch: number,
  ) {
    this.offers = trace.instanceTypes.map((t) => ({
      name: t.name,
      slots: t.slots,
      affinities: [...t.affinities].sort(),
      bootSeconds: t.bootSeconds,
      // 0 is a price (capacity that costs nothing); absent or null means the market cannot be bought.
      prices: {
        ...(t.onDemandPerHour != null ? { 'on-demand': t.onDemandPerHour } : {}),
        ...(t.spotPerHour != null ? { spot: t.spotPerHour } : {}),
      },
    }));
  }

  private ms(seconds: number): number {
    return this.epoch + seconds * 1000;
  }

  aliveCount(): number {
    let n = 0;
    for (const i of this.instances.values()) if (i.alive) n++;
    return n;
  }

  waitingCount(): number {
    return this.waiting.length;
  }

  lastFinish(): number {
    return this.lastFinishAt;
  }

  finishedCount(): number {
    return this.finishedJobs;
  }

  stats() {
    return { ...this.totals };
  }

  /** Jobs became runnable (or came back after an interruption). */
  released(jobs: readonly SimJob[], at: number): void {
    for (const job of jobs) {
      this.waiting.push(job);
      const entry = this.arrivals.get(job.key) ?? { affinities: job.affinities, times: [] };
      entry.times.push(this.ms(at));
      if (entry.times.length > HISTORY) entry.times.shift();
      this.arrivals.set(job.key, entry);
    }
    if (jobs.length) this.waitingDirty = true;
  }

  private sortedWaiting(): SimJob[] {
    if (this.waitingDirty) {
      this.waiting.sort((a, b) => (b.spec.priority ?? 0) - (a.spec.priority ?? 0) || a.firstRunnableAt! - b.firstRunnableAt! || a.spec.id - b.spec.id);
      this.waitingDirty = false;
    }
    return this.waiting;
  }

  /** What the server would expect a job to take: finished siblings' mean, else recent jobs of its affinity set. */
  private estimate(job: SimJob): number | undefined {
    const sib = this.siblingStats.get(`${job.spec.parent ?? 0}|${job.key}`);
    if (sib && sib.n > 0) return sib.sum / sib.n;
    const recent = this.recentByKey.get(job.key);
    if (recent && recent.length > 0) return recent.reduce((a, b) => a + b, 0) / recent.length;
    return undefined;
  }

  /** Gives idle slots the highest-priority job they can run; returns the jobs started. */
  dispatch(at: number): SimJob[] {
    const started: SimJob[] = [];
    if (this.waiting.length === 0) return started;
    const waiting = this.sortedWaiting();
    for (const inst of this.instances.values()) {
      if (!inst.alive || !inst.ready) continue;
      for (let s = 0; s < inst.slots.length && waiting.length > 0; s++) {
        if (inst.slots[s]) continue;
        const index = this.pick(waiting, inst.type.affinities);
        if (index < 0) break;
        const [job] = waiting.splice(index, 1);
        if (inst.idleFrom !== undefined) {
          this.totals.idleSeconds += at - inst.idleFrom;
          inst.idleFrom = undefined;
        }
        inst.slots[s] = job;
        job.state = 'running';
        job.startedAt = at;
        job.firstStartAt ??= at;
        job.expectedSeconds = this.estimate(job);
        inst.record.lastBusyAt = this.ms(at);
        this.running.add(job);
        started.push(job);
      }
    }
    return started;
  }

  /**
   * The job a worker with `affinities` takes: the highest priority it can run; among equal
   * priorities the one needing the most of its affinities (a GPU worker takes GPU work before
   * CPU work), then the longest waiting.
   */
  private pick(waiting: readonly SimJob[], affinities: readonly string[]): number {
    let best = -1;
    for (let i = 0; i < waiting.length; i++) {
      const job = waiting[i];
      if (best >= 0 && (job.spec.priority ?? 0) < (waiting[best].spec.priority ?? 0)) break;
      if (!canServe(job.affinities, affinities)) continue;
      if (best < 0 || job.affinities.length > waiting[best].affinities.length) best = i;
      if (job.affinities.length === affinities.length) break;
    }
    return best;
  }

  finish(job: SimJob, at: number): void {
    const inst = this.instanceRunning(job);
    if (inst) this.freeSlot(inst, job, at);
    this.running.delete(job);
    this.finishedJobs++;
    this.lastFinishAt = Math.max(this.lastFinishAt, at);
    const key = `${job.spec.parent ?? 0}|${job.key}`;
    const sib = this.siblingStats.get(key) ?? { sum: 0, n: 0 };
    sib.sum += job.spec.duration;
    sib.n++;
    this.siblingStats.set(key, sib);
    const recent = this.recentByKey.get(job.key) ?? [];
    recent.push(job.spec.duration);
    if (recent.length > HISTORY) recent.shift();
    this.recentByKey.set(job.key, recent);
    this.released(this.graph.finish(job, at), at);
  }

  private instanceRunning(job: SimJob): SimInstance | undefined {
    for (const inst of this.instances.values()) if (inst.alive && inst.slots.includes(job)) return inst;
    return undefined;
  }

  private freeSlot(inst: SimInstance, job: SimJob, at: number): void {
    const s = inst.slots.indexOf(job);
    inst.slots[s] = undefined;
    inst.slotIdleSince[s] = at;
    inst.record.lastBusyAt = this.ms(at);
    if (inst.slots.every((j) => j === undefined)) inst.idleFrom = at;
  }

  launch(order: LaunchOrder, at: number): Array<{ id: string; readyAfter: number; interruptAt: number }> {
    const type = this.trace.instanceTypes.find((t) => t.name === order.instanceType);
    const price = order.market === 'spot' ? type?.spotPerHour : type?.onDemandPerHour;
    if (!type || price == null) return [];
    const out: Array<{ id: string; readyAfter: number; interruptAt: number }> = [];
    for (let k = 0; k < order.count; k++) {
      const n = ++this.counter;
      const id = `sim-${n}`;
      const record: InstanceRecord = {
        intentId: `intent-${n}`,
        instanceId: id,
        instanceType: type.name,
        market: order.market,
        state: 'booting',
        launchedAt: this.ms(at),
        workerName: `${this.settings.nameprefix}${n}`,
        perHour: price,
        slots: type.slots,
        reason: order.reason,
      };
      const readyAt = at + type.bootSeconds * this.rng.between(0.9, 1.15);
      const rate = order.market === 'spot' ? (type.spotInterruptionsPerHour ?? 0) / 3600 : 0;
      const interruptAt = at + this.rng.exponential(rate);
      this.records.push(record);
      this.instances.set(id, { id, type, record, launchAt: at, readyAt, ready: false, alive: true, slots: new Array(type.slots).fill(undefined), slotIdleSince: new Array(type.slots).fill(readyAt) });
      this.totals.launches++;
      out.push({ id, readyAfter: readyAt, interruptAt });
    }
    return out;
  }

  ready(id: string, at: number): void {
    const inst = this.instances.get(id);
    if (!inst || !inst.alive) return;
    inst.ready = true;
    inst.record.state = 'ready';
    inst.record.becameWorkerAt = this.ms(at);
    inst.idleFrom = at;
    inst.slotIdleSince.fill(at);
  }

  interrupt(id: string, at: number): void {
    const inst = this.instances.get(id);
    if (!inst || !inst.alive) return;
    this.totals.interruptions++;
    this.close(inst, at);
  }

  terminate(id: string, at: number): void {
    const inst = this.instances.get(id);
    if (inst && inst.alive) this.close(inst, at);
  }

  closeAll(at: number): void {
    for (const inst of this.instances.values()) if (inst.alive) this.close(inst, at);
  }

  /** Ends an instance: bills it, and sends the jobs it was running back to waiting (no retry used). */
  private close(inst: SimInstance, at: number): void {
    inst.alive = false;
    const requeued: SimJob[] = [];
    for (const job of inst.slots) {
      if (!job) continue;
      this.running.delete(job);
      job.state = 'waiting';
      job.run++;
      requeued.push(job);
    }
    inst.slots.fill(undefined);
    if (requeued.length) {
      this.waiting.push(...requeued);
      this.waitingDirty = true;
    }
    if (inst.idleFrom !== undefined) this.totals.idleSeconds += at - inst.idleFrom;
    inst.idleFrom = undefined;
    this.totals.bootSeconds += (inst.ready ? inst.readyAt : at) - inst.launchAt;
    const billed = Math.max(this.settings.minimumBilledSeconds, at - inst.launchAt);
    this.totals.cost += (inst.record.perHour * billed) / 3600;
    inst.record.state = 'terminated';
    inst.record.terminatedAt = this.ms(at);
  }

  snapshot(at: number): ScalerSnapshot {
    const now = this.ms(at);
    const groups = new Map<string, DemandGroup & { known: number; sum: number }>();
    for (const job of this.sortedWaiting()) {
      const g = groups.get(job.key) ?? { affinities: job.affinities, count: 0, known: 0, sum: 0, priority: -Infinity, oldestRunnableAt: Infinity };
      g.count++;
      g.priority = Math.max(g.priority ?? 0, job.spec.priority ?? 0);
      g.oldestRunnableAt = Math.min(g.oldestRunnableAt ?? Infinity, this.ms(job.firstRunnableAt ?? at));
      const e = this.estimate(job);
      if (e !== undefined) {
        g.known++;
        g.sum += e;
      }
      groups.set(job.key, g);
    }
    for (const job of this.running) {
      const g = groups.get(job.key);
      if (g) g.runningElapsedSeconds = Math.max(g.runningElapsedSeconds ?? 0, at - (job.startedAt ?? at));
    }
    const demand: DemandGroup[] = [...groups.values()].map(({ known, sum, ...g }) => ({ ...g, expectedSeconds: known > 0 ? sum / known : undefined }));
    const workers: WorkerView[] = [];
    for (const inst of this.instances.values()) {
      if (!inst.alive || !inst.ready) continue;
      inst.slots.forEach((job, s) => {
        workers.push({
          name: inst.slots.length === 1 ? inst.record.workerName : `${inst.record.workerName}-${s + 1}`,
          affinities: inst.type.affinities,
          busy: job !== undefined,
          idleSince: job ? undefined : this.ms(inst.slotIdleSince[s]),
          jobStartedAt: job ? this.ms(job.startedAt ?? at) : undefined,
          expectedEndAt: job && job.expectedSeconds !== undefined ? this.ms((job.startedAt ?? at) + job.expectedSeconds) : undefined,
          instanceId: inst.id,
        });
      });
    }
    const alive = [...this.instances.values()].filter((i) => i.alive);
    return {
      now,
      demand,
      arrivals: [...this.arrivals].map(([key, a]) => ({ affinities: a.affinities, times: [...a.times], meanSeconds: mean(this.recentByKey.get(key)) })),
      runningJobs: this.running.size,
      workers,
      instances: this.records,
      offers: this.offers,
      settings: this.settings,
      backoffs: [],
      listed: alive.map((i) => ({ id: i.id, state: i.ready ? 'running' : 'pending', instanceType: i.type.name, workerName: i.record.workerName, launchedAt: i.record.launchedAt })),
    };
  }
}

function mean(values: readonly number[] | undefined): number | undefined {
  return values && values.length > 0 ? values.reduce((a, b) => a + b, 0) / values.length : undefined;
}
