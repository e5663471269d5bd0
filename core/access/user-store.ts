import { createHash, randomBytes } from 'node:crypto';
import { conflict, notFound, validationError } from '../errors.ts';
import type { Collection, Doc } from '../store/collection.ts';
import { hashPassword } from './passwords.ts';
import type { UserRole } from './policy.ts';

/** The e-mails a person chooses to get about the job trees they own. */
export interface NotifyChoices {
  /** A tree finished. */
  finished: boolean;
  /** A tree has a job in ERROR. */
  failed: boolean;
  /** The first `notifyafter` jobs of a tree finished (the old "has finished N jobs" mail). */
  progress: boolean;
  /** Budget alerts of the scaler (sent to administrators only). */
  budget: boolean;
}

export const DEFAULT_NOTIFY: NotifyChoices = { finished: true, failed: true, progress: false, budget: true };

/** A personal API token: only its digest is kept; the token itself is shown once. */
export interface PersonalToken {
  id: string;
  label: string;
  digest: string;
  created: number;
}

export interface UserRecord {
  name: string;
  role: UserRole;
  email: string;
  /** `local`: password kept here (scrypt); `ldap`: checked by the directory, role refreshed at each login. */
  source: 'local' | 'ldap';
  password?: string;
  tokens: PersonalToken[];
  notify: NotifyChoices;
  created: number;
}

/** A user as the API shows it: no password hash, no token digests. */
export type PublicUser = Omit<UserRecord, 'password' | 'tokens'> & { tokens: Array<Omit<PersonalToken, 'digest'>> };

export const tokenDigest = (token: string): string => createHash('sha256').update(token).digest('hex');

const key = (name: string) => name.trim().toLowerCase();

/** Local accounts and personal tokens, in memory and in the `users` collection. */
export class UserStore {
  private readonly users = new Map<string, UserRecord>();
  private readonly byToken = new Map<string, { user: string; id: string }>();

  constructor(
    private readonly collection: Collection,
    private readonly now: () => number,
  ) {}

  async load(): Promise<void> {
    for (const doc of await this.collection.load()) {
      const { _id, ...user } = doc as unknown as UserRecord & { _id: string };
      this.users.set(_id, { ...user, notify: { ...DEFAULT_NOTIFY, ...user.notify }, tokens: user.tokens ?? [] });
      for (const t of user.tokens ?? []) this.byToken.set(t.digest, { user: _id, id: t.id });
    }
  }

  get size(): number {
    return this.users.size;
  }

  get(name: string): UserRecord | undefined {
    return this.users.get(key(name));
  }

  require(name: string): UserRecord {
    const user = this.get(name);
    if (!user) throw notFound(`no user "${name}"`);
    return user;
  }

  list(): UserRecord[] {
    return [...this.users.values()].sort((a, b) => a.name.localeCompare(b.name));
  }

  async create(input: { name: string; role: UserRole; password?: string; email?: string; source?: 'local' | 'ldap'; notify?: Partial<NotifyChoices> }): Promise<UserRecord> {
    if (this.get(input.name)) throw conflict(`user "${input.name}" exists already`);
    const user: UserRecord = {
      name: input.name.trim(),
      role: input.role,
      email: input.email ?? '',
      source: input.source ?? 'local',
      ...(input.password !== undefined ? { password: await hashPassword(input.password) } : {}),
      tokens: [],
      notify: { ...DEFAULT_NOTIFY, ...input.notify },
      created: this.now(),
    };
    await this.save(user);
    return user;
  }

  async update(name: string, patch: { role?: UserRole; email?: string; password?: string; notify?: Partial<NotifyChoices> }): Promise<UserRecord> {
    const user = this.require(name);
    if (patch.password !== undefined && user.source !== 'local') throw validationError(`user "${name}" logs in through LDAP: change the password in the directory`);
    const next: UserRecord = {
      ...user,
      ...(patch.role !== undefined ? { role: patch.role } : {}),
      ...(patch.email !== undefined ? { email: patch.email } : {}),
      ...(patch.password !== undefined ? { password: await hashPassword(patch.password) } : {}),
      notify: { ...user.notify, ...patch.notify },
    };
    await this.save(next);
    return next;
  }

  async remove(name: string): Promise<void> {
    const user = this.require(name);
    for (const t of user.tokens) this.byToken.delete(t.digest);
    this.users.delete(key(name));
    await this.collection.remove([key(name)]);
  }

  /** Makes a personal token; returns it once (only its digest is kept). */
  async issueToken(name: string, label: string): Promise<{ id: string; token: string }> {
    const user = this.require(name);
    if (user.tokens.length >= 50) throw validationError(`user "${name}" has 50 tokens already: delete some first`);
    const token = `cpt_${randomBytes(32).toString('base64url')}`;
    const entry: PersonalToken = { id: randomBytes(6).toString('hex'), label, digest: tokenDigest(token), created: this.now() };
    await this.save({ ...user, tokens: [...user.tokens, entry] });
    return { id: entry.id, token };
  }

  async revokeToken(name: string, id: string): Promise<void> {
    const user = this.require(name);
    const gone = user.tokens.find((t) => t.id === id);
    if (!gone) throw notFound(`user "${name}" has no token "${id}"`);
    this.byToken.delete(gone.digest);
    await this.save({ ...user, tokens: user.tokens.filter((t) => t.id !== id) });
  }

  /** The user a personal token belongs to (lookup by digest, so its time does not depend on the token). */
  userForToken(token: string): UserRecord | undefined {
    const hit = this.byToken.get(tokenDigest(token));
    return hit && this.users.get(hit.user);
  }

  private async save(user: UserRecord): Promise<void> {
    const k = key(user.name);
    const old = this.users.get(k);
    for (const t of old?.tokens ?? []) this.byToken.delete(t.digest);
    this.users.set(k, user);
    for (const t of user.tokens) this.byToken.set(t.digest, { user: k, id: t.id });
    await this.collection.put([{ _id: k, ...user } as unknown as Doc]);
  }
}

export function publicUser(u: UserRecord): PublicUser {
  const { password: _password, tokens, ...rest } = u;
  return { ...rest, tokens: tokens.map(({ digest: _digest, ...t }) => t) };
}
