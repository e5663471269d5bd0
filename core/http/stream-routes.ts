import { Router } from 'express';
import type { Farm } from '../farm/farm.ts';

/**
 * `GET /api/stream`: Server-Sent Events of job and worker changes for the UI. Changes are
 * coalesced; a burst larger than `maxJobs` sends `resync` instead of every job.
 */
export function streamRoutes(farm: Farm, options: { maxJobs?: number; keepAliveMs?: number } = {}): Router {
  const r = Router();
  const maxJobs = options.maxJobs ?? 500;
  r.get('/api/stream', (req, res) => {
    res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache', Connection: 'keep-alive', 'X-Accel-Buffering': 'no' });
    res.write(`event: hello\ndata: ${JSON.stringify({ jobs: farm.tree.size, workers: farm.workers.list().length })}\n\n`);
    const stop = farm.onChange(({ jobs, workers }) => {
      if (jobs.length > maxJobs) res.write(`event: resync\ndata: ${JSON.stringify({ jobs: jobs.length })}\n\n`);
      else if (jobs.length) res.write(`event: jobs\ndata: ${JSON.stringify(jobs.map((id) => farm.tree.get(id) ?? { id, deleted: true }))}\n\n`);
      if (workers.length) res.write(`event: workers\ndata: ${JSON.stringify(workers.map((n) => farm.workers.get(n) ?? { name: n, deleted: true }))}\n\n`);
    });
    const keepAlive = setInterval(() => res.write(': keep-alive\n\n'), options.keepAliveMs ?? 15_000);
    req.on('close', () => {
      stop();
      clearInterval(keepAlive);
    });
  });
  return r;
}
