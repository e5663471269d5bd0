/**
 * Runs one job: its command through the shell, in its directory, with its environment, in a
 * process group of its own; captures stdout and stderr into one log; enforces the timeout and
 * stops the whole tree on request.
 */
import { spawn } from 'node:child_process';
import { statSync } from 'node:fs';
import { constants as osConstants } from 'node:os';
import path from 'node:path';
import type { Logger } from '../logger.ts';
import { jobProcessEnvironment, substituteRunCommand } from './job-environment.ts';
import { LogBuffer } from './log-buffer.ts';
import { setLongTimeout } from './long-timeout.ts';
import { killProcessTree } from './process-tree.ts';
import type { AssignedJob } from './protocol-client.ts';

export interface RunJobOptions {
  logger: Logger;
  /** Named in the job's log. */
  workerName: string;
  /** A `runcommand` template (`__user__`, `__dir__`, `__cmd__`); run in `cwd` when set. */
  runCommand?: string;
  /** The worker's directory, for jobs without one. */
  cwd?: string;
  baseEnvironment?: NodeJS.ProcessEnv;
  /** Between SIGTERM and SIGKILL when stopping, ms. */
  graceMs?: number;
}

export interface JobOutcome {
  exitCode: number;
  timedOut: boolean;
  /** `stop()` was called (the server or the worker wanted it stopped). */
  stopped: boolean;
}

export interface RunningJob {
  /** Output not yet sent to the server. */
  readonly log: LogBuffer;
  /** Undefined when the job could not start. */
  readonly pid: number | undefined;
  /** Settles once the process ended, its tree is gone and its output is read. Never rejects. */
  readonly finished: Promise<JobOutcome>;
  /** Stops the job and everything it started; resolves with its outcome. */
  stop(): Promise<JobOutcome>;
}

/** Exit code when the job's directory does not exist or the shell cannot start ("not found"). */
export const cannotStartExitCode = 127;
/** Exit code of a timed-out job whose process reported success anyway (as GNU `timeout`). */
export const timedOutExitCode = 124;
/** How long to wait for output pipes after the job's tree is gone (a daemon may hold them). */
const pipeDrainMs = 2_000;

export function runJob(job: AssignedJob, options: RunJobOptions): RunningJob {
  const log = new LogBuffer();
  const note = (line: string) => log.append(`[coalition] ${line}\n`);
  const workerCwd = options.cwd ?? process.cwd();
  const logger = options.logger.child({ job: job.id });

  let command = job.command;
  let cwd = workerCwd;
  if (options.runCommand) {
    command = substituteRunCommand(options.runCommand, job);
  } else if (job.dir && job.dir !== '.') {
    cwd = path.resolve(workerCwd, job.dir);
    if (!isDirectory(cwd)) {
      note(`job ${job.id} on ${options.workerName}: directory ${job.dir} does not exist`);
      note(`exit code ${cannotStartExitCode}`);
      const outcome = { exitCode: cannotStartExitCode, timedOut: false, stopped: false };
      return { log, pid: undefined, finished: Promise.resolve(outcome), stop: () => Promise.resolve(outcome) };
    }
  }
  note(`job ${job.id} on ${options.workerName} in ${cwd}: ${command}`);

  const posix = process.platform !== 'win32';
  const child = spawn(command, {
    shell: true,
    cwd,
    env: jobProcessEnvironment(options.baseEnvironment ?? process.env, job.environment),
    detached: posix,
    windowsHide: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const pid = child.pid;
  child.stdout.setEncoding('utf8');
  child.stderr.setEncoding('utf8');
  child.stdout.on('data', (text: string) => log.append(text));
  child.stderr.on('data', (text: string) => log.append(text));

  let timedOut = false;
  let stopped = false;
  let ended = false;
  const killTree = () => (pid === undefined ? Promise.resolve() : killProcessTree(pid, { graceMs: options.graceMs }));

  const timer =
    job.timeout > 0
      ? setLongTimeout(() => {
          timedOut = true;
          note(`timed out after ${job.timeout} s: stopping the job and every process it started`);
          logger.info({ timeout: job.timeout }, 'job timed out, stopping its process tree');
          void killTree();
        }, job.timeout * 1000)
      : undefined;

  const finished = new Promise<JobOutcome>((resolve) => {
    let spawnError: Error | undefined;
    child.once('error', (error) => {
      spawnError = error;
    });
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolveExit) => {
      child.once('exit', (code, signal) => resolveExit({ code, signal }));
      // A spawn failure emits 'error' and 'close' but no 'exit'.
      child.once('close', (code, signal) => resolveExit({ code, signal }));
    });
    const closed = new Promise<void>((resolveClose) => child.once('close', () => resolveClose()));

    void exited.then(async ({ code, signal }) => {
      ended = true;
      timer?.clear();
      // Whatever the job left running in its group (background children) goes with it, so
      // the next job gets the machine to itself.
      if (pid !== undefined && posix) await killTree();
      await Promise.race([closed, new Promise((r) => setTimeout(r, pipeDrainMs).unref())]);
      child.stdout.destroy();
      child.stderr.destroy();
      let exitCode = code ?? (signal ? 128 + (osConstants.signals[signal] ?? 0) : 1);
      if (spawnError) {
        note(`could not start the command: ${spawnError.message}`);
        exitCode = cannotStartExitCode;
      }
      if (timedOut && exitCode === 0) exitCode = timedOutExitCode;
      note(signal && code === null ? `killed by ${signal}, exit code ${exitCode}` : `exit code ${exitCode}`);
      resolve({ exitCode, timedOut, stopped });
    });
  });

  return {
    log,
    pid,
    finished,
    stop: async () => {
      if (!ended) {
        stopped = true;
        note('stopping the job and every process it started');
        await killTree();
      }
      return finished;
    },
  };
}

function isDirectory(dir: string): boolean {
  try {
    return statSync(dir).isDirectory();
  } catch {
    return false;
  }
}
