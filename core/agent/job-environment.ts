/**
 * How a job's fields become a process to start: the old Coalition environment format, the
 * `runcommand` template and the slot names. Pure functions, so they are tested without processes.
 */

/**
 * Parses the old Coalition job environment: `VAR=value` pairs separated by the two characters
 * backslash-n (not a newline). Entries without `=` are ignored, as the old worker did; a value
 * may itself contain `=`.
 */
export function parseJobEnvironment(environment: string): Record<string, string> {
  const result: Record<string, string> = {};
  for (const entry of environment.split('\\n')) {
    const equals = entry.indexOf('=');
    if (equals <= 0) continue;
    const key = entry.slice(0, equals).trim();
    if (key) result[key] = entry.slice(equals + 1);
  }
  return result;
}

/** Variables of the worker's environment a job never sees: a job must not act as its worker. */
export const secretEnvironmentVariables = ['COALITION_WORKER_TOKEN', 'COALITION_ADMIN_TOKEN'];

/** The job's process environment: the worker's own (minus its secrets), overridden by the job's. */
export function jobProcessEnvironment(base: NodeJS.ProcessEnv, environment: string): NodeJS.ProcessEnv {
  const inherited: NodeJS.ProcessEnv = { ...base };
  for (const name of secretEnvironmentVariables) delete inherited[name];
  return { ...inherited, ...parseJobEnvironment(environment) };
}

/**
 * Fills a `runcommand` template (e.g. `sudo -u __user__ sh -c "cd __dir__ && __cmd__"`).
 * One pass, so a value that happens to contain `__dir__` is not substituted again.
 */
export function substituteRunCommand(template: string, job: { user: string; dir: string; command: string }): string {
  const values: Record<string, string> = { user: job.user, dir: job.dir, cmd: job.command };
  return template.replace(/__(user|dir|cmd)__/g, (_match, key: string) => values[key]);
}

/** Slot names: `NAME` for one slot, else `NAME-1` … `NAME-N` (as the old worker named them). */
export function slotNames(name: string, workers: number): string[] {
  if (workers === 1) return [name];
  return Array.from({ length: workers }, (_, index) => `${name}-${index + 1}`);
}
