import { Router } from 'express';
import { validationError } from '../errors.ts';
import type { InstanceTokens } from './auth.ts';
import type { Collection } from '../store/collection.ts';
import { describeApi, ref } from './api-description.ts';

/**
 * `POST /api/workers/:name/token` (administrators): a token valid only for the worker `name`
 * (and its `name-N` slots): it can pick, heartbeat and end only that worker's jobs, and
 * `DELETE /api/workers` revokes it. Only its digest is kept (in the `tokens` collection, like
 * the scaler's per-instance tokens). The answer is the only time the token is shown.
 */
export function workerTokenRoutes(instanceTokens: InstanceTokens, digests: Collection): Router {
  const r = Router();
  r.post('/api/workers/:name/token', async (req, res) => {
    const name = req.params.name;
    if (!/^[A-Za-z0-9._-]{1,200}$/.test(name)) throw validationError(`"${name}" is not a worker name (letters, digits, . _ -)`);
    const token = instanceTokens.issue(name);
    await digests.put([{ _id: instanceTokens.digestOf(token), worker: name }]);
    res.json({ worker: name, token });
  });
  r.delete('/api/workers/:name/token', async (req, res) => {
    await revokeWorkerTokens(instanceTokens, digests, [req.params.name]);
    res.json(1);
  });
  return r;
}

/**
 * Revokes the per-worker tokens of these workers; a slot `host-N` also revokes the token of
 * `host` (the machine's credential: a worker deleted is a machine no longer trusted).
 */
export async function revokeWorkerTokens(instanceTokens: InstanceTokens, digests: Collection, names: string[]): Promise<void> {
  const scopes = new Set(names.flatMap((n) => [n, /^(.+)-\d+$/.exec(n)?.[1]].filter((s): s is string => Boolean(s))));
  const gone = [...scopes].flatMap((n) => instanceTokens.revoke(n));
  await digests.remove(gone);
}

/**
 * After an accepted `DELETE /api/workers`, the deleted workers' own tokens stop working (the
 * scaler does the same when it terminates an instance). Done once the answer is out, so a
 * refused request revokes nothing.
 */
export function revokeOnWorkerDelete(instanceTokens: InstanceTokens, digests: Collection) {
  return (req: import('express').Request, res: import('express').Response, next: import('express').NextFunction) => {
    if (req.method === 'DELETE' && req.originalUrl.split('?')[0].replace(/\/+$/, '') === '/api/workers') {
      res.on('finish', () => {
        const names = Array.isArray(req.body) ? (req.body as unknown[]).filter((n): n is string => typeof n === 'string') : typeof req.body === 'string' ? [req.body] : [];
        if (res.statusCode < 300 && names.length) void revokeWorkerTokens(instanceTokens, digests, names).catch(() => {});
      });
    }
    next();
  };
}

describeApi([
  {
    method: 'post', path: '/api/workers/:name/token', tags: ['workers'], summary: "A token valid only for this worker (and its NAME-N slots), shown this once",
    description: 'Only its digest is kept; `DELETE /api/workers` of the worker revokes it.',
    parameters: { name: { in: 'path', schema: { type: 'string', pattern: '^[A-Za-z0-9._-]{1,200}$' } } },
    responses: { '200': { description: 'the token', schema: { type: 'object', properties: { worker: { type: 'string' }, token: { type: 'string' } }, required: ['worker', 'token'] } }, '400': { description: 'not a worker name', schema: ref('Error') } },
  },
  { method: 'delete', path: '/api/workers/:name/token', tags: ['workers'], summary: "Revoke this worker's own tokens (a slot NAME-N revokes its machine's too)", responses: { '200': { description: '1', schema: { const: 1 } } } },
]);
