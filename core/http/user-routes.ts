import { Router, type Request } from 'express';
import { z } from 'zod';
import type { Access } from '../access/access.ts';
import { LOGIN_PATTERN } from '../access/ldap-directory.ts';
import { verifyPassword } from '../access/passwords.ts';
import { USER_ROLES } from '../access/policy.ts';
import { publicUser } from '../access/user-store.ts';
import { CoalitionError, validationError } from '../errors.ts';

const password = z.string().min(8, 'must be at least 8 characters').max(1024);
const notify = z.object({ finished: z.boolean(), failed: z.boolean(), progress: z.boolean(), budget: z.boolean() }).partial().strict();
const email = z.union([z.literal(''), z.email({ error: 'must be an e-mail address' })]);
const create = z.object({ name: z.string().regex(LOGIN_PATTERN, 'must be 1–64 letters, digits or . _ @ -'), role: z.enum(USER_ROLES), password: password.optional(), email: email.optional(), notify: notify.optional() }).strict();
const edit = z.object({ role: z.enum(USER_ROLES), password, email, notify }).partial().strict();
const selfEdit = z.object({ password, currentPassword: z.string(), email, notify }).partial().strict();
const tokenBody = z.object({ label: z.string().max(100).default('') }).strict();

function parse<T>(schema: z.ZodType<T>, body: unknown, what: string): T {
  const parsed = schema.safeParse(body ?? {});
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  throw validationError(`${what}: ${issue.code === 'unrecognized_keys' ? `unknown field(s) ${issue.keys.join(', ')}` : `${issue.path.join('.') || 'body'}: ${issue.message}`}`);
}

/**
 * People and their personal tokens. Administrators manage everyone (`/api/users…`); everyone
 * with an account manages their own e-mail, notification choices, password and tokens
 * (`/api/users/me…`). A token is shown once, when it is made; only its digest is kept.
 */
export function userRoutes(access: Access): Router {
  const r = Router();
  const { users, sessions } = access;
  const me = (req: Request) => {
    const name = req.principal?.user;
    if (!name || !users.get(name)) throw new CoalitionError('not_found', `this credential (${req.principal?.via}) belongs to no user account: log in, or use a personal token`);
    return users.get(name)!;
  };

  r.get('/api/users/me', (req, res) => {
    res.json(publicUser(me(req)));
  });
  r.post('/api/users/me', async (req, res) => {
    const user = me(req);
    const patch = parse(selfEdit, req.body, 'user');
    if (patch.password !== undefined) {
      if (user.source !== 'local' || !(await verifyPassword(patch.currentPassword ?? '', user.password))) throw new CoalitionError('forbidden', 'currentPassword is wrong: a new password needs the current one');
      await sessions.endAllOf(user.name);
    }
    const { currentPassword: _current, ...rest } = patch;
    res.json(publicUser(await users.update(user.name, rest)));
  });
  r.get('/api/users/me/tokens', (req, res) => {
    res.json(publicUser(me(req)).tokens);
  });
  r.post('/api/users/me/tokens', async (req, res) => {
    res.json(await users.issueToken(me(req).name, parse(tokenBody, req.body, 'token').label));
  });
  r.delete('/api/users/me/tokens/:id', async (req, res) => {
    await users.revokeToken(me(req).name, req.params.id);
    res.json(1);
  });

  r.get('/api/users', (_req, res) => {
    res.json(users.list().map(publicUser));
  });
  r.put('/api/users', async (req, res) => {
    const body = parse(create, req.body, 'user');
    res.json(publicUser(await users.create(body)));
  });
  r.get('/api/users/:name', (req, res) => {
    res.json(publicUser(users.require(req.params.name)));
  });
  r.post('/api/users/:name', async (req, res) => {
    const patch = parse(edit, req.body, `user "${req.params.name}"`);
    const user = await users.update(req.params.name, patch);
    if (patch.password !== undefined) await sessions.endAllOf(user.name);
    res.json(publicUser(user));
  });
  r.delete('/api/users/:name', async (req, res) => {
    const user = users.require(req.params.name);
    await users.remove(user.name);
    await sessions.endAllOf(user.name);
    res.json(1);
  });
  r.get('/api/users/:name/tokens', (req, res) => {
    res.json(publicUser(users.require(req.params.name)).tokens);
  });
  r.post('/api/users/:name/tokens', async (req, res) => {
    res.json(await users.issueToken(req.params.name, parse(tokenBody, req.body, 'token').label));
  });
  r.delete('/api/users/:name/tokens/:id', async (req, res) => {
    await users.revokeToken(req.params.name, req.params.id);
    res.json(1);
  });
  return r;
}
