import { Router, type Request, type Response } from 'express';
import type { Access } from '../access/access.ts';
import { clientAddress, RateLimited } from '../access/access-middleware.ts';
import { LOGIN_PATTERN } from '../access/ldap-directory.ts';
import { verifyPassword } from '../access/passwords.ts';
import { CoalitionError, validationError } from '../errors.ts';
import type { AuditLog } from '../ops/audit-log.ts';
import { describeApi, ref } from './api-description.ts';
import { sessionInfo } from './session-routes.ts';

/**
 * The web UI's login: `POST /api/session {"user", "password"}` checks a local account (scrypt)
 * or the LDAP directory, then sets an HttpOnly, SameSite=Strict session cookie (Secure under
 * HTTPS) and answers the session (with its CSRF token); `DELETE /api/session` logs out.
 * Wrong passwords are rate-limited per user name and per address; while a limit holds, even
 * the right password waits (429 with Retry-After).
 */
export function loginRoutes(access: Access, audit: AuditLog): Router {
  const r = Router();
  const cookie = (req: Request, value: string, maxAgeSeconds: number) =>
    `${access.cookie.name}=${value}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${maxAgeSeconds}${req.secure ? '; Secure' : ''}`;

  r.post('/api/session', async (req: Request, res: Response) => {
    const body = req.body as { user?: unknown; password?: unknown } | undefined;
    if (!access.enabled) throw validationError('auth is off on this server (auth = none): there is nothing to log in to');
    // JSON only: a cross-site HTML form cannot send it, so no page can log a visitor in as someone else.
    if (!req.is('application/json') || typeof body !== 'object' || body === null || typeof body.user !== 'string' || typeof body.password !== 'string') {
      throw validationError('send JSON {"user": "<name>", "password": "<password>"} with Content-Type: application/json');
    }
    const name = body.user.trim();
    const address = clientAddress(req);
    const byUser = `user:${name.toLowerCase()}`;
    const byAddress = `ip:${address}`;
    const wait = Math.max(access.logins.byUser.wait(byUser), access.logins.byAddress.wait(byAddress));
    if (wait) {
      res.setHeader('Retry-After', String(wait));
      throw new RateLimited(wait, 'too many wrong passwords');
    }
    const user = await check(access, name, body.password);
    if (!user) {
      access.logins.byUser.take(byUser);
      access.logins.byAddress.take(byAddress);
      await audit.record({ actor: { user: name || null, role: null, via: 'password' }, action: 'login.failed', target: name, outcome: 401, address });
      throw new CoalitionError('auth', 'wrong user name or password');
    }
    access.logins.byUser.reset(byUser);
    const { id, session } = await access.sessions.create(user.name);
    res.setHeader('Set-Cookie', cookie(req, id, Math.floor(access.cookie.ttlMs / 1000)));
    await audit.record({ actor: { user: user.name, role: user.role, via: 'session' }, action: 'login', target: user.name, outcome: 200, address });
    res.json(sessionInfo({ role: user.role, user: user.name, via: 'session', key: '' }, access, session));
  });

  r.delete('/api/session', async (req: Request, res: Response) => {
    const sid = access.authenticator.sessionIdOf(req);
    if (sid && req.principal?.via === 'session') await access.sessions.end(sid);
    res.setHeader('Set-Cookie', cookie(req, '', 0));
    res.json({ ended: req.principal?.via === 'session' });
  });

  return r;
}

/** The account a name and password open, or undefined; unknown names cost the same time as known ones. */
async function check(access: Access, name: string, password: string) {
  if (!LOGIN_PATTERN.test(name) || password.length > 1024) return undefined;
  const local = access.users.get(name);
  if (local?.source === 'local') return (await verifyPassword(password, local.password)) ? local : undefined;
  if (access.ldap) {
    const { role } = await access.ldap.login(name, password);
    if (!role) return undefined;
    return local ? access.users.update(name, { role }) : access.users.create({ name, role, source: 'ldap' });
  }
  await verifyPassword(password, undefined);
  return undefined;
}

describeApi([
  {
    method: 'post', path: '/api/session', tags: ['session'], auth: 'none', summary: 'Log in with a user name and password (a local account or the LDAP directory)',
    description: 'JSON only. Sets the HttpOnly, SameSite=Strict session cookie (Secure under HTTPS) and answers the session with its CSRF token. Wrong passwords are limited per user name and per address; while a limit holds even the right password waits.',
    body: { schema: { type: 'object', properties: { user: { type: 'string' }, password: { type: 'string' } }, required: ['user', 'password'], additionalProperties: false } },
    responses: {
      '200': { description: 'the session', schema: ref('Session'), headers: { 'Set-Cookie': { description: 'coalition_session_<farm id>=…; HttpOnly; SameSite=Strict' } } },
      '400': { description: 'not JSON {"user", "password"}, or auth is off on this server', schema: ref('Error') },
      '401': { description: 'wrong user name or password', schema: ref('Error') },
      '429': { description: 'too many wrong passwords', schema: ref('Error'), headers: { 'Retry-After': { description: 'seconds' } } },
    },
  },
  {
    method: 'delete', path: '/api/session', tags: ['session'], summary: 'Log out: ends the session of the cookie and clears it',
    responses: { '200': { description: 'whether a session was ended (false with a token)', schema: { type: 'object', properties: { ended: { type: 'boolean' } }, required: ['ended'] } } },
  },
]);
