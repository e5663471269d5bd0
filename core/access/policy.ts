/**
 * Who may do what: one pure function over (principal, action, job). Roles follow the old
 * Coalition LDAP setup (coalition.ini's ldaptemplate* keys): administrators do everything,
 * wranglers create, view and edit any job and manage workers, artists create, view, edit and
 * delete their own jobs and see the rest. Routes never decide this themselves: they name an
 * action (route-permissions.ts) and the guard asks `allows`.
 */

/** People's roles, most powerful first; `viewer` only reads (dashboards, Prometheus). */
export const USER_ROLES = ['admin', 'wrangler', 'artist', 'viewer'] as const;
export type UserRole = (typeof USER_ROLES)[number];

/**
 * Every kind of caller: a person's role, `anonymous` (no token from a trusted network: may
 * submit and read, like the old scripts), or `worker` (the worker protocol only).
 */
export type Role = UserRole | 'anonymous' | 'worker';

/** How the caller proved who it is. */
export type Via = 'admin-token' | 'worker-token' | 'instance-token' | 'personal-token' | 'session' | 'trusted-network' | 'no-auth';

export interface Principal {
  role: Role;
  /** The account name; null for the shared admin and worker tokens and anonymous callers. */
  user: string | null;
  via: Via;
  /** For a per-worker credential: the worker name it may use (or its `name-N` slots). */
  workerScope?: string;
  /** What rate limits count against (a token digest, a session, an address); never the secret. */
  key: string;
}

export const ACTIONS = [
  /** Any read of the API (jobs, workers, events, cloud, plugins, the event stream). */
  'read',
  'job.create',
  'job.edit',
  'job.delete',
  /** Edit, stop, start and delete workers. */
  'worker.edit',
  /** Terminate cloud instances (the old "terminate" button). */
  'cloud.terminate',
  /** Cloud settings, guided setup and teardown, plugins: they spend money and hold secrets. */
  'cloud.admin',
  'users.manage',
  'audit.read',
  'metrics.read',
  /** Backups and other operations on the data dir. */
  'ops.admin',
  /** The worker protocol (`/workers/*`). */
  'worker.protocol',
  /** Anything not declared: administrators only. */
  'admin',
] as const;
export type Action = (typeof ACTIONS)[number];

/** What a role may do at all; job actions are then narrowed to owned jobs by `ownOnly`. */
const GRANTS: Record<Role, ReadonlySet<Action>> = {
  admin: new Set(ACTIONS),
  wrangler: new Set<Action>(['read', 'job.create', 'job.edit', 'job.delete', 'worker.edit', 'cloud.terminate', 'metrics.read']),
  artist: new Set<Action>(['read', 'job.create', 'job.edit', 'job.delete', 'metrics.read']),
  viewer: new Set<Action>(['read', 'metrics.read']),
  anonymous: new Set<Action>(['read', 'job.create']),
  worker: new Set<Action>(['worker.protocol']),
};

/** Job actions a role may only do on its own jobs (wranglers edit any job but delete only theirs, as before). */
const OWN_ONLY: Partial<Record<Role, ReadonlySet<Action>>> = {
  wrangler: new Set<Action>(['job.delete']),
  artist: new Set<Action>(['job.edit', 'job.delete']),
};

/** The part of a job the policy looks at. */
export interface JobOwner {
  id: number;
  user: string;
}

/** Old Coalition compared owners without case (`user.lower()`). */
export const sameUser = (a: string | null | undefined, b: string | null | undefined): boolean =>
  !!a && !!b && a.trim().toLowerCase() === b.trim().toLowerCase();

/**
 * Whether `principal` may do `action` (on `job`, when the action is about one job). Without a
 * job, it answers whether the role may do it on some job (its own at least).
 */
export function allows(principal: Principal, action: Action, job?: JobOwner): boolean {
  if (!GRANTS[principal.role].has(action)) return false;
  if (!job || !OWN_ONLY[principal.role]?.has(action)) return true;
  return sameUser(job.user, principal.user);
}

/** Whether submitted jobs take the caller's name as owner whatever `user` they carry (old LDAP: no "createjobglobal"). */
export const ownsWhatItSubmits = (principal: Principal): boolean => principal.role === 'artist';

/** Why a request is refused, in words a person can act on. */
export function refusal(principal: Principal, action: Action, job?: JobOwner): string {
  const who = principal.user ? `user "${principal.user}" (${principal.role})` : `this ${principal.via.replace('-', ' ')} (${principal.role})`;
  if (job && GRANTS[principal.role].has(action)) return `${who} may ${action.split('.')[1]} only their own jobs; job ${job.id} belongs to ${job.user ? `"${job.user}"` : 'nobody'}`;
  return `${who} may not ${verb(action)}`;
}

function verb(action: Action): string {
  const words: Record<Action, string> = {
    read: 'read the API',
    'job.create': 'submit jobs',
    'job.edit': 'edit jobs',
    'job.delete': 'delete jobs',
    'worker.edit': 'manage workers',
    'cloud.terminate': 'terminate cloud instances',
    'cloud.admin': 'change cloud settings, setups or plugins',
    'users.manage': 'manage users',
    'audit.read': 'read the audit log',
    'metrics.read': 'read metrics',
    'ops.admin': 'run backups and other operations',
    'worker.protocol': 'use the worker protocol',
    admin: 'call this administrators-only endpoint',
  };
  return words[action];
}

/** What a page may show as enabled for this caller (part of `GET /api/session`). */
export function capabilities(principal: Principal): Record<string, boolean> {
  const has = (a: Action) => GRANTS[principal.role].has(a);
  return {
    submit: has('job.create'),
    editOwnJobs: has('job.edit'),
    editAnyJob: has('job.edit') && !OWN_ONLY[principal.role]?.has('job.edit'),
    deleteOwnJobs: has('job.delete'),
    deleteAnyJob: has('job.delete') && !OWN_ONLY[principal.role]?.has('job.delete'),
    manageWorkers: has('worker.edit'),
    terminateInstances: has('cloud.terminate'),
    cloudAdmin: has('cloud.admin'),
    manageUsers: has('users.manage'),
    readAudit: has('audit.read'),
  };
}

/**
 * Whether the caller may put jobs under `parent` (a submission, or a move): the root is open to
 * every submitter; another job's subtree needs the right to edit that job. Anonymous callers of
 * a trusted network submit under any parent, as the old scripts they run expect.
 */
export function mayAddUnder(principal: Principal, parent: JobOwner | undefined): boolean {
  if (!allows(principal, 'job.create')) return false;
  if (!parent || parent.id === 0 || principal.role === 'anonymous') return true;
  return allows(principal, 'job.edit', parent);
}
