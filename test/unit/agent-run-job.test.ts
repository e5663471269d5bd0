import { mkdtempSync, realpathSync, rmSync } from 'node:fs';
import { processGone } from '../helpers/processes.ts';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { createLogger } from '../../core/logger.ts';
import type { AssignedJob } from '../../core/agent/protocol-client.ts';
import { runJob, type RunJobOptions } from '../../core/agent/run-job.ts';

const logger = createLogger({ quiet: true });
const options: RunJobOptions = { logger, workerName: 'test-worker', graceMs: 300 };
const job = (fields: Partial<AssignedJob>): AssignedJob => ({ id: 1, title: 't', command: 'true', dir: '', environment: '', user: '', timeout: 0, ...fields });
const allOutput = (running: { log: { peek(n: number): string } }) => running.log.peek(Number.MAX_SAFE_INTEGER);


const posix = process.platform !== 'win32';
const scratch = realpathSync(mkdtempSync(path.join(tmpdir(), 'coalition-run-job-')));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe.runIf(posix)('running a job', () => {
  it('reports the exit code and captures stdout and stderr into one log', async () => {
    const running = runJob(job({ command: 'echo to-out; echo to-err >&2; exit 7' }), options);
    const outcome = await running.finished;
    expect(outcome).toEqual({ exitCode: 7, timedOut: false, stopped: false });
    const log = allOutput(running);
    expect(log).toContain('to-out\n');
    expect(log).toContain('to-err\n');
    expect(log).toContain('[coalition] exit code 7');
  });

  it('runs in the job directory, or the worker directory for "" and "."', async () => {
    const inDir = runJob(job({ command: 'pwd', dir: scratch }), options);
    await inDir.finished;
    expect(allOutput(inDir)).toContain(`\n${scratch}\n`);

    for (const dir of ['', '.']) {
      const here = runJob(job({ command: 'pwd', dir }), { ...options, cwd: scratch });
      await here.finished;
      expect(allOutput(here)).toContain(`\n${scratch}\n`);
    }
  });

  it('ends with 127 and says so when the directory does not exist', async () => {
    const running = runJob(job({ command: 'echo never', dir: path.join(scratch, 'missing') }), options);
    expect((await running.finished).exitCode).toBe(127);
    expect(allOutput(running)).toMatch(/directory .*missing does not exist/);
    expect(allOutput(running)).not.toContain('never');
  });

  it("passes the worker's environment plus the job's, through the shell", async () => {
    const running = runJob(job({ command: 'echo "$SCENE|$SHOT|$BASE"', environment: 'SCENE=a b.ma\\nSHOT=010' }), {
      ...options,
      baseEnvironment: { PATH: process.env.PATH, BASE: 'from-worker', SHOT: 'overridden' },
    });
    await running.finished;
    expect(allOutput(running)).toContain('a b.ma|010|from-worker\n');
  });

  it('runs through the runcommand template instead, without changing directory', async () => {
    const running = runJob(job({ command: 'echo hi', dir: '/does/not/matter', user: 'alice' }), {
      ...options,
      cwd: scratch,
      runCommand: 'echo "user=__user__ dir=__dir__ pwd=$(pwd)"; __cmd__',
    });
    expect((await running.finished).exitCode).toBe(0);
    expect(allOutput(running)).toContain(`user=alice dir=/does/not/matter pwd=${scratch}\nhi\n`);
  });

  it('kills the whole tree on timeout, grandchildren ignoring SIGTERM included', async () => {
    // The inner shell starts a grandchild that ignores SIGTERM, prints its pid and waits.
    const command = `sh -c 'trap "" TERM; sleep 60 & echo grandchild=$!; wait'`;
    const running = runJob(job({ command, timeout: 1 }), options);
    const outcome = await running.finished;
    expect(outcome.timedOut).toBe(true);
    expect(outcome.exitCode).not.toBe(0);
    const pid = Number(/grandchild=(\d+)/.exec(allOutput(running))?.[1]);
    expect(pid).toBeGreaterThan(0);
    await vi.waitFor(() => expect(processGone(pid)).toBe(true), { timeout: 5_000, interval: 50 });
    expect(allOutput(running)).toContain('timed out after 1 s');
  });

  it('stops the tree on request', async () => {
    const running = runJob(job({ command: `sh -c 'sleep 60 & echo grandchild=$!; wait'` }), options);
    await vi.waitFor(() => expect(allOutput(running)).toMatch(/grandchild=\d+/), { timeout: 5_000, interval: 20 });
    const pid = Number(/grandchild=(\d+)/.exec(allOutput(running))?.[1]);
    const outcome = await running.stop();
    expect(outcome.stopped).toBe(true);
    expect(outcome.exitCode).not.toBe(0);
    await vi.waitFor(() => expect(processGone(pid)).toBe(true), { timeout: 5_000, interval: 50 });
  });

  it('does not leave background processes of a finished job behind', async () => {
    const running = runJob(job({ command: 'sleep 60 >/dev/null 2>&1 & echo leftover=$!' }), options);
    expect((await running.finished).exitCode).toBe(0);
    const pid = Number(/leftover=(\d+)/.exec(allOutput(running))?.[1]);
    await vi.waitFor(() => expect(processGone(pid)).toBe(true), { timeout: 5_000, interval: 50 });
  });
});
