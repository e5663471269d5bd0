import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { NextFunction, Request, Response } from 'express';
import { CoalitionError } from '../errors.ts';
import type { TrustedNetworks } from './trusted-networks.ts';

export interface Tokens {
  admin: string;
  worker: string;
}

/** `trusted`: no token, from a `trustednetworks` address (may submit and read jobs only). */
export type Role = 'admin' | 'worker' | 'trusted';

declare module 'express-serve-static-core' {
  interface Request {
    role?: Role;
    /** For a per-instance token: the worker name it may use (or `name-N` slots of it). */
    workerScope?: string;
  }
}

const digest = (s: string) => createHash('sha256').update(s).digest();

/** Compares in constant time (digests have equal length whatever the input). */
export function sameSecret(a: string, b: string): boolean {
  return timingSafeEqual(digest(a), digest(b));
}

/**
 * Tokens from the environment, else from `<data>/tokens.json` (created 0600 on first start).
 * Returns where they came from so the server can print the file's path (never the tokens).
 */
export function loadTokens(dataDir: string, env: NodeJS.ProcessEnv = process.env): { tokens: Tokens; file?: string } {
  if (env.COALITION_ADMIN_TOKEN && env.COALITION_WORKER_TOKEN) return { tokens: { admin: env.COALITION_ADMIN_TOKEN, worker: env.COALITION_WORKER_TOKEN } };
  const file = join(dataDir, 'tokens.json');
  const stored = (existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : {}) as Partial<Tokens>;
  const saved: Tokens = { admin: stored.admin || randomBytes(24).toString('base64url'), worker: stored.worker || randomBytes(24).toString('base64url') };
  if (!stored.admin || !stored.worker) writeFileSync(file, JSON.stringify(saved, null, 2) + '\n', { mode: 0o600 });
  return { tokens: { admin: env.COALITION_ADMIN_TOKEN || saved.admin, worker: env.COALITION_WORKER_TOKEN || saved.worker }, file };
}

/** Per-instance worker tokens the scaler issues (only their digests are kept). */
export class InstanceTokens {
  private readonly byDigest = new Map<string, string>();

  issue(workerName: string): string {
    const token = randomBytes(24).toString('base64url');
    this.byDigest.set(digest(token).toString('hex'), workerName);
    return token;
  }

  /** Restores a digest saved with the instance record. */
  restore(digestHex: string, workerName: string): void {
    this.byDigest.set(digestHex, workerName);
  }

  digestOf(token: string): string {
    return digest(token).toString('hex');
  }

  /** Forgets the worker's tokens; returns their digests. */
  revoke(workerName: string): string[] {
    const gone: string[] = [];
    for (const [d, name] of this.byDigest) {
      if (name !== workerName) continue;
      this.byDigest.delete(d);
      gone.push(d);
    }
    return gone;
  }

  /** The digest map is keyed by a hash of the token, so lookup time does not depend on it. */
  workerFor(token: string): string | undefined {
    return this.byDigest.get(digest(token).toString('hex'));
  }
}

/**
 * `/api`, `/json` and `/workers` need a token; the worker token (and per-instance tokens)
 * reach only `/workers/*`. Without auth every caller is admin.
 */
export function authMiddleware(options: { tokens?: Tokens; instanceTokens: InstanceTokens; trusted?: TrustedNetworks }) {
  const authenticate = authenticator(options);
  return (req: Request, _res: Response, next: NextFunction) => {
    if (options.tokens && !req.headers.authorization && options.trusted?.allows(req.socket.remoteAddress, req.method, req.originalUrl.split('?')[0])) {
      req.role = 'trusted';
      return next();
    }
    try {
      const who = authenticate(req.headers.authorization, req.baseUrl === '/workers');
      req.role = who.role;
      req.workerScope = who.workerScope;
      next();
    } catch (e) {
      next(e);
    }
  };
}

/**
 * Decides who a request is from its `Authorization` header: admin, worker, or a per-instance
 * worker token (scoped to one worker name). Throws an auth or forbidden error.
 */
export function authenticator(options: { tokens?: Tokens; instanceTokens: InstanceTokens }) {
  const admin = options.tokens && digest(options.tokens.admin);
  const worker = options.tokens && digest(options.tokens.worker);
  return (header: string | undefined, workerPath: boolean): { role: Role; workerScope?: string } => {
    if (!admin || !worker) return { role: 'admin' };
    const token = header?.startsWith('Bearer ') ? header.slice(7).trim() : '';
    if (!token) throw new CoalitionError('auth', 'a token is needed: send "Authorization: Bearer <token>" (see the tokens file the server printed at start)');
    const given = digest(token);
    let who: { role: Role; workerScope?: string };
    if (timingSafeEqual(given, admin)) who = { role: 'admin' };
    else if (timingSafeEqual(given, worker)) who = { role: 'worker' };
    else {
      const scope = options.instanceTokens.workerFor(token);
      if (!scope) throw new CoalitionError('auth', 'this token is not valid for this server');
      who = { role: 'worker', workerScope: scope };
    }
    if (who.role === 'worker' && !workerPath) throw new CoalitionError('forbidden', 'a worker token can only reach /workers/*');
    return who;
  };
}
