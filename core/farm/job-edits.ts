import { validationError } from '../errors.ts';
import type { Job } from '../jobs/job.ts';
import type { JobEdit } from '../jobs/job-input.ts';
import { ROOT_ID, type JobTree } from '../jobs/job-tree.ts';
import { findCycleIn, type WaitView } from '../jobs/wait-graph.ts';

/** One checked edit: the job, its fields, and the group it moves under (resolved). */
export interface CheckedEdit {
  job: Job;
  edit: JobEdit;
  parent?: number;
}

/**
 * Checks a whole `POST /api/jobs` batch before any of it is applied: every job exists, every
 * dependency exists, every move goes under a group and not inside itself, and the tree as it
 * would be after the whole batch has no wait cycle (two edits may make one together). Throws
 * the first problem; on success applying the batch cannot fail.
 */
export function checkEdits(tree: JobTree, edits: ReadonlyMap<number, JobEdit>): CheckedEdit[] {
  const checked: CheckedEdit[] = [];
  const newDeps = new Map<number, readonly number[]>();
  const newParent = new Map<number, number>();
  for (const [id, edit] of edits) {
    const job = tree.require(id);
    for (const dep of edit.dependencies ?? []) if (!tree.get(dep)) throw validationError(`job ${id}: dependency ${dep} does not exist`);
    if (edit.dependencies !== undefined) newDeps.set(id, edit.dependencies);
    let parent: number | undefined;
    if (edit.parent !== undefined) {
      parent = tree.resolveParent(edit.parent);
      tree.checkParent(parent);
      if (parent !== job.parent) newParent.set(id, parent);
    }
    checked.push({ job, edit, parent });
  }
  const parentOf = (id: number) => newParent.get(id) ?? tree.jobs.get(id)?.parent ?? ROOT_ID;
  for (const id of newParent.keys()) {
    const seen = new Set<number>();
    for (let p = parentOf(id); p !== ROOT_ID; p = parentOf(p)) {
      if (p === id || seen.has(p)) throw validationError(`job ${id} cannot move inside itself (under job ${newParent.get(id)}, which is in its own subtree)`);
      seen.add(p);
    }
  }
  if (newDeps.size === 0 && newParent.size === 0) return checked;
  const cycle = findCycleIn(overlay(tree.waitView(), newDeps, newParent, parentOf), [...newDeps.keys(), ...newParent.keys()]);
  if (cycle) throw validationError(`these edits would make a wait cycle: ${cycle.join(' → ')}`);
  return checked;
}

/** The wait graph with the batch's new dependencies and moves laid over the tree's. */
function overlay(base: WaitView, deps: ReadonlyMap<number, readonly number[]>, moves: ReadonlyMap<number, number>, parentOf: (id: number) => number): WaitView {
  const movedInto = new Map<number, number[]>();
  for (const [id, parent] of moves) movedInto.set(parent, [...(movedInto.get(parent) ?? []), id]);
  return {
    has: base.has,
    dependencies: (id) => deps.get(id) ?? base.dependencies(id),
    parent: parentOf,
    children: (id) => {
      const own = moves.size ? base.children(id).filter((c) => parentOf(c) === id) : base.children(id);
      const extra = movedInto.get(id);
      return extra ? [...own, ...extra] : own;
    },
  };
}
