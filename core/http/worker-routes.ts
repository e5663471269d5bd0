import { Router } from 'express';
import { z } from 'zod';
import { validationError } from '../errors.ts';
import type { Dispatcher } from '../farm/dispatcher.ts';
import type { Farm } from '../farm/farm.ts';
import { parseAffinities } from '../jobs/job.ts';
import { workerNames } from './ids.ts';
import { describeApi, ref } from './api-description.ts';
import { workerNameListSchema } from './api-schemas.ts';
import { reportUnknown, UNKNOWN_HEADER } from './unknown-ids.ts';

const workerEdit = z
  .object({
    affinity: z.string({ error: 'affinity must be a string' }),
    active: z.preprocess((v) => (v === 1 || v === '1' ? true : v === 0 || v === '0' ? false : v), z.boolean({ error: 'active must be true/false or 1/0' })),
  })
  .partial()
  .strict();

const skipped = {
  '200': { description: '1; names it did not know were skipped and are named in a header', schema: { const: 1 }, headers: { [UNKNOWN_HEADER]: { description: 'comma-separated, URI-encoded names that were skipped' } } },
  '400': { description: 'not a list of worker names', schema: ref('Error') },
};
describeApi([
  { method: 'get', path: '/api/workers', tags: ['workers'], summary: 'The workers', responses: { '200': { description: 'workers', schema: { type: 'array', items: ref('Worker') } } } },
  {
    method: 'post', path: '/api/workers', tags: ['workers'], summary: 'Edit workers: {"<name>": {"affinity", "active"}} (a worker not seen yet is set up for when it connects)',
    body: { schema: z.record(z.string(), workerEdit) }, responses: { '200': { description: '1', schema: { const: 1 } }, '400': { description: 'a field refused; nothing changed', schema: ref('Error') } },
  },
  { method: 'delete', path: '/api/workers', tags: ['workers'], summary: 'Forget workers (their running jobs go back to the queue)', body: { schema: workerNameListSchema }, responses: skipped },
  { method: 'post', path: '/api/stopworkers', tags: ['workers'], summary: 'Stop workers: they take no more jobs', body: { schema: workerNameListSchema }, responses: skipped },
  { method: 'post', path: '/api/startworkers', tags: ['workers'], summary: 'Start stopped workers', body: { schema: workerNameListSchema }, responses: skipped },
  { method: 'get', path: '/api/affinities', tags: ['workers'], summary: 'The old affinity table, {"1": "linux", …, "63": ""}', responses: { '200': { description: 'slots 1 to 63', schema: z.record(z.string(), z.string()) } } },
  { method: 'post', path: '/api/affinities', tags: ['workers'], summary: 'Name affinity slots: {"1": "linux", …} (slots past 63 are ignored)', body: { schema: z.record(z.string().regex(/^\d+$/), z.string()) }, responses: { '200': { description: '1', schema: { const: 1 } }, '400': { description: 'a slot or a name refused', schema: ref('Error') } } },
  { method: 'get', path: '/api/affinities/used', tags: ['workers'], summary: 'The affinities jobs and workers use, sorted', responses: { '200': { description: 'names', schema: z.array(z.string()) } } },
]);

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
      if (!name || name.length > 200) throw validationError(`worker name "${name.slice(0, 40)}…" must be 1 to 200 characters`);
      return { name, fields: parsed.data };
    });
    for (const { name, fields } of edits) {
      // A worker not seen yet can be set up before it first connects.
      const worker = farm.workers.register(name, farm.nowSeconds());
      Object.assign(worker, fields);
      await farm.workers.save(worker);
      farm.workerChanged(worker.name);
    }
    dispatcher.drain(); // a waiting worker may now take a job its new affinities allow
    res.json(1);
  });

  /** Batch calls on workers act on the names they know and skip the others (named in a header). */
  const known = (names: string[]) => ({ known: names.filter((n) => farm.workers.get(n)), unknown: names.filter((n) => !farm.workers.get(n)) });

  r.delete('/api/workers', async (req, res) => {
    const { known: names, unknown } = known(workerNames(req.body));
    await dispatcher.removeWorkers(names);
    reportUnknown(res, unknown);
    res.json(1);
  });

  for (const [path, active] of [['/api/stopworkers', false], ['/api/startworkers', true]] as const) {
    r.post(path, async (req, res) => {
      const { known: names, unknown } = known(workerNames(req.body));
      for (const w of names.map((n) => farm.workers.require(n))) {
        w.active = active;
        await farm.workers.save(w);
        farm.workerChanged(w.name);
      }
      if (active) dispatcher.drain();
      reportUnknown(res, unknown);
      res.json(1);
    });
  }

  /** The old affinity table: `{"1": "linux", …, "63": ""}`. */
  r.get('/api/affinities', (_req, res) => {
    res.json(farm.affinities.all());
  });

  r.post('/api/affinities', async (req, res) => {
    await farm.affinities.set(req.body);
    res.json(1);
  });

  /** The affinities jobs and workers use, sorted (for pickers in the UI). */
  r.get('/api/affinities/used', (_req, res) => {
    const all = new Set<string>();
    for (const w of farm.workers.list()) parseAffinities(w.affinity).forEach((a) => all.add(a));
    for (const job of farm.tree.jobs.values()) if (job.affinity) parseAffinities(job.affinity).forEach((a) => all.add(a));
    res.json([...all].sort());
  });

  return r;
}
