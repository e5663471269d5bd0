import { z } from 'zod';
import { USER_ROLES } from '../access/policy.ts';
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
    cost: z.number().min(0).meta({ description: "what its runs cost on cloud instances (each run's share of its instance's price); a group's is its subtree's; 0 off the cloud" }),
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
  cost: z.number().min(0).optional().meta({ description: "the run's share of its cloud instance's price (runs on cloud workers only)" }),
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

// People, sessions, the audit log, the web UI's views, the cloud's series and estimates.

const notifyChoices = z.object({ finished: z.boolean(), failed: z.boolean(), progress: z.boolean(), budget: z.boolean() }).meta({ description: 'which e-mails the person gets' });

export const userSchema = z
  .object({
    name: z.string(),
    role: z.enum(USER_ROLES),
    email: z.string(),
    source: z.enum(['local', 'ldap']).meta({ description: '`local`: the password is kept here (scrypt); `ldap`: checked by the directory' }),
    tokens: z.array(z.object({ id: z.string(), label: z.string(), created: z.number() })).meta({ description: 'personal tokens (never the tokens themselves)' }),
    notify: notifyChoices,
    created: z.number().meta({ description: 'ms since the epoch' }),
  })
  .meta({ description: 'An account, without its password hash or token digests.' });

export const issuedTokenSchema = z.object({ id: z.string(), token: z.string().meta({ description: '`cpt_…`: shown this once, only its digest is kept' }) });

const loginOptionsSchema = z.object({ password: z.boolean(), ldap: z.boolean(), csrfHeader: z.string() }).meta({ description: 'how a person can log in here' });

export const sessionSchema = z
  .object({
    role: z.string(),
    user: z.string().nullable(),
    auth: z.enum(['token', 'none']),
    via: z.string().optional().meta({ description: 'admin-token, personal-token, session, trusted-network, no-auth, …' }),
    csrf: z.string().optional().meta({ description: 'with a session cookie: send it in X-CSRF-Token on POST/PUT/DELETE' }),
    expires: z.number().optional().meta({ description: 'with a session cookie: when it ends (ms since the epoch)' }),
    can: z.record(z.string(), z.boolean()).optional().meta({ description: 'what a page may offer this caller' }),
    login: loginOptionsSchema.optional(),
  })
  .meta({ description: 'Who the caller is.' });

export const sessionRefusalSchema = errorSchema.extend({ login: loginOptionsSchema });

export const auditPageSchema = z.object({
  total: z.number().int().meta({ description: 'entries that matched' }),
  entries: z.array(
    z.object({
      id: z.number().int(),
      at: z.number(),
      actor: z.object({ user: z.string().nullable(), role: z.string().nullable(), via: z.string() }),
      action: z.string().meta({ description: 'job.submit, job.edit, worker.delete, cloud.launch, setup.apply, login.failed, …' }),
      target: z.string().optional(),
      details: z.record(z.string(), z.unknown()).optional().meta({ description: 'field names changed, counts, a reason (never values)' }),
      outcome: z.number().int().meta({ description: 'the HTTP status (0: done by the server itself)' }),
      address: z.string().optional(),
    }),
  ),
});

const stateCounts = z.object(Object.fromEntries(JOB_STATES.map((s) => [s, z.number().int()])) as Record<(typeof JOB_STATES)[number], z.ZodNumber>);

export const jobViewPageSchema = z.object({
  total: z.number().int().meta({ description: 'rows after every filter (top-level rows and those of open groups)' }),
  counts: stateCounts.meta({ description: 'top-level rows per state, with every filter but the state one' }),
  offset: z.number().int(),
  rows: z.array(jobSchema.extend({ depth: z.number().int(), has_children: z.boolean() })),
  path: z.array(z.object({ id: z.number().int(), title: z.string() })).meta({ description: 'from the top down to the shown group' }),
});

export const jobFacetsSchema = z.object({ users: z.array(z.string()), affinities: z.array(z.string()), workers: z.array(z.string()), states: z.array(z.enum(JOB_STATES)) });

export const cloudSeriesSchema = z.object({
  everyMs: z.number(),
  spendToday: z.number().meta({ description: 'since local midnight, from the samples' }),
  samples: z.array(z.object({ at: z.number(), instances: z.number().int(), queued: z.number().int(), perHour: z.number() })),
});

export const estimateSchema = z.object({
  policy: z.string(),
  jobs: z.number().int().meta({ description: 'work jobs in the submission' }),
  cost: z.number().meta({ description: 'what the submission adds to the spend' }),
  costWithQueue: z.number(),
  costOfQueue: z.number(),
  lowerBound: z.number().meta({ description: 'each job on the cheapest slot that can run it' }),
  finishInSeconds: z.number().nullable().meta({ description: 'null: some job no instance type can run' }),
  finishAt: z.number().nullable(),
  unservableJobs: z.number().int(),
  plan: z.array(z.object({ atSeconds: z.number(), instanceType: z.string(), market: z.enum(['spot', 'on-demand']), count: z.number().int() })),
  pools: z.array(z.object({ instanceType: z.string(), market: z.enum(['spot', 'on-demand']), instances: z.number().int() })),
  peakInstances: z.number().int(),
  assumptions: z.array(z.string()),
  warnings: z.array(z.string()),
});
