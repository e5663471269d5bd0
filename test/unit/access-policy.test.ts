import { describe, expect, it } from 'vitest';
import { CommandWhitelist } from '../../core/access/command-whitelist.ts';
import { roleOf, tidyFilter } from '../../core/access/ldap-directory.ts';
import { allows, mayAddUnder, type Principal, type Role } from '../../core/access/policy.ts';
import { RateLimiter } from '../../core/access/rate-limit.ts';
import { actionFor } from '../../core/access/route-permissions.ts';
import { continuedValues } from '../../core/config-continuation.ts';

const as = (role: Role, user: string | null = null): Principal => ({ role, user, via: 'personal-token', key: 'k' });
const bobs = { id: 7, user: 'Bob' };

describe('the policy', () => {
  it('follows the old LDAP roles', () => {
    expect(allows(as('artist', 'bob'), 'job.delete', bobs)).toBe(true); // owners compare without case, as before
    expect(allows(as('artist', 'alice'), 'job.edit', bobs)).toBe(false);
    expect(allows(as('artist', 'alice'), 'read')).toBe(true);
    expect(allows(as('wrangler', 'wendy'), 'job.edit', bobs)).toBe(true);
    expect(allows(as('wrangler', 'wendy'), 'job.delete', bobs)).toBe(false);
    expect(allows(as('wrangler', 'wendy'), 'worker.edit')).toBe(true);
    expect(allows(as('wrangler', 'wendy'), 'cloud.admin')).toBe(false);
    expect(allows(as('admin'), 'job.delete', bobs)).toBe(true);
    expect(allows(as('viewer', 'v'), 'job.create')).toBe(false);
    expect(allows(as('worker'), 'read')).toBe(false);
    expect(allows(as('anonymous'), 'job.create')).toBe(true);
    expect(allows(as('anonymous'), 'job.edit', bobs)).toBe(false);
    expect(mayAddUnder(as('artist', 'alice'), bobs)).toBe(false);
    expect(mayAddUnder(as('artist', 'alice'), undefined)).toBe(true);
    expect(mayAddUnder(as('anonymous'), bobs)).toBe(true);
  });

  it('makes undeclared routes safe: reads need a person, writes an administrator', () => {
    expect(actionFor('GET', '/api/jobs/search')).toBe('read');
    expect(actionFor('HEAD', '/api/whatever')).toBe('read');
    expect(actionFor('POST', '/api/jobs/bulk-move')).toBe('admin');
    expect(actionFor('DELETE', '/api/anything/else')).toBe('admin');
    expect(actionFor('POST', '/api/jobs/12/dependencies')).toBe('job.edit');
    expect(actionFor('GET', '/api/users/me')).toBe('read');
    expect(actionFor('GET', '/api/users/bob')).toBe('users.manage');
    expect(actionFor('POST', '/api/setup/aws/steps/network/apply')).toBe('cloud.admin');
  });
});

describe('the command white list', () => {
  const wl = CommandWhitelist.parse('^render\n@Alice\n^nuke -x\n@bob\n');
  it('matches from the start like re.match; a user list adds to the global one; an empty user list allows only global', () => {
    expect(() => wl.check(null, 'render 1')).not.toThrow();
    expect(() => wl.check(null, 'sh -c render')).toThrow(/global/);
    expect(() => wl.check('alice', 'nuke -x a.nk')).not.toThrow();
    expect(() => wl.check('ALICE', 'render 2')).not.toThrow();
    expect(() => wl.check('bob', 'nuke -x a.nk')).toThrow(/0 commandwhitelist pattern\(s\) of user "bob"/);
    expect(() => CommandWhitelist.parse('')).not.toThrow();
    expect(() => CommandWhitelist.parse('').check('x', 'anything')).not.toThrow();
    expect(() => CommandWhitelist.parse('([')).toThrow(/not a valid regular expression/);
  });
});

describe('helpers', () => {
  it('reads ConfigParser continuation lines as one value, leaving the rest to the ini parser', () => {
    const { text, values } = continuedValues('[server]\nport=1\ncommandwhitelist=a;b\n  @u\n  c#d\n; note\nx = y\n');
    expect(values).toEqual({ server: { commandwhitelist: 'a;b\n@u\nc#d' } });
    expect(text).toContain('port=1');
    expect(text).not.toContain('@u');
  });

  it('lets a burst through, then one request per refill interval; keys are independent', () => {
    let now = 0;
    const rl = new RateLimiter({ burst: 2, perSecond: 0.5, now: () => now });
    expect([rl.take('a'), rl.take('a'), rl.take('a')]).toEqual([0, 0, 2]);
    expect(rl.take('b')).toBe(0);
    now += 2000;
    expect(rl.take('a')).toBe(0);
    const small = new RateLimiter({ burst: 1, perSecond: 1, now: () => now, maxKeys: 2 });
    small.take('x');
    small.take('y');
    small.take('z');
    expect(small.take('x')).toBe(0); // forgotten, not grown without bound
  });

  it('tidies the old spaced LDAP filters and maps permissions to roles', () => {
    expect(tidyFilter('(& (| (cn=a) (cn=b) ) (member=cn=x,dc=y) )')).toBe('(&(|(cn=a)(cn=b))(member=cn=x,dc=y))');
    expect(roleOf(new Set(['deletejobglobal', 'createjob']))).toBe('admin');
    expect(roleOf(new Set(['editjobglobal']))).toBe('wrangler');
    expect(roleOf(new Set(['createjob', 'viewjob']))).toBe('artist');
    expect(roleOf(new Set(['viewjobglobal']))).toBe('viewer');
    expect(roleOf(new Set())).toBeUndefined();
  });
});
