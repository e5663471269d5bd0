import { z } from 'zod';
import { JOB_STATES } from '../jobs/job.ts';
import { jobEditSchema, jobInputSchema } from '../jobs/job-input.ts';
import { jsonSchemaOf, ref, type JsonSchema } from './api-description.ts';

/**
 * The shapes the API answers with, for its description (requests are described by the zod
 * schemas that validate them). A test checks real answers against these.
 */
export const errorSchema = z.object({ error: z.object({ code: z.string(), message: z.string() }) }).meta({ description: 'Every 4xx/5xx: a stable code and a message naming the problem.' });

export const jobSchema = z
  .object({
    id: z.number().int(),
    parent: z.number().int().meta({ description: '0 at the top' }),
    title: z.string(),
    command: z.string().meta({ description: "'' for a group" }),
    dir: z.string(),
    environment: z.string().meta({ description: 'VAR=value pairs separated by the two characters \\n' }),
    priority: z.number().int(),
    timeout: z.number().int().meta({ description: 'seconds; 0 = none' }),
    retry: z.number().int(),
    affinity: z.string(),
    url: z.string(),
    user: z.string(),
    progress_pattern: z.string(),
    local_progress_pattern: z.string(),
    dependencies: z.array(z.number().int()),
    is_parent: z.boolean(),
    state: z.enum(JOB_STATES),
    paused: z.boolean().meta({ description: 'the old alias of state PAUSED; on a group: it holds the children added later' }),
    worker: z.string(),
    start_time: z.number(),
    duration: z.number(),
    ping_time: z.number(),
    run_done: z.number().int(),
    progress: z.number().min(0).max(1),
    local_progress: z.number().min(0).max(1),
    total: z.number().int().meta({ description: 'leaf jobs of the whole subtree' }),
    finished: z.number().int().meta({ description: 'direct children FINISHED' }),
    errors: z.number().int(),
    working: z.number().int(),
    total_finished: z.number().int().meta({ description: 'leaves of the subtree FINISHED' }),
    total_errors: z.number().int(),
    total_working: z.number().int(),
  })
  .meta({ description: 'A job as the server shows it (field names of the old Coalition REST API).' });

export const workerSchema = z.object({
  name: z.string(),
  ip: z.string(),
  affinity: z.string(),
  state: z.enum(['WAITING', 'WORKING', 'TIMEOUT']),
  ping_time: z.number(),
  finished: z.number().int(),
  error: z.number().int(),
  last_job: z.number().int(),
  current_job: z.number().int(),
  current_event: z.number().int(),
  cpu: z.string().meta({ description: 'per-core busy %, as a JSON list in a string (old format)' }),
  free_memory: z.number(),
  total_memory: z.number(),
  active: z.union([z.literal(0), z.literal(1)]),
  interrupted: z.boolean(),
});

export const eventSchema = z.object({
  id: z.number().int(),
  worker: z.string(),
  job_id: z.number().int(),
  job_title: z.string(),
  state: z.string(),
  start: z.number(),
  duration: z.number(),
});

export const idListSchema = z.array(z.number().int().positive()).meta({ description: 'job ids, e.g. [12, 13] (one id alone is taken too)' });
export const workerNameListSchema = z.array(z.string().min(1)).meta({ description: 'worker names, e.g. ["render-01"]' });

/** A job to submit, with `children` (each a job to submit) to make a whole tree in one request. */
export function jobInputJson(): JsonSchema {
  const base = jsonSchemaOf(jobInputSchema);
  const properties = { ...(base.properties as Record<string, JsonSchema>), children: { type: 'array', items: ref('JobInput'), description: 'the jobs of this group' } };
  return { ...base, properties, description: 'A job to submit (old field names and their aliases cmd, env, globalprogress, localprogress are taken too; read-only fields a client sends back are ignored). No command makes a group.' };
}

/** Named schemas shared by the operations. */
export const sharedSchemas = {
  Error: errorSchema,
  Job: jobSchema,
  JobEdit: jobEditSchema,
  Worker: workerSchema,
  Event: eventSchema,
};
