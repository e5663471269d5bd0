import { afterAll, describe, expect, it } from 'vitest';
import { api, killAll, removeDir, startServerProcess, tempDir, TEST_TOKENS } from '../helpers/processes.ts';

const dataDir = tempDir();

afterAll(async () => {
  await killAll();
  removeDir(dataDir);
});

describe('a server killed with SIGKILL at any moment', () => {
  it('loses no accepted job and keeps finished jobs finished', async () => {
    const first = await startServerProcess({ dataDir });
    // Some jobs run to the end first (through the worker protocol).
    const finished: number[] = [];
    for (let i = 0; i < 20; i++) finished.push((await api<number>(first.url, 'PUT', '/api/jobs', { title: `done ${i}`, command: 'true' })).body);
    for (let i = 0; i < 20; i++) {
      const picked = (await api<{ job: { id: number } }>(first.url, 'POST', '/workers/pickjob', { name: 'w', wait: 0 }, TEST_TOKENS.worker)).body;
      expect((await api(first.url, 'POST', '/workers/endjob', { name: 'w', job: picked.job.id, exit_code: 0 }, TEST_TOKENS.worker)).status).toBe(200);
    }
    const running = (await api<{ job: { id: number } | null }>(first.url, 'POST', '/workers/pickjob', { name: 'w', wait: 0 }, TEST_TOKENS.worker)).body;
    expect(running.job).toBeNull();

    // Many clients submit as fast as they can; the server is killed in the middle.
    const accepted: number[] = [];
    let stop = false;
    const submitters = Array.from({ length: 8 }, async (_, c) => {
      for (let i = 0; !stop; i++) {
        try {
          const res = await fetch(`${first.url}/json/addjob?title=c${c}-${i}&cmd=true`, { headers: { Authorization: `Bearer ${TEST_TOKENS.admin}` } });
          if (res.status === 200) accepted.push(Number(await res.text()));
        } catch {
          return; // the server is gone
        }
      }
    });
    while (accepted.length < 200) await new Promise((r) => setTimeout(r, 5));
    await first.kill('SIGKILL');
    stop = true;
    await Promise.all(submitters);

    const second = await startServerProcess({ dataDir, port: first.port });
    for (const id of accepted) {
      const res = await api<{ state: string }>(second.url, 'GET', `/api/jobs/${id}`);
      expect(res.status, `job ${id} was accepted before the kill`).toBe(200);
      expect(res.body.state).toBe('WAITING');
    }
    for (const id of finished) expect((await api<{ state: string }>(second.url, 'GET', `/api/jobs/${id}`)).body.state).toBe('FINISHED');
    const events = (await api<unknown[]>(second.url, 'GET', '/api/events?worker=w')).body;
    expect(events).toHaveLength(20);
    await second.kill();
  });
});
