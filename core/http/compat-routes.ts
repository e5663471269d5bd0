import { Router, type Request } from 'express';
import type { Farm } from '../farm/farm.ts';
import { parseJobInput } from '../jobs/job-input.ts';

/**
 * `GET|POST /json/addjob` (and the older `/xmlrpc/addjob`): the submitters of the old
 * Coalition send form fields or a query string; the answer is the new job's id.
 */
export function compatRoutes(farm: Farm): Router {
  const r = Router();
  const addJob = async (req: Request, res: import('express').Response) => {
    const fields = { ...(req.query as Record<string, unknown>), ...(typeof req.body === 'object' && req.body ? (req.body as Record<string, unknown>) : {}) };
    const input = parseJobInput(fields, { form: true, where: 'addjob' });
    const [job] = await farm.submit([input]);
    res.json(job.id);
  };
  for (const path of ['/json/addjob', '/xmlrpc/addjob']) {
    r.get(path, addJob);
    r.post(path, addJob);
  }
  return r;
}
