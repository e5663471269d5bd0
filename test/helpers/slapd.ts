import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, removeDir, tempDir, waitFor } from './processes.ts';

export const SLAPD = '/usr/sbin/slapd';
export const BASE = 'dc=coalition,dc=test';
const ROOT_DN = `cn=admin,${BASE}`;
const ROOT_PW = 'root-secret';

export interface Directory {
  url: string;
  stop(): Promise<void>;
}

/**
 * A real OpenLDAP server (Debian's slapd) on a free loopback port, with a temporary slapd.conf
 * and database: people under ou=people, one groupOfNames per role under ou=groups.
 */
export async function startDirectory(people: Array<{ login: string; password: string; groups: string[] }>): Promise<Directory> {
  const dir = tempDir('coalition-slapd-');
  mkdirSync(join(dir, 'db'));
  const conf = join(dir, 'slapd.conf');
  writeFileSync(
    conf,
    [
      'include /etc/ldap/schema/core.schema',
      'include /etc/ldap/schema/cosine.schema',
      'include /etc/ldap/schema/inetorgperson.schema',
      `pidfile ${join(dir, 'slapd.pid')}`,
      `argsfile ${join(dir, 'slapd.args')}`,
      'modulepath /usr/lib/ldap',
      'moduleload back_mdb',
      'database mdb',
      'maxsize 10485760',
      `suffix "${BASE}"`,
      `rootdn "${ROOT_DN}"`,
      `rootpw ${ROOT_PW}`,
      `directory ${join(dir, 'db')}`,
      'access to attrs=userPassword by anonymous auth by self read by * none',
      'access to * by users read by * none',
      '',
    ].join('\n'),
  );
  const port = await freePort();
  const url = `ldap://127.0.0.1:${port}`;
  const child: ChildProcess = spawn(SLAPD, ['-f', conf, '-h', `${url}/`, '-d', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d));
  child.stderr!.on('data', (d: Buffer) => (out += d));
  const exited = new Promise((ok) => child.once('exit', ok));
  const groups = new Map<string, string[]>();
  const ldif: string[] = [`dn: ${BASE}`, 'objectClass: dcObject', 'objectClass: organization', 'o: coalition', 'dc: coalition', '', `dn: ou=people,${BASE}`, 'objectClass: organizationalUnit', 'ou: people', '', `dn: ou=groups,${BASE}`, 'objectClass: organizationalUnit', 'ou: groups', ''];
  for (const p of people) {
    ldif.push(`dn: cn=${p.login},ou=people,${BASE}`, 'objectClass: inetOrgPerson', `cn: ${p.login}`, `sn: ${p.login}`, `userPassword: ${p.password}`, '');
    for (const g of p.groups) groups.set(g, [...(groups.get(g) ?? []), `cn=${p.login},ou=people,${BASE}`]);
  }
  for (const [g, members] of groups) ldif.push(`dn: cn=${g},ou=groups,${BASE}`, 'objectClass: groupOfNames', `cn: ${g}`, ...members.map((m) => `member: ${m}`), '');
  writeFileSync(join(dir, 'seed.ldif'), ldif.join('\n'));
  await waitFor(() => spawnSync('ldapsearch', ['-x', '-H', url, '-D', ROOT_DN, '-w', ROOT_PW, '-b', '', '-s', 'base'], { stdio: 'ignore' }).status === 32 || spawnSync('ldapwhoami', ['-x', '-H', url, '-D', ROOT_DN, '-w', ROOT_PW], { stdio: 'ignore' }).status === 0, {
    what: `slapd to answer on ${url} (${out})`,
    exited,
  });
  const add = spawnSync('ldapadd', ['-x', '-H', url, '-D', ROOT_DN, '-w', ROOT_PW, '-f', join(dir, 'seed.ldif')], { encoding: 'utf8' });
  if (add.status !== 0) throw new Error(`ldapadd failed: ${add.stderr}`);
  return {
    url,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        await exited;
      }
      removeDir(dir);
    },
  };
}

export const slapdInstalled = (): boolean => existsSync(SLAPD) && spawnSync('ldapadd', ['-VV'], { stdio: 'ignore' }).error === undefined;
