import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { backoffDelay } from '../../core/agent/backoff.ts';
import { ProtocolClient, ProtocolError } from '../../core/agent/protocol-client.ts';
import { createLogger } from '../../core/logger.ts';

const logger = createLogger({ quiet: true });

describe('backoff', () => {
  it('doubles from 250 ms up to 5 s, the upper half of each step random', () => {
    const high = [0, 1, 2, 3, 4, 5, 6, 10].map((attempt) => backoffDelay(attempt, () => 1));
    expect(high).toEqual([250, 500, 1000, 2000, 4000, 5000, 5000, 5000]);
    const low = [0, 1, 2, 5].map((attempt) => backoffDelay(attempt, () => 0));
    expect(low).toEqual([125, 250, 500, 2500]);
  });
});

/** A local server answering each call with the next scripted status (then 200). */
async function scriptedServer(statuses: number[], answer: object) {
  const requests: Array<{ url: string; authorization?: string; body: unknown }> = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => {
      requests.push({ url: req.url ?? '', authorization: req.headers.authorization, body: JSON.parse(body) });
      const status = statuses.shift() ?? 200;
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(status === 200 ? answer : { error: { code: 'x', message: `scripted ${status}` } }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, requests, close: () => new Promise((r) => server.close(r)) };
}

describe('protocol client', () => {
  const closers: Array<() => Promise<unknown>> = [];
  afterEach(async () => {
    for (const close of closers.splice(0)) await close();
  });

  it('retries 5xx answers with the backoff schedule and sends the token', async () => {
    const server = await scriptedServer([503, 502, 500], { ok: true });
    closers.push(server.close);
    const slept: number[] = [];
    const client = new ProtocolClient({ serverUrl: `${server.url}/`, token: 'tok', logger, random: () => 1, sleep: async (ms) => void slept.push(ms) });
    await client.endJob({ name: 'w', job: 3, exit_code: 0, log: 'end' });
    expect(slept).toEqual([250, 500, 1000]);
    expect(server.requests).toHaveLength(4);
    expect(server.requests[3]).toEqual({ url: '/workers/endjob', authorization: 'Bearer tok', body: { name: 'w', job: 3, exit_code: 0, log: 'end' } });
  });

  it('keeps retrying while the server is unreachable, until aborted', async () => {
    const server = await scriptedServer([], {});
    await server.close(); // the port is now closed: connection refused
    const controller = new AbortController();
    const slept: number[] = [];
    const client = new ProtocolClient({
      serverUrl: server.url,
      logger,
      random: () => 0,
      sleep: async (ms) => {
        slept.push(ms);
        if (slept.length === 8) controller.abort();
      },
    });
    const error = await client.heartbeat({ name: 'w', job: 1, log: '', cpu: [], free_memory: 1, total_memory: 2 }, controller.signal).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProtocolError);
    expect((error as ProtocolError).code).toBe('aborted');
    expect(slept).toEqual([125, 250, 500, 1000, 2000, 2500, 2500, 2500]);
  });

  it('gives up at once on 401/403 with a message naming the token variable', async () => {
    const server = await scriptedServer([401], {});
    closers.push(server.close);
    const client = new ProtocolClient({ serverUrl: server.url, logger, sleep: async () => {} });
    const error = (await client.pickJob({ name: 'w', affinity: '', wait: 0, cpu: [], free_memory: 1, total_memory: 2 }).catch((e: unknown) => e)) as ProtocolError;
    expect(error.code).toBe('auth');
    expect(error.message).toContain('COALITION_WORKER_TOKEN');
    expect(server.requests).toHaveLength(1);
  });

  it('reports an unknown job (404) without retrying', async () => {
    const server = await scriptedServer([404], {});
    closers.push(server.close);
    const client = new ProtocolClient({ serverUrl: server.url, logger, sleep: async () => {} });
    const error = (await client.heartbeat({ name: 'w', job: 9, log: '', cpu: [], free_memory: 1, total_memory: 2 }).catch((e: unknown) => e)) as ProtocolError;
    expect(error.code).toBe('not_found');
    expect(server.requests).toHaveLength(1);
  });

  it('returns the job of a pickjob answer, and null when none came', async () => {
    const job = { id: 4, title: 't', command: 'c', dir: '', environment: '', user: '', timeout: 0 };
    const withJob = await scriptedServer([], { job });
    const without = await scriptedServer([], { job: null });
    closers.push(withJob.close, without.close);
    const request = { name: 'w', affinity: 'a,b', wait: 20000, cpu: [1, 2], free_memory: 1, total_memory: 2 };
    expect(await new ProtocolClient({ serverUrl: withJob.url, logger }).pickJob(request)).toEqual(job);
    expect(await new ProtocolClient({ serverUrl: without.url, logger }).pickJob(request)).toBeNull();
    expect(withJob.requests[0].body).toEqual(request);
  });
});
