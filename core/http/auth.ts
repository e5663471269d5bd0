import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Authenticator } from '../access/authenticate.ts';
import type { Principal, Role } from '../access/policy.ts';
import { CoalitionError } from '../errors.ts';

export interface Tokens {
  admin: string;
  worker: string;
}

export type { Role };

declare module 'express-serve-static-core' {
  interface Request {
    /** The caller's role (`principal.role`). */
    role?: Role;
    /** Who the caller is (set by the access middleware before any route). */
    principal?: Principal;
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
 * The worker protocol's check (`/workers/*`): the admin token, the shared worker token or a
 * per-worker token; people's tokens and sessions are refused there. Without auth every
 * caller is admin.
 */
export function authenticator(auth: Authenticator) {
  return (header: string | undefined, _workerPath = true): { role: Role; workerScope?: string } => {
    if (!auth.enabled) return { role: 'admin' };
    const token = header?.startsWith('Bearer ') ? header.slice(7).trim() : '';
    if (!token) throw new CoalitionError('auth', 'a token is needed: send "Authorization: Bearer <token>" (see the tokens file the server printed at start)');
    const who = auth.fromToken(token);
    if (who.role !== 'worker' && who.role !== 'admin') throw new CoalitionError('forbidden', 'only worker tokens may use the worker protocol (/workers/*)');
    return { role: who.role, workerScope: who.workerScope };
  };
}
