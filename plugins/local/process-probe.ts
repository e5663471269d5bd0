import { readFileSync } from 'node:fs';

/**
 * Is `pid` still the worker we started? A pid alone is not enough after a restart: the
 * system may have given it to another process. On Linux the command line must still name
 * the worker (so the worker must not rewrite `process.title`); elsewhere `kill(pid, 0)` is
 * all we have.
 */
export function isOurWorker(pid: number, workerName: string): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false; // ESRCH: gone; EPERM: someone else's process now
  }
  if (process.platform !== 'linux') return true;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    if (/\)\s+Z/.test(stat)) return false; // a zombie has exited
    const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    return argv.includes(workerName);
  } catch {
    return false;
  }
}

/** Sends `signal`; false when the process is already gone. */
export function signal(pid: number, sig: NodeJS.Signals, wholeGroup = false): boolean {
  try {
    // Workers are started detached (their own process group), so `-pid` reaches the jobs they run too.
    process.kill(wholeGroup && process.platform !== 'win32' ? -pid : pid, sig);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ESRCH') return false;
    throw err;
  }
}
