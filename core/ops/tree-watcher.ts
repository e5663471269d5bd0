import type { Farm } from '../farm/farm.ts';
import type { Job } from '../jobs/job.ts';
import type { JobSummary } from './ops-events.ts';

interface Seen {
  finished: boolean;
  failed: boolean;
  progressed: boolean;
}

/**
 * Watches the top-level job trees and emits `job.finished`, `job.failed` (the first job of the
 * tree in ERROR) and `job.progress` (its first `notifyAfter` jobs finished) once per
 * transition: a tree that is reset and finishes again notifies again. Trees as they were when
 * the server started are the baseline (a restart sends nothing).
 */
export function watchTrees(farm: Farm, options: { notifyAfter: number }): () => void {
  const seen = new Map<number, Seen>();
  const summary = (root: Job): JobSummary => {
    const group = farm.tree.isGroup(root);
    const total = group ? farm.tree.leavesOf(root.id).length : 1;
    return {
      id: root.id,
      title: root.title,
      user: root.user,
      state: root.state,
      finished: group ? root.total_finished : root.state === 'FINISHED' ? 1 : 0,
      errors: group ? root.total_errors : root.state === 'ERROR' ? 1 : 0,
      total,
    };
  };
  /** Cheap: read on every change of the tree (the summary, which walks it, only when an event goes out). */
  const now = (root: Job): Seen => {
    const group = farm.tree.isGroup(root);
    return {
      finished: root.state === 'FINISHED',
      failed: root.state === 'ERROR' || (group && root.total_errors > 0),
      progressed: options.notifyAfter > 0 && group && root.total_finished >= options.notifyAfter,
    };
  };
  for (const root of farm.tree.childrenOf(0)) seen.set(root.id, now(root));

  return farm.onChange(({ jobs }) => {
    const roots = new Set<number>();
    for (const id of jobs) {
      const job = farm.tree.get(id);
      if (!job) {
        seen.delete(id);
        continue;
      }
      const top = job.parent === 0 ? job : farm.tree.ancestors(job).find((a) => a.parent === 0);
      if (top) roots.add(top.id);
    }
    for (const id of roots) {
      const root = farm.tree.get(id)!;
      const before = seen.get(id) ?? { finished: false, failed: false, progressed: false };
      const after = now(root);
      seen.set(id, after);
      const at = farm.clock.now();
      if (after.failed && !before.failed) farm.ops.emit({ type: 'job.failed', at, job: summary(root) });
      if (after.progressed && !before.progressed && !after.finished) farm.ops.emit({ type: 'job.progress', at, job: summary(root), count: options.notifyAfter });
      if (after.finished && !before.finished) farm.ops.emit({ type: 'job.finished', at, job: summary(root) });
    }
  });
}
