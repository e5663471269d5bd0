/**
 * What a worker tells the server about its machine: per-core busy % (from the difference of
 * two `os.cpus()` readings) and memory in MB. One sampler per process, shared by the slots.
 */
import os from 'node:os';
import type { MachineLoad } from './protocol-client.ts';

type CpuTimes = os.CpuInfo['times'];

export class SystemLoad {
  private previous: CpuTimes[];
  private lastCpu: number[];
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly readCpus: () => os.CpuInfo[] = os.cpus) {
    this.previous = this.readCpus().map((cpu) => cpu.times);
    // Until the first interval ends, the load since boot is the best estimate there is.
    this.lastCpu = this.previous.map((times) => busyPercent(zeroTimes(), times));
  }

  /** Refreshes the per-core figures every `intervalMs` without keeping the process alive. */
  start(intervalMs = 1_000): void {
    this.stop();
    this.timer = setInterval(() => this.sample(), intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Takes a new reading; the figures cover the time since the previous one. */
  sample(): number[] {
    const current = this.readCpus().map((cpu) => cpu.times);
    this.lastCpu = current.map((times, index) => busyPercent(this.previous[index] ?? zeroTimes(), times));
    this.previous = current;
    return this.lastCpu;
  }

  current(): MachineLoad {
    return {
      cpu: [...this.lastCpu],
      free_memory: Math.round(os.freemem() / 1024 / 1024),
      total_memory: Math.round(os.totalmem() / 1024 / 1024),
    };
  }
}

function zeroTimes(): CpuTimes {
  return { user: 0, nice: 0, sys: 0, idle: 0, irq: 0 };
}

/** Busy share of the time between two readings of one core, 0..100, rounded. */
export function busyPercent(before: CpuTimes, after: CpuTimes): number {
  const total = (t: CpuTimes) => t.user + t.nice + t.sys + t.idle + t.irq;
  const elapsed = total(after) - total(before);
  if (elapsed <= 0) return 0;
  const idle = after.idle - before.idle;
  return Math.max(0, Math.min(100, Math.round((100 * (elapsed - idle)) / elapsed)));
}
