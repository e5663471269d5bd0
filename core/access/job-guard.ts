import type { NextFunction, Request, Response } from 'express';
import { CoalitionError } from '../errors.ts';
import type { Farm } from '../farm/farm.ts';
import { jobIds } from '../http/ids.ts';
import { parseJobInput, type JobInput } from '../jobs/job-input.ts';
import type { CommandWhitelist } from './command-whitelist.ts';
import { allows, mayAddUnder, ownsWhatItSubmits, refusal, sameUser, type Action, type Principal } from './policy.ts';

type Check = (req: Request, p: Principal) => void;

/**
 * The path as Express routes it: without case (its default), without trailing slashes. A
 * check keyed on the path as sent would let `/JSON/CLEARJOBS` reach the route unchecked.
 */
export const routedPath = (originalUrl: string): string => originalUrl.split('?')[0].replace(/\/+$/, '').toLowerCase();

/** A path segment as Express gives it to the route (`%31%32` → `12`); undecodable: left for the route to refuse. */
const safeDecode = (segment: string): string => {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
};

/** Edits of these fields reach the whole subtree of a group (its children start, pause, end with it). */
const CASCADING_FIELDS = ['state', 'paused'];

/**
 * Job-level checks for the job routes, before the route runs (so a refused request changes
 * nothing): whose jobs the ids name (and, for a role limited to its own jobs, every job of
 * their subtrees, which deletes, resets, starts and pauses reach too), where a submission or
 * a move goes, which commands it runs (the `commandwhitelist`), and who owns what is
 * submitted. What does not parse is left to the route, which answers the 400.
 */
export function jobGuard(farm: Farm, whitelist: CommandWhitelist) {
  const forbid = (message: string) => new CoalitionError('forbidden', message);

  /** Whether the role may do `action` only on its own jobs (then a group's subtree must be its own too). */
  const ownOnly = (p: Principal, action: Action) => allows(p, action) && !allows(p, action, { id: 0, user: '' });

  const onJob = (p: Principal, action: Action, id: number, withSubtree: boolean) => {
    const job = farm.tree.get(id);
    if (!job) return;
    if (!allows(p, action, job)) throw forbid(refusal(p, action, job));
    if (!withSubtree || !ownOnly(p, action) || !farm.tree.isGroup(job)) return;
    for (const inside of farm.tree.subtree(id)) {
      if (!allows(p, action, inside)) throw forbid(`${refusal(p, action, inside)}, and it is inside job ${id}`);
    }
  };

  const onJobs = (p: Principal, action: Action, ids: number[]) => {
    for (const id of ids) onJob(p, action, id, true);
  };

  const underParent = (p: Principal, parent: number | string | undefined) => {
    let id: number;
    try {
      id = farm.tree.resolveParent(parent);
    } catch {
      return; // the route names the bad parent
    }
    const job = farm.tree.get(id);
    if (!mayAddUnder(p, job)) throw forbid(`${refusal(p, 'job.edit', job)}: jobs may be added only under your own jobs`);
  };

  const commands = (p: Principal, input: JobInput) => {
    const stack = [input];
    while (stack.length) {
      const one = stack.pop()!;
      if (!one.spec.is_parent && one.spec.command) whitelist.check(p.user, one.spec.command);
      stack.push(...one.children);
    }
  };

  /** Artists own what they submit (the old server forced `user` to the login); other people's empty `user` gets their name. */
  const owner = (p: Principal, raw: Record<string, unknown>) => {
    if (!p.user) return;
    const stack = [raw];
    while (stack.length) {
      const job = stack.pop()!;
      if (ownsWhatItSubmits(p) || job.user === undefined || job.user === '') job.user = p.user;
      if (Array.isArray(job.children)) for (const c of job.children) if (c && typeof c === 'object') stack.push(c as Record<string, unknown>);
    }
  };

  /** A submission: where it goes (the top jobs' `parent`), what it runs (only parsed when a white list is set), who owns it. */
  const submission = (p: Principal, raws: unknown[], form: boolean) => {
    const tops = raws.filter((r): r is Record<string, unknown> => typeof r === 'object' && r !== null && !Array.isArray(r));
    for (const raw of tops) {
      const parent = raw.parent;
      if ((typeof parent === 'number' || typeof parent === 'string') && parent !== '' && parent !== 'None') underParent(p, parent);
    }
    if (whitelist.enabled) {
      const inputs: JobInput[] = [];
      try {
        raws.forEach((raw) => inputs.push(parseJobInput(raw, { form })));
      } catch {
        return; // invalid: the route refuses it
      }
      for (const input of inputs) commands(p, input);
    }
    for (const raw of tops) owner(p, raw);
  };

  const ids = (body: unknown): number[] => {
    try {
      return jobIds(body);
    } catch {
      return [];
    }
  };

  /** The old form submission: query and body fields (the body wins, as in compat-routes.ts); an owner set here goes in the body. */
  const addJob: Check = (req, p) => {
    const body = typeof req.body === 'object' && req.body ? (req.body as Record<string, unknown>) : {};
    const fields: Record<string, unknown> = { ...(req.query as Record<string, unknown>), ...body };
    const before = fields.user;
    submission(p, [fields], true);
    if (fields.user !== before) req.body = { ...body, user: fields.user };
  };

  const checks: Record<string, Check> = {
    'PUT /api/jobs': (req, p) => {
      if (req.body === null || typeof req.body !== 'object') return;
      submission(p, Array.isArray(req.body) ? req.body : [req.body], false);
    },
    'GET /json/addjob': addJob,
    'POST /json/addjob': addJob,
    'GET /xmlrpc/addjob': addJob,
    'POST /xmlrpc/addjob': addJob,
    'POST /api/jobs': (req, p) => {
      const body = req.body as Record<string, unknown>;
      if (typeof body !== 'object' || body === null || Array.isArray(body)) return;
      for (const [key, fields] of Object.entries(body)) {
        const job = /^\d+$/.test(key) ? farm.tree.get(Number(key)) : undefined;
        if (!job || typeof fields !== 'object' || fields === null) continue;
        const f = fields as Record<string, unknown>;
        onJob(p, 'job.edit', job.id, CASCADING_FIELDS.some((k) => f[k] !== undefined));
        if (f.user !== undefined && ownsWhatItSubmits(p) && !sameUser(String(f.user), p.user)) throw forbid(`user "${p.user}" (${p.role}) may not give job ${job.id} to "${String(f.user)}"`);
        const command = f.command ?? f.cmd;
        if (typeof command === 'string' && command) whitelist.check(p.user, command);
        if (f.parent !== undefined && (typeof f.parent === 'number' || typeof f.parent === 'string')) underParent(p, f.parent);
      }
    },
    'DELETE /api/jobs': (req, p) => onJobs(p, 'job.delete', ids(req.body)),
    'POST /api/resetjobs': (req, p) => onJobs(p, 'job.edit', ids(req.body)),
    'POST /api/reseterrorjobs': (req, p) => onJobs(p, 'job.edit', ids(req.body)),
    'POST /api/startjobs': (req, p) => onJobs(p, 'job.edit', ids(req.body)),
    'POST /api/pausejobs': (req, p) => onJobs(p, 'job.edit', ids(req.body)),
    'GET /json/clearjobs': (req, p) => onJobs(p, 'job.delete', ids([req.query.id ?? []].flat())),
  };

  return (req: Request, _res: Response, next: NextFunction) => {
    const p = req.principal;
    if (!p) return next();
    const path = routedPath(req.originalUrl);
    try {
      const dependencies = /^\/api\/jobs\/([^/]+)\/dependencies$/.exec(path);
      if (dependencies && req.method === 'POST') onJob(p, 'job.edit', Number(safeDecode(dependencies[1])), false);
      else if (Object.hasOwn(checks, `${req.method} ${path}`)) checks[`${req.method} ${path}`](req, p);
      next();
    } catch (e) {
      next(e);
    }
  };
}
