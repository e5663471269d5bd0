import { CoalitionError } from '../errors.ts';

/** A second process calling in under a name another live process holds. */
export class NameClashError extends CoalitionError {
  constructor(
    message: string,
    /** When the holder may count as gone (it has been silent), seconds; undefined: it is surely alive. */
    readonly retryAfterSeconds?: number,
  ) {
    super('conflict', message);
  }
}

interface Holder {
  instance: string;
  ip: string;
  lastSeenMs: number;
  /** Pickjob long-polls it holds right now (then it is certainly alive). */
  polls: number;
  /** Its long-poll connection closed before it was answered: probably gone. */
  left: boolean;
}

/**
 * Which worker process holds each worker name. Every call of a worker carries a random id of
 * its process (`instance`); a call from another process under a name whose holder is alive is
 * a clash and refused, so two workers named alike never both run jobs. A process that takes a
 * name over after its holder went silent (or dropped its long-poll) is a restart after a crash.
 * Calls without an instance id (scripts) count as one anonymous process.
 */
export class WorkerInstances {
  private readonly holders = new Map<string, Holder>();

  constructor(private readonly silenceMs: number) {}

  /** Records a call from `instance` under `name`; throws {@link NameClashError} on a clash. */
  claim(name: string, instance: string | undefined, ip: string, nowMs: number): void {
    const id = instance ?? '';
    const holder = this.holders.get(name);
    if (holder && holder.instance !== id) {
      const silentMs = nowMs - holder.lastSeenMs;
      const alive = holder.polls > 0 || (!holder.left && silentMs <= this.silenceMs);
      if (alive) {
        const where = holder.ip ? ` at ${holder.ip}` : '';
        const seen = holder.polls > 0 ? 'waiting for a job now' : `last call ${Math.round(silentMs / 1000)} s ago`;
        throw new NameClashError(
          `worker name "${name}" is in use by another running worker${where} (${seen}): give this worker another name (--name)`,
          holder.polls > 0 ? undefined : Math.max(1, Math.ceil((this.silenceMs - silentMs) / 1000)),
        );
      }
    }
    if (holder && holder.instance === id) {
      holder.lastSeenMs = nowMs;
      holder.ip = ip;
      holder.left = false;
    } else {
      this.holders.set(name, { instance: id, ip, lastSeenMs: nowMs, polls: 0, left: false });
    }
  }

  /** `instance` started a long-poll under `name`. */
  pollStarted(name: string, instance: string | undefined): void {
    const holder = this.holders.get(name);
    if (holder && holder.instance === (instance ?? '')) holder.polls++;
  }

  /** The long-poll ended; `aborted`: its connection closed before it was answered. */
  pollEnded(name: string, instance: string | undefined, nowMs: number, aborted: boolean): void {
    const holder = this.holders.get(name);
    if (!holder || holder.instance !== (instance ?? '')) return;
    holder.polls = Math.max(0, holder.polls - 1);
    holder.lastSeenMs = nowMs;
    if (aborted && holder.polls === 0) holder.left = true;
  }

  forget(name: string): void {
    this.holders.delete(name);
  }
}
