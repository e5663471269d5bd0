import { CoalitionError, validationError } from '../errors.ts';

/**
 * The documented limits of a submission (README, "Limits"). Each refusal names its limit. The
 * tree a farm holds may be deeper than one submission (a group added under a group, many
 * times): every walk of it is iterative.
 */
export const JOB_LIMITS = {
  /** Levels of `children` in one request. */
  submissionDepth: 100,
  /** Jobs in one request, children included. */
  jobsPerSubmission: 100_000,
  /** Dependencies of one job. */
  dependencies: 100_000,
  /** Characters of each text field. */
  text: {
    title: 1_000,
    command: 100_000,
    dir: 4_096,
    environment: 100_000,
    affinity: 1_000,
    url: 4_096,
    user: 256,
    progress_pattern: 1_000,
    local_progress_pattern: 1_000,
    ref: 256,
    parent: 4_096,
  },
} as const;

export type LimitedText = keyof typeof JOB_LIMITS.text;

const n = (v: number) => v.toLocaleString('en-US');

/**
 * Checks the size of a submission (one job, or a list of jobs, with nested `children`) before
 * anything walks it recursively: refuses nesting past `submissionDepth` (400) and more than
 * `jobsPerSubmission` jobs (413). Iterative, and stops as soon as a limit is passed.
 */
export function checkSubmissionSize(raw: unknown): void {
  const stack: Array<{ node: unknown; depth: number }> = (Array.isArray(raw) ? raw : [raw]).map((node) => ({ node, depth: 0 }));
  let jobs = 0;
  while (stack.length) {
    const { node, depth } = stack.pop()!;
    if (++jobs > JOB_LIMITS.jobsPerSubmission) {
      throw new CoalitionError('too_large', `this submission has more than ${n(JOB_LIMITS.jobsPerSubmission)} jobs (${n(JOB_LIMITS.jobsPerSubmission)} jobs at most in one request; see Limits in the README)`);
    }
    if (depth > JOB_LIMITS.submissionDepth) {
      throw validationError(`this tree of jobs is nested more than ${JOB_LIMITS.submissionDepth} levels deep (the limit; see Limits in the README): submit the deeper levels under their parent in another request`);
    }
    const children = typeof node === 'object' && node !== null ? (node as { children?: unknown }).children : undefined;
    if (Array.isArray(children)) for (const child of children) stack.push({ node: child, depth: depth + 1 });
  }
}

/** The message of a text field past its limit. */
export const tooLong = (field: LimitedText) => `is too long (${n(JOB_LIMITS.text[field])} characters at most)`;
