/**
 * `npm run build`'s server part: the headless server compiled to plain JavaScript runs with
 * `node dist/headless/main.js server` (no tsx), loads its plugins from dist/plugins, finds its
 * templates, and its local provider starts workers from the build too. The build goes to a
 * temp folder here, so the test never reads a stale dist/.
 */
import { execFileSync, spawn } from 'node:child_process';
import { readFileSync, symlinkSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, freePort, REPO, removeDir, tempDir, TEST_TOKENS, waitFor } from '../helpers/processes.ts';

let out: string;
let data: string;
let server: ReturnType<typeof spawn> | undefined;
let logs = '';

beforeAll(() => {
  out = tempDir('coalition-dist-');
  data = tempDir('coalition-dist-data-');
  execFileSync(process.execPath, ['--import', 'tsx', path.join(REPO, 'scripts', 'build-server.ts'), '--out', out], { cwd: REPO, stdio: 'pipe' });
  // A copied dist/ finds its dependencies as a deployed one would: through node_modules next to it.
  symlinkSync(path.join(REPO, 'node_modules'), path.join(out, 'node_modules'), 'dir');
}, 120_000);

afterAll(async () => {
  if (server && server.exitCode === null) {
    server.kill('SIGTERM');
    await new Promise((ok) => server!.once('exit', ok));
  }
  removeDir(out);
  removeDir(data);
});

describe('the server build', () => {
  it('is plain JavaScript with the plugin manifests pointing at it and the templates beside it', () => {
    expect(readFileSync(path.join(out, 'headless', 'main.js'), 'utf8')).toContain('"./server-command.js"');
    expect(JSON.parse(readFileSync(path.join(out, 'plugins', 'local', 'package.json'), 'utf8')).main).toBe('index.js');
    expect(JSON.parse(readFileSync(path.join(out, 'plugins', 'aws', 'package.json'), 'utf8')).main).toBe('index.js');
    expect(readFileSync(path.join(out, 'templates', 'aws-worker.cloud-init.yaml'), 'utf8')).toContain('#cloud-config');
  });

  it('serves with node alone, loads both plugins, and runs a job on a local worker started from the build', async () => {
    const port = await freePort();
    // No tsx anywhere: plain node on the compiled entry, from a directory outside the repository.
    server = spawn(process.execPath, [path.join(out, 'headless', 'main.js'), 'server', '--port', String(port), '--host', '127.0.0.1', '--data', data], {
      cwd: data,
      env: { ...process.env, NODE_OPTIONS: '', COALITION_ADMIN_TOKEN: TEST_TOKENS.admin, COALITION_WORKER_TOKEN: TEST_TOKENS.worker },
    });
    server.stdout!.on('data', (c) => (logs += c));
    server.stderr!.on('data', (c) => (logs += c));
    const exited = new Promise((ok) => server!.once('exit', ok));
    const base = `http://127.0.0.1:${port}`;
    await waitFor(() => logs.includes('listening on'), { what: `the built server to listen (${logs})`, exited });
    // Active under plain node: they were imported from the build (the .ts sources would not load).
    const plugins = await api<Array<{ name: string; state: string }>>(base, 'GET', '/api/plugins');
    expect(plugins.body.map((p) => [p.name, p.state])).toEqual([['aws', 'active'], ['local', 'active']]);
    const submitted = await api<number>(base, 'PUT', '/api/jobs', { title: 'built', command: 'echo from-the-build' });
    const id = submitted.body;
    const job = await waitFor(async () => {
      const j = await api<{ state: string }>(base, 'GET', `/api/jobs/${id}`);
      return j.body.state === 'FINISHED' ? j.body : undefined;
    }, { what: 'the job to finish on a local worker', timeoutMs: 40_000, exited });
    expect(job.state).toBe('FINISHED');
    expect((await api<string>(base, 'GET', `/api/jobs/${id}/log`)).body).toContain('from-the-build');
    const instances = readFileSync(path.join(data, 'plugins', 'local', 'instances.json'), 'utf8');
    expect(instances).toContain('local-');
    // The worker process is the built CLI, not the TypeScript sources.
    const pid = Number(/"pid":\s*(\d+)/.exec(instances)![1]);
    expect(readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')).toEqual(expect.arrayContaining([path.join(out, 'headless', 'main.js'), 'worker']));
    expect(readFileSync(`/proc/${pid}/cmdline`, 'utf8')).not.toContain('tsx');
  });
});
