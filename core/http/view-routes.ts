import { Router } from 'express';
import type { Farm } from '../farm/farm.ts';
import { jobFacets, parseJobViewQuery, viewJobs } from '../farm/job-view.ts';
import { jobIds } from './ids.ts';

/**
 * What the web UI needs beyond the old API:
 * - `GET /api/view/jobs?parent=&expanded=1,2&sort=&order=asc|desc&offset=&limit=&state=A,B&user=&affinity=&worker=&q=`:
 *   one page of the jobs table (see job-view.ts), with counts per state;
 * - `GET /api/view/facets`: distinct users, affinities, workers and states for the filter menus;
 * - `POST /api/reseterrorjobs` `[ids]`: the failed jobs of those subtrees go back to the queue
 *   with their retries (the old web frontend's "Reset errors").
 */
export function viewRoutes(farm: Farm): Router {
  const r = Router();

  r.get('/api/view/jobs', (req, res) => {
    res.json(viewJobs(farm.tree, parseJobViewQuery(req.query as Record<string, unknown>)));
  });

  r.get('/api/view/facets', (_req, res) => {
    res.json(jobFacets(farm.tree, farm.workers.list().map((w) => w.name)));
  });

  r.post('/api/reseterrorjobs', async (req, res) => {
    const ids = jobIds(req.body);
    for (const id of ids) farm.tree.require(id);
    const failed = new Set<number>();
    for (const id of ids) for (const leaf of farm.tree.leavesOf(id)) if (leaf.state === 'ERROR') failed.add(leaf.id);
    if (failed.size) await farm.reset([...failed]);
    res.json(1);
  });

  return r;
}
