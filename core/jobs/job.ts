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
  /**
   * Held (the old `paused`): a leaf is PAUSED; a group holds the children added to it later
   * (they start PAUSED) until it is started. Old scripts read and send it.
   */
  paused: boolean;
  /** What its runs cost (their shares of their instances' prices); a group's is its subtree's. */
  cost: number;
}

/** Counters of a group, following its children. */
export interface JobCounters {
  /** Leaf jobs of the whole subtree (as the old server counted `total`). */
  total: number;
  /** Direct children finished, in error, working. */
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
  // The old server never reran a REST-submitted job: a broken frame must not burn 10 runs.
  retry: 0,
  affinity: '',
  url: '',
  user: '',
  progress_pattern: '',
  local_progress_pattern: '',
  dependencies: [],
  is_parent: false,
};

/**
 * Builds a job as one object literal with every field, so V8 keeps it compact (a million
 * jobs stay in memory; objects grown field by field fall back to slow, large dictionaries).
 */
export function makeJob(id: number, parent: number, s: JobSpec, run: Partial<JobRun> = {}): Job {
  return {
    id,
    parent,
    title: s.title,
    command: s.command,
    dir: s.dir,
    environment: s.environment,
    priority: s.priority,
    timeout: s.timeout,
    retry: s.retry,
    affinity: s.affinity,
    url: s.url,
    user: s.user,
    progress_pattern: s.progress_pattern,
    local_progress_pattern: s.local_progress_pattern,
    dependencies: s.dependencies ?? [],
    is_parent: s.is_parent ?? false,
    state: run.state ?? 'WAITING',
    worker: run.worker ?? '',
    start_time: run.start_time ?? 0,
    duration: run.duration ?? 0,
    ping_time: run.ping_time ?? 0,
    run_done: run.run_done ?? 0,
    progress: run.progress ?? 0,
    local_progress: run.local_progress ?? 0,
    paused: run.paused ?? false,
    cost: run.cost ?? 0,
    total: 0,
    finished: 0,
    errors: 0,
    working: 0,
    total_finished: 0,
    total_errors: 0,
    total_working: 0,
  };
}

/** A job as stored: fields at their zero value ('', 0, false, []) are left out. */
export type JobDoc = { _id: string } & Partial<JobSpec & Omit<JobRun, 'id'>>;

const STORED_FIELDS = [
  'parent', 'title', 'command', 'dir', 'environment', 'priority', 'timeout', 'retry', 'affinity', 'url', 'user', 'progress_pattern',
  'local_progress_pattern', 'dependencies', 'is_parent', 'state', 'worker', 'start_time', 'duration', 'ping_time', 'run_done', 'progress',
  'local_progress', 'paused', 'cost',
] as const satisfies readonly (keyof Job)[];

/**
 * The stored line of a job, without its zero-valued fields (a frame's line is half as long,
 * so a million jobs load faster). Counters and leaf tallies are derived from the children.
 */
export function jobLine(j: Job): string {
  let line = `{"_id":"${j.id}"`;
  for (const f of STORED_FIELDS) {
    const v = j[f];
    if (v === '' || v === 0 || v === false || (Array.isArray(v) && v.length === 0)) continue;
    line += `,"${f}":${JSON.stringify(v)}`;
  }
  return line + '}';
}

/** A job from its stored line; absent fields take their zero value. */
export function jobFromDoc(d: JobDoc): Job {
  return makeJob(Number(d._id), d.parent ?? 0, {
    title: d.title ?? '',
    command: d.command ?? '',
    dir: d.dir ?? '',
    environment: d.environment ?? '',
    priority: d.priority ?? 0,
    timeout: d.timeout ?? 0,
    retry: d.retry ?? 0,
    affinity: d.affinity ?? '',
    url: d.url ?? '',
    user: d.user ?? '',
    progress_pattern: d.progress_pattern ?? '',
    local_progress_pattern: d.local_progress_pattern ?? '',
    dependencies: d.dependencies ?? [],
    is_parent: d.is_parent ?? false,
  }, d);
}

export const newJob = (id: number, parent: number, spec: JobSpec): Job => makeJob(id, parent, spec);

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
