import { Router } from 'express';
import { validationError } from '../errors.ts';
import type { Dispatcher } from '../farm/dispatcher.ts';
import type { Farm } from '../farm/farm.ts';
import { JOB_STATES, type Job } from '../jobs/job.ts';
import { parseJobEdit, parseJobInput, type JobEdit } from '../jobs/job-input.ts';
import { ROOT_ID } from '../jobs/job-tree.ts';
import { idParam, jobIds } from './ids.ts';
import { sendLog } from './log-route.ts';

/** The old Coalition job API (rest_api.rst), plus paging and a whole-tree submission. */
export function jobRoutes(farm: Farm, _dispatcher: Dispatcher): Router {
  const r = Router();

  r.get('/api/jobs', (req, res) => {
    const parent = req.query.parent === undefined ? ROOT_ID : idParam(String(req.query.parent));
    res.json(page(parent === ROOT_ID ? farm.tree.childrenOf(ROOT_ID) : (farm.tree.require(parent), farm.tree.childrenOf(parent)), req.query));
  });

  /** One job, or an array of jobs, each with optional `children`: a whole tree in one request. */
  r.put('/api/jobs', async (req, res) => {
    const many = Array.isArray(req.body);
    const raw = many ? (req.body as unknown[]) : [req.body];
    if (raw.length === 0) throw validationError('no job given');
    const inputs = raw.map((j, i) => parseJobInput(j, { where: many ? `jobs[${i}]` : 'job' }));
    const created = await farm.submit(inputs);
    res.json(many ? created.map((j) => j.id) : created[0].id);
  });

  r.post('/api/jobs', async (req, res) => {
    const body = req.body as Record<string, unknown>;
    if (typeof body !== 'object' || body === null || Array.isArray(body)) throw validationError('body must be an object { "<job id>": { "<field>": value } }');
    const edits = new Map<number, JobEdit>();
    for (const [id, fields] of Object.entries(body)) edits.set(idParam(id), parseJobEdit(fields, `job ${id}`));
    await farm.edit(edits);
    res.json(1);
  });

  r.delete('/api/jobs', async (req, res) => {
    await farm.remove(jobIds(req.body));
    res.json(1);
  });

  r.get('/api/jobs/:id', (req, res) => {
    res.json(farm.tree.require(idParam(req.params.id)));
  });

  r.get('/api/jobs/:id/children', (req, res) => {
    const id = idParam(req.params.id);
    farm.tree.require(id);
    res.json(page(farm.tree.childrenOf(id), req.query));
  });

  r.get('/api/jobs/:id/dependencies', (req, res) => {
    const job = farm.tree.require(idParam(req.params.id));
    res.json(job.dependencies.map((d) => farm.tree.get(d)).filter(Boolean));
  });

  r.post('/api/jobs/:id/dependencies', async (req, res) => {
    await farm.setDependencies(idParam(req.params.id), Array.isArray(req.body) && req.body.length === 0 ? [] : jobIds(req.body, 'dependencies'));
    res.json(1);
  });

  r.get('/api/jobs/:id/log', (req, res) => sendLog(farm, req, res));

  for (const [path, op] of [
    ['/api/resetjobs', (ids: number[]) => farm.reset(ids)],
    ['/api/startjobs', (ids: number[]) => farm.start(ids)],
    ['/api/pausejobs', (ids: number[]) => farm.pause(ids)],
  ] as const) {
    r.post(path, async (req, res) => {
      await op(jobIds(req.body));
      res.json(1);
    });
  }

  r.get('/api/events', (req, res) => {
    const q = req.query;
    const num = (v: unknown, name: string) => {
      if (v === undefined || v === '') return undefined;
      const n = Number(v);
      if (!Number.isFinite(n) || n < 0) throw validationError(`${name} must be a number ≥ 0`);
      return n;
    };
    const job = num(q.job, 'job');
    res.json(farm.events.query({ job: job || undefined, worker: q.worker ? String(q.worker) : undefined, howlong: num(q.howlong, 'howlong') }, farm.nowSeconds()));
  });

  return r;
}

/** `?state=WAITING&offset=0&limit=100` on job lists. */
function page(jobs: Job[], query: Record<string, unknown>): Job[] {
  let out = jobs;
  if (query.state !== undefined) {
    const state = String(query.state);
    if (!(JOB_STATES as readonly string[]).includes(state)) throw validationError(`state must be one of ${JOB_STATES.join(', ')}`);
    out = out.filter((j) => j.state === state);
  }
  const offset = query.offset === undefined ? 0 : Number(query.offset);
  const limit = query.limit === undefined ? undefined : Number(query.limit);
  if (!(offset >= 0) || (limit !== undefined && !(limit >= 0))) throw validationError('offset and limit must be numbers ≥ 0');
  return limit === undefined ? out.slice(offset) : out.slice(offset, offset + limit);
}
