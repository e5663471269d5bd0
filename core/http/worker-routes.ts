import { Router, type Request } from 'express';
import { z } from 'zod';
import { CoalitionError, validationError } from '../errors.ts';
import type { Dispatcher, WorkerReport } from '../farm/dispatcher.ts';
import type { Farm } from '../farm/farm.ts';
import { parseAffinities } from '../jobs/job.ts';
import { workerNames } from './ids.ts';

const workerEdit = z
  .object({
    affinity: z.string({ error: 'affinity must be a string' }),
    active: z.preprocess((v) => (v === 1 || v === '1' ? true : v === 0 || v === '0' ? false : v), z.boolean({ error: 'active must be true/false or 1/0' })),
  })
  .partial()
  .strict();

/** Worker administration (rest_api.rst) and the affinities list. */
export function workerAdminRoutes(farm: Farm): Router {
  const r = Router();

  r.get('/api/workers', (_req, res) => {
    res.json(farm.workers.list().map((w) => ({ ...w, cpu: JSON.stringify(w.cpu), active: w.active ? 1 : 0 })));
  });

  r.post('/api/workers', async (req, res) => {
    const body = req.body as Record<string, unknown>;
    if (typeof body !== 'object' || body === null || Array.isArray(body)) throw validationError('body must be an object { "<worker name>": { "affinity": …, "active": … } }');
    const edits = Object.entries(body).map(([name, fields]) => {
      const parsed = workerEdit.safeParse(fields);
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        throw validationError(`worker "${name}": ${issue.code === 'unrecognized_keys' ? `unknown field(s) ${issue.keys.join(', ')}` : `${issue.path.join('.')}: ${issue.message}`}`);
      }
      return { worker: farm.workers.require(name), fields: parsed.data };
    });
    for (const { worker, fields } of edits) {
      Object.assign(worker, fields);
      await farm.workers.save(worker);
      farm.workerChanged(worker.name);
    }
    res.json(1);
  });

  r.delete('/api/workers', async (req, res) => {
    const names = workerNames(req.body);
    names.forEach((n) => farm.workers.require(n));
    await farm.workers.remove(names);
    names.forEach((n) => farm.workerChanged(n));
    res.json(1);
  });

  for (const [path, active] of [['/api/stopworkers', false], ['/api/startworkers', true]] as const) {
    r.post(path, async (req, res) => {
      const workers = workerNames(req.body).map((n) => farm.workers.require(n));
      for (const w of workers) {
        w.active = active;
        await farm.workers.save(w);
        farm.workerChanged(w.name);
      }
      res.json(1);
    });
  }

  r.get('/api/affinities', (_req, res) => {
    const all = new Set<string>();
    for (const w of farm.workers.list()) parseAffinities(w.affinity).forEach((a) => all.add(a));
    for (const job of farm.tree.jobs.values()) if (job.affinity) parseAffinities(job.affinity).forEach((a) => all.add(a));
    res.json([...all].sort());
  });

  return r;
}

const report = z.object({
  name: z.string({ error: 'name (the worker name) is required' }).min(1, 'name (the worker name) is required').max(200),
  affinity: z.string().optional(),
  cpu: z.array(z.number()).optional(),
  free_memory: z.number().optional(),
  total_memory: z.number().optional(),
});
const pick = report.extend({ wait: z.number().min(0).optional() });
const beat = report.extend({ job: z.number().int().positive(), log: z.string().optional() });
const end = beat.extend({ exit_code: z.number().int(), timed_out: z.boolean().optional(), requeue: z.boolean().optional() });

function parse<T>(schema: z.ZodType<T>, req: Request): T & WorkerReport {
  const parsed = schema.safeParse(req.body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw validationError(`${issue.path.join('.') || 'body'}: ${issue.message}`);
  }
  const body = parsed.data as T & WorkerReport;
  if (req.workerScope && body.name !== req.workerScope && !body.name.startsWith(`${req.workerScope}-`)) {
    throw new CoalitionError('forbidden', `this token belongs to worker "${req.workerScope}", not "${body.name}"`);
  }
  return { ...body, ip: req.socket.remoteAddress ?? '' };
}

/** The worker protocol (DESIGN.md): pickjob (long-poll), heartbeat, endjob, interruption. */
export function workerProtocolRoutes(farm: Farm, dispatcher: Dispatcher): Router {
  const r = Router();

  r.post('/workers/pickjob', async (req, res) => {
    const body = parse(pick, req);
    const job = await dispatcher.pickJob(body, body.wait ?? 0, (cancel) => res.on('close', cancel));
    if (res.writableEnded || res.destroyed) {
      if (job) {
        dispatcher.requeue(job, 'INTERRUPTED'); // the worker left before it got the job
        await farm.persist();
      }
      return;
    }
    res.json({ job: job && { id: job.id, title: job.title, command: job.command, dir: job.dir, environment: job.environment, user: job.user, timeout: job.timeout } });
  });

  r.post('/workers/heartbeat', async (req, res) => {
    res.json({ keep_running: await dispatcher.heartbeat(parse(beat, req)) });
  });

  r.post('/workers/endjob', async (req, res) => {
    await dispatcher.endJob(parse(end, req));
    res.json({ ok: true });
  });

  r.post('/workers/interruption', async (req, res) => {
    await dispatcher.interruption(parse(report, req).name);
    res.json({ ok: true });
  });

  return r;
}
