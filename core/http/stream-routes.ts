import { Router } from 'express';
import type { Farm } from '../farm/farm.ts';
import type { StreamEventName, StreamMessages } from './stream-messages.ts';
import { describeApi } from './api-description.ts';

/**
 * `GET /api/stream`: Server-Sent Events of job, worker and cloud changes for live clients (see
 * stream-messages.ts for the contract). Changes are coalesced; a burst larger than `maxJobs`
 * sends `resync` instead of every job.
 */
export function streamRoutes(farm: Farm, options: { maxJobs?: number; keepAliveMs?: number } = {}): Router {
  const r = Router();
  const maxJobs = options.maxJobs ?? 500;
  r.get('/api/stream', (req, res) => {
    res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache', Connection: 'keep-alive', 'X-Accel-Buffering': 'no' });
    let seq = 0;
    const send = <E extends StreamEventName>(event: E, data: Omit<StreamMessages[E], 'seq'>) => res.write(`event: ${event}\ndata: ${JSON.stringify({ seq: seq++, ...data })}\n\n`);
    send('hello', { jobs: farm.tree.size, workers: farm.workers.list().length });
    const stop = farm.onChange(({ jobs, workers, cloud }) => {
      if (jobs.length > maxJobs) send('resync', { reason: `${jobs.length} jobs changed at once` });
      else if (jobs.length) {
        const changed = [];
        const removed = [];
        for (const id of jobs) {
          const job = farm.tree.get(id);
          if (job) changed.push(job);
          else removed.push(id);
        }
        send('jobs', { changed, removed });
      }
      if (workers.length) {
        const changed = [];
        const removed = [];
        for (const name of workers) {
          const worker = farm.workers.get(name);
          if (worker) changed.push(worker);
          else removed.push(name);
        }
        send('workers', { changed, removed });
      }
      if (cloud) send('cloud', {});
    });
    const keepAlive = setInterval(() => res.write(': keep-alive\n\n'), options.keepAliveMs ?? 15_000);
    req.on('close', () => {
      stop();
      clearInterval(keepAlive);
    });
  });
  return r;
}

describeApi([
  {
    method: 'get', path: '/api/stream', tags: ['live'], summary: 'Server-Sent Events: hello, jobs, workers, cloud, resync (see stream-messages.ts)',
    responses: { '200': { description: 'an event stream', schema: { type: 'string' }, contentType: 'text/event-stream' } },
  },
]);
