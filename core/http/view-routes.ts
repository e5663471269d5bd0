import { Router } from 'express';
import type { Farm } from '../farm/farm.ts';
import { jobFacets, parseJobViewQuery, SORTABLE, viewJobs } from '../farm/job-view.ts';
import { JOB_STATES } from '../jobs/job.ts';
import { describeApi, ref } from './api-description.ts';
import { jobFacetsSchema, jobViewPageSchema } from './api-schemas.ts';

/**
 * What the web UI needs beyond the old API:
 * - `GET /api/view/jobs?parent=&expanded=1,2&sort=&order=asc|desc&offset=&limit=&state=A,B&user=&affinity=&worker=&q=`:
 *   one page of the jobs table (see job-view.ts), with counts per state;
 * - `GET /api/view/facets`: distinct users, affinities, workers and states for the filter menus;
 */
export function viewRoutes(farm: Farm): Router {
  const r = Router();

  r.get('/api/view/jobs', (req, res) => {
    res.json(viewJobs(farm.tree, parseJobViewQuery(req.query as Record<string, unknown>)));
  });

  r.get('/api/view/facets', (_req, res) => {
    res.json(jobFacets(farm.tree, farm.workers.list().map((w) => w.name)));
  });

  return r;
}

const q = (description: string, schema: Record<string, unknown> = { type: 'string' }) => ({ in: 'query' as const, description, schema });
describeApi(
  [
    {
      method: 'get', path: '/api/view/jobs', tags: ['view'], summary: 'One page of the jobs table, filtered and sorted by the server, with counts per state',
      parameters: {
        parent: q('the group shown (0: the top)', { type: 'integer', minimum: 0, default: 0 }),
        expanded: q('groups shown open, their children right under them: ids separated by commas'),
        sort: q('the field to sort by', { enum: [...SORTABLE], default: 'id' }),
        order: q('', { enum: ['asc', 'desc'], default: 'asc' }),
        offset: q('', { type: 'integer', minimum: 0, default: 0 }),
        limit: q('', { type: 'integer', minimum: 0, maximum: 5000, default: 100 }),
        state: q(`states separated by commas (${JOB_STATES.join(', ')})`),
        user: q('jobs of this user'),
        affinity: q('jobs needing this affinity'),
        worker: q('jobs on this worker'),
        q: q('text in the title or the command (any case), or an id'),
      },
      responses: { '200': { description: 'the page', schema: ref('JobViewPage') }, '400': { description: 'a bad parameter (named)', schema: ref('Error') }, '404': { description: 'no such parent', schema: ref('Error') } },
    },
    { method: 'get', path: '/api/view/facets', tags: ['view'], summary: 'Distinct users, affinities, workers and states, for the filter menus', responses: { '200': { description: 'the facets', schema: jobFacetsSchema } } },
  ],
  { JobViewPage: jobViewPageSchema },
);
