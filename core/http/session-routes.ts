import { Router } from 'express';
import type { Access } from '../access/access.ts';
import { capabilities, type Principal } from '../access/policy.ts';
import type { Session } from '../access/sessions.ts';
import { CoalitionError } from '../errors.ts';
import { describeApi, ref } from './api-description.ts';
import { sessionRefusalSchema, sessionSchema } from './api-schemas.ts';

/** What `GET /api/session` answers: who the caller is, so a page knows whether to ask for a token. */
export interface SessionInfo {
  role: string;
  /** The user's name, when the caller is a person with an account. */
  user: string | null;
  /** `none`: the server runs without auth (trusted LAN). */
  auth: 'token' | 'none';
  /** How the caller proved it: admin-token, personal-token, session, trusted-network, no-auth, … */
  via?: string;
  /** With a session cookie: the token to send in `X-CSRF-Token` on POST/PUT/DELETE. */
  csrf?: string;
  /** With a session cookie: when it ends (ms since the epoch). */
  expires?: number;
  /** What the page may offer this caller (hide what would be refused). */
  can?: Record<string, boolean>;
  /** How a person can log in here. */
  login?: LoginOptions;
}

/** Part of `GET /api/session`, and of its 401 answer: what a login page should offer. */
export interface LoginOptions {
  /** A user name and password (`POST /api/session`). */
  password: boolean;
  /** Passwords are checked by an LDAP directory too. */
  ldap: boolean;
  /** The header cookie sessions send their CSRF token in. */
  csrfHeader: string;
}

export const loginOptions = (access: Access | undefined): LoginOptions => ({
  password: Boolean(access?.enabled && (access.users.size > 0 || access.ldap)),
  ldap: Boolean(access?.ldap),
  csrfHeader: 'X-CSRF-Token',
});

export function sessionInfo(p: Principal, access: Access | undefined, session?: Session): SessionInfo {
  return {
    role: p.role,
    user: p.user,
    auth: access?.enabled === false ? 'none' : 'token',
    via: p.via,
    ...(session ? { csrf: session.csrf, expires: session.expires } : {}),
    can: capabilities(p),
    login: loginOptions(access),
  };
}

/**
 * `GET /api/session`: answers 401 without a valid credential (its body also carries `login`, so
 * a page knows what to ask for), else who the caller is.
 */
export function sessionRoutes(options: { authEnabled: boolean; access?: Access }): Router {
  const r = Router();
  r.get('/api/session', (req, res) => {
    const p = req.principal;
    if (!p) {
      const err = res.locals.authError instanceof CoalitionError ? res.locals.authError : new CoalitionError('auth', 'a token or a login is needed');
      res.status(err.code === 'forbidden' ? 403 : 401).json({ error: { code: err.code, message: err.message }, login: loginOptions(options.access) });
      return;
    }
    const sid = p.via === 'session' ? options.access?.authenticator.sessionIdOf(req) : undefined;
    const session = sid ? options.access?.sessions.get(sid) : undefined;
    const info: SessionInfo = options.access ? sessionInfo(p, options.access, session) : { role: req.role ?? 'admin', user: null, auth: options.authEnabled ? 'token' : 'none' };
    res.json(info);
  });
  return r;
}

describeApi(
  [
    {
      method: 'get', path: '/api/session', tags: ['session'], summary: 'Who the caller is (role, user, auth mode, what a page may offer them)',
      responses: {
        '200': { description: 'the session', schema: ref('Session') },
        '401': { description: 'no valid credential: the error, and how to log in here', schema: sessionRefusalSchema },
      },
    },
  ],
  { Session: sessionSchema },
);
