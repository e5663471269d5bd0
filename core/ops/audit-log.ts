import type { Collection, Doc } from '../store/collection.ts';

/** Who did something: a person, a shared token, or the server itself (`scaler`, `retention`). */
export interface AuditActor {
  user: string | null;
  role: string | null;
  via: string;
}

/** One line of the audit log: who did what to what, and how it ended. */
export interface AuditEntry {
  id: number;
  /** ms since the epoch. */
  at: number;
  actor: AuditActor;
  /** `job.submit`, `job.edit`, `worker.delete`, `cloud.launch`, `setup.apply`, `login.failed`, … */
  action: string;
  /** What it was done to: job ids, worker names, an instance, a step. */
  target?: string;
  /** Non-secret details: field names changed, counts, a reason. */
  details?: Record<string, unknown>;
  /** The HTTP status it got (0 for what the server did by itself). */
  outcome: number;
  address?: string;
}

export interface AuditQuery {
  since?: number;
  until?: number;
  user?: string;
  /** An action or a prefix of one (`job.` for every job action). */
  action?: string;
  target?: string;
  limit?: number;
  offset?: number;
}

/** The audit log: kept in memory, appended to the `audit` collection, pruned by age. */
export class AuditLog {
  private entries: AuditEntry[] = [];
  private lastId = 0;

  constructor(
    private readonly collection: Collection,
    private readonly now: () => number,
    private readonly retentionDays: number,
  ) {}

  async load(): Promise<void> {
    const docs = (await this.collection.load()) as unknown as Array<AuditEntry & Doc>;
    const cutoff = this.cutoff();
    this.entries = docs.filter((d) => d.at >= cutoff).map(({ _id: _drop, ...e }) => e as AuditEntry).sort((a, b) => a.id - b.id);
    this.lastId = docs.reduce((m, d) => Math.max(m, d.id), 0);
    if (this.entries.length < docs.length) await this.collection.compact(this.entries.map(toDoc));
  }

  record(entry: Omit<AuditEntry, 'id' | 'at'> & { at?: number }): Promise<void> {
    const full: AuditEntry = { id: ++this.lastId, at: entry.at ?? this.now(), ...entry };
    this.entries.push(full);
    return this.collection.put([toDoc(full)]);
  }

  /** Newest first. */
  query(q: AuditQuery = {}): { total: number; entries: AuditEntry[] } {
    const user = q.user?.toLowerCase();
    const matching: AuditEntry[] = [];
    for (let i = this.entries.length - 1; i >= 0; i--) {
      const e = this.entries[i];
      if (q.since !== undefined && e.at < q.since) break;
      if (q.until !== undefined && e.at > q.until) continue;
      if (user !== undefined && (e.actor.user ?? '').toLowerCase() !== user) continue;
      if (q.action !== undefined && !(e.action === q.action || (q.action.endsWith('.') && e.action.startsWith(q.action)))) continue;
      if (q.target !== undefined && !(e.target ?? '').split(',').includes(q.target)) continue;
      matching.push(e);
    }
    const offset = q.offset ?? 0;
    return { total: matching.length, entries: matching.slice(offset, offset + (q.limit ?? 100)) };
  }

  /** Drops entries older than the retention; answers how many went. */
  async prune(): Promise<number> {
    const cutoff = this.cutoff();
    const keep = this.entries.filter((e) => e.at >= cutoff);
    const gone = this.entries.length - keep.length;
    if (gone > 0) {
      this.entries = keep;
      await this.collection.compact(keep.map(toDoc));
    }
    return gone;
  }

  private cutoff(): number {
    return this.now() - this.retentionDays * 86_400_000;
  }
}

const toDoc = (e: AuditEntry): Doc => ({ _id: String(e.id), ...e }) as unknown as Doc;
