import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, killAll, removeDir, startServerProcess, startWorkerProcess, tempDir, waitFor, type ServerProc } from '../helpers/processes.ts';
import { jobOf, processGone, submitJob, untilReleased } from './worker-farm.ts';

interface Job {
  id: number;
  state: string;
  progress: number;
  local_progress: number;
  run_done: number;
  total: number;
  finished: number;
}

/** A server and one real worker for the file; each test submits its own jobs. */
describe.runIf(process.platform !== 'win32')('what users do with running jobs', () => {
  let server: ServerProc;
  const dir = tempDir('coalition-control-');

  beforeAll(async () => {
    server = await startServerProcess();
    startWorkerProcess(server.url, ['--name', 'ctl']);
  });
  afterAll(async () => {
    await killAll();
    removeDir(server.dataDir);
    removeDir(dir);
  });

  const job = async (id: number) => (await api<Job>(server.url, 'GET', `/api/jobs/${id}`)).body;

  it('shows the progress a job prints, through its global and local patterns', async () => {
    const id = await submitJob(server.url, {
      title: 'progress',
      dir,
      command: `echo "frame P:0.25 tile 40%"; echo "frame P:0.5 tile 80%"; ${untilReleased}; echo "P:1"`,
      progress_pattern: 'P:%one',
      local_progress_pattern: 'tile %percent%',
    });
    const seen = await waitFor(async () => {
      const j = await job(id);
      return j.progress === 0.5 && j.local_progress === 0.8 ? j : undefined;
    }, { what: 'progress 50 % / local 80 %' });
    expect(seen.state).toBe('WORKING');
    writeFileSync(path.join(dir, 'release'), '');
    await waitFor(async () => (await job(id)).state === 'FINISHED', { what: 'the job to finish' });
    expect((await job(id)).progress).toBe(1);
  });

  it('keeps each line of a log once, even when a job ends while a heartbeat is on its way', async () => {
    const ids: number[] = [];
    for (let i = 0; i < 12; i++) ids.push(await submitJob(server.url, { title: `quick ${i}`, dir, command: `echo start-${i}; sleep 0.${15 + (i % 4) * 5}; echo end-${i}` }));
    await waitFor(async () => (await Promise.all(ids.map((id) => job(id)))).every((j) => j.state === 'FINISHED'), { what: 'the quick jobs', timeoutMs: 30_000 });
    for (const [i, id] of ids.entries()) {
      const log = (await api<string>(server.url, 'GET', `/api/jobs/${id}/log`)).body;
      expect(log.split('\n').filter((line) => line === `start-${i}`), log).toHaveLength(1);
    }
  });

  it('pausing a running job stops its process; starting it runs it again', async () => {
    const pidFile = path.join(dir, 'paused.pid');
    const id = await submitJob(server.url, { title: 'long', dir, command: `echo $$ > paused.pid; exec sleep 60` });
    await waitFor(() => existsSync(pidFile) && readFileSync(pidFile, 'utf8').trim(), { what: 'the job to start' });
    const pid = Number(readFileSync(pidFile, 'utf8'));
    await api(server.url, 'POST', '/api/pausejobs', [id]);
    expect((await jobOf(server.url, id)).state).toBe('PAUSED');
    await waitFor(() => processGone(pid), { what: 'the paused job to be killed' });
    await api(server.url, 'POST', '/api/startjobs', [id]);
    await waitFor(async () => (await jobOf(server.url, id)).state === 'WORKING', { what: 'the job to run again' });
    await api(server.url, 'DELETE', '/api/jobs', [id]);
  });

  it('runs a shot as the docs describe: sim, then the frames, then comp, each after its dependencies', async () => {
    const order = path.join(dir, 'order');
    const shot = (await api<number>(server.url, 'PUT', '/api/jobs', {
      title: 'shot 010',
      dir,
      children: [
        { title: 'sim', ref: 'sim', dir, command: 'sleep 0.3; echo sim >> order' },
        { title: 'render', ref: 'render', dependencies: ['sim'], children: [1, 2, 3].map((f) => ({ title: `frame ${f}`, dir, command: `echo frame${f} >> order` })) },
        { title: 'comp', dir, dependencies: ['render'], command: 'echo comp >> order' },
      ],
    })).body;
    await waitFor(async () => (await job(shot)).state === 'FINISHED', { what: 'the shot to finish', timeoutMs: 30_000 });
    const lines = readFileSync(order, 'utf8').trim().split('\n');
    expect(lines[0]).toBe('sim');
    expect(lines.slice(1, 4).sort()).toEqual(['frame1', 'frame2', 'frame3']);
    expect(lines[4]).toBe('comp');
    const top = await job(shot);
    // total counts the leaves of the subtree (sim, 3 frames, comp); finished the direct children.
    expect(top).toMatchObject({ total: 5, total_finished: 5, finished: 3, progress: 1 });
    const events = (await api<Array<{ job_title: string; state: string }>>(server.url, 'GET', '/api/events?worker=ctl&howlong=600')).body;
    expect(events.filter((e) => e.state === 'FINISHED').map((e) => e.job_title)).toEqual(expect.arrayContaining(['sim', 'frame 1', 'frame 2', 'frame 3', 'comp']));
  });
});
