/**
 * Stopping a job means stopping everything it started: the job runs as the leader of its own
 * process group (POSIX) so the whole group can be signalled, grandchildren included. Processes
 * that leave the group on purpose (`setsid`, daemons) escape; only cgroups/job objects would
 * catch those.
 */
import { execFile } from 'node:child_process';
import { realSleep, type Sleep } from './backoff.ts';

export interface KillTreeOptions {
  /** Time between the polite signal and SIGKILL, ms. */
  graceMs?: number;
  sleep?: Sleep;
  platform?: NodeJS.Platform;
}

/** Whether any process of the group led by `pgid` still exists (zombies count until reaped). */
export function processGroupExists(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function signalGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    // ESRCH: already gone. EPERM: not ours to kill; nothing more we can do.
  }
}

/**
 * SIGTERM to the process group led by `pid`, then SIGKILL to whatever is left after the grace.
 * On Windows, `taskkill /T /F` (which has no polite form for console programs).
 */
export async function killProcessTree(pid: number, options: KillTreeOptions = {}): Promise<void> {
  const platform = options.platform ?? process.platform;
  if (platform === 'win32') {
    await new Promise<void>((resolve) => execFile('taskkill', ['/pid', String(pid), '/T', '/F'], () => resolve()));
    return;
  }
  const graceMs = options.graceMs ?? 2_000;
  const sleep = options.sleep ?? realSleep;
  signalGroup(pid, 'SIGTERM');
  const pollMs = 50;
  for (let waited = 0; waited < graceMs; waited += pollMs) {
    if (!processGroupExists(pid)) return;
    await sleep(pollMs);
  }
  signalGroup(pid, 'SIGKILL');
}
