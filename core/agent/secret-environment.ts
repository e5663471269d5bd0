/**
 * Takes a secret (the worker token) out of this process's environment once it is read, so the
 * jobs this process starts cannot find it there: they never inherit it, and
 * `/proc/<worker pid>/environ` (which any process of the same user can read) no longer shows it.
 *
 * `/proc/<pid>/environ` shows the environment block the process was started with, which
 * deleting a variable does not change; so on Linux the block itself is overwritten, through
 * /proc/self/mem, and helper processes already started with a copy of it (the TypeScript
 * loader's esbuild service, which is no longer needed once the worker's code is loaded) are
 * stopped. What this cannot reach: the parent processes that were given the same variable (an
 * `npm run` or a shell that did not `exec`), and the worker's memory (readable by a process of
 * the same user where ptrace is allowed). A job run as another user (`runcommand`) reaches none
 * of it.
 */
import { closeSync, openSync, readdirSync, readFileSync, readSync, writeSync } from 'node:fs';

export interface TakenSecret {
  value: string | undefined;
  /** Whether the initial environment block no longer holds it (always true off Linux: no /proc). */
  scrubbed: boolean;
}

export function takeSecretFromEnvironment(name: string): TakenSecret {
  const value = process.env[name];
  if (!value) return { value: undefined, scrubbed: true };
  delete process.env[name]; // children started from now on do not get it
  const entry = Buffer.from(`${name}=${value}\0`);
  let scrubbed = true;
  try {
    scrubbed = scrubInitialEnvironment(entry);
  } catch {
    scrubbed = false; // no /proc (not Linux), or /proc/self/mem is not writable here
  }
  stopChildrenHolding(entry);
  return { value, scrubbed };
}

/** Overwrites `entry` with zeros in the block /proc/self/environ shows. */
function scrubInitialEnvironment(entry: Buffer): boolean {
  const stat = readFileSync('/proc/self/stat', 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' '); // fields from the 3rd on
  const start = Number(fields[50 - 3]); // env_start
  const end = Number(fields[51 - 3]); // env_end
  if (!(start > 0 && end > start)) return false;
  const mem = openSync('/proc/self/mem', 'r+');
  try {
    const block = Buffer.alloc(end - start);
    readSync(mem, block, 0, block.length, start);
    const zeros = Buffer.alloc(entry.length - 1);
    for (let at = block.indexOf(entry); at !== -1; at = block.indexOf(entry, at + 1)) {
      if (at > 0 && block[at - 1] !== 0) continue; // inside another variable's value
      writeSync(mem, zeros, 0, zeros.length, start + at);
    }
  } finally {
    closeSync(mem);
  }
  return !readFileSync('/proc/self/environ').includes(entry.subarray(0, -1));
}

/** SIGTERMs this process's children whose environment holds `entry`. */
function stopChildrenHolding(entry: Buffer): void {
  let pids: string[];
  try {
    pids = readdirSync('/proc').filter((p) => /^\d+$/.test(p));
  } catch {
    return;
  }
  for (const pid of pids) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid !== process.pid) continue;
      const environ = readFileSync(`/proc/${pid}/environ`);
      if (environ.indexOf(entry) === 0 || environ.includes(Buffer.concat([Buffer.from([0]), entry]))) process.kill(Number(pid), 'SIGTERM');
    } catch {
      // gone meanwhile, or not ours to read
    }
  }
}
