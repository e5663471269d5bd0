import { randomBytes } from 'node:crypto';
import type { Collection, Doc } from '../store/collection.ts';
import { tokenDigest } from './user-store.ts';

export interface Session {
  user: string;
  /** The token unsafe requests must echo in `X-CSRF-Token` (the cookie alone is not enough). */
  csrf: string;
  created: number;
  /** ms since the epoch; the session is refused from then on. */
  expires: number;
}

/**
 * Web UI sessions: a random id in an HttpOnly cookie; only its digest is stored (in the
 * `sessions` collection, so a restart logs nobody out). Ids are this farm's own, and the cookie
 * is named after the farm: a cookie of one farm means nothing to another.
 */
export class SessionStore {
  private readonly sessions = new Map<string, Session>();

  constructor(
    private readonly collection: Collection,
    private readonly now: () => number,
    private readonly ttlMs: number,
  ) {}

  async load(): Promise<void> {
    const expired: string[] = [];
    for (const doc of await this.collection.load()) {
      const { _id, ...s } = doc as unknown as Session & { _id: string };
      if (s.expires > this.now()) this.sessions.set(_id, s);
      else expired.push(_id);
    }
    await this.collection.remove(expired);
    if (this.collection.appendedLines > this.sessions.size * 2 + 100) {
      await this.collection.compact([...this.sessions].map(([_id, s]) => ({ _id, ...s }) as unknown as Doc));
    }
  }

  async create(user: string): Promise<{ id: string; session: Session }> {
    const id = randomBytes(32).toString('base64url');
    const now = this.now();
    const session: Session = { user, csrf: randomBytes(24).toString('base64url'), created: now, expires: now + this.ttlMs };
    this.sessions.set(tokenDigest(id), session);
    await this.collection.put([{ _id: tokenDigest(id), ...session } as unknown as Doc]);
    return { id, session };
  }

  /** The live session of a cookie value, or undefined (unknown or expired: an expired one is forgotten). */
  get(id: string): Session | undefined {
    const digest = tokenDigest(id);
    const session = this.sessions.get(digest);
    if (!session) return undefined;
    if (session.expires <= this.now()) {
      this.sessions.delete(digest);
      void this.collection.remove([digest]).catch(() => {});
      return undefined;
    }
    return session;
  }

  async end(id: string): Promise<void> {
    const digest = tokenDigest(id);
    if (!this.sessions.delete(digest)) return;
    await this.collection.remove([digest]);
  }

  /** Logs a user out everywhere (deleted, or their password changed). */
  async endAllOf(user: string): Promise<void> {
    const gone: string[] = [];
    for (const [digest, s] of this.sessions) if (s.user.toLowerCase() === user.toLowerCase()) gone.push(digest);
    for (const d of gone) this.sessions.delete(d);
    await this.collection.remove(gone);
  }
}
