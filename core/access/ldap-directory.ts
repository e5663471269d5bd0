import { Client, InvalidCredentialsError } from 'ldapts';
import { CoalitionError } from '../errors.ts';
import type { UserRole } from './policy.ts';

/**
 * The old Coalition's LDAP keys of `[server]`, read as they are: `ldaphost`, `ldapbase`,
 * `ldaptemplatelogin` (the DN to bind as, `__login__` standing for the login) and the eight
 * `ldaptemplate<action>[global]` search filters that say whether the user may create, view,
 * edit, delete their own jobs or any job.
 */
export interface LdapSettings {
  url: string;
  base: string;
  loginTemplate: string;
  filters: Partial<Record<LdapPermission, string>>;
  /** `ldapunsafeapi`: read, but never honoured (it let any script in unauthenticated). */
  unsafeApi: boolean;
}

export const LDAP_PERMISSIONS = [
  'createjob', 'viewjob', 'editjob', 'deletejob', 'createjobglobal', 'viewjobglobal', 'editjobglobal', 'deletejobglobal',
] as const;
export type LdapPermission = (typeof LDAP_PERMISSIONS)[number];

/** The settings from `[server]` of coalition.ini, or undefined when `ldaphost` is empty. */
export function ldapSettingsFromIni(server: Record<string, string> | undefined): LdapSettings | undefined {
  const url = server?.ldaphost?.trim();
  if (!url) return undefined;
  const filters: LdapSettings['filters'] = {};
  for (const p of LDAP_PERMISSIONS) {
    const f = server?.[`ldaptemplate${p}`]?.trim();
    if (f) filters[p] = f;
  }
  const unsafe = String(server?.ldapunsafeapi ?? '').toLowerCase();
  return { url, base: server?.ldapbase?.trim() ?? '', loginTemplate: server?.ldaptemplatelogin?.trim() || '__login__', filters, unsafeApi: ['1', 'true', 'yes', 'on'].includes(unsafe) };
}

/**
 * The role the old permissions amount to: deleting any job makes an administrator (the old
 * `administrators` group), editing or creating any job a wrangler, acting on one's own jobs an
 * artist, only viewing a viewer.
 */
export function roleOf(granted: ReadonlySet<LdapPermission>): UserRole | undefined {
  if (granted.has('deletejobglobal')) return 'admin';
  if (granted.has('editjobglobal') || granted.has('createjobglobal')) return 'wrangler';
  if (granted.has('createjob') || granted.has('editjob') || granted.has('deletejob')) return 'artist';
  if (granted.has('viewjob') || granted.has('viewjobglobal')) return 'viewer';
  return undefined;
}

/** Logins a DN or a filter can hold without escaping (the same rule as local user names). */
export const LOGIN_PATTERN = /^[A-Za-z0-9._@-]{1,64}$/;

/** The old templates put spaces between filter parts (`(& (cn=a) (member=…) )`); LDAP filters allow none. */
export const tidyFilter = (f: string): string => f.trim().replace(/\(\s*([&|!])\s*/g, '($1').replace(/\)\s+(?=[()])/g, ')');

export class LdapDirectory {
  constructor(
    readonly settings: LdapSettings,
    private readonly timeoutMs = 5_000,
  ) {}

  /**
   * Binds as the user with their password, then runs each permission filter (as the user, like
   * the old server) and answers the role they amount to; undefined for a wrong password or no
   * group. Throws a `provider` error when the directory cannot be reached.
   */
  async login(login: string, password: string): Promise<{ role?: UserRole; granted: LdapPermission[] }> {
    if (!LOGIN_PATTERN.test(login) || !password) return { granted: [] }; // an empty password would be an anonymous bind
    const client = new Client({ url: this.settings.url, timeout: this.timeoutMs, connectTimeout: this.timeoutMs });
    try {
      try {
        await client.bind(this.settings.loginTemplate.replaceAll('__login__', login), password);
      } catch (e) {
        if (e instanceof InvalidCredentialsError) return { granted: [] };
        throw e;
      }
      const granted = new Set<LdapPermission>();
      for (const [permission, template] of Object.entries(this.settings.filters) as Array<[LdapPermission, string]>) {
        const { searchEntries } = await client.search(this.settings.base, { scope: 'sub', filter: tidyFilter(template.replaceAll('__login__', login)), attributes: ['dn'] });
        if (searchEntries.length > 0) granted.add(permission);
      }
      return { role: roleOf(granted), granted: [...granted] };
    } catch (e) {
      throw new CoalitionError('provider', `the LDAP directory at ${this.settings.url} could not check the login (${(e as Error).message})`);
    } finally {
      await client.unbind().catch(() => {});
    }
  }
}
