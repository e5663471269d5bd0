import { afterAll, describe, expect, it } from 'vitest';
import { api, killAll, removeDir, startServerProcess, waitFor, type ServerProc } from '../helpers/processes.ts';

interface CloudStatus {
  instances: Array<{ id?: string; state: string; workerName: string }>;
  totals: { launches: number };
}

let server: ServerProc | undefined;

afterAll(async () => {
  await server?.kill('SIGTERM');
  await killAll();
  if (server) removeDir(server.dataDir);
});

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('npm start with the local provider (servermode = local)', () => {
  it('starts workers up to its cap while jobs wait, finishes them, then stops the idle workers', async () => {
    server = await startServerProcess({ env: { COALITION_SERVERMODE: 'local' } });
    const ids: number[] = [];
    for (let i = 1; i <= 6; i++) ids.push((await api<number>(server.url, 'PUT', '/api/jobs', { title: `job ${i}`, command: `sleep 2; echo done ${i}` })).body);

    const cloud = () => api<CloudStatus>(server!.url, 'GET', '/api/cloud').then((r) => r.body);
    const seenPids = new Set<number>();
    let peak = 0;
    await waitFor(
      async () => {
        const c = await cloud();
        const running = c.instances.filter((i) => i.state !== 'terminated');
        running.forEach((i) => i.id && seenPids.add(Number(i.id.replace('local-', ''))));
        peak = Math.max(peak, running.length);
        const states = await Promise.all(ids.map(async (id) => (await api<{ state: string }>(server!.url, 'GET', `/api/jobs/${id}`)).body.state));
        return states.every((s) => s === 'FINISHED');
      },
      { timeoutMs: 90_000, intervalMs: 200, what: 'the six jobs to finish on local workers' },
    );
    expect(peak).toBe(2); // the cap, never more
    const log = (await api<string>(server.url, 'GET', `/api/jobs/${ids[5]}/log`)).body;
    expect(log).toContain('done 6');

    await waitFor(async () => (await cloud()).instances.every((i) => i.state === 'terminated'), { timeoutMs: 60_000, intervalMs: 250, what: 'the idle workers to be stopped' });
    await waitFor(() => [...seenPids].every((pid) => !alive(pid)), { timeoutMs: 20_000, what: 'the worker processes to exit' });
    const events = (await api<Array<{ reason?: string; kind?: string }>>(server.url, 'GET', '/api/cloud/events')).body;
    expect(JSON.stringify(events)).toMatch(/idle/i);
  });
});
