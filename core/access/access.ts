import type { Authenticator } from './authenticate.ts';
import type { CommandWhitelist } from './command-whitelist.ts';
import type { LdapDirectory } from './ldap-directory.ts';
import type { RateLimiter } from './rate-limit.ts';
import type { SessionStore } from './sessions.ts';
import type { UserStore } from './user-store.ts';

/** Everything access control holds at run time (made by `openAccess`, used by the HTTP layer). */
export interface Access {
  authenticator: Authenticator;
  users: UserStore;
  sessions: SessionStore;
  whitelist: CommandWhitelist;
  /** Undefined when `apiratelimit = 0`. */
  apiLimiter?: RateLimiter;
  /** Refused credentials, per address. */
  failures: RateLimiter;
  /** Wrong passwords, per user name and per address. */
  logins: { byUser: RateLimiter; byAddress: RateLimiter };
  ldap?: LdapDirectory;
  cookie: { name: string; ttlMs: number };
  /** Whether `auth` is on (`auth = none` makes every caller an administrator). */
  enabled: boolean;
}
