import { Router } from 'express';
import type { Farm } from '../farm/farm.ts';
import { jobFacets, parseJobViewQuery, viewJobs } from '../farm/job-view.ts';

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
