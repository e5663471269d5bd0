import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { CoalitionError } from '../errors.ts';
import type { InstanceTokens, Tokens } from '../http/auth.ts';
import type { Principal } from './policy.ts';
import type { SessionStore } from './sessions.ts';
import type { UserStore } from './user-store.ts';

export interface AuthenticatorOptions {
  /** Undefined: auth is off (`auth = none`), every caller is an administrator. */
  tokens?: Tokens;
  instanceTokens: InstanceTokens;
  users: UserStore;
  sessions: SessionStore;
  /** The session cookie's name (it carries the farm id). */
  cookieName: string;
  /** `sharedworkertoken = false` refuses the shared worker token. */
  sharedWorkerToken: boolean;
  /**
   * `trustednetworks` (issue 8's module plugs in here): a request without any credential from
   * such an address is an anonymous caller that may submit and read.
   */
  isTrusted?: (address: string, method: string, path: string) => boolean;
}

const digest = (s: string) => createHash('sha256').update(s).digest();
const short = (s: string) => createHash('sha256').update(s).digest('hex').slice(0, 16);
const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** The header a cookie-authenticated page must send on unsafe requests (with the session's token). */
export const CSRF_HEADER = 'x-csrf-token';

/**
 * Decides who a request is from: `Authorization: Bearer` (the admin token, the shared worker
 * token, a per-worker token, a personal token), else the session cookie (unsafe methods also
 * need the session's CSRF token in `X-CSRF-Token`), else a trusted network, else 401.
 */
export class Authenticator {
  private readonly admin?: Buffer;
  private readonly worker?: Buffer;

  constructor(private readonly options: AuthenticatorOptions) {
    this.admin = options.tokens && digest(options.tokens.admin);
    this.worker = options.tokens && digest(options.tokens.worker);
  }

  get enabled(): boolean {
    return this.admin !== undefined;
  }

  /** A bearer token's principal; throws 401 for an unknown one. */
  fromToken(token: string): Principal {
    const given = digest(token);
    const key = `t:${short(token)}`;
    if (this.admin && timingSafeEqual(given, this.admin)) return { role: 'admin', user: null, via: 'admin-token', key };
    if (this.worker && timingSafeEqual(given, this.worker)) {
      if (!this.options.sharedWorkerToken) throw new CoalitionError('auth', 'the shared worker token is turned off on this server (sharedworkertoken = false): give this worker its own token (npm run cli -- workers token NAME)');
      return { role: 'worker', user: null, via: 'worker-token', key };
    }
    const scope = this.options.instanceTokens.workerFor(token);
    if (scope) return { role: 'worker', user: null, via: 'instance-token', workerScope: scope, key };
    const user = this.options.users.userForToken(token);
    if (user) return { role: user.role, user: user.name, via: 'personal-token', key };
    throw new CoalitionError('auth', 'this token is not valid for this server');
  }

  /** The principal of an HTTP request (see the class comment); throws 401 or 403. */
  fromRequest(req: IncomingMessage, address: string): Principal {
    if (!this.enabled) return { role: 'admin', user: null, via: 'no-auth', key: `ip:${address}` };
    const header = req.headers.authorization;
    if (header) {
      const token = header.startsWith('Bearer ') ? header.slice(7).trim() : '';
      if (!token) throw new CoalitionError('auth', 'the Authorization header must be "Bearer <token>"');
      return this.fromToken(token);
    }
    const sid = readCookie(req.headers.cookie, this.options.cookieName);
    if (sid) {
      const session = this.options.sessions.get(sid);
      const user = session && this.options.users.get(session.user);
      if (!session || !user) throw new CoalitionError('auth', 'your session has ended: log in again');
      if (UNSAFE.has(req.method ?? 'GET')) {
        const sent = req.headers[CSRF_HEADER];
        if (typeof sent !== 'string' || !sameText(sent, session.csrf)) {
          throw new CoalitionError('forbidden', `a request made with the session cookie must carry the session's CSRF token in the X-CSRF-Token header (GET /api/session gives it)`);
        }
      }
      return { role: user.role, user: user.name, via: 'session', key: `s:${short(sid)}` };
    }
    if (this.options.isTrusted?.(address, req.method ?? 'GET', requestPath(req))) return { role: 'anonymous', user: null, via: 'trusted-network', key: `ip:${address}` };
    throw new CoalitionError('auth', 'a token is needed: send "Authorization: Bearer <token>" (see the tokens file the server printed at start), or log in');
  }

  /** The session id of a request's cookie, if any (for logout). */
  sessionIdOf(req: IncomingMessage): string | undefined {
    return readCookie(req.headers.cookie, this.options.cookieName);
  }
}

/** The path without the query, as the client sent it (express strips mount paths from `url`). */
const requestPath = (req: IncomingMessage) => ((req as { originalUrl?: string }).originalUrl ?? req.url ?? '/').split('?')[0];

const sameText = (a: string, b: string) => timingSafeEqual(digest(a), digest(b));

/** One cookie's value from a `Cookie` header (names are compared exactly). */
export function readCookie(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq <= 0 || part.slice(0, eq).trim() !== name) continue;
    try {
      return decodeURIComponent(part.slice(eq + 1).trim());
    } catch {
      return undefined;
    }
  }
  return undefined;
}
