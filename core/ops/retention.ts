import type { Farm } from '../farm/farm.ts';
import type { Job } from '../jobs/job.ts';
import type { JobTree } from '../jobs/job-tree.ts';
import type { AuditLog } from './audit-log.ts';

export interface RetentionSettings {
  /** Days of run history (`eventretentiondays`). */
  eventDays: number;
  /** Days of audit log (`auditretentiondays`). */
  auditDays: number;
  /** Logs of jobs finished more than N days ago are deleted (`logretentiondays`; 0 = keep). */
  logDays: number;
  /** Top-level trees finished more than N days ago are deleted with their logs (`jobretentiondays`; 0 = keep). */
  jobDays: number;
}

/** When a finished job or tree ended (seconds): its last leaf's end. */
function endOf(tree: JobTree, job: Job): number {
  const leaves = tree.isGroup(job) ? tree.leavesOf(job.id) : [job];
  return leaves.reduce((m, l) => Math.max(m, l.start_time + l.duration), 0);
}

/** The top-level trees FINISHED for more than `days` days (a pure choice over the tree). */
export function expiredTrees(tree: JobTree, nowSeconds: number, days: number): number[] {
  if (days <= 0) return [];
  const cutoff = nowSeconds - days * 86400;
  return tree.childrenOf(0).filter((root) => root.state === 'FINISHED' && endOf(tree, root) < cutoff).map((j) => j.id);
}

/** Leaves FINISHED or in ERROR for more than `days` days: their logs may go. */
export function expiredLogs(tree: JobTree, nowSeconds: number, days: number): number[] {
  if (days <= 0) return [];
  const cutoff = nowSeconds - days * 86400;
  const out: number[] = [];
  for (const job of tree.jobs.values()) {
    if (job.id === 0 || tree.isGroup(job)) continue;
    if ((job.state === 'FINISHED' || job.state === 'ERROR') && job.start_time > 0 && job.start_time + job.duration < cutoff) out.push(job.id);
  }
  return out;
}

/**
 * Applies the retention settings: old runs, audit entries, logs and finished trees go (each
 * deletion of jobs is written to the audit log as done by `retention`). Runs at start and
 * then every `everyMs` (an hour).
 */
export class Retention {
  private timer?: NodeJS.Timeout;
  private readonly logsDone = new Set<number>();

  constructor(
    private readonly farm: Farm,
    private readonly audit: AuditLog,
    private readonly settings: RetentionSettings,
  ) {}

  start(everyMs = 3_600_000): void {
    void this.run().catch((e: unknown) => this.farm.logger.warn({ err: e }, 'retention failed'));
    this.timer = setInterval(() => void this.run().catch((e: unknown) => this.farm.logger.warn({ err: e }, 'retention failed')), everyMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }

  /** One pass; answers what went. */
  async run(): Promise<{ events: number; audit: number; logs: number; trees: number[] }> {
    const now = this.farm.nowSeconds();
    const s = this.settings;
    const events = await this.farm.events.prune(s.eventDays * 86400, now);
    const audit = await this.audit.prune();
    const trees = expiredTrees(this.farm.tree, now, s.jobDays);
    if (trees.length) {
      await this.farm.remove(trees);
      await this.audit.record({ actor: { user: null, role: null, via: 'retention' }, action: 'job.delete', target: trees.join(','), details: { reason: `finished more than ${s.jobDays} days ago (jobretentiondays)` }, outcome: 0 });
    }
    const logs = expiredLogs(this.farm.tree, now, s.logDays).filter((id) => !this.logsDone.has(id));
    for (const id of logs) {
      await this.farm.logs.remove(id);
      this.logsDone.add(id);
    }
    return { events, audit, logs: logs.length, trees };
  }
}
