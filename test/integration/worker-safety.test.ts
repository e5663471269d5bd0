/**
 * Real worker processes against a real server: a second worker under a taken name is refused
 * (never both running one job), a worker restarted after a SIGKILL takes its name back and
 * stops what its killed instance left running, and a job cannot read the worker's token.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { api, killAll, removeDir, startServerProcess, startWorkerProcess, tempDir, TEST_TOKENS, waitFor, type ServerProc } from '../helpers/processes.ts';
import { jobOf, logOf, processGone, submitJob, untilReleased } from './worker-farm.ts';

describe.runIf(process.platform === 'linux')('worker processes and what they leave behind', () => {
  const cleanups: Array<() => void> = [];
  const scratch = (prefix: string) => {
    const dir = tempDir(prefix);
    cleanups.push(() => {
      writeFileSync(path.join(dir, 'release'), '');
      removeDir(dir);
    });
    return dir;
  };
  const server = async (): Promise<ServerProc> => {
    const started = await startServerProcess({ env: { COALITION_TIMEOUT: '2' } });
    cleanups.push(() => removeDir(started.dataDir));
    return started;
  };
  afterEach(async () => {
    await killAll();
    for (const cleanup of cleanups.splice(0)) cleanup();
  });

  it('refuses a second worker with a name in use, naming the clash, and runs every job once', async () => {
    const farm = await server();
    const dir = scratch('coalition-clash-');
    const ids: number[] = [];
    for (let i = 0; i < 6; i++) ids.push(await submitJob(farm.url, { title: `clash ${i}`, command: `echo run >> runs-${i}; sleep 0.3`, dir }));
    const first = startWorkerProcess(farm.url, ['--name', 'twin', '--state-dir', scratch('coalition-state-')]);
    await waitFor(async () => (await jobOf(farm.url, ids[0])).state !== 'WAITING', { what: 'the first worker to start a job', exited: first.exited });
    const second = startWorkerProcess(farm.url, ['--name', 'twin', '--state-dir', scratch('coalition-state-')]);
    expect(await Promise.race([second.exited, new Promise((r) => setTimeout(() => r('still running'), 20_000))])).toBe(3);
    expect(second.output()).toMatch(/worker name \\"twin\\" is in use by another running worker at 127\.0\.0\.1/);
    await waitFor(async () => (await Promise.all(ids.map((id) => jobOf(farm.url, id)))).every((j) => j.state === 'FINISHED'), { what: 'every job FINISHED', timeoutMs: 30_000, exited: first.exited });
    for (let i = 0; i < ids.length; i++) expect(readFileSync(path.join(dir, `runs-${i}`), 'utf8')).toBe('run\n');
  });

  it('a worker restarted under its name after a SIGKILL stops what it left running, then reruns the job', async () => {
    const farm = await server();
    const dir = scratch('coalition-restart-');
    const state = scratch('coalition-state-');
    const command = `if [ -f first-run ]; then echo second run; else echo $$ > first-run; echo first run; ${untilReleased}; fi`;
    const id = await submitJob(farm.url, { title: 'survivor', command, dir, retry: 0 });
    const killed = startWorkerProcess(farm.url, ['--name', 'phoenix', '--state-dir', state]);
    await waitFor(async () => (await logOf(farm.url, id)).includes('first run'), { what: 'the first run to start', exited: killed.exited });
    await killed.kill('SIGKILL');
    const orphan = Number(readFileSync(path.join(dir, 'first-run'), 'utf8'));
    expect(processGone(orphan)).toBe(false);

    const restarted = startWorkerProcess(farm.url, ['--name', 'phoenix', '--state-dir', state]);
    await waitFor(() => processGone(orphan), { what: `the orphaned first run ${orphan} to be stopped`, exited: restarted.exited });
    await waitFor(async () => (await jobOf(farm.url, id)).state === 'FINISHED', { what: 'the rerun to finish', timeoutMs: 30_000, exited: restarted.exited });
    expect(await logOf(farm.url, id)).toContain('second run');
    expect(existsSync(path.join(dir, 'release'))).toBe(false); // the first run never got to end by itself
  });

  it('a job cannot read the worker token from the environment of its worker or what the worker started', async () => {
    const farm = await server();
    const probe = [
      'w=$PPID',
      'for p in $w $(cat /proc/$w/task/*/children); do',
      '  if tr "\\0" "\\n" < /proc/$p/environ | grep -q "^COALITION_WORKER_TOKEN="; then echo "LE""AK in $p: $(tr "\\0" " " < /proc/$p/cmdline)"; fi',
      'done',
      'env | grep -q COALITION_WORKER_TOKEN && echo "INHER""ITED"',
      'echo "CHE""CKED $w"',
    ].join('\n');
    const id = await submitJob(farm.url, { title: 'snoop', command: probe });
    const worker = startWorkerProcess(farm.url, ['--name', 'guarded', '--state-dir', scratch('coalition-state-')]);
    await waitFor(async () => (await jobOf(farm.url, id)).state === 'FINISHED', { what: 'the probe to finish', exited: worker.exited });
    const log = await logOf(farm.url, id);
    expect(log).toContain(`CHECKED ${worker.child.pid}`);
    expect(log).not.toContain('LEAK');
    expect(log).not.toContain('INHERITED');
    // The worker itself still holds it: it keeps talking to the server.
    expect((await api<Array<{ name: string; state: string }>>(farm.url, 'GET', '/api/workers')).body.find((w) => w.name === 'guarded')?.state).not.toBe('TIMEOUT');
    expect(TEST_TOKENS.worker).toBeTruthy();
  });
});
