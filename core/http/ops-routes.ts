import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Router, type NextFunction, type Request, type Response } from 'express';
import type { Farm } from '../farm/farm.ts';
import { packSnapshot, snapshotDataDir } from '../ops/backup.ts';
import type { FarmMetrics } from '../ops/metrics.ts';
import type { Store } from '../store/store.ts';
import { describeApi } from './api-description.ts';

/** Counts answered API requests and open event streams for `/metrics`. */
export function requestMetrics(metrics: FarmMetrics, streams: { open: number }) {
  return (req: Request, res: Response, next: NextFunction) => {
    const path = req.originalUrl.split('?')[0];
    if (path === '/api/stream' && req.method === 'GET') {
      streams.open++;
      res.once('close', () => streams.open--);
    }
    res.once('finish', () => metrics.httpRequests.inc({ method: req.method, status: String(res.statusCode) }));
    next();
  };
}

/** `GET /metrics`: Prometheus text format (needs a credential that may read metrics). */
export function metricsRoutes(metrics: FarmMetrics): Router {
  const r = Router();
  r.get('/metrics', async (_req, res) => {
    const text = await metrics.text();
    res.setHeader('Content-Type', metrics.contentType);
    res.send(text);
  });
  return r;
}

/**
 * `POST /api/ops/backup` (administrators): a consistent snapshot of the data dir, taken while the
 * server runs, answered as a .tar.gz (what `npm run cli -- backup` saves).
 */
export function backupRoutes(o: { dataDir: string; store: Store; farm: Farm; farmId: string }): Router {
  const r = Router();
  r.post('/api/ops/backup', async (_req, res) => {
    const into = join(o.dataDir, `.backup-${randomBytes(6).toString('hex')}`);
    try {
      const { manifest, heldMs } = await snapshotDataDir({ ...o, into });
      res.setHeader('X-Backup-Held-Ms', heldMs.toFixed(1));
      res.setHeader('Content-Type', 'application/gzip');
      res.setHeader('Content-Disposition', `attachment; filename="coalition-backup-${o.farmId}-${manifest.createdAt.replace(/[:.]/g, '-')}.tar.gz"`);
      await pipeline(packSnapshot(into) as unknown as NodeJS.ReadableStream, res);
    } finally {
      await rm(into, { recursive: true, force: true });
    }
  });
  return r;
}

describeApi([
  {
    method: 'get', path: '/metrics', tags: ['ops'], summary: 'Prometheus metrics (text format); names and labels in the README, Operations → Metrics',
    responses: { '200': { description: 'the metrics', contentType: 'text/plain; version=0.0.4', schema: { type: 'string' } } },
  },
  {
    method: 'post', path: '/api/ops/backup', tags: ['ops'], summary: 'A consistent snapshot of the data dir, taken while the server runs (what `cli backup` saves)',
    description: 'It holds the tokens and secrets files: keep it like the data dir.',
    responses: {
      '200': {
        description: 'a .tar.gz', contentType: 'application/gzip', schema: { type: 'string', contentMediaType: 'application/gzip' },
        headers: { 'X-Backup-Held-Ms': { description: 'how long writes were held while the files were copied', schema: { type: 'string' } }, 'Content-Disposition': { description: 'attachment; filename="coalition-backup-<farm>-<time>.tar.gz"' } },
      },
    },
  },
]);
