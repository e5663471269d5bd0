/**
 * The persisted spend: each gone instance's final spend (`i:<intent>`), and the job shares
 * the runs of each live instance recorded (`r:<intent>`), in the `spend` collection. Settling
 * is idempotent (keyed by the launch intent), so a crash between a termination and its
 * settlement loses nothing: the next tick settles it.
 */
import type { Collection, Doc } from '../store/collection.ts';
import { instanceSpend, summarize, type InstanceSpend, type SpendBook, type SpendSummary } from '../scaler/spend.ts';
import type { InstanceRecord } from '../scaler/types.ts';

/** Settled spends older than this are dropped at start (the per-day view shows a month). */
const RETAIN_MS = 400 * 86_400_000;

export class SpendLedger implements SpendBook {
  private readonly settled = new Map<string, InstanceSpend>();
  private readonly shares = new Map<string, number>();

  constructor(private readonly collection: Collection) {}

  async load(now: number): Promise<void> {
    const docs = await this.collection.load();
    let dropped = 0;
    for (const doc of docs) {
      if (doc._id.startsWith('i:')) {
        const { _id, ...spend } = doc;
        if (now - Number(spend.terminatedAt ?? now) > RETAIN_MS) dropped++;
        else this.settled.set(_id.slice(2), spend as unknown as InstanceSpend);
      } else if (doc._id.startsWith('r:')) {
        this.shares.set(doc._id.slice(2), Number(doc.jobs) || 0);
      }
    }
    if (dropped > 0 || this.collection.appendedLines > docs.length * 2 + 1000) await this.collection.compact(this.docs());
  }

  /** The job shares recorded for an instance so far. */
  jobSharesOf(intentId: string): number {
    return this.shares.get(intentId) ?? 0;
  }

  /** A run on this instance ended and used `share` of its price. */
  noteRun(intentId: string, share: number): Promise<void> {
    if (this.settled.has(intentId)) return Promise.resolve();
    const jobs = this.jobSharesOf(intentId) + share;
    this.shares.set(intentId, jobs);
    return this.collection.put([{ _id: `r:${intentId}`, jobs }]);
  }

  async settle(records: readonly InstanceRecord[], minimumBilledSeconds: number): Promise<void> {
    const docs: Doc[] = [];
    const done: string[] = [];
    for (const r of records) {
      if (r.state !== 'terminated' || this.settled.has(r.intentId)) continue;
      const spend = instanceSpend(r, this.jobSharesOf(r.intentId), r.terminatedAt ?? r.launchedAt, minimumBilledSeconds);
      this.settled.set(r.intentId, spend);
      docs.push({ _id: `i:${r.intentId}`, ...spend });
      if (this.shares.delete(r.intentId)) done.push(`r:${r.intentId}`);
    }
    if (docs.length > 0) await this.collection.put(docs);
    if (done.length > 0) await this.collection.remove(done);
  }

  summary(records: readonly InstanceRecord[], now: number, minimumBilledSeconds: number): SpendSummary {
    const live = records.filter((r) => !this.settled.has(r.intentId)).map((r) => instanceSpend(r, this.jobSharesOf(r.intentId), now, minimumBilledSeconds));
    return summarize([...this.settled.values(), ...live], now);
  }

  private docs(): Doc[] {
    return [
      ...[...this.settled].map(([id, s]) => ({ _id: `i:${id}`, ...s }) as Doc),
      ...[...this.shares].map(([id, jobs]) => ({ _id: `r:${id}`, jobs })),
    ];
  }
}
