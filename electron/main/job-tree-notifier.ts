import type { Farm } from '../../core/farm/farm.ts';
import type { Job, JobState } from '../../core/jobs/job.ts';
import { ROOT_ID } from '../../core/jobs/job-tree.ts';

export interface TreeOutcome {
  id: number;
  title: string;
  state: 'FINISHED' | 'ERROR';
  /** Leaf jobs of the tree (1 for a single job), and those that failed. */
  jobs: number;
  errors: number;
}

/** The notification a person reads. */
export function outcomeNotification(o: TreeOutcome): { title: string; body: string } {
  if (o.state === 'FINISHED') return { title: `Finished: ${o.title}`, body: o.jobs === 1 ? 'The job finished.' : `All ${o.jobs} jobs finished.` };
  return { title: `Failed: ${o.title}`, body: o.jobs === 1 ? 'The job failed.' : `${o.errors} of ${o.jobs} jobs failed.` };
}

/**
 * Calls `notify` when a job tree (a top-level job and everything under it) ends: all of it
 * finished, or it stopped with errors. It listens to the farm in-process (the same changes the
 * event stream carries), climbs from each changed job to its top-level job and compares that
 * one's state with the last it saw, so a tree that was already done at start says nothing.
 */
export function watchJobTrees(farm: Farm, notify: (outcome: TreeOutcome) => void): () => void {
  const tree = farm.tree;
  const last = new Map<number, JobState>();
  for (const top of tree.childrenOf(ROOT_ID)) last.set(top.id, top.state);
  const topOf = (id: number): Job | undefined => {
    let job = tree.get(id);
    while (job && job.parent !== ROOT_ID) job = tree.get(job.parent);
    return job;
  };
  return farm.onChange(({ jobs }) => {
    const tops = new Set<Job>();
    for (const id of jobs) {
      const top = topOf(id);
      if (top) tops.add(top);
      else if (last.has(id) && !tree.get(id)) last.delete(id);
    }
    for (const top of tops) {
      const before = last.get(top.id);
      last.set(top.id, top.state);
      if (before === top.state || (top.state !== 'FINISHED' && top.state !== 'ERROR')) continue;
      const group = tree.isGroup(top);
      notify({
        id: top.id,
        title: top.title,
        state: top.state,
        jobs: group ? leafCount(tree, top) : 1,
        errors: group ? top.total_errors : top.state === 'ERROR' ? 1 : 0,
      });
    }
  });
}

/** The leaf jobs under a group (walked only when a tree ends). */
function leafCount(tree: Farm['tree'], group: Job): number {
  let n = 0;
  const stack = [group];
  while (stack.length) {
    for (const child of tree.childrenOf(stack.pop()!.id)) {
      if (tree.isGroup(child)) stack.push(child);
      else n++;
    }
  }
  return n;
}
