import type { NextFunction, Request, Response } from 'express';
import type { AuditLog } from './audit-log.ts';

type Detail = (req: Request, result: unknown, path: string) => { target?: string; details?: Record<string, unknown> };

const list = (v: unknown): string => (Array.isArray(v) ? v.map(String).join(',') : v === undefined || v === null ? '' : typeof v === 'object' ? Object.keys(v).join(',') : String(v));
const keysOf = (body: unknown): string[] => (body && typeof body === 'object' && !Array.isArray(body) ? Object.keys(body) : []);
/** The field names an edit `{ id: { field: … } }` changes (never the values: a command may carry a secret). */
const editedFields = (body: unknown): string[] => [...new Set(keysOf(body).flatMap((k) => keysOf((body as Record<string, unknown>)[k])))];
const countJobs = (body: unknown): number => {
  let n = 0;
  const stack = Array.isArray(body) ? [...body] : [body];
  while (stack.length) {
    const j = stack.pop() as { children?: unknown[] } | undefined;
    n++;
    if (Array.isArray(j?.children)) stack.push(...j.children);
  }
  return n;
};

const ids: Detail = (req) => ({ target: list(req.body) });
const submit: Detail = (req, result) => ({ target: list(result), details: { jobs: req.method === 'PUT' ? countJobs(req.body) : 1 } });

/** What each mutating route is called in the log, and what of it is kept. */
const ACTIONS: Array<[method: string, path: RegExp, action: string, detail?: Detail]> = [
  ['PUT', /^\/api\/jobs$/, 'job.submit', submit],
  ['*', /^\/(json|xmlrpc)\/addjob$/, 'job.submit', submit],
  ['POST', /^\/api\/jobs$/, 'job.edit', (req) => ({ target: keysOf(req.body).join(','), details: { fields: editedFields(req.body) } })],
  ['DELETE', /^\/api\/jobs$/, 'job.delete', ids],
  ['POST', /^\/api\/jobs\/(\d+)\/dependencies$/, 'job.dependencies', (req, _r, path) => ({ target: path.split('/')[3], details: { dependencies: list(req.body) } })],
  ['POST', /^\/api\/(reset|reseterror|start|pause)jobs$/, 'job.', ids],
  ['POST', /^\/api\/workers$/, 'worker.edit', (req) => ({ target: keysOf(req.body).join(','), details: { fields: editedFields(req.body) } })],
  ['DELETE', /^\/api\/workers$/, 'worker.delete', ids],
  ['POST', /^\/api\/(stop|start|terminate)workers$/, 'worker.', ids],
  ['POST', /^\/api\/workers\/[^/]+\/token$/, 'worker.token', (_req, _r, path) => ({ target: decodeURIComponent(path.split('/')[3]) })],
  ['POST', /^\/api\/affinities$/, 'affinities.edit', (req) => ({ target: keysOf(req.body).join(',') })],
  ['POST', /^\/api\/cloud\/terminate$/, 'cloud.terminate', (req) => ({ target: list((req.body as { ids?: unknown })?.ids) || 'idle instances' })],
  ['POST', /^\/api\/cloud\/settings$/, 'settings.cloud', (req) => ({ details: { keys: keysOf(req.body) } })],
  ['POST', /^\/api\/setup\/[^/]+\/steps\/[^/]+\/(check|plan|apply)$/, 'setup.', (req, _r, path) => ({ target: path.split('/').slice(3, 6).filter((_, i) => i !== 1).join('/'), details: { fields: keysOf((req.body as { input?: unknown })?.input) } })],
  ['POST', /^\/api\/setup\/[^/]+\/teardown$/, 'setup.teardown', (req, _r, path) => ({ target: path.split('/')[3] })],
  ['DELETE', /^\/api\/session$/, 'logout'],
  ['PUT', /^\/api\/users$/, 'user.create', (req) => ({ target: String((req.body as { name?: unknown })?.name ?? ''), details: { role: (req.body as { role?: unknown })?.role } })],
  ['POST', /^\/api\/users\/[^/]+\/tokens$/, 'user.token.create', (req, _r, path) => ({ target: path.split('/')[3] })],
  ['DELETE', /^\/api\/users\/[^/]+\/tokens\/[^/]+$/, 'user.token.delete', (req, _r, path) => ({ target: path.split('/').slice(3).join('/') })],
  ['POST', /^\/api\/users\/[^/]+$/, 'user.edit', (req, _r, path) => ({ target: path.split('/')[3], details: { fields: keysOf(req.body).filter((k) => k !== 'password').concat(keysOf(req.body).includes('password') ? ['password (changed)'] : []) } })],
  ['DELETE', /^\/api\/users\/[^/]+$/, 'user.delete', (req, _r, path) => ({ target: path.split('/')[3] })],
  ['POST', /^\/api\/ops\/backup$/, 'ops.backup'],
];

/** `job.` + `reset` from the path: the verb of the batch routes. */
function actionName(base: string, path: string): string {
  if (!base.endsWith('.')) return base;
  const verb = /\/api\/(\w+?)(jobs|workers)$/.exec(path)?.[1] ?? /\/(check|plan|apply)$/.exec(path)?.[1] ?? 'other';
  return base + verb;
}

/**
 * Records every request that changes something (and every refusal of one) once it is
 * answered: who, what, on which ids, and the status. Bodies are not kept, only ids and field
 * names, so no secret (a password, a key typed in the setup) reaches the log.
 */
export function auditRequests(audit: AuditLog, address: (req: Request) => string) {
  return (req: Request, res: Response, next: NextFunction) => {
    const path = req.originalUrl.split('?')[0].replace(/\/+$/, '');
    const method = req.method;
    const mutating = method !== 'GET' && method !== 'HEAD' && method !== 'OPTIONS';
    const match = ACTIONS.find(([m, re]) => (m === method || m === '*') && re.test(path));
    if (!match && !mutating) return next();
    if (method === 'POST' && path === '/api/session') return next(); // the login records itself
    let result: unknown;
    const json = res.json.bind(res);
    res.json = (body: unknown) => {
      result = body;
      return json(body);
    };
    res.on('finish', () => {
      const principal = req.principal;
      if (!principal || res.statusCode === 401 || res.statusCode === 429) return;
      const [, , base, detail] = match ?? [method, /./, `${method} ${path}`];
      let extra: ReturnType<Detail> = {};
      try {
        extra = detail?.(req, res.statusCode < 300 ? result : undefined, path) ?? {};
      } catch {
        extra = {};
      }
      void audit
        .record({ actor: { user: principal.user, role: principal.role, via: principal.via }, action: actionName(base, path), ...extra, outcome: res.statusCode, address: address(req) })
        .catch(() => {});
    });
    next();
  };
}
