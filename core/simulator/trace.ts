/** The scaler trace format (DESIGN.md, "Scaler trace format"), validated on load. */
import { z } from 'zod';

const instanceTypeSchema = z.object({
  name: z.string().min(1),
  slots: z.number().int().min(1),
  affinities: z.array(z.string()),
  onDemandPerHour: z.number().positive().nullable().optional(),
  spotPerHour: z.number().positive().nullable().optional(),
  bootSeconds: z.number().min(0),
  spotInterruptionsPerHour: z.number().min(0).optional(),
});

const jobSchema = z.object({
  id: z.number().int().min(1),
  submit: z.number().min(0),
  duration: z.number().min(0),
  affinity: z.string().optional(),
  priority: z.number().optional(),
  dependencies: z.array(z.number().int()).optional(),
  parent: z.number().int().min(0).optional(),
});

export const traceSchema = z.object({
  name: z.string().optional(),
  description: z.string().optional(),
  instanceTypes: z.array(instanceTypeSchema).min(1),
  limits: z
    .object({
      maxInstances: z.number().int().min(1),
      /** Spend ceiling in currency per hour (sum of running instances' prices); null = none. */
      maxPerHour: z.number().positive().nullable().optional(),
    })
    .optional(),
  jobs: z.array(jobSchema),
  seed: z.number().int().optional(),
});

export type Trace = z.infer<typeof traceSchema>;
export type TraceInstanceType = z.infer<typeof instanceTypeSchema>;
export type TraceJob = z.infer<typeof jobSchema>;

/** Parses and checks a trace; the error names the first bad field. */
export function parseTrace(json: unknown): Trace {
  const result = traceSchema.safeParse(json);
  if (!result.success) {
    const issue = result.error.issues[0];
    throw new Error(`invalid trace: ${issue.path.join('.') || '(root)'}: ${issue.message}`);
  }
  const trace = result.data;
  const ids = new Set(trace.jobs.map((j) => j.id));
  if (ids.size !== trace.jobs.length) throw new Error('invalid trace: job ids must be unique');
  for (const job of trace.jobs) {
    for (const dep of job.dependencies ?? []) if (!ids.has(dep)) throw new Error(`invalid trace: job ${job.id} depends on unknown job ${dep}`);
    if (job.parent && !ids.has(job.parent)) throw new Error(`invalid trace: job ${job.id} has unknown parent ${job.parent}`);
  }
  return trace;
}

/** A job's affinities as a list (`"gpu, linux"` → `["gpu","linux"]`). */
export function jobAffinities(job: TraceJob): string[] {
  return (job.affinity ?? '').split(',').map((a) => a.trim()).filter((a) => a !== '');
}
