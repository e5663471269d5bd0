/**
 * Cost per job: when a run ends on a cloud worker, its share of the instance's price (the run's
 * seconds × price per hour / 3600 / the instance's slots) is added to the job, to every group
 * above it, and to the instance's tally of job shares (the rest of what the instance costs is
 * the farm's overhead). A group's cost is its subtree's: derived again at start, and what a
 * deleted subtree cost leaves the groups above it.
 */
import type { Farm } from '../farm/farm.ts';
import type { Job } from '../jobs/job.ts';
import { workersOf } from '../scaler/instance-view.ts';
import type { InstanceRecord } from '../scaler/types.ts';
import type { SpendLedger } from './spend-ledger.ts';

const round = (x: number) => Math.round(x * 1e9) / 1e9;

/** A run's share of its instance's price. */
export function runShare(record: Pick<InstanceRecord, 'perHour' | 'slots'>, seconds: number): number {
  return (Math.max(0, seconds) * record.perHour) / 3600 / Math.max(1, record.slots);
}

export function trackJobCosts(farm: Farm, records: () => readonly InstanceRecord[], ledger: SpendLedger): () => void {
  sumGroupCosts(farm);
  const offRun = farm.onRunEnded((run) => {
    const record = records().find((r) => workersOf(r, [{ name: run.worker, affinities: [], busy: false }]).length > 0);
    const job = farm.tree.get(run.job_id);
    if (!record || !job || record.perHour <= 0) return;
    const share = runShare(record, run.duration);
    run.cost = round(share);
    for (const j of [job, ...farm.tree.ancestors(job)]) j.cost = round(j.cost + share);
    farm.tree.dirty.add(job.id);
    void ledger.noteRun(record.intentId, share).catch((e: unknown) => farm.logger.warn({ err: e }, 'could not record a run in the spend ledger'));
  });
  const offRemoved = farm.onRemoved((gone) => {
    const top = gone[0];
    const parent = top ? farm.tree.get(top.parent) : undefined;
    if (!top || !parent || top.cost === 0) return;
    for (const j of [parent, ...farm.tree.ancestors(parent)]) j.cost = round(Math.max(0, j.cost - top.cost));
  });
  return () => {
    offRun();
    offRemoved();
  };
}

/** Groups' costs from their leaves (a stored group line may hold an old sum). */
function sumGroupCosts(farm: Farm): void {
  const leaves: Job[] = [];
  for (const job of farm.tree.jobs.values()) {
    if (farm.tree.isGroup(job)) job.cost = 0;
    else if (job.cost > 0) leaves.push(job);
  }
  for (const leaf of leaves) for (const g of farm.tree.ancestors(leaf)) g.cost = round(g.cost + leaf.cost);
}
