import { Router } from 'express';
import { z } from 'zod';
import { validationError } from '../errors.ts';
import type { Dispatcher } from '../farm/dispatcher.ts';
import type { Farm } from '../farm/farm.ts';
import { JOB_STATES, type Job } from '../jobs/job.ts';
import { parseJobEdit, parseJobInput, type JobEdit } from '../jobs/job-input.ts';
import { checkSubmissionSize } from '../jobs/job-limits.ts';
import { ROOT_ID } from '../jobs/job-tree.ts';
import { describeApi, ref, type OperationSpec } from './api-description.ts';
import { eventSchema, idListSchema, jobInputJson, sharedSchemas } from './api-schemas.ts';
import { idParam, jobIds } from './ids.ts';
import { sendLog } from './log-route.ts';
import { reportUnknown, UNKNOWN_HEADER } from './unknown-ids.ts';

const jobs = ['jobs'];
const one = { '200': { description: '1 (the old answer)', schema: { const: 1 } } };
const batch = {
  '200': { description: '1; ids it did not know were skipped and are named in a header', schema: { const: 1 }, headers: { [UNKNOWN_HEADER]: { description: 'comma-separated ids that were skipped (absent when none)' } } },
  '400': { description: 'not a list of job ids', schema: ref('Error') },
};
const list = { type: 'array', items: ref('Job') };
const paging = {
  state: { in: 'query', description: 'only jobs in this state' },
  offset: { in: 'query', schema: { type: 'integer', minimum: 0 } },
  limit: { in: 'query', schema: { type: 'integer', minimum: 0 } },
} as const satisfies OperationSpec['parameters'];
describeApi(
  [
    { method: 'get', path: '/api/jobs', tags: jobs, summary: 'The root jobs, or the children of ?parent=', parameters: { parent: { in: 'query', schema: { type: 'integer', minimum: 0 } }, ...paging }, responses: { '200': { description: 'jobs', schema: list } } },
    {
      method: 'put', path: '/api/jobs', tags: jobs, summary: 'Submit a job, a list of jobs, or a whole tree (children)',
      description: 'One job answers its id as a bare number; a list answers the list of ids. Nothing is created when anything is refused. Limits: see the README.',
      body: { schema: { oneOf: [ref('JobInput'), { type: 'array', items: ref('JobInput') }] } },
      responses: { '200': { description: 'the new id (or ids)', schema: { oneOf: [{ type: 'integer' }, { type: 'array', items: { type: 'integer' } }] } }, '400': { description: 'a field, a parent, a dependency or a cycle refused', schema: ref('Error') }, '413': { description: 'too many jobs in one request', schema: ref('Error') } },
    },
    {
      method: 'post', path: '/api/jobs', tags: jobs, summary: 'Edit jobs: {"<id>": {field: value}}',
      description: 'The old meanings: state WAITING starts, PAUSED pauses, FINISHED/ERROR set; paused true/false; parent moves the job. The whole batch is checked before any of it is applied.',
      body: { schema: { type: 'object', propertyNames: { pattern: '^[0-9]+$' }, additionalProperties: ref('JobEdit') } },
      responses: { ...one, '400': { description: 'a field refused; nothing changed', schema: ref('Error') }, '404': { description: 'a job of the batch does not exist; nothing changed', schema: ref('Error') } },
    },
    { method: 'delete', path: '/api/jobs', tags: jobs, summary: 'Delete jobs with their subtrees', body: { schema: idListSchema }, responses: batch },
    { method: 'get', path: '/api/jobs/:id', tags: jobs, summary: 'One job', responses: { '200': { description: 'the job', schema: ref('Job') }, '404': { description: 'no such job', schema: ref('Error') } } },
    { method: 'get', path: '/api/jobs/:id/children', tags: jobs, summary: 'The children of a job (0: the root jobs)', parameters: paging, responses: { '200': { description: 'jobs', schema: list } } },
    { method: 'get', path: '/api/jobs/:id/dependencies', tags: jobs, summary: 'The jobs this job waits for', responses: { '200': { description: 'jobs', schema: list } } },
    { method: 'post', path: '/api/jobs/:id/dependencies', tags: jobs, summary: 'Set the dependencies (no body or [] clears them)', body: { schema: idListSchema, required: false }, responses: { ...one, '400': { description: 'an unknown dependency or a cycle', schema: ref('Error') } } },
    {
      method: 'get', path: '/api/jobs/:id/log', tags: jobs, summary: "The job's log (a JSON string, or text with ?format=text)",
      parameters: { tail: { in: 'query', schema: { type: 'integer', minimum: 0 }, description: 'only the last bytes' }, offset: { in: 'query', schema: { type: 'integer', minimum: 0 }, description: 'from this byte on (follow a log with X-Log-Size)' }, format: { in: 'query', schema: { enum: ['text'] } } },
      responses: { '200': { description: 'the log', schema: { type: 'string' }, headers: { 'X-Log-Size': { description: 'the whole log size in bytes' } } } },
    },
    { method: 'post', path: '/api/resetjobs', tags: jobs, summary: 'Reset jobs: WAITING again, counters at 0', body: { schema: idListSchema }, responses: batch },
    { method: 'post', path: '/api/reseterrorjobs', tags: jobs, summary: 'Reset the jobs in ERROR of these subtrees', body: { schema: idListSchema }, responses: batch },
    { method: 'post', path: '/api/startjobs', tags: jobs, summary: 'Start paused and failed jobs (groups stop holding their later children)', body: { schema: idListSchema }, responses: batch },
    { method: 'post', path: '/api/pausejobs', tags: jobs, summary: 'Pause jobs (groups hold the children added later)', body: { schema: idListSchema }, responses: batch },
    {
      method: 'get', path: '/api/events', tags: jobs, summary: 'Job runs: worker, job, state, start, duration',
      parameters: { job: { in: 'query', schema: { type: 'integer' } }, worker: { in: 'query' }, howlong: { in: 'query', schema: { type: 'number', minimum: 0 }, description: 'seconds back' } },
      responses: { '200': { description: 'runs', schema: z.array(eventSchema) } },
    },
  ],
  { ...sharedSchemas, JobInput: jobInputJson() },
);

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
    checkSubmissionSize(raw);
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
    reportUnknown(res, await farm.remove(jobIds(req.body)));
    res.json(1);
  });

  r.get('/api/jobs/:id', (req, res) => {
    res.json(farm.tree.require(idParam(req.params.id)));
  });

  /** Children of 0 are the root jobs (the old client's `getJobChildren(0)`). */
  r.get('/api/jobs/:id/children', (req, res) => {
    const id = idParam(req.params.id);
    if (id !== ROOT_ID) farm.tree.require(id);
    res.json(page(farm.tree.childrenOf(id), req.query));
  });

  r.get('/api/jobs/:id/dependencies', (req, res) => {
    const job = farm.tree.require(idParam(req.params.id));
    res.json(job.dependencies.map((d) => farm.tree.get(d)).filter(Boolean));
  });

  r.post('/api/jobs/:id/dependencies', async (req, res) => {
    // The old client sends no body for an empty list (`setJobDependencies(id, [])`): it clears them.
    const body: unknown = req.body;
    const none = body === undefined || body === '' || (typeof body === 'object' && body !== null && Object.keys(body).length === 0);
    await farm.setDependencies(idParam(req.params.id), none ? [] : jobIds(req.body, 'dependencies'));
    res.json(1);
  });

  r.get('/api/jobs/:id/log', (req, res) => sendLog(farm, req, res));

  for (const [path, op] of [
    ['/api/resetjobs', (ids: number[]) => farm.reset(ids)],
    ['/api/reseterrorjobs', (ids: number[]) => farm.resetErrors(ids)],
    ['/api/startjobs', (ids: number[]) => farm.start(ids)],
    ['/api/pausejobs', (ids: number[]) => farm.pause(ids)],
  ] as const) {
    r.post(path, async (req, res) => {
      reportUnknown(res, await op(jobIds(req.body)));
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
