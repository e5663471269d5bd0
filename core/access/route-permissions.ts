import type { Action } from './policy.ts';

/**
 * The action each HTTP route needs, in one table. A route added elsewhere declares itself here
 * with one line; an undeclared route is safe by default: reads (GET, HEAD) need any person's
 * role (`read`), anything else needs an administrator (`admin`). Job-level checks (whose job
 * is it?) happen in job-guard.ts for the routes it knows.
 *
 * Patterns are paths with `:name` segments; `*` at the end matches any rest.
 */
export const ROUTE_PERMISSIONS: ReadonlyArray<readonly [method: string, pattern: string, action: Action]> = [
  // who am I, log in, log out: anyone with a credential (login itself is public, see login-routes.ts)
  ['GET', '/api/session', 'read'],
  ['POST', '/api/session', 'read'],
  ['DELETE', '/api/session', 'read'],
  // the web UI's views: whoever may read
  ['GET', '/api/view/*', 'read'],
  // jobs (rest_api.rst)
  ['PUT', '/api/jobs', 'job.create'],
  ['POST', '/api/jobs', 'job.edit'],
  ['DELETE', '/api/jobs', 'job.delete'],
  ['POST', '/api/jobs/:id/dependencies', 'job.edit'],
  ['POST', '/api/resetjobs', 'job.edit'],
  ['POST', '/api/reseterrorjobs', 'job.edit'],
  ['POST', '/api/startjobs', 'job.edit'],
  ['POST', '/api/pausejobs', 'job.edit'],
  ['GET', '/json/addjob', 'job.create'],
  ['POST', '/json/addjob', 'job.create'],
  ['GET', '/xmlrpc/addjob', 'job.create'],
  ['POST', '/xmlrpc/addjob', 'job.create'],
  ['GET', '/json/clearjobs', 'job.delete'], // control.py's remove: a GET that deletes
  // workers
  ['POST', '/api/workers', 'worker.edit'],
  ['DELETE', '/api/workers', 'worker.edit'],
  ['POST', '/api/stopworkers', 'worker.edit'],
  ['POST', '/api/startworkers', 'worker.edit'],
  ['POST', '/api/terminateworkers', 'worker.edit'],
  ['POST', '/api/affinities', 'worker.edit'],
  ['POST', '/api/workers/:name/token', 'admin'],
  ['DELETE', '/api/workers/:name/token', 'admin'],
  // cloud, plugins, guided setups
  ['POST', '/api/cloud/terminate', 'cloud.terminate'],
  ['POST', '/api/cloud/settings', 'cloud.admin'],
  ['POST', '/api/cloud/estimate', 'job.create'], // anyone who may submit may ask what it would cost
  ['GET', '/api/cloud/series', 'read'],
  ['POST', '/api/cloud/alerts/:code/acknowledge', 'cloud.terminate'], // lets launches resume: those who run the cloud day to day
  ['GET', '/api/setup/*', 'cloud.admin'],
  ['POST', '/api/setup/*', 'cloud.admin'],
  // people, audit, operations
  ['GET', '/api/users/me', 'read'],
  ['POST', '/api/users/me', 'read'],
  ['GET', '/api/users/me/tokens', 'read'],
  ['POST', '/api/users/me/tokens', 'read'],
  ['DELETE', '/api/users/me/tokens/:id', 'read'],
  ['GET', '/api/users', 'users.manage'],
  ['GET', '/api/users/*', 'users.manage'],
  ['PUT', '/api/users', 'users.manage'],
  ['POST', '/api/users/*', 'users.manage'],
  ['DELETE', '/api/users/*', 'users.manage'],
  ['GET', '/api/audit', 'audit.read'],
  ['GET', '/api/ops/*', 'ops.admin'],
  ['POST', '/api/ops/*', 'ops.admin'],
  ['GET', '/metrics', 'metrics.read'],
];

type Compiled = { method: string; parts: string[]; rest: boolean; action: Action };

const compiled: Compiled[] = ROUTE_PERMISSIONS.map(([method, pattern, action]) => {
  const rest = pattern.endsWith('/*');
  return { method, parts: (rest ? pattern.slice(0, -2) : pattern).split('/'), rest, action };
});

function matches(route: Compiled, parts: string[]): boolean {
  if (route.rest ? parts.length <= route.parts.length : parts.length !== route.parts.length) return false;
  return route.parts.every((p, i) => p.startsWith(':') || p === parts[i]);
}

/**
 * The action a request needs: the first declared match, else the safe default. Paths are
 * matched as Express routes them: without case, with or without a trailing slash.
 */
export function actionFor(method: string, path: string): Action {
  const m = method === 'HEAD' ? 'GET' : method;
  const parts = path.replace(/\/+$/, '').toLowerCase().split('/');
  for (const route of compiled) if (route.method === m && matches(route, parts)) return route.action;
  return m === 'GET' ? 'read' : 'admin';
}
