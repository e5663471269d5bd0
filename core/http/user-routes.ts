import { Router, type Request } from 'express';
import { z } from 'zod';
import type { Access } from '../access/access.ts';
import { LOGIN_PATTERN } from '../access/ldap-directory.ts';
import { verifyPassword } from '../access/passwords.ts';
import { USER_ROLES } from '../access/policy.ts';
import { publicUser } from '../access/user-store.ts';
import { CoalitionError, validationError } from '../errors.ts';
import { describeApi, ref } from './api-description.ts';
import { issuedTokenSchema, userSchema } from './api-schemas.ts';

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

const people = ['users'];
const user = { description: 'the account', schema: ref('User') };
const bad = (what: string) => ({ description: `${what} (the message names the field)`, schema: ref('Error') });
const noAccount = { description: 'the credential belongs to no account (the admin token, a worker token): log in or use a personal token', schema: ref('Error') };
const noSuchUser = { description: 'no such user (or token)', schema: ref('Error') };
describeApi(
  [
    { method: 'get', path: '/api/users/me', tags: people, summary: "The caller's own account", responses: { '200': user, '404': noAccount } },
    {
      method: 'post', path: '/api/users/me', tags: people, summary: 'Change your e-mail, notification choices or password', description: 'A new password needs `currentPassword` and ends every session of the account.',
      body: { schema: selfEdit }, responses: { '200': user, '400': bad('a bad field'), '403': { description: 'currentPassword is wrong', schema: ref('Error') }, '404': noAccount },
    },
    { method: 'get', path: '/api/users/me/tokens', tags: people, summary: 'Your personal tokens (ids and labels, never the tokens)', responses: { '200': { description: 'tokens', schema: userSchema.shape.tokens }, '404': noAccount } },
    { method: 'post', path: '/api/users/me/tokens', tags: people, summary: 'A new personal token for you (shown this once)', body: { schema: tokenBody, required: false }, responses: { '200': { description: 'the token', schema: issuedTokenSchema }, '400': bad('a bad label, or 50 tokens already'), '404': noAccount } },
    { method: 'delete', path: '/api/users/me/tokens/:id', tags: people, summary: 'Revoke one of your tokens', responses: { '200': { description: '1', schema: { const: 1 } }, '404': noSuchUser } },
    { method: 'get', path: '/api/users', tags: people, summary: 'Every account', responses: { '200': { description: 'accounts', schema: { type: 'array', items: ref('User') } } } },
    { method: 'put', path: '/api/users', tags: people, summary: 'Make an account (without a password: tokens only)', body: { schema: create }, responses: { '200': user, '400': bad('a bad field'), '409': { description: 'the name is taken', schema: ref('Error') } } },
    { method: 'get', path: '/api/users/:name', tags: people, summary: 'One account', responses: { '200': user, '404': noSuchUser } },
    { method: 'post', path: '/api/users/:name', tags: people, summary: "Change an account's role, e-mail, notification choices or password (a new password ends its sessions)", body: { schema: edit }, responses: { '200': user, '400': bad('a bad field'), '404': noSuchUser } },
    { method: 'delete', path: '/api/users/:name', tags: people, summary: 'Delete an account and end its sessions', responses: { '200': { description: '1', schema: { const: 1 } }, '404': noSuchUser } },
    { method: 'get', path: '/api/users/:name/tokens', tags: people, summary: "An account's personal tokens (ids and labels)", responses: { '200': { description: 'tokens', schema: userSchema.shape.tokens }, '404': noSuchUser } },
    { method: 'post', path: '/api/users/:name/tokens', tags: people, summary: 'A new personal token for an account (shown this once)', body: { schema: tokenBody, required: false }, responses: { '200': { description: 'the token', schema: issuedTokenSchema }, '400': bad('a bad label, or 50 tokens already'), '404': noSuchUser } },
    { method: 'delete', path: '/api/users/:name/tokens/:id', tags: people, summary: "Revoke one of an account's tokens", responses: { '200': { description: '1', schema: { const: 1 } }, '404': noSuchUser } },
  ],
  { User: userSchema },
);
