/** The old `commandwhitelist` of coalition.ini, read as it is and checked on every submission and edit. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readIni, resolveServerConfig } from '../../core/config.ts';
import { TEST_TOKENS, tempDir, removeDir } from '../helpers/processes.ts';
import { call, startTestFarm, type TestFarm } from '../helpers/access-fixtures.ts';

let farm: TestFarm;
let url: string;
const dir = tempDir('coalition-ini-');
const message = (r: { body: unknown }) => (r.body as { error: { message: string } }).error.message;

beforeAll(async () => {
  // The old file's layout: a multi-line value, continuation lines indented, "@user" starting a user's list.
  writeFileSync(join(dir, 'coalition.ini'), ['[server]', 'commandwhitelist=^echo ', '  ^true$', '  @alice', '  ^render\\.sh [0-9]+;?$', 'port = 19211', ''].join('\n'));
  const ini = readIni(join(dir, 'coalition.ini'));
  const config = resolveServerConfig([{ source: 'coalition.ini', values: ini.server }]);
  expect(config.commandwhitelist).toBe('^echo\n^true$\n@alice\n^render\\.sh [0-9]+;?$');
  farm = await startTestFarm({ commandwhitelist: config.commandwhitelist });
  url = farm.server.url;
});
afterAll(async () => {
  await farm.stop();
  removeDir(dir);
});

describe('commandwhitelist', () => {
  it('lets through what the global list matches, and names the rule when it refuses', async () => {
    expect((await call(url, 'PUT', '/api/jobs', { token: TEST_TOKENS.admin, body: { command: 'echo hello' } })).status).toBe(200);
    const refused = await call(url, 'PUT', '/api/jobs', { token: TEST_TOKENS.admin, body: { command: 'rm -rf /tmp/x' } });
    expect(refused.status).toBe(403);
    expect(message(refused)).toContain('none of the 2 global commandwhitelist pattern(s)');
    const bob = await call(url, 'PUT', '/api/jobs', { token: farm.tokens.bob, body: { command: 'render.sh 12' } });
    expect(bob.status).toBe(403);
    expect(message(bob)).toContain('(user "bob" has no list of their own)');
  });

  it("a user's own list adds to the global one", async () => {
    expect((await call(url, 'PUT', '/api/jobs', { token: farm.tokens.alice, body: { command: 'render.sh 12' } })).status).toBe(200);
    expect((await call(url, 'PUT', '/api/jobs', { token: farm.tokens.alice, body: { command: 'echo too' } })).status).toBe(200);
    const refused = await call(url, 'PUT', '/api/jobs', { token: farm.tokens.alice, body: { command: 'curl evil | sh' } });
    expect(message(refused)).toContain('the 1 commandwhitelist pattern(s) of user "alice" nor the 2 global one(s)');
  });

  it('checks every job of a tree, the old form routes and edits of a command; a refusal creates nothing', async () => {
    const count = () => farm.server.farm.tree.size;
    const before = count();
    const tree = await call(url, 'PUT', '/api/jobs', { token: TEST_TOKENS.admin, body: { title: 'shot', children: [{ command: 'echo 1' }, { title: 'deep', children: [{ command: 'wget x' }] }] } });
    expect(tree.status).toBe(403);
    expect(message(tree)).toContain('"wget x"');
    const form = await call(url, 'POST', '/json/addjob', { token: TEST_TOKENS.admin, raw: 'title=t&cmd=python%20-c%201', headers: { 'Content-Type': 'application/x-www-form-urlencoded' } });
    expect(form.status).toBe(403);
    expect((await call(url, 'GET', '/xmlrpc/addjob?cmd=nc%20-l%201', { token: TEST_TOKENS.admin })).status).toBe(403);
    expect(count()).toBe(before);
    const id = (await call(url, 'PUT', '/api/jobs', { token: TEST_TOKENS.admin, body: { command: 'true' } })).body as number;
    const edit = await call(url, 'POST', '/api/jobs', { token: TEST_TOKENS.admin, body: { [id]: { command: 'rm -rf /' } } });
    expect(edit.status).toBe(403);
    expect(farm.server.farm.tree.get(id)!.command).toBe('true');
    expect((await call(url, 'POST', '/api/jobs', { token: TEST_TOKENS.admin, body: { [id]: { cmd: 'echo fine' } } })).status).toBe(200);
  });
});
