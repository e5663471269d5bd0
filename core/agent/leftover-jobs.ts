/**
 * A worker killed with SIGKILL cannot stop its running job: the job's process group keeps
 * running beside the rerun the server hands to another worker. So each slot records its
 * running job in `<stateDir>/<slot>.job` (the job's process group, when its leader started,
 * and which worker process ran it), and a worker starting under the same slot names first
 * stops whatever an earlier, dead instance of itself left running.
 *
 * Limits: processes that left the job's group (`setsid`, daemons) are not found; a record is
 * only trusted when its worker process is gone and the group's leader is the very process that
 * was recorded (checked by its start time in /proc), so a reused pid is never signalled. It
 * needs /proc (Linux); elsewhere nothing is recorded.
 */
import { existsSync, lstatSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Logger } from '../logger.ts';
import { killProcessTree, processGroupExists } from './process-tree.ts';

interface Record {
  /** The job's process group (its leader's pid). */
  pgid: number;
  /** Start time of the group's leader (clock ticks since boot, Linux), 0 when unknown. */
  leaderStart: number;
  /** The worker process that ran it, and its start time. */
  workerPid: number;
  workerStart: number;
  job: number;
}

export class LeftoverJobs {
  private readonly enabled: boolean;

  constructor(
    private readonly dir: string,
    private readonly logger: Logger,
  ) {
    this.enabled = existsSync('/proc/self/stat') && usableDir(dir, logger);
  }

  private fileOf(slot: string): string {
    return path.join(this.dir, `${encodeURIComponent(slot)}.job`);
  }

  /** The slot started job `job` as the process group `pgid`. */
  record(slot: string, job: number, pgid: number): void {
    if (!this.enabled) return;
    const record: Record = { pgid, leaderStart: startTimeOf(pgid), workerPid: process.pid, workerStart: startTimeOf(process.pid), job };
    try {
      writeFileSync(this.fileOf(slot), JSON.stringify(record), { mode: 0o600 });
    } catch (error) {
      this.logger.warn({ err: error, slot }, 'cannot record the running job (it would not be stopped if this worker is killed)');
    }
  }

  /** The slot's job ended and its process group is gone. */
  clear(slot: string): void {
    if (this.enabled) rmSync(this.fileOf(slot), { force: true });
  }

  /**
   * Stops what earlier instances of these slots left running. Returns how many process groups
   * were stopped.
   */
  async reap(slots: string[]): Promise<number> {
    if (!this.enabled) return 0;
    let stopped = 0;
    for (const slot of slots) {
      const file = this.fileOf(slot);
      let record: Record;
      try {
        record = JSON.parse(readFileSync(file, 'utf8')) as Record;
      } catch {
        continue; // none, or unreadable: nothing we can trust
      }
      if (record.workerPid !== process.pid && alive(record.workerPid, record.workerStart)) {
        this.logger.warn({ slot, pid: record.workerPid }, 'another running worker process uses this slot name: its job is left alone');
        continue;
      }
      if (isOurs(record)) {
        this.logger.warn({ slot, job: record.job, pgid: record.pgid }, 'stopping what an earlier instance of this worker left running');
        await killProcessTree(record.pgid, { graceMs: 2_000 });
        stopped++;
      }
      rmSync(file, { force: true });
    }
    return stopped;
  }
}

/** The recorded group still exists and is the one recorded (not a reused pid). */
function isOurs(record: Record): boolean {
  if (!Number.isInteger(record.pgid) || record.pgid <= 1 || !processGroupExists(record.pgid)) return false;
  const leaderStart = startTimeOf(record.pgid);
  // The leader is gone but its group lives on: a pid is not reused while its group exists.
  return leaderStart === 0 || leaderStart === record.leaderStart;
}

function alive(pid: number, start: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ESRCH') return false;
  }
  return startTimeOf(pid) === start;
}

/** A process's start time (field 22 of /proc/<pid>/stat); 0 when it is gone or unknown. */
export function startTimeOf(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]) || 0;
  } catch {
    return 0;
  }
}

/** Our own directory, not writable by others (a planted record could make us signal our own processes). */
function usableDir(dir: string, logger: Logger): boolean {
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const st = lstatSync(dir);
    const ours = st.isDirectory() && (process.getuid === undefined || st.uid === process.getuid()) && (st.mode & 0o022) === 0;
    if (!ours) logger.warn({ dir }, 'the worker state dir is not a private directory of this user: jobs left by a killed worker will not be stopped');
    return ours;
  } catch (error) {
    logger.warn({ dir, err: error }, 'cannot use the worker state dir: jobs left by a killed worker will not be stopped');
    return false;
  }
}
