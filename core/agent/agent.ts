/**
 * The worker agent: N slots sharing one machine, one server connection setting and one load
 * sampler; stops them together on shutdown or on a spot interruption notice.
 */
import { randomBytes } from 'node:crypto';
import type { Logger } from '../logger.ts';
import { WorkerSlot, type SlotEnd, type SlotOptions } from './agent-slot.ts';
import { LeftoverJobs } from './leftover-jobs.ts';
import { realSleep, type Sleep } from './backoff.ts';
import { ProtocolClient, ProtocolError } from './protocol-client.ts';
import type { SpotNotice } from './spot-watch.ts';
import { SystemLoad } from './system-load.ts';

export interface WorkerAgentOptions {
  serverUrl: string;
  token?: string;
  /** One per slot. */
  slotNames: string[];
  affinity: string;
  heartbeatMs: number;
  logger: Logger;
  run?: SlotOptions['run'];
  sleep?: Sleep;
  /** How long `shutdown()` waits for jobs to be stopped and reported before giving up, ms. */
  shutdownDeadlineMs?: number;
  pickWaitMs?: number;
  /** This process's worker instance id (default: a random one). */
  instance?: string;
  /** Where slots record their running job, so a restart after a SIGKILL stops what was left. */
  stateDir?: string;
}

export class WorkerAgent {
  readonly client: ProtocolClient;
  private readonly slots: WorkerSlot[];
  private readonly load = new SystemLoad();
  private readonly logger: Logger;
  private readonly leftovers?: LeftoverJobs;
  private shuttingDown: Promise<void> | undefined;
  private interrupted = false;
  private slotRuns: Array<Promise<SlotEnd>> = [];
  private resolveSlotsEnded: (ends: SlotEnd[]) => void = () => {};
  /** Settles once every slot has stopped asking for work (after `run()` started them). */
  readonly slotsEnded = new Promise<SlotEnd[]>((resolve) => (this.resolveSlotsEnded = resolve));
  private resolveShutdown: () => void = () => {};
  private readonly shutdownRequested = new Promise<void>((resolve) => (this.resolveShutdown = resolve));

  constructor(private readonly options: WorkerAgentOptions) {
    this.logger = options.logger;
    this.client = new ProtocolClient({
      serverUrl: options.serverUrl,
      token: options.token,
      logger: options.logger.child({ part: 'protocol' }),
      sleep: options.sleep,
      instance: options.instance ?? randomBytes(8).toString('hex'),
    });
    if (options.stateDir) this.leftovers = new LeftoverJobs(options.stateDir, options.logger.child({ part: 'leftovers' }));
    this.slots = options.slotNames.map(
      (name) =>
        new WorkerSlot({
          name,
          affinity: options.affinity,
          client: this.client,
          load: () => this.load.current(),
          logger: options.logger.child({ worker: name }),
          heartbeatMs: options.heartbeatMs,
          run: options.run,
          sleep: options.sleep,
          pickWaitMs: options.pickWaitMs,
          leftovers: this.leftovers,
        }),
    );
  }

  /**
   * Runs every slot until `shutdown()` (or, after a spot interruption, until the shutdown that
   * follows). Resolves with the process exit code: 1 when every slot was refused by the server,
   * 3 when a slot's name is held by another running worker (then every slot stops).
   */
  async run(): Promise<number> {
    this.load.start();
    try {
      await this.leftovers?.reap(this.slots.map((slot) => slot.name));
      this.slotRuns = this.slots.map(async (slot) => {
        const end = await slot.run();
        if (end === 'name-clash') void this.shutdown();
        return end;
      });
      const ends: SlotEnd[] = await Promise.all(this.slotRuns);
      this.resolveSlotsEnded(ends);
      if (ends.includes('name-clash')) {
        await this.shuttingDown;
        return 3;
      }
      if (ends.every((end) => end === 'auth-failed')) return 1;
      // A reclaimed machine stays quiet until it goes away, rather than exiting and being
      // restarted by its service manager into taking new jobs.
      if (this.interrupted) await this.shutdownRequested;
      await this.shuttingDown;
      return 0;
    } finally {
      this.load.stop();
    }
  }

  /** Stops taking jobs, stops running ones and hands them back to the queue, within the deadline. */
  shutdown(): Promise<void> {
    this.shuttingDown ??= (async () => {
      this.resolveShutdown();
      for (const slot of this.slots) slot.stop();
      const allEnded = new AbortController();
      void Promise.all(this.slotRuns).then(() => allEnded.abort());
      // Wall time on purpose: this bounds how long the process takes to exit.
      await realSleep(this.options.shutdownDeadlineMs ?? 5_000, allEnded.signal);
      for (const slot of this.slots) slot.abandon();
    })();
    return this.shuttingDown;
  }

  /** A spot notice: tell the server for every slot, then stop and hand back every job. */
  async interrupt(notice: SpotNotice): Promise<void> {
    this.interrupted = true;
    for (const slot of this.slots) slot.stop();
    await Promise.all(
      this.slots.map(async (slot) => {
        try {
          await this.client.interruption({ name: slot.name, ...(notice.at !== undefined ? { at: notice.at } : {}) }, AbortSignal.timeout(60_000));
        } catch (error) {
          const reason = error instanceof ProtocolError ? error.message : String(error);
          this.logger.error({ worker: slot.name, reason }, 'could not tell the server about the interruption');
        }
      }),
    );
  }
}
