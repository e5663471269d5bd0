import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { killAll, removeDir, startServerProcess, startWorkerProcess, tempDir, waitFor, type ServerProc } from '../helpers/processes.ts';
import { jobOf, logOf, processGone, submitJob, untilReleased, workerOf } from './worker-farm.ts';

function killGroup(pgid: number): void {
  try {
    process.kill(-pgid, 'SIGKILL');
  } catch {
    // already gone
  }
}

/** Each test gets its own server, because some of them kill and restart it. */
describe.runIf(process.platform !== 'win32')('worker when something goes away', () => {
  const cleanups: Array<() => void> = [];
  const scratch = () => {
    const dir = tempDir('coalition-worker-failure-');
    // Released first, so a job left running by a killed worker ends too.
    cleanups.push(() => {
      writeFileSync(path.join(dir, 'release'), '');
      removeDir(dir);
    });
    return dir;
  };
  const server = async (options: Parameters<typeof startServerProcess>[0] = {}): Promise<ServerProc> => {
    const started = await startServerProcess(options);
    cleanups.push(() => removeDir(started.dataDir));
    return started;
  };
  afterEach(async () => {
    await killAll();
    for (const cleanup of cleanups.splice(0)) cleanup();
  });

  it('SIGTERM: the worker stops the job, hands it back (WAITING, no run counted) and exits 0', async () => {
    const farm = await server();
    const dir = scratch();
    const id = await submitJob(farm.url, { title: 'long', command: `sleep 120 & echo $! > child; echo started; wait`, dir, retry: 3 });
    const worker = startWorkerProcess(farm.url, ['--name', 'term']);
    await waitFor(async () => (await logOf(farm.url, id)).includes('started'), { what: 'the job to start', exited: worker.exited });
    const child = Number(readFileSync(path.join(dir, 'child'), 'utf8'));

    expect(await worker.kill('SIGTERM')).toBe(0);
    const job = await jobOf(farm.url, id);
    expect(job.state).toBe('WAITING');
    expect(job.run_done).toBe(0);
    await waitFor(() => processGone(child), { what: `the job's child ${child} to be gone` });
  });

  it('SIGKILL: the server times the worker out, requeues its job and another worker finishes it', async () => {
    const farm = await server({ env: { COALITION_TIMEOUT: '2' } });
    const dir = scratch();
    // The first run waits (and is orphaned when its worker dies); the second one finishes.
    const command = `if [ -f first-run ]; then echo second run; else echo $$ > first-run; echo first run; ${untilReleased}; fi`;
    const id = await submitJob(farm.url, { title: 'survives', command, dir, retry: 0 });
    const first = startWorkerProcess(farm.url, ['--name', 'doomed']);
    await waitFor(async () => (await logOf(farm.url, id)).includes('first run'), { what: 'the first run to start', exited: first.exited });

    await first.kill('SIGKILL');
    // Nothing is left to stop the orphaned first run (its shell leads its process group).
    const orphan = Number(readFileSync(path.join(dir, 'first-run'), 'utf8'));
    cleanups.unshift(() => killGroup(orphan));
    await waitFor(async () => (await workerOf(farm.url, 'doomed'))?.state === 'TIMEOUT', { what: 'worker "doomed" TIMEOUT' });
    expect((await jobOf(farm.url, id)).state).toBe('WAITING');

    const second = startWorkerProcess(farm.url, ['--name', 'rescuer']);
    await waitFor(async () => (await jobOf(farm.url, id)).state === 'FINISHED', { what: `job ${id} FINISHED`, exited: second.exited });
    expect((await jobOf(farm.url, id)).worker).toBe('rescuer');
    expect(await logOf(farm.url, id)).toContain('second run');
  });

  it('server SIGKILLed and restarted mid-job: the worker reconnects and the job ends FINISHED', async () => {
    // A generous worker timeout: the restart must not be mistaken for a silent worker.
    const env = { COALITION_TIMEOUT: '60' };
    const farm = await server({ env });
    const dir = scratch();
    const id = await submitJob(farm.url, { title: 'outlives the server', command: `echo before; ${untilReleased}; echo after`, dir });
    const worker = startWorkerProcess(farm.url, ['--name', 'steady']);
    await waitFor(async () => (await logOf(farm.url, id)).includes('before'), { what: 'the job to start', exited: worker.exited });

    await farm.kill('SIGKILL');
    const restarted = await startServerProcess({ port: farm.port, dataDir: farm.dataDir, env });
    writeFileSync(path.join(dir, 'release'), '');
    await waitFor(async () => (await jobOf(restarted.url, id)).state === 'FINISHED', { what: `job ${id} FINISHED`, timeoutMs: 30_000, exited: worker.exited });
    const log = await logOf(restarted.url, id);
    expect(log).toContain('before');
    expect(log).toContain('after');
    expect((await jobOf(restarted.url, id)).run_done).toBe(1);
  });
});
