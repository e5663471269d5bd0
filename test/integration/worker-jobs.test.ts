import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { killAll, removeDir, startServerProcess, startWorkerProcess as startWorkerOf, tempDir, waitFor, type Proc, type ServerProc } from '../helpers/processes.ts';
import { jobOf, logOf, processGone, submitJob, untilReleased } from './worker-farm.ts';

/** One server for the file; each test starts its own workers and jobs. */
describe.runIf(process.platform !== 'win32')('worker runs jobs from a real server', () => {
  let server: ServerProc;
  const dirs: string[] = [];
  const scratch = () => {
    const dir = tempDir('coalition-worker-job-');
    dirs.push(dir);
    return dir;
  };

  const workers: Proc[] = [];
  const startWorkerProcess = (...args: Parameters<typeof startWorkerOf>) => {
    const worker = startWorkerOf(...args);
    workers.push(worker);
    return worker;
  };

  beforeAll(async () => {
    server = await startServerProcess();
  });
  afterEach(async () => {
    await Promise.all(workers.splice(0).map((worker) => worker.kill('SIGKILL')));
  });
  afterAll(async () => {
    await killAll();
    removeDir(server.dataDir);
    for (const dir of dirs) removeDir(dir);
  });

  it('runs a job in its directory with its environment and the server keeps its log', async () => {
    const dir = scratch();
    const id = await submitJob(server.url, {
      title: 'hello',
      command: 'echo "hello $SCENE from $(pwd)"; echo "to stderr" >&2',
      dir,
      environment: 'SCENE=shot 010\\nOTHER=1',
    });
    const worker = startWorkerProcess(server.url, ['--name', 'jobs-a']);
    await waitFor(async () => (await jobOf(server.url, id)).state === 'FINISHED', { what: `job ${id} FINISHED`, exited: worker.exited });
    const job = await jobOf(server.url, id);
    expect(job).toMatchObject({ state: 'FINISHED', worker: 'jobs-a', run_done: 1 });
    const log = await logOf(server.url, id);
    expect(log).toContain(`hello shot 010 from ${dir}`);
    expect(log).toContain('to stderr');
    expect(log).toContain('exit code 0');
  });

  it('reports a failing command as ERROR once its retries are used', async () => {
    const id = await submitJob(server.url, { title: 'fails', command: 'echo failing; exit 3', retry: 1 });
    const worker = startWorkerProcess(server.url, ['--name', 'jobs-b']);
    await waitFor(async () => (await jobOf(server.url, id)).state === 'ERROR', { what: `job ${id} ERROR`, exited: worker.exited });
    expect((await jobOf(server.url, id)).run_done).toBe(2);
    expect(await logOf(server.url, id)).toContain('exit code 3');
  });

  it('runs two jobs at once with --workers 2, one per slot', async () => {
    const dir = scratch();
    // Each job marks that it started, then waits for the test: both marks prove they overlap.
    const ids = [
      await submitJob(server.url, { title: 'one', command: `touch started-1; ${untilReleased}`, dir }),
      await submitJob(server.url, { title: 'two', command: `touch started-2; ${untilReleased}`, dir }),
    ];
    const worker = startWorkerProcess(server.url, ['--name', 'pair', '--workers', '2']);
    await waitFor(() => existsSync(path.join(dir, 'started-1')) && existsSync(path.join(dir, 'started-2')), { what: 'both jobs running', exited: worker.exited });
    const running = await Promise.all(ids.map((id) => jobOf(server.url, id)));
    expect(running.map((job) => job.state)).toEqual(['WORKING', 'WORKING']);
    expect(running.map((job) => job.worker).sort()).toEqual(['pair-1', 'pair-2']);
    writeFileSync(path.join(dir, 'release'), '');
    for (const id of ids) await waitFor(async () => (await jobOf(server.url, id)).state === 'FINISHED', { what: `job ${id} FINISHED`, exited: worker.exited });
  });

  it('kills the whole tree of a job past its timeout; the job ends ERROR after its retries', async () => {
    const dir = scratch();
    // A grandchild that ignores SIGTERM, its pid kept for each run.
    const command = `sh -c 'trap "" TERM; sleep 120 & echo $! >> grandchildren; wait'`;
    const id = await submitJob(server.url, { title: 'too long', command, dir, timeout: 1, retry: 1 });
    const worker = startWorkerProcess(server.url, ['--name', 'jobs-timeout']);
    await waitFor(async () => (await jobOf(server.url, id)).state === 'ERROR', { what: `job ${id} ERROR`, timeoutMs: 40_000, exited: worker.exited });
    expect((await jobOf(server.url, id)).run_done).toBe(2);
    const pids = readFileSync(path.join(dir, 'grandchildren'), 'utf8').trim().split('\n').map(Number);
    expect(pids).toHaveLength(2);
    await waitFor(() => pids.every(processGone), { what: `grandchildren ${pids.join(', ')} gone` });
    expect(await logOf(server.url, id)).toContain('timed out after 1 s');
  });

  it('exits non-zero, naming the token variable, when the server refuses its token', async () => {
    const worker = startWorkerProcess(server.url, ['--name', 'jobs-badtoken'], { COALITION_WORKER_TOKEN: 'not-the-token-0123456789' });
    expect(await worker.exited).toBe(1);
    expect(worker.output()).toContain('COALITION_WORKER_TOKEN');
    expect(worker.output()).not.toContain('not-the-token-0123456789');
  });
});
