import { Router } from 'express';
import { validationError } from '../errors.ts';
import type { AuditLog, AuditQuery } from '../ops/audit-log.ts';
import { describeApi, ref } from './api-description.ts';
import { auditPageSchema } from './api-schemas.ts';

/**
 * `GET /api/audit?since=&until=&user=&action=&target=&limit=&offset=` (administrators): who did
 * what, newest first, with the total that matched. `since`/`until` are ms since the epoch or
 * ISO dates; `action` ending with a dot is a prefix (`job.`).
 */
export function auditRoutes(audit: AuditLog): Router {
  const r = Router();
  r.get('/api/audit', (req, res) => {
    const q = req.query as Record<string, unknown>;
    const time = (name: string) => {
      const v = q[name];
      if (v === undefined || v === '') return undefined;
      const n = typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : Date.parse(String(v));
      if (!Number.isFinite(n)) throw validationError(`${name} must be ms since the epoch or an ISO date (got "${String(v)}")`);
      return n;
    };
    const count = (name: string, max: number) => {
      const v = q[name];
      if (v === undefined || v === '') return undefined;
      const n = Number(v);
      if (!Number.isInteger(n) || n < 0 || n > max) throw validationError(`${name} must be a whole number from 0 to ${max}`);
      return n;
    };
    const text = (name: string) => (typeof q[name] === 'string' && q[name] !== '' ? (q[name] as string) : undefined);
    const query: AuditQuery = { since: time('since'), until: time('until'), user: text('user'), action: text('action'), target: text('target'), limit: count('limit', 10_000), offset: count('offset', 10_000_000) };
    res.json(audit.query(query));
  });
  return r;
}

const time = { in: 'query', schema: { type: 'string' }, description: 'ms since the epoch or an ISO date' } as const;
describeApi([
  {
    method: 'get', path: '/api/audit', tags: ['ops'], summary: 'Who did what, newest first, with the total that matched',
    parameters: {
      since: time, until: time,
      user: { in: 'query', description: 'the account name (any case)' },
      action: { in: 'query', description: 'an action, or a prefix ending with a dot (`job.`)' },
      target: { in: 'query', description: 'a job id, worker name, instance or step' },
      limit: { in: 'query', schema: { type: 'integer', minimum: 0, maximum: 10_000, default: 100 } },
      offset: { in: 'query', schema: { type: 'integer', minimum: 0, maximum: 10_000_000, default: 0 } },
    },
    responses: { '200': { description: 'a page of the log', schema: ref('AuditPage') }, '400': { description: 'a bad time or count (named)', schema: ref('Error') } },
  },
], { AuditPage: auditPageSchema });
