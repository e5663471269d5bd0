/**
 * One worker slot: asks the server for a job (long-poll), runs it, heartbeats its log and load,
 * reports how it ended, and again. Each slot is its own worker on the server.
 */
import type { Logger } from '../logger.ts';
import { backoffDelay, defaultBackoff, realSleep, type Sleep } from './backoff.ts';
import { ProtocolError, tokenEnvironmentVariable, type AssignedJob, type MachineLoad, type ProtocolClient } from './protocol-client.ts';
import type { LeftoverJobs } from './leftover-jobs.ts';
import { runJob, type JobOutcome, type RunJobOptions, type RunningJob } from './run-job.ts';

export interface SlotOptions {
  name: string;
  /** Comma-separated, may be empty. */
  affinity: string;
  client: ProtocolClient;
  load: () => MachineLoad;
  logger: Logger;
  heartbeatMs: number;
  run?: Omit<RunJobOptions, 'logger' | 'workerName'>;
  sleep?: Sleep;
  /** How long the server may hold a pickjob open, ms. */
  pickWaitMs?: number;
  /** Largest log chunk in one message, characters. */
  chunkChars?: number;
  /** Where the running job is recorded, so a restart after a SIGKILL stops it. */
  leftovers?: LeftoverJobs;
}

/** How a slot ended: asked to stop, refused by the server (bad token), or its name is taken. */
export type SlotEnd = 'stopped' | 'auth-failed' | 'name-clash';

export class WorkerSlot {
  readonly name: string;
  private readonly logger: Logger;
  private readonly sleep: Sleep;
  private readonly chunkChars: number;
  /** Aborted when the slot must take no more jobs (shutdown, spot interruption). */
  private readonly stopping = new AbortController();
  /** Aborted when results still undelivered must be given up (the shutdown deadline). */
  private readonly abandoning = new AbortController();
  private running: RunningJob | undefined;

  constructor(private readonly options: SlotOptions) {
    this.name = options.name;
    this.logger = options.logger;
    this.sleep = options.sleep ?? realSleep;
    this.chunkChars = options.chunkChars ?? 256 * 1024;
  }

  /** Takes no new job; a running job is stopped and handed back to the queue (`requeue`). */
  stop(): void {
    if (this.stopping.signal.aborted) return;
    this.stopping.abort();
    if (this.running) {
      this.logger.info('stopping the running job to hand it back to the queue');
      void this.running.stop();
    }
  }

  /** Gives up delivering what is still undelivered, so the process can exit. */
  abandon(): void {
    this.stop();
    this.abandoning.abort();
  }

  async run(): Promise<SlotEnd> {
    let rejections = 0;
    let waitedForName = false;
    while (!this.stopping.signal.aborted) {
      try {
        const job = await this.options.client.pickJob(
          { name: this.name, affinity: this.options.affinity, wait: this.options.pickWaitMs ?? 20_000, ...this.options.load() },
          this.stopping.signal,
        );
        rejections = 0;
        waitedForName = false;
        if (job) await this.runOne(job);
      } catch (error) {
        if (error instanceof ProtocolError && error.code === 'aborted') break;
        if (error instanceof ProtocolError && error.code === 'auth') {
          this.logger.error({ status: error.status }, error.message);
          return 'auth-failed';
        }
        if (error instanceof ProtocolError && error.code === 'name_clash') {
          // The holder may be an earlier instance of this worker, killed before the server
          // noticed: wait once for the server to give up on it. Still held after: a real clash.
          if (error.retryAfterMs === undefined || waitedForName) {
            this.logger.error(error.message);
            return 'name-clash';
          }
          waitedForName = true;
          this.logger.warn(`${error.message}; waiting ${Math.ceil(error.retryAfterMs / 1000)} s in case it is an earlier instance of this worker that was stopped`);
          await this.sleep(error.retryAfterMs + 500, this.stopping.signal);
          continue;
        }
        // A refused request (or a bug of ours) must not end the slot: the server may be
        // upgraded, the condition may pass. Slow down and try again.
        this.logger.error({ err: error }, 'asking for a job failed');
        await this.sleep(backoffDelay(rejections++, Math.random, { ...defaultBackoff, initialMs: 1_000 }), this.stopping.signal);
      }
    }
    return 'stopped';
  }

  private async runOne(job: AssignedJob): Promise<void> {
    const logger = this.logger.child({ job: job.id });
    logger.info({ title: job.title, command: job.command, dir: job.dir, timeout: job.timeout }, 'running job');
    const running = runJob(job, { ...this.options.run, logger, workerName: this.name });
    this.running = running;
    if (running.pid !== undefined) this.options.leftovers?.record(this.name, job.id, running.pid);
    // stop() may have come while the pickjob answer was on its way.
    if (this.stopping.signal.aborted) void running.stop();

    const heartbeats = new AbortController();
    // Set by the heartbeat loop when the job must end without an endjob.
    const state: { verdict: 'report' | 'dropped' | 'auth-failed' } = { verdict: 'report' };
    const heartbeatLoop = (async () => {
      while (!heartbeats.signal.aborted) {
        await this.sleep(this.options.heartbeatMs, heartbeats.signal);
        if (heartbeats.signal.aborted) return;
        // Not cancelled when the job ends: a heartbeat already on its way may have been taken by
        // the server, and its chunk must then leave the buffer (or the endjob would send it again).
        const answer = await this.sendLog(job, running, this.abandoning.signal);
        if (answer === 'keep') continue;
        if (answer === 'aborted') return;
        state.verdict = answer;
        logger.info(answer === 'dropped' ? 'the server no longer wants this job: stopping it' : 'stopping the job: the server refused the token');
        void running.stop();
        return;
      }
    })();

    const outcome = await running.finished;
    this.options.leftovers?.clear(this.name); // the job's process group is gone with it
    heartbeats.abort();
    await heartbeatLoop;
    this.running = undefined;
    if (state.verdict === 'auth-failed') throw tokenRefused();
    if (state.verdict === 'dropped') return;
    await this.report(job, running, outcome, logger);
  }

  /** One heartbeat carrying the next log chunk; the chunk is dropped only once delivered. */
  private async sendLog(job: AssignedJob, running: RunningJob, signal: AbortSignal): Promise<'keep' | 'dropped' | 'auth-failed' | 'aborted'> {
    const chunk = running.log.peek(this.chunkChars);
    try {
      const keepRunning = await this.options.client.heartbeat({ name: this.name, job: job.id, log: chunk, ...this.options.load() }, signal);
      running.log.commit(chunk.length);
      return keepRunning ? 'keep' : 'dropped';
    } catch (error) {
      if (!(error instanceof ProtocolError)) throw error;
      if (error.code === 'aborted') return 'aborted';
      if (error.code === 'not_found' || error.code === 'name_clash' || error.status === 409) return 'dropped'; // 409: the job went to another worker, or this name is another process's now
      if (error.code === 'auth') return 'auth-failed';
      // Refused (4xx): keep the chunk for the next heartbeat or the endjob.
      this.logger.warn({ job: job.id, reason: error.message }, 'heartbeat refused');
      return 'keep';
    }
  }

  /** The job's end, delivered however long the server takes to come back (up to `abandon()`). */
  private async report(job: AssignedJob, running: RunningJob, outcome: JobOutcome, logger: Logger): Promise<void> {
    const signal = this.abandoning.signal;
    const requeue = outcome.stopped && this.stopping.signal.aborted;
    try {
      // A long tail of output goes in heartbeats first, so endjob stays a small message.
      while (running.log.length > this.chunkChars) {
        const answer = await this.sendLog(job, running, signal);
        if (answer === 'dropped') return;
        if (answer === 'aborted') throw new ProtocolError('aborted', 'abandoned');
        if (answer === 'auth-failed') throw tokenRefused();
      }
      await this.options.client.endJob(
        {
          name: this.name,
          job: job.id,
          exit_code: outcome.exitCode,
          log: running.log.peek(Number.MAX_SAFE_INTEGER),
          ...(outcome.timedOut ? { timed_out: true } : {}),
          ...(requeue ? { requeue: true } : {}),
        },
        signal,
      );
      logger.info({ exitCode: outcome.exitCode, timedOut: outcome.timedOut, requeue }, requeue ? 'job handed back to the queue' : 'job ended');
    } catch (error) {
      if (!(error instanceof ProtocolError)) throw error;
      if (error.code === 'auth') throw error;
      if (error.code === 'aborted') {
        logger.error('gave up reporting the end of the job: the server will requeue it when it times this worker out');
      } else {
        logger.warn({ reason: error.message }, 'the server did not take the end of the job; dropping it');
      }
    }
  }
}

function tokenRefused(): ProtocolError {
  return new ProtocolError('auth', `the server refused the worker token; set ${tokenEnvironmentVariable} to the worker token the server accepts`, 401);
}
