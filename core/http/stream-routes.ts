import { createHash } from 'node:crypto';
import { Router } from 'express';
import { CoalitionError } from '../errors.ts';
import type { Farm } from '../farm/farm.ts';
import { STREAMS_PER_TOKEN } from '../limits.ts';
import { describeApi } from './api-description.ts';
import { StreamHub, type StreamHubOptions } from './stream-hub.ts';

const HEADERS = { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache', Connection: 'keep-alive', 'X-Accel-Buffering': 'no' };

/**
 * `GET /api/stream`: Server-Sent Events of job, worker and cloud changes for live clients (see
 * stream-messages.ts for the contract, stream-hub.ts for coalescing and slow clients). At most
 * `streamsPerToken` streams are open per credential (token, session; per client address without auth).
 */
export function streamRoutes(farm: Farm, options: StreamHubOptions & { streamsPerToken?: number } = {}): Router {
  const r = Router();
  const hub = new StreamHub(farm, options);
  const cap = options.streamsPerToken ?? STREAMS_PER_TOKEN;
  const open = new Map<string, number>();
  r.get('/api/stream', (req, res) => {
    if (req.method === 'HEAD') {
      res.writeHead(200, HEADERS);
      res.end();
      return;
    }
    const auth = req.headers.authorization;
    const who = req.principal?.key ?? (auth ? createHash('sha256').update(auth).digest('hex') : `address ${req.socket.remoteAddress}`);
    const count = open.get(who) ?? 0;
    if (count >= cap) throw new CoalitionError('quota', `too many event streams open with this token (the limit is ${cap}, server setting streamspertoken): close some`);
    open.set(who, count + 1);
    res.on('close', () => {
      const left = (open.get(who) ?? 1) - 1;
      if (left > 0) open.set(who, left);
      else open.delete(who);
    });
    res.writeHead(200, HEADERS);
    hub.add(res);
  });
  return r;
}

describeApi([
  {
    method: 'get', path: '/api/stream', tags: ['live'], summary: 'Server-Sent Events: hello, jobs, workers, cloud, resync (see stream-messages.ts)',
    responses: { '200': { description: 'an event stream', schema: { type: 'string' }, contentType: 'text/event-stream' }, '429': { description: 'too many streams open with this credential (streamspertoken)', schema: { type: 'object' } } },
  },
]);
