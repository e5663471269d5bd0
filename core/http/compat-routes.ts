import { Router, type Request, type Response } from 'express';
import type { Farm } from '../farm/farm.ts';
import type { Job } from '../jobs/job.ts';
import { parseJobInput } from '../jobs/job-input.ts';
import { ROOT_ID } from '../jobs/job-tree.ts';
import { idParam } from './ids.ts';
import { describeApi, ref } from './api-description.ts';
import { reportUnknown, UNKNOWN_HEADER } from './unknown-ids.ts';

/** The columns of control.py's `list` (`/json/getjobs`), in the old server's order. */
const GETJOBS_VARS = [
  'ID', 'Title', 'Command', 'Dir', 'State', 'Worker', 'StartTime', 'Duration', 'Try', 'Retry', 'TimeOut', 'Priority', 'Affinity', 'User',
  'Finished', 'Errors', 'Working', 'Total', 'TotalFinished', 'TotalErrors', 'TotalWorking', 'URL', 'LocalProgress', 'GlobalProgress', 'Dependencies',
] as const;

const row = (j: Job): Array<string | number | number[]> => [
  j.id, j.title, j.command, j.dir, j.state, j.worker, j.start_time, j.duration, j.run_done, j.retry, j.timeout, j.priority, j.affinity, j.user,
  j.finished, j.errors, j.working, j.total, j.total_finished, j.total_errors, j.total_working, j.url, j.local_progress, j.progress, j.dependencies,
];

const addjobFields = { type: 'object', description: 'cmd, title, dir, env, parent, priority, dependencies, timeout, retry, affinity, url, user, globalprogress, localprogress, state, paused (strings, as a form or a query string sends them)', additionalProperties: { type: 'string' } };
const added = { '400': { description: 'a field refused', schema: ref('Error') } };
const compat = ['old submitters'];
describeApi([
  ...(['get', 'post'] as const).flatMap((method) => [
    { method, path: '/json/addjob', tags: compat, summary: 'Submit a job the old way (query string or form); answers its id', ...(method === 'post' ? { body: { schema: addjobFields, contentTypes: ['application/x-www-form-urlencoded', 'application/json'] } } : {}), responses: { '200': { description: 'the new id', schema: { type: 'integer' } }, ...added } },
    { method, path: '/xmlrpc/addjob', tags: compat, summary: 'The older submission: answers the id as text; localprogress is the progress pattern', ...(method === 'post' ? { body: { schema: addjobFields, contentTypes: ['application/x-www-form-urlencoded'] } } : {}), responses: { '200': { description: 'the new id, as text', schema: { type: 'string', pattern: '^[0-9]+$' }, contentType: 'text/plain' }, ...added } },
  ]),
  {
    method: 'get', path: '/json/getjobs', tags: compat, summary: "control.py's list: the children of ?id= as {Vars, Jobs, Parents}", parameters: { id: { in: 'query', schema: { type: 'integer', minimum: 0 } }, filter: { in: 'query', description: 'only jobs in this state' } },
    responses: { '200': { description: 'rows of the columns in Vars; only numbers, strings and lists (Python eval reads it)', schema: { type: 'object', properties: { Vars: { type: 'array', items: { type: 'string' } }, Jobs: { type: 'array', items: { type: 'array' } }, Parents: { type: 'array', items: { type: 'object', properties: { ID: { type: 'integer' }, Title: { type: 'string' } } } } } } } },
  },
  { method: 'get', path: '/json/clearjobs', tags: compat, summary: "control.py's remove: deletes ?id= (repeatable)", parameters: { id: { in: 'query', schema: { type: 'integer' }, required: true } }, responses: { '200': { description: '1', schema: { const: '1' }, contentType: 'text/plain', headers: { [UNKNOWN_HEADER]: { description: 'ids that were skipped' } } } } },
]);

/** Form fields and query string together (old submitters send either). */
const fieldsOf = (req: Request) => ({ ...(req.query as Record<string, unknown>), ...(typeof req.body === 'object' && req.body ? (req.body as Record<string, unknown>) : {}) });

/**
 * The old submitters' endpoints: `GET|POST /json/addjob` (form or query; answers the id as
 * JSON), the older `/xmlrpc/addjob` (answers the id as text; its `localprogress` is the
 * progress pattern), and control.py's `/json/getjobs` and `/json/clearjobs`.
 */
export function compatRoutes(farm: Farm): Router {
  const r = Router();
  const addJob = (text: boolean) => async (req: Request, res: Response) => {
    const fields = fieldsOf(req);
    if (text && fields.localprogress !== undefined && fields.globalprogress === undefined) {
      fields.globalprogress = fields.localprogress; // the old server read only `localprogress` here, as the job's pattern
      delete fields.localprogress;
    }
    const [job] = await farm.submit([parseJobInput(fields, { form: true, where: 'addjob' })]);
    if (text) res.type('text/plain').send(String(job.id));
    else res.json(job.id);
  };
  for (const [path, text] of [['/json/addjob', false], ['/xmlrpc/addjob', true]] as const) {
    r.get(path, addJob(text));
    r.post(path, addJob(text));
  }

  /**
   * `{"Vars": [...], "Jobs": [[...]], "Parents": [{"ID", "Title"}]}`: the children of `id`
   * (optionally of one `filter` state) and the path to it. control.py reads it with Python's
   * `eval`, so it holds only numbers, strings and lists (no true/false/null).
   */
  r.get('/json/getjobs', (req, res) => {
    const q = req.query as Record<string, unknown>;
    const asked = q.id === undefined || q.id === '' ? ROOT_ID : idParam(String(q.id));
    const parent = asked !== ROOT_ID && farm.tree.get(asked) ? asked : ROOT_ID; // the old server fell back to the root
    const filter = typeof q.filter === 'string' ? q.filter : '';
    const jobs = farm.tree.childrenOf(parent).filter((j) => filter === '' || j.state === filter).map(row);
    const parents: Array<{ ID: number; Title: string }> = [];
    for (let node = farm.tree.jobs.get(parent); node; node = node.id === ROOT_ID ? undefined : farm.tree.jobs.get(node.parent)) parents.unshift({ ID: node.id, Title: node.title });
    res.type('application/json').send(JSON.stringify({ Vars: GETJOBS_VARS, Jobs: jobs, Parents: parents }));
  });

  /** `?id=12&id=13`: deletes those jobs (unknown ids are skipped and named in a header). */
  r.get('/json/clearjobs', async (req, res) => {
    const raw = req.query.id;
    const ids = (Array.isArray(raw) ? raw : raw === undefined ? [] : [raw]).map((v) => idParam(String(v)));
    reportUnknown(res, await farm.remove(ids));
    res.type('text/plain').send('1');
  });
  return r;
}
