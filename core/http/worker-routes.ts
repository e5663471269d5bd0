import { Router } from 'express';
import { z } from 'zod';
import { validationError } from '../errors.ts';
import type { Dispatcher } from '../farm/dispatcher.ts';
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
export function workerAdminRoutes(farm: Farm, dispatcher: Dispatcher): Router {
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
    await dispatcher.removeWorkers(names);
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
