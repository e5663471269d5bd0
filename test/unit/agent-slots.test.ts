import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { WorkerAgent, type WorkerAgentOptions } from '../../core/agent/agent.ts';
import { realSleep } from '../../core/agent/backoff.ts';
import type { AssignedJob } from '../../core/agent/protocol-client.ts';
import { createLogger } from '../../core/logger.ts';

const logger = createLogger({ quiet: true });

interface Call {
  route: string;
  body: Record<string, unknown>;
}

/**
 * A stand-in for the server's worker protocol, over real HTTP: hands out queued jobs, records
 * every call and lets a test choose the status of a route's answers.
 */
async function protocolServer() {
  const jobs: AssignedJob[] = [];
  const calls: Call[] = [];
  const overrides: Record<string, Array<{ status: number; body?: object }>> = {};
  let keepRunning = true;
  const server = http.createServer((req, res) => {
    let text = '';
    req.on('data', (chunk) => (text += chunk));
    req.on('end', () => {
      const route = (req.url ?? '').replace('/workers/', '');
      const body = JSON.parse(text) as Record<string, unknown>;
      calls.push({ route, body });
      const override = overrides[route]?.shift();
      const reply = (status: number, answer: object) => {
        if (res.destroyed) return;
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(answer));
      };
      if (override) return reply(override.status, override.body ?? { error: { code: 'x', message: 'scripted' } });
      if (route === 'pickjob') {
        const job = jobs.shift();
        if (job) return reply(200, { job });
        const timer = setTimeout(() => reply(200, { job: null }), 100);
        res.on('close', () => clearTimeout(timer));
        return;
      }
      if (route === 'heartbeat') return reply(200, { keep_running: keepRunning });
      reply(200, { ok: true });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    jobs,
    calls,
    overrides,
    stopJobs: () => (keepRunning = false),
    routeCalls: (route: string) => calls.filter((call) => call.route === route).map((call) => call.body),
    /** Everything the workers sent of a job's log, heartbeats and endjob together. */
    logOf: (job: number) =>
      calls
        .filter((call) => (call.route === 'heartbeat' || call.route === 'endjob') && call.body.job === job)
        .map((call) => call.body.log)
        .join(''),
    close: () => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(resolve));
    },
  };
}

const job = (id: number, command: string, fields: Partial<AssignedJob> = {}): AssignedJob => ({ id, title: `job ${id}`, command, dir: '', environment: '', user: '', timeout: 0, ...fields });

describe.runIf(process.platform !== 'win32')('worker agent slots', () => {
  const cleanups: Array<() => unknown> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  async function start(overrides: Partial<WorkerAgentOptions> = {}) {
    const server = await protocolServer();
    cleanups.push(server.close);
    const agent = new WorkerAgent({
      serverUrl: server.url,
      token: 'worker-token',
      slotNames: ['w'],
      affinity: 'linux',
      heartbeatMs: 50,
      logger,
      pickWaitMs: 100,
      // Backoff waits shortened so retries happen within the test.
      sleep: (ms, signal) => realSleep(Math.min(ms, 20), signal),
      run: { graceMs: 300 },
      ...overrides,
    });
    const exit = agent.run();
    cleanups.push(async () => {
      await agent.shutdown();
      await exit;
    });
    return { server, agent, exit };
  }

  it('runs a job, streams its log in heartbeats and reports its end', async () => {
    const { server } = await start();
    server.jobs.push(job(1, 'echo first; sleep 0.3; echo second; exit 4'));
    await vi.waitFor(() => expect(server.routeCalls('endjob')).toHaveLength(1), { timeout: 10_000 });
    const [end] = server.routeCalls('endjob');
    expect(end).toMatchObject({ name: 'w', job: 1, exit_code: 4 });
    expect(end.requeue).toBeUndefined();
    expect(server.logOf(1)).toMatch(/first\n[^]*second\n[^]*exit code 4/);
    const [pick] = server.routeCalls('pickjob');
    expect(pick).toMatchObject({ name: 'w', affinity: 'linux', wait: 100 });
    expect(Array.isArray(pick.cpu)).toBe(true);
    expect(pick.total_memory).toBeGreaterThan(0);
    expect(server.routeCalls('heartbeat')[0]).toMatchObject({ name: 'w', job: 1 });
  });

  it('stops the job without an endjob when the server says keep_running: false', async () => {
    const { server } = await start();
    server.stopJobs();
    server.jobs.push(job(2, 'sleep 30'), job(3, 'echo next'));
    await vi.waitFor(() => expect(server.routeCalls('endjob').map((end) => end.job)).toEqual([3]), { timeout: 10_000 });
    expect(server.routeCalls('heartbeat').some((beat) => beat.job === 2)).toBe(true);
  });

  it('drops a job the server no longer knows (404 on heartbeat)', async () => {
    const { server } = await start();
    server.overrides.heartbeat = [{ status: 404 }];
    server.jobs.push(job(4, 'sleep 30'), job(5, 'true'));
    await vi.waitFor(() => expect(server.routeCalls('endjob').map((end) => end.job)).toEqual([5]), { timeout: 10_000 });
  });

  it('retries an endjob the server could not take until it is accepted', async () => {
    const { server } = await start();
    server.overrides.endjob = [{ status: 503 }, { status: 500 }, { status: 502 }];
    server.jobs.push(job(6, 'exit 0'));
    await vi.waitFor(() => expect(server.routeCalls('endjob')).toHaveLength(4), { timeout: 10_000 });
    expect(server.routeCalls('endjob').every((end) => end.job === 6 && end.exit_code === 0)).toBe(true);
  });

  it('hands a running job back with requeue when shut down, and ends', async () => {
    const { server, agent, exit } = await start();
    server.jobs.push(job(7, 'echo started; sleep 30'));
    await vi.waitFor(() => expect(server.logOf(7)).toContain('started'), { timeout: 10_000 });
    await agent.shutdown();
    expect(await exit).toBe(0);
    expect(server.routeCalls('endjob')).toEqual([expect.objectContaining({ job: 7, requeue: true })]);
  });

  it('tells the server about a spot interruption for every slot and hands jobs back', async () => {
    const { server, agent } = await start({ slotNames: ['w-1', 'w-2'] });
    server.jobs.push(job(8, 'echo started; sleep 30'));
    await vi.waitFor(() => expect(server.logOf(8)).toContain('started'), { timeout: 10_000 });
    await agent.interrupt({ action: 'terminate', at: 1_800_000_000_000 });
    await vi.waitFor(() => expect(server.routeCalls('endjob')).toEqual([expect.objectContaining({ job: 8, requeue: true })]), { timeout: 10_000 });
    expect(server.routeCalls('interruption').sort((a, b) => String(a.name).localeCompare(String(b.name)))).toEqual([
      { name: 'w-1', at: 1_800_000_000_000, instance: expect.any(String) },
      { name: 'w-2', at: 1_800_000_000_000, instance: expect.any(String) },
    ]);
    // Every slot stopped asking for work, and the process stays up until it is shut down.
    expect(await agent.slotsEnded).toEqual(['stopped', 'stopped']);
    const picks = server.routeCalls('pickjob').length;
    server.jobs.push(job(9, 'true'));
    await agent.shutdown();
    expect(server.routeCalls('pickjob')).toHaveLength(picks);
    expect(server.jobs).toHaveLength(1);
  });

  it('ends with exit code 1 when the server refuses the token for every slot', async () => {
    const server = await protocolServer();
    cleanups.push(server.close);
    server.overrides.pickjob = [{ status: 401 }, { status: 401 }];
    const agent = new WorkerAgent({ serverUrl: server.url, slotNames: ['a', 'b'], affinity: '', heartbeatMs: 50, logger, pickWaitMs: 100 });
    expect(await agent.run()).toBe(1);
  });

  it('sends one instance id on every call and stops every slot with exit code 3 when its name is taken', async () => {
    const server = await protocolServer();
    cleanups.push(server.close);
    server.overrides.pickjob = [{ status: 200, body: { job: null } }, { status: 409, body: { error: { code: 'conflict', message: 'worker name "a" is in use by another running worker' } } }];
    const agent = new WorkerAgent({ serverUrl: server.url, slotNames: ['a'], affinity: '', heartbeatMs: 50, logger, pickWaitMs: 100, shutdownDeadlineMs: 1_000 });
    expect(await agent.run()).toBe(3);
    const instances = new Set(server.routeCalls('pickjob').map((call) => call.instance));
    expect(instances.size).toBe(1);
    expect([...instances][0]).toMatch(/^[0-9a-f]{16}$/);
  });
});
