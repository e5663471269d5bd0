import type { NextFunction, Request, Response } from 'express';
import { CoalitionError } from '../errors.ts';
import type { Authenticator } from './authenticate.ts';
import { allows, refusal } from './policy.ts';
import type { RateLimiter } from './rate-limit.ts';
import { actionFor } from './route-permissions.ts';

/** Too many requests: a 429 that says when to come back (the `Retry-After` header says it too). */
export class RateLimited extends CoalitionError {
  constructor(
    readonly retryAfterSeconds: number,
    what: string,
  ) {
    super('quota', `${what}: try again in ${retryAfterSeconds} s`);
  }
}

/** `POST /api/session` (log in) and `GET /api/session` (am I logged in?) are reached without a credential. */
const isLoginRequest = (req: Request) => (req.method === 'POST' || req.method === 'GET') && req.originalUrl.split('?')[0] === '/api/session';

export const clientAddress = (req: Request): string => req.ip ?? req.socket.remoteAddress ?? '';

/**
 * Who is calling (sets `req.principal`), before any body is read. Failed attempts count
 * against the caller's address, so guessing tokens is slow. `POST /api/session` (the login)
 * passes without a credential: it checks the password itself.
 */
export function authenticateRequests(auth: Authenticator, failures: RateLimiter) {
  return (req: Request, res: Response, next: NextFunction) => {
    const address = clientAddress(req);
    try {
      const principal = auth.fromRequest(req, address);
      req.principal = principal;
      req.role = principal.role;
      next();
    } catch (e) {
      const guessed = Boolean(req.headers.authorization || req.headers.cookie); // a wrong credential, not a missing one
      const wait = guessed && e instanceof CoalitionError && e.code === 'auth' ? failures.take(`ip:${address}`) : 0;
      // Log in (POST) needs no credential; "who am I" (GET) answers its 401 itself, with how to log in.
      if (!wait && isLoginRequest(req) && (req.method === 'GET' || !req.headers.authorization)) {
        res.locals.authError = e;
        return next();
      }
      next(wait ? new RateLimited(wait, 'too many refused credentials from this address') : e);
    }
  };
}

/**
 * The per-credential rate limit and the route's action (route-permissions.ts) checked against
 * the caller's role: a role that may never do it gets a 403 naming what it may not do.
 */
export function gate(limiter: RateLimiter | undefined) {
  return (req: Request, res: Response, next: NextFunction) => {
    const principal = req.principal;
    if (!principal) return isLoginRequest(req) ? next() : next(new CoalitionError('auth', 'a credential is needed'));
    const wait = limiter?.take(principal.key) ?? 0;
    if (wait) {
      res.setHeader('Retry-After', String(wait));
      return next(new RateLimited(wait, 'this credential sends too many requests (apiratelimit)'));
    }
    const action = actionFor(req.method, req.originalUrl.split('?')[0]);
    if (allows(principal, action)) return next();
    if (principal.role === 'worker') return next(new CoalitionError('forbidden', 'a worker token can only reach /workers/*'));
    next(new CoalitionError('forbidden', refusal(principal, action)));
  };
}
