import { findWaitCycle } from './wait-cycle.ts';

/** What the cycle search needs to know of the tree (the real one, or one with edits laid over it). */
export interface WaitView {
  has(id: number): boolean;
  dependencies(id: number): readonly number[];
  children(id: number): readonly number[];
  /** 0 (the root) when the job is at the top. */
  parent(id: number): number;
}

/**
 * Looks for a wait cycle reachable from `start`: a job waits for its dependencies, for its
 * ancestors' dependencies, and a group waits for its children. A job's inherited dependencies
 * go through one node per ancestor (`-(id + 1)`: "the dependencies of id and of its
 * ancestors"), so the search stays linear however deep the tree is. Returns the cycle as job
 * ids, if any.
 */
export function findCycleIn(view: WaitView, start: readonly number[]): number[] | undefined {
  const inherited = (id: number) => -(id + 1);
  const cycle = findWaitCycle(start, (node) => {
    if (node < 0) {
      const id = -node - 1;
      const up = view.parent(id);
      return [...view.dependencies(id).filter((d) => view.has(d)), ...(up > 0 ? [inherited(up)] : [])];
    }
    if (!view.has(node)) return [];
    const up = view.parent(node);
    return [...view.dependencies(node).filter((d) => view.has(d)), ...view.children(node), ...(up > 0 ? [inherited(up)] : [])];
  });
  return cycle?.filter((id) => id >= 0);
}
