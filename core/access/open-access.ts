import type { Clock } from '../clock.ts';
import type { ServerConfig } from '../config.ts';
import type { InstanceTokens, Tokens } from '../http/auth.ts';
import type { Logger } from '../logger.ts';
import type { Store } from '../store/store.ts';
import type { Access } from './access.ts';
import { Authenticator } from './authenticate.ts';
import { CommandWhitelist } from './command-whitelist.ts';
import { LdapDirectory, ldapSettingsFromIni } from './ldap-directory.ts';
import { RateLimiter } from './rate-limit.ts';
import { SessionStore } from './sessions.ts';
import { UserStore } from './user-store.ts';

/** Loads the accounts, sessions and per-worker tokens, and builds access control from the config. */
export async function openAccess(o: {
  config: ServerConfig;
  ini: Record<string, Record<string, string>>;
  store: Store;
  tokens?: Tokens;
  instanceTokens: InstanceTokens;
  farmId: string;
  clock: Clock;
  logger: Logger;
  isTrusted?: (address: string, method: string, path: string) => boolean;
}): Promise<Access> {
  const now = () => o.clock.now();
  const users = new UserStore(o.store.users, now);
  await users.load();
  const ttlMs = o.config.sessionhours * 3_600_000;
  const sessions = new SessionStore(o.store.sessions, now, ttlMs);
  await sessions.load();
  // Per-worker tokens (the scaler's and those an administrator issued) work in every server mode.
  for (const doc of await o.store.tokens.load()) o.instanceTokens.restore(doc._id, String(doc.worker));
  const ldapSettings = ldapSettingsFromIni(o.ini.server);
  if (ldapSettings?.unsafeApi) o.logger.warn('ldapunsafeapi = true is ignored: scripts use personal tokens (or trustednetworks) instead of an unauthenticated API');
  const cookieName = `coalition_session_${o.farmId.replace(/[^A-Za-z0-9_-]/g, '_')}`;
  const attempts = o.config.loginattempts;
  return {
    authenticator: new Authenticator({ tokens: o.tokens, instanceTokens: o.instanceTokens, users, sessions, cookieName, sharedWorkerToken: o.config.sharedworkertoken, isTrusted: o.isTrusted }),
    users,
    sessions,
    whitelist: CommandWhitelist.parse(o.config.commandwhitelist),
    apiLimiter: o.config.apiratelimit > 0 ? new RateLimiter({ burst: o.config.apiburst, perSecond: o.config.apiratelimit, now }) : undefined,
    failures: new RateLimiter({ burst: 30, perSecond: 1, now }),
    logins: { byUser: new RateLimiter({ burst: attempts, perSecond: 1 / 180, now }), byAddress: new RateLimiter({ burst: attempts * 4, perSecond: 4 / 180, now }) },
    ldap: ldapSettings && new LdapDirectory(ldapSettings),
    cookie: { name: cookieName, ttlMs },
    enabled: o.tokens !== undefined,
  };
}
