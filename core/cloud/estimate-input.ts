/**
 * What an estimate simulates, built from the farm and the request: the queue (jobs waiting or
 * running now, with the durations the farm has seen for their affinities) and the submission
 * (a job tree exactly as `PUT /api/jobs` takes it, or counts, durations and affinities).
 */
import { z } from 'zod';
import { validationError } from '../errors.ts';
import type { Farm } from '../farm/farm.ts';
import { parseAffinities } from '../jobs/job.ts';
import { parseJobInput, type JobInput } from '../jobs/job-input.ts';
import type { TraceJob } from '../simulator/trace.ts';

/** The most work jobs one estimate simulates. */
export const MAX_ESTIMATE_JOBS = 50_000;

const seconds = z.number({ error: 'must be a number of seconds' }).positive('must be more than 0').max(30 * 86_400, 'is more than 30 days');

export const estimateBody = z
  .object({
    /** A job or a list of jobs, as `PUT /api/jobs` takes them; a job may say `seconds` (its expected run time). */
    jobs: z.unknown().optional(),
    /** Expected seconds per job for the jobs that do not say (else the farm's mean for their affinities). */
    seconds: seconds.optional(),
    /** Or: counts of jobs with a duration and affinities. */
    groups: z.array(z.object({ count: z.number().int().min(1).max(MAX_ESTIMATE_JOBS), seconds, affinity: z.string().optional(), priority: z.number().int().optional() }).strict()).min(1).optional(),
  })
  .strict()
  .refine((b) => (b.jobs !== undefined) !== (b.groups !== undefined), { message: 'give either "jobs" (a submission) or "groups" (counts, seconds and affinities)', path: [] });

export type EstimateBody = z.infer<typeof estimateBody>;

const affinityKey = (text: string) => parseAffinities(text).sort().join(',');

/** Mean duration of finished jobs per affinity set: what the farm expects a new job to take. */
export function meanDurations(farm: Farm): Map<string, number> {
  const sums = new Map<string, { sum: number; n: number }>();
  for (const job of farm.tree.jobs.values()) {
    if (job.state !== 'FINISHED' || job.duration <= 0 || farm.tree.isGroup(job)) continue;
    const key = affinityKey(job.affinity);
    const s = sums.get(key) ?? { sum: 0, n: 0 };
    s.sum += job.duration;
    s.n++;
    sums.set(key, s);
  }
  return new Map([...sums].map(([k, s]) => [k, s.sum / s.n]));
}

/** Jobs waiting or running now, each at time 0 with its expected (remaining) duration. */
export function queueJobs(farm: Farm, means: Map<string, number>, fallback: number | undefined, assumptions: string[]): TraceJob[] {
  const out: TraceJob[] = [];
  let unknown = 0;
  const now = farm.nowSeconds();
  for (const job of farm.tree.jobs.values()) {
    if (job.id === 0 || farm.tree.isGroup(job) || !['WAITING', 'PENDING', 'WORKING'].includes(job.state)) continue;
    let duration = means.get(affinityKey(job.affinity));
    if (duration === undefined) {
      unknown++;
      duration = fallback ?? 300;
    }
    if (job.state === 'WORKING') duration = Math.max(1, duration - (now - job.start_time));
    out.push({ id: out.length + 1, submit: 0, duration, affinity: job.affinity, priority: job.priority, dependencies: [], parent: 0 });
  }
  if (out.length > 0) assumptions.push(`${out.length} job(s) already queued or running are simulated first (their own dependencies ignored)`);
  if (unknown > 0) assumptions.push(`${unknown} queued job(s) have no finished job of their affinities to learn from: counted as ${fallback ?? 300}s each`);
  return out;
}

/** The submission as trace jobs with ids after `firstId`. */
export function submissionJobs(body: EstimateBody, means: Map<string, number>, firstId: number, assumptions: string[]): TraceJob[] {
  const out: TraceJob[] = [];
  if (body.groups) {
    for (const g of body.groups) {
      for (let i = 0; i < g.count; i++) out.push({ id: firstId + out.length, submit: 0, duration: g.seconds, affinity: g.affinity ?? '', priority: g.priority ?? 1000, dependencies: [], parent: 0 });
      if (out.length > MAX_ESTIMATE_JOBS) throw validationError(`an estimate simulates ${MAX_ESTIMATE_JOBS} jobs at most`);
    }
    return out;
  }
  const raw = Array.isArray(body.jobs) ? (body.jobs as unknown[]) : [body.jobs];
  if (raw.length === 0) throw validationError('jobs: no job given');
  // `seconds` is the estimate's own field: taken out before the job is checked as a submission would be.
  const secondsOf = new Map<JobInput, number>();
  const strip = (j: unknown, where: string): { clean: unknown; seconds?: number; kids: Array<{ clean: unknown; seconds?: number; kids: unknown[] }> } => {
    if (typeof j !== 'object' || j === null || Array.isArray(j)) return { clean: j, kids: [] };
    const { seconds: s, children, ...rest } = j as Record<string, unknown>;
    if (s !== undefined && !seconds.safeParse(s).success) throw validationError(`${where}: seconds must be a number of seconds more than 0`);
    const kids = Array.isArray(children) ? children.map((c, i) => strip(c, `${where}.children[${i}]`)) : [];
    return { clean: Array.isArray(children) ? { ...rest, children: kids.map((k) => k.clean) } : children === undefined ? rest : { ...rest, children }, seconds: s as number | undefined, kids };
  };
  const inputs = raw.map((j, i) => {
    const where = Array.isArray(body.jobs) ? `jobs[${i}]` : 'job';
    const stripped = strip(j, where);
    const input = parseJobInput(stripped.clean, { where });
    const walk = (inp: JobInput, s: ReturnType<typeof strip>) => {
      if (s.seconds !== undefined) secondsOf.set(inp, s.seconds);
      inp.children.forEach((c, k) => walk(c, s.kids[k] as ReturnType<typeof strip>));
    };
    walk(input, stripped);
    return input;
  });
  const refs = new Map<string, number>();
  const pendingRefs: Array<{ job: TraceJob; refs: string[] }> = [];
  let unknown = 0;
  let existingDeps = 0;
  let work = 0;
  const add = (input: JobInput, parent: number): void => {
    const id = firstId + out.length;
    const isGroup = input.spec.is_parent;
    if (isGroup && input.children.length === 0) return; // an empty group runs nothing
    let duration = 0;
    if (!isGroup) {
      work++;
      const known = secondsOf.get(input) ?? body.seconds ?? means.get(affinityKey(input.spec.affinity));
      if (known === undefined) unknown++;
      duration = known ?? 0;
    }
    const job: TraceJob = { id, submit: 0, duration, affinity: isGroup ? '' : input.spec.affinity, priority: input.spec.priority, dependencies: [], parent };
    out.push(job);
    if (out.length > MAX_ESTIMATE_JOBS) throw validationError(`an estimate simulates ${MAX_ESTIMATE_JOBS} jobs at most`);
    if (input.ref) refs.set(input.ref, id);
    if (input.dependsOnRefs.length) pendingRefs.push({ job, refs: input.dependsOnRefs });
    existingDeps += input.spec.dependencies.length;
    for (const child of input.children) add(child, id);
  };
  for (const input of inputs) add(input, 0);
  // PUT /api/jobs takes a job without a command as an empty group; an estimate of nothing to run is a mistake.
  if (work === 0) {
    const where = Array.isArray(body.jobs) ? 'jobs' : 'job';
    throw validationError(`${where}: command is required: a job without one is a group, and no job of this submission runs a command (give "command", or "children" that have one)`);
  }
  if (unknown > 0) throw validationError(`${unknown} job(s) have no expected duration: give "seconds" (for all jobs, or on each job), or finish a job of their affinities first so the farm knows`);
  for (const { job, refs: names } of pendingRefs) {
    for (const name of names) {
      const id = refs.get(name);
      if (id === undefined) throw validationError(`dependency "${name}" names no ref of this submission`);
      job.dependencies!.push(id);
    }
  }
  if (existingDeps > 0) assumptions.push(`${existingDeps} dependency(ies) on existing jobs are taken as done`);
  return out;
}
