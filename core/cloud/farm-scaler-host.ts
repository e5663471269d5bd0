import type { Clock } from '../clock.ts';
import type { Farm } from '../farm/farm.ts';
import type { Dispatcher } from '../farm/dispatcher.ts';
import type { InstanceTokens } from '../http/auth.ts';
import type { Job } from '../jobs/job.ts';
import { parseAffinities } from '../jobs/job.ts';
import type { Logger } from '../logger.ts';
import type { DemandSnapshot, InstanceRepository, PersistedScalerState, ScalerHost } from '../scaler/scaler-host.ts';
import type { SpendBook } from '../scaler/spend.ts';
import type { ArrivalHistory, DemandGroup, InstanceRecord, WorkerView } from '../scaler/types.ts';
import type { Collection, Doc } from '../store/collection.ts';

const ARRIVALS_KEPT = 50;

/** Instance records in the `instances` collection, kept in memory. */
export class InstanceRecords implements InstanceRepository {
  private readonly records = new Map<string, InstanceRecord>();

  constructor(private readonly collection: Collection) {}

  async load(): Promise<void> {
    for (const doc of await this.collection.load()) {
      const { _id, ...record } = doc;
      this.records.set(_id, record as unknown as InstanceRecord);
    }
  }

  async list(): Promise<InstanceRecord[]> {
    return [...this.records.values()];
  }

  /** The records now (for hooks that cannot wait). */
  all(): InstanceRecord[] {
    return [...this.records.values()];
  }

  async put(record: InstanceRecord): Promise<void> {
    this.records.set(record.intentId, { ...record });
    await this.collection.put([{ _id: record.intentId, ...record } as unknown as Doc]);
  }

  async remove(intentId: string): Promise<void> {
    this.records.delete(intentId);
    await this.collection.remove([intentId]);
  }
}

/**
 * What the scaler sees of the farm: runnable jobs per affinity set, the workers, recent
 * arrivals; and what it may ask of it: per-instance worker tokens (their digests persist in
 * the `tokens` collection so workers keep working across a server restart).
 */
export class FarmScalerHost implements ScalerHost {
  private readonly arrivals = new Map<string, number[]>();
  private readonly lastBusy = new Map<string, number>();
  private readonly firstSeen = new Map<string, number>();
  /** Where spend is kept (set by cloud mode). */
  spend?: SpendBook;
  /** Where the scaler's state is kept: the `scaler` document of the settings collection (set by cloud mode). */
  stateCollection?: Collection;

  constructor(
    private readonly farm: Farm,
    private readonly dispatcher: Dispatcher,
    private readonly tokens: InstanceTokens,
    private readonly tokenDigests: Collection,
    readonly instanceRecords: InstanceRepository,
    readonly farmId: string,
    readonly serverUrl: string,
    readonly logger: Logger,
  ) {
    farm.onRunnable((job) => this.arrived(job));
  }

  get clock(): Clock {
    return this.farm.clock;
  }

  /** What the scaler saved before the last stop: API settings, totals, the runaway guard. */
  async loadState(): Promise<PersistedScalerState | undefined> {
    const doc = (await this.stateCollection?.load())?.find((d) => d._id === 'scaler');
    if (!doc) return undefined;
    const { _id, ...state } = doc;
    return state as unknown as PersistedScalerState;
  }

  async saveState(state: PersistedScalerState): Promise<void> {
    await this.stateCollection?.put([{ _id: 'scaler', ...state } as unknown as Doc]);
  }

  private arrived(job: Job): void {
    const key = affinityKey(job.affinity);
    const list = this.arrivals.get(key) ?? [];
    list.push(this.farm.clock.now());
    if (list.length > ARRIVALS_KEPT) list.splice(0, list.length - ARRIVALS_KEPT);
    this.arrivals.set(key, list);
  }

  snapshotDemand(): DemandSnapshot {
    const now = this.farm.clock.now();
    const groups = new Map<string, DemandGroup & { finishedSeconds: number; finishedCount: number }>();
    let runningJobs = 0;
    const group = (key: string) => {
      let g = groups.get(key);
      if (!g) groups.set(key, (g = { affinities: key ? key.split(',') : [], count: 0, finishedSeconds: 0, finishedCount: 0 }));
      return g;
    };
    for (const job of this.farm.tree.jobs.values()) {
      if (job.id === 0 || this.farm.tree.isGroup(job)) continue;
      if (job.state === 'WAITING') {
        const g = group(affinityKey(job.affinity));
        g.count++;
        g.priority = Math.max(g.priority ?? -Infinity, job.priority);
      } else if (job.state === 'WORKING') {
        runningJobs++;
        const g = group(affinityKey(job.affinity));
        g.runningElapsedSeconds = Math.max(g.runningElapsedSeconds ?? 0, now / 1000 - job.start_time);
      } else if (job.state === 'FINISHED' && job.duration > 0) {
        const g = group(affinityKey(job.affinity));
        g.finishedSeconds += job.duration;
        g.finishedCount++;
      }
    }
    const demand: DemandGroup[] = [];
    for (const { finishedSeconds, finishedCount, ...g } of groups.values()) {
      if (finishedCount > 0) g.expectedSeconds = finishedSeconds / finishedCount;
      if (g.count > 0) demand.push(g);
    }
    const arrivals: ArrivalHistory[] = [...this.arrivals].map(([key, times]) => {
      const g = groups.get(key);
      return { affinities: key ? key.split(',') : [], times: [...times], meanSeconds: g && g.finishedCount > 0 ? g.finishedSeconds / g.finishedCount : undefined };
    });
    return { demand, arrivals, runningJobs };
  }

  snapshotWorkers(): WorkerView[] {
    const now = this.farm.clock.now();
    const views: WorkerView[] = [];
    for (const w of this.farm.workers.list()) {
      if (w.state === 'TIMEOUT') continue;
      if (!this.firstSeen.has(w.name)) this.firstSeen.set(w.name, now);
      const job = w.current_job ? this.farm.tree.get(w.current_job) : undefined;
      const busy = Boolean(job && job.state === 'WORKING' && job.worker === w.name);
      if (busy) this.lastBusy.set(w.name, now);
      views.push({
        name: w.name,
        affinities: this.farm.workers.affinitiesOf(w),
        busy,
        idleSince: busy ? undefined : (this.lastBusy.get(w.name) ?? this.firstSeen.get(w.name)),
        jobStartedAt: busy ? job!.start_time * 1000 : undefined,
        interrupted: w.interrupted || undefined,
      });
    }
    return views;
  }

  async issueWorkerToken(workerName: string): Promise<string> {
    const token = this.tokens.issue(workerName);
    await this.tokenDigests.put([{ _id: this.tokens.digestOf(token), worker: workerName }]);
    return token;
  }

  /** The instance is gone or never came: its token stops working and its worker slots leave the list. */
  async revokeWorkerToken(workerName: string): Promise<void> {
    const digests = this.tokens.revoke(workerName);
    await this.tokenDigests.remove(digests);
    const slots = this.farm.workers.list().filter((w) => w.name === workerName || w.name.startsWith(`${workerName}-`));
    await this.dispatcher.removeWorkers(slots.map((w) => w.name));
  }
}

function affinityKey(text: string): string {
  return parseAffinities(text).sort().join(',');
}
