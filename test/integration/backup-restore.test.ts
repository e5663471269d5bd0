/** `npm run cli -- backup` of a running, busy server, and `restore` into a data dir a new server then serves. */
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { api, killAll, removeDir, runCoalition, startServerProcess, tempDir, TEST_TOKENS } from '../helpers/processes.ts';

const dirs: string[] = [];
afterAll(async () => {
  await killAll();
  dirs.forEach(removeDir);
});

const cli = (args: string[], env: Record<string, string> = {}) => runCoalition(args, { COALITION_ADMIN_TOKEN: TEST_TOKENS.admin, ...env });

describe('backup and restore', () => {
  it('backs up a server while it takes submissions, and the restored farm has every job acknowledged before, each tree whole', async () => {
    const server = await startServerProcess();
    dirs.push(server.dataDir);
    const before: number[] = [];
    for (let i = 0; i < 50; i++) before.push((await api<number>(server.url, 'PUT', '/api/jobs', { title: `before ${i}`, command: 'true' })).body);
    let writing = true;
    const trees: number[] = [];
    const writer = (async () => {
      for (let i = 0; writing; i++) trees.push((await api<number>(server.url, 'PUT', '/api/jobs', { title: `tree ${i}`, children: Array.from({ length: 20 }, (_, k) => ({ title: `f${k}`, command: 'true' })) })).body);
    })();
    const out = tempDir('coalition-backup-');
    dirs.push(out);
    const file = join(out, 'farm.tar.gz');
    const backup = cli(['backup', '--server', server.url, '--out', file]);
    expect(await backup.exited, backup.output()).toBe(0);
    writing = false;
    await writer;
    expect(backup.output()).toContain(`backup written to ${file}`);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(trees.length).toBeGreaterThan(0);

    const target = join(tempDir('coalition-restore-'), 'data');
    dirs.push(join(target, '..'));
    const restore = cli(['restore', file, '--data', target]);
    expect(await restore.exited, restore.output()).toBe(0);
    const restored = await startServerProcess({ dataDir: target });
    const roots = (await api<Array<{ id: number; title: string; total: number; is_parent: boolean }>>(restored.url, 'GET', '/api/jobs')).body;
    const ids = new Set(roots.map((j) => j.id));
    for (const id of before) expect(ids.has(id), `job ${id} acknowledged before the backup`).toBe(true);
    const restoredTrees = roots.filter((j) => j.title.startsWith('tree '));
    for (const t of restoredTrees) expect((await api<unknown[]>(restored.url, 'GET', `/api/jobs/${t.id}/children`)).body).toHaveLength(20);
    expect(existsSync(join(target, 'farm-id'))).toBe(true);
    await restored.kill();
    await server.kill();
  });

  it('refuses to restore over the data dir of a running server, and names what to do', async () => {
    const server = await startServerProcess();
    dirs.push(server.dataDir);
    const out = tempDir('coalition-backup-');
    dirs.push(out);
    const file = join(out, 'b.tar.gz');
    expect(await cli(['backup', '--server', server.url, '--out', file]).exited).toBe(0);
    const restore = cli(['restore', file, '--data', server.dataDir]);
    expect(await restore.exited).toBe(1);
    expect(restore.output()).toContain('is running on');
    expect(restore.output()).toContain('stop it before restoring');
    const notBackup = cli(['restore', join(server.dataDir, 'jobs.db'), '--data', join(out, 'x')]);
    expect(await notBackup.exited).toBe(1);
    expect(notBackup.output()).toMatch(/TAR_BAD_ARCHIVE|not a Coalition backup|tar/i);
    await server.kill();
  });
});
