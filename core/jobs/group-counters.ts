import type { JobState } from './job.ts';

/** How many direct children of a group are in each state. */
export type StateCounts = Record<JobState, number>;
export const emptyCounts = (): StateCounts => ({ WAITING: 0, PENDING: 0, WORKING: 0, FINISHED: 0, ERROR: 0, PAUSED: 0 });

/** Leaf tallies a node contributes to each of its ancestors. */
export interface Tally {
  leaves: number;
  finished: number;
  errors: number;
  working: number;
}

export function tallyOfLeaf(state: JobState): Tally {
  return { leaves: 1, finished: state === 'FINISHED' ? 1 : 0, errors: state === 'ERROR' ? 1 : 0, working: state === 'WORKING' ? 1 : 0 };
}

export function addTally(into: Tally, t: Tally, sign: 1 | -1): void {
  into.leaves += sign * t.leaves;
  into.finished += sign * t.finished;
  into.errors += sign * t.errors;
  into.working += sign * t.working;
}

/**
 * A group's state follows its direct children (`total` of them). ERROR shows as soon as one
 * leaf below is in ERROR, as the old server showed it. An empty group waits for children, or
 * reads PAUSED when it holds them.
 */
export function groupState(c: StateCounts, total: number, held = false): JobState {
  if (total === 0) return held ? 'PAUSED' : 'WAITING';
  if (c.ERROR > 0) return 'ERROR';
  if (c.WORKING > 0) return 'WORKING';
  if (c.FINISHED === total) return 'FINISHED';
  if (c.WAITING > 0) return 'WAITING';
  if (c.PENDING > 0) return 'PENDING';
  return 'PAUSED';
}
