import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { api, killAll, removeDir, startServerProcess, startWorkerProcess, tempDir, waitFor, type ServerProc } from '../helpers/processes.ts';

/** EC2's instance metadata service as a spot instance sees it (the one part of AWS a test must stand in for). */
function fakeImds(): Promise<{ url: string; reclaim(): void; server: Server }> {
  let notice = false;
  const server = createServer((req, res) => {
    if (req.method === 'PUT' && req.url === '/latest/api/token') return res.end('imds-token');
    if (req.url === '/latest/meta-data/spot/instance-action' && req.headers['x-aws-ec2-metadata-token'] === 'imds-token') {
      if (!notice) return res.writeHead(404).end();
      return res.end(JSON.stringify({ action: 'terminate', time: new Date(Date.now() + 120_000).toISOString() }));
    }
    res.writeHead(401).end();
  });
  return new Promise((ok) =>
    server.listen(0, '127.0.0.1', () => ok({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, reclaim: () => (notice = true), server })),
  );
}

let server: ServerProc | undefined;
let imds: Awaited<ReturnType<typeof fakeImds>> | undefined;
const dir = tempDir('coalition-spot-');

afterAll(async () => {
  await killAll();
  imds?.server.close();
  if (server) removeDir(server.dataDir);
  removeDir(dir);
});

describe.runIf(process.platform !== 'win32')('a spot interruption notice', () => {
  it('stops the worker taking jobs and gives its running job back without using a retry', async () => {
    server = await startServerProcess();
    imds = await fakeImds();
    startWorkerProcess(server.url, ['--name', 'spot', '--cloud', 'aws'], { AWS_EC2_METADATA_SERVICE_ENDPOINT: imds.url });
    const id = (await api<number>(server.url, 'PUT', '/api/jobs', { title: 'long frame', dir, command: 'sleep 60', retry: 0 })).body;
    await waitFor(async () => (await api<{ state: string }>(server!.url, 'GET', `/api/jobs/${id}`)).body.state === 'WORKING', { what: 'the frame to start' });

    imds.reclaim();
    await waitFor(async () => (await api<Array<{ name: string; interrupted: boolean }>>(server!.url, 'GET', '/api/workers')).body.find((w) => w.name === 'spot')?.interrupted, {
      what: 'the worker to report the notice',
      timeoutMs: 20_000,
    });
    const back = await waitFor(async () => {
      const job = (await api<{ state: string; run_done: number }>(server!.url, 'GET', `/api/jobs/${id}`)).body;
      return job.state === 'WAITING' ? job : undefined;
    }, { what: 'the frame to go back to the queue' });
    expect(back.run_done).toBe(0);

    // The reclaimed worker takes nothing more; a fresh one finishes the frame, retry 0 notwithstanding.
    await api(server.url, 'POST', '/api/jobs', { [id]: { command: 'echo finished elsewhere' } });
    startWorkerProcess(server.url, ['--name', 'on-demand']);
    const done = await waitFor(async () => {
      const job = (await api<{ state: string; worker: string }>(server!.url, 'GET', `/api/jobs/${id}`)).body;
      return job.state === 'FINISHED' ? job : undefined;
    }, { what: 'another worker to finish the frame' });
    expect(done.worker).toBe('on-demand');
  });
});
