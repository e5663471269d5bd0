/** Logins checked by a real OpenLDAP directory, with the old coalition.ini ldap* keys; a group per role. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, startTestFarm, type TestFarm } from '../helpers/access-fixtures.ts';
import { TEST_TOKENS } from '../helpers/processes.ts';
import { BASE, slapdInstalled, startDirectory, type Directory } from '../helpers/slapd.ts';

// CI installs slapd (.ci/run); a developer machine without it skips, CI never does.
const run = slapdInstalled() || process.env.CI === 'true';

let directory: Directory;
let farm: TestFarm;

const people = `ou=people,${BASE}`;
const member = (groups: string) => `(& ${groups} (member=cn=__login__,${people}) )`;
/** The old _coalition.ini's templates, spaces and all, with this directory's names. */
const oldIni = (url: string) => ({
  ldaphost: url,
  ldapbase: BASE,
  ldaptemplatelogin: `cn=__login__,${people}`,
  ldaptemplatecreatejob: member('(cn=artists)'),
  ldaptemplateviewjob: member('(cn=artists)'),
  ldaptemplateeditjob: member('(cn=artists)'),
  ldaptemplatedeletejob: member('(cn=artists)'),
  ldaptemplatecreatejobglobal: member('(| (cn=administrators) (cn=wranglers) )'),
  ldaptemplateviewjobglobal: member('(| (cn=administrators) (cn=wranglers) )'),
  ldaptemplateeditjobglobal: member('(| (cn=administrators) (cn=wranglers) )'),
  ldaptemplatedeletejobglobal: member('(cn=administrators)'),
  ldapunsafeapi: 'True',
});

async function login(user: string, password: string) {
  const res = await fetch(`${farm.server.url}/api/session`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ user, password }) });
  return { status: res.status, body: (await res.json()) as Record<string, unknown>, cookie: (res.headers.get('set-cookie') ?? '').split(';')[0] };
}

describe.runIf(run)('LDAP logins', () => {
  beforeAll(async () => {
    directory = await startDirectory([
      { login: 'root', password: 'root-pw-1', groups: ['administrators'] },
      { login: 'walt', password: 'walt-pw-1', groups: ['wranglers'] },
      { login: 'arty', password: 'arty-pw-1', groups: ['artists'] },
      { login: 'nora', password: 'nora-pw-1', groups: [] },
    ]);
    farm = await startTestFarm({ ini: { server: oldIni(directory.url) } });
  });
  afterAll(async () => {
    await farm?.stop();
    await directory?.stop();
  });

  it('maps the directory groups to roles through the old templates', async () => {
    expect((await login('root', 'root-pw-1')).body).toMatchObject({ role: 'admin', user: 'root', via: 'session' });
    expect((await login('walt', 'walt-pw-1')).body).toMatchObject({ role: 'wrangler', user: 'walt' });
    expect((await login('arty', 'arty-pw-1')).body).toMatchObject({ role: 'artist', user: 'arty' });
    const session = await call(farm.server.url, 'GET', '/api/session', { token: TEST_TOKENS.admin });
    expect(session.body).toMatchObject({ login: { password: true, ldap: true } });
  });

  it('refuses a wrong password, an empty one, and a user in no group', async () => {
    expect((await login('arty', 'wrong')).status).toBe(401);
    expect((await login('arty', '')).status).toBe(401);
    expect((await login('nora', 'nora-pw-1')).status).toBe(401);
    expect((await login('arty)(cn=*', 'x')).status).toBe(401);
  });

  it('a directory artist is held to their own jobs, like a local one', async () => {
    const walt = await login('walt', 'walt-pw-1');
    const arty = await login('arty', 'arty-pw-1');
    const submit = (s: typeof walt, body: unknown) => call(farm.server.url, 'PUT', '/api/jobs', { headers: { Cookie: s.cookie, 'X-CSRF-Token': String(s.body.csrf) }, body });
    const waltsJob = (await submit(walt, { title: 'walt', command: 'true' })).body as number;
    const artysJob = (await submit(arty, { title: 'arty', command: 'true' })).body as number;
    const edit = (s: typeof walt, id: number) => call(farm.server.url, 'POST', '/api/jobs', { headers: { Cookie: s.cookie, 'X-CSRF-Token': String(s.body.csrf) }, body: { [id]: { priority: 1 } } });
    expect((await edit(arty, waltsJob)).status).toBe(403);
    expect((await edit(arty, artysJob)).status).toBe(200);
    expect((await edit(walt, artysJob)).status).toBe(200);
  });

  it('says so when the directory cannot be reached', async () => {
    const down = await startTestFarm({ ini: { server: { ...oldIni('ldap://127.0.0.1:1'), ldaphost: 'ldap://127.0.0.1:1' } } });
    try {
      const res = await fetch(`${down.server.url}/api/session`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ user: 'arty', password: 'arty-pw-1' }) });
      expect(res.status).toBe(502);
      expect(((await res.json()) as { error: { message: string } }).error.message).toContain('LDAP directory at ldap://127.0.0.1:1');
    } finally {
      await down.stop();
    }
  });
});
