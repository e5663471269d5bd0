/** A job: a shell command with its place in the hierarchy, its scheduling rules and its run state. */
export const JOB_STATES = ['WAITING', 'PENDING', 'WORKING', 'FINISHED', 'ERROR', 'PAUSED'] as const;
export type JobState = (typeof JOB_STATES)[number];

/** The fields a person or a script sets (the old Coalition attributes, REST names). */
export interface JobSpec {
  title: string;
  command: string;
  dir: string;
  /** `VAR=value` pairs separated by the two characters `\n` (old Coalition format). */
  environment: string;
  priority: number;
  /** Seconds; 0 = none. */
  timeout: number;
  /** How many times a failed run is run again. */
  retry: number;
  /** Comma-separated; a worker must have every one of them. */
  affinity: string;
  url: string;
  user: string;
  /** Pattern for the global progress, e.g. `#%percent` or `P:%one`. */
  progress_pattern: string;
  /** Pattern for the second (local) progress. */
  local_progress_pattern: string;
  dependencies: number[];
  /** A group: never runs a command, its state follows its children. */
  is_parent: boolean;
}

/** The run state the server keeps. Times are seconds since the epoch. */
export interface JobRun {
  id: number;
  parent: number;
  state: JobState;
  worker: string;
  start_time: number;
  duration: number;
  ping_time: number;
  run_done: number;
  progress: number;
  local_progress: number;
}

/** Counters of a group, following its children. */
export interface JobCounters {
  /** Direct children, and those of them finished, in error, working. */
  total: number;
  finished: number;
  errors: number;
  working: number;
  /** Leaf jobs of the whole subtree finished, in error, working. */
  total_finished: number;
  total_errors: number;
  total_working: number;
}

export type Job = JobSpec & JobRun & JobCounters;

export const SPEC_DEFAULTS: JobSpec = {
  title: 'New job',
  command: '',
  dir: '.',
  environment: '',
  priority: 1000,
  timeout: 0,
  retry: 10,
  affinity: '',
  url: '',
  user: '',
  progress_pattern: '',
  local_progress_pattern: '',
  dependencies: [],
  is_parent: false,
};

/** Fields kept on disk (counters and leaf tallies are derived from the children at load). */
export const PERSISTED_FIELDS = [
  'id', 'parent', 'title', 'command', 'dir', 'environment', 'priority', 'timeout', 'retry', 'affinity', 'url', 'user',
  'progress_pattern', 'local_progress_pattern', 'dependencies', 'is_parent',
  'state', 'worker', 'start_time', 'duration', 'ping_time', 'run_done', 'progress', 'local_progress',
] as const satisfies readonly (keyof Job)[];

export function newJob(id: number, parent: number, spec: JobSpec): Job {
  return {
    ...spec,
    id,
    parent,
    state: 'WAITING',
    worker: '',
    start_time: 0,
    duration: 0,
    ping_time: 0,
    run_done: 0,
    progress: 0,
    local_progress: 0,
    total: 0,
    finished: 0,
    errors: 0,
    working: 0,
    total_finished: 0,
    total_errors: 0,
    total_working: 0,
  };
}

/** Splits a comma- or newline-separated affinity list into trimmed, unique, non-empty names. */
export function parseAffinities(text: string): string[] {
  return [...new Set(text.split(/[,\n]/).map((a) => a.trim()).filter(Boolean))];
}

/** Parses the old `VAR=value\nVAR2=value` environment string (literal backslash-n separators). */
export function parseEnvironment(text: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const pair of text.split('\\n')) {
    const eq = pair.indexOf('=');
    if (eq > 0) env[pair.slice(0, eq).trim()] = pair.slice(eq + 1);
  }
  return env;
}
