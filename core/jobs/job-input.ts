import { z } from 'zod';
import { validationError } from '../errors.ts';
import { JOB_STATES, SPEC_DEFAULTS, type JobSpec, type JobState } from './job.ts';
import { checkSubmissionSize, JOB_LIMITS, tooLong, type LimitedText } from './job-limits.ts';
import { MAX_JOB_TIMEOUT_SECONDS } from '../limits.ts';

/** What a client sends for one job; `children` makes a whole tree in one request. */
export interface JobInput {
  spec: JobSpec;
  /** An id, a title or an `a|b` path; only on the top of a submission. */
  parent?: number | string;
  /** Start PAUSED instead of WAITING (`"state": "PAUSED"` or the old `"paused": true`); a group holds its later children. */
  paused: boolean;
  children: JobInput[];
  /** Dependencies on jobs of the same submission, by their position in a depth-first walk. */
  dependsOnRefs: string[];
  /** A name other jobs of the same submission can depend on (`"ref": "sim"`). */
  ref?: string;
}

/** Fields the server computes; clients that send back a job they read (the old ones do) have them ignored. */
const READ_ONLY_FIELDS = new Set([
  'id', 'worker', 'start_time', 'duration', 'ping_time', 'run_done', 'progress', 'local_progress', 'finished', 'errors', 'working',
  'total', 'total_finished', 'total_errors', 'total_working', 'cost',
  // The old server's hierarchical encodings (SQL columns its job objects carried).
  'h_paused', 'h_depth', 'h_priority', 'h_affinity', 'affinity_bits',
]);
/** In an edit, `is_parent` is read-only too (a job does not turn into a group). */
const READ_ONLY_IN_EDITS = new Set([...READ_ONLY_FIELDS, 'is_parent']);

const ALIASES: Record<string, string> = {
  cmd: 'command',
  env: 'environment',
  globalprogress: 'progress_pattern',
  localprogress: 'local_progress_pattern',
};

const intField = (min: number) =>
  z.preprocess((v) => (typeof v === 'string' && v.trim() !== '' && /^-?\d+$/.test(v.trim()) ? Number(v) : v), z.number({ error: 'must be an integer' }).int(`must be an integer`).min(min, `must be ≥ ${min}`));

const textField = (field: LimitedText) => z.preprocess((v) => (typeof v === 'number' ? String(v) : v), z.string({ error: 'must be a string' }).max(JOB_LIMITS.text[field], tooLong(field)));

/** true/false, 1/0, and the strings forms send ("1", "true", Python's "True"). */
const flagField = (message: string) =>
  z.preprocess((v) => {
    if (typeof v === 'string') return ['1', 'true'].includes(v.toLowerCase()) ? true : ['0', 'false', ''].includes(v.toLowerCase()) ? false : v;
    return v === 1 ? true : v === 0 ? false : v;
  }, z.boolean({ error: message }));

const dependenciesField = z.preprocess(
  (v) => {
    if (typeof v === 'number') return [v];
    if (typeof v === 'string') return v.split(/[\s,]+/).filter(Boolean);
    return v;
  },
  z.array(z.union([z.number().int().positive(), z.string().min(1).max(JOB_LIMITS.text.ref)]), { error: 'must be a list of job ids, e.g. [12, 13] or "12,13"' })
    .max(JOB_LIMITS.dependencies, `has too many entries (${JOB_LIMITS.dependencies.toLocaleString('en-US')} at most)`),
);

/** The fields a job can be given, and edited with. */
const specFields = {
  title: textField('title'),
  command: textField('command'),
  dir: textField('dir'),
  environment: textField('environment'),
  priority: intField(-1_000_000_000),
  timeout: intField(0).refine((n) => n <= MAX_JOB_TIMEOUT_SECONDS, `must be at most ${MAX_JOB_TIMEOUT_SECONDS} seconds (365 days; 0 for none)`),
  retry: intField(0),
  affinity: textField('affinity'),
  url: textField('url'),
  user: textField('user'),
  progress_pattern: textField('progress_pattern'),
  local_progress_pattern: textField('local_progress_pattern'),
  dependencies: dependenciesField,
};

const parentField = z.union([z.number().int().min(0), z.string().max(JOB_LIMITS.text.parent, tooLong('parent'))], { error: 'must be a job id, a title or a path "a|b"' });
const stateField = (allowed: readonly string[], message: string) => z.enum(allowed as [string, ...string[]], { error: message });

const jobSchema = z
  .object({
    ...specFields,
    parent: parentField,
    is_parent: flagField('must be true or false'),
    // The old server took any state on submission and kept only PAUSED (a copied job object carries its state).
    state: stateField(JOB_STATES, `must be one of ${JOB_STATES.join(', ')} (PAUSED submits it paused; the others submit it waiting)`),
    paused: flagField('must be true or false (true submits it paused)'),
    ref: z.string().min(1).max(JOB_LIMITS.text.ref, tooLong('ref')),
    children: z.array(z.unknown(), { error: 'must be a list of jobs' }),
  })
  .partial()
  .strict();

type RawJob = z.infer<typeof jobSchema>;

/** The schema one submitted job is validated with (its `children` are validated the same way, one by one). */
export const jobInputSchema = jobSchema;

/** Renames the old field names and drops the read-only fields some clients echo back. */
function normalize(raw: unknown, where: string, form: boolean, readOnly: ReadonlySet<string> = READ_ONLY_FIELDS): Record<string, unknown> {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw validationError(`${where}: a job must be a JSON object`);
  const out: Record<string, unknown> = Object.create(null); // "__proto__" stays a field (refused by name)
  for (const [key, value] of Object.entries(raw)) {
    if (readOnly.has(key)) continue;
    const name = Object.hasOwn(ALIASES, key) ? ALIASES[key] : key;
    if (form && (value === 'None' || value === '') && name !== 'command' && name !== 'title') continue;
    out[name] = value;
  }
  return out;
}

function issueText(error: z.ZodError, where: string): string {
  const first = error.issues[0];
  if (first.code === 'unrecognized_keys') return `${where}: unknown field(s) ${first.keys.map((k) => `"${k}"`).join(', ')}`;
  const field = first.path.join('.');
  return `${where}: ${field ? `${field}: ` : ''}${first.message}`;
}

/**
 * Validates one job (and its `children`, recursively) from JSON or from a form/query
 * (`form: true` coerces strings the way the old `/json/addjob` did). Throws a validation
 * error naming the field and the job.
 */
export function parseJobInput(raw: unknown, options: { form?: boolean; where?: string; top?: boolean } = {}): JobInput {
  if (options.top === undefined) checkSubmissionSize(raw); // before walking `children` recursively
  const where = options.where ?? 'job';
  const parsed = jobSchema.safeParse(normalize(raw, where, options.form ?? false));
  if (!parsed.success) throw validationError(issueText(parsed.error, where));
  const r: RawJob = parsed.data;
  if (r.parent !== undefined && options.top === false) throw validationError(`${where}: parent cannot be set inside children (the tree gives it)`);
  const children = (r.children ?? []).map((c, i) => parseJobInput(c, { ...options, where: `${where}.children[${i}]`, top: false }));
  const numericDeps = (r.dependencies ?? []).filter((d): d is number => typeof d === 'number' || /^\d+$/.test(String(d))).map(Number);
  const refDeps = (r.dependencies ?? []).filter((d) => typeof d === 'string' && !/^\d+$/.test(d)) as string[];
  // A job with no command is a group: the old way to make a parent node (`newJob(title="parent")`).
  if (r.is_parent === false && !r.command) throw validationError(`${where}: command is required when "is_parent" is false`);
  const isGroup = children.length > 0 || r.is_parent === true || !r.command;
  const spec: JobSpec = {
    ...SPEC_DEFAULTS,
    title: r.title ?? (r.command ? r.command.slice(0, 80) : SPEC_DEFAULTS.title),
    command: isGroup ? (r.command ?? '') : r.command!,
    dir: r.dir ?? SPEC_DEFAULTS.dir,
    environment: r.environment ?? '',
    priority: r.priority ?? SPEC_DEFAULTS.priority,
    timeout: r.timeout ?? 0,
    retry: r.retry ?? SPEC_DEFAULTS.retry,
    affinity: r.affinity ?? '',
    url: r.url ?? '',
    user: r.user ?? '',
    progress_pattern: r.progress_pattern ?? '',
    local_progress_pattern: r.local_progress_pattern ?? '',
    dependencies: numericDeps,
    is_parent: isGroup,
  };
  return { spec, parent: r.parent, paused: r.state === 'PAUSED' || r.paused === true, children, dependsOnRefs: refDeps, ref: r.ref };
}

/** The states an edit may set (the old server's `state` edits); WORKING is set by a worker taking the job. */
export const EDITABLE_STATES = ['WAITING', 'PENDING', 'PAUSED', 'FINISHED', 'ERROR'] as const satisfies readonly JobState[];

/**
 * The editable fields of `POST /api/jobs` (`{ "123": { "title": … } }`), with the old meanings:
 * `state` WAITING (or PENDING) starts the job, PAUSED pauses it, FINISHED and ERROR set it;
 * `paused` true/false pauses/starts; `parent` moves the job under another group.
 */
const editSchema = z
  .object({
    ...specFields,
    state: stateField(EDITABLE_STATES, `must be one of ${EDITABLE_STATES.join(', ')} (WORKING is set by the worker that takes the job)`),
    paused: flagField('must be true or false'),
    parent: parentField,
  })
  .partial()
  .strict();

/** The schema each job's fields in a `POST /api/jobs` batch are validated with. */
export const jobEditSchema = editSchema;

export type JobEdit = Partial<Omit<JobSpec, 'is_parent'>> & {
  state?: (typeof EDITABLE_STATES)[number];
  paused?: boolean;
  parent?: number | string;
};

export function parseJobEdit(raw: unknown, where: string): JobEdit {
  const parsed = editSchema.safeParse(normalize(raw, where, false, READ_ONLY_IN_EDITS));
  if (!parsed.success) throw validationError(issueText(parsed.error, where));
  const { dependencies, ...rest } = parsed.data;
  const edit = { ...rest } as JobEdit;
  if (dependencies !== undefined) {
    const bad = dependencies.find((d) => !/^\d+$/.test(String(d)));
    if (bad !== undefined) throw validationError(`${where}: dependencies must be job ids (got "${bad}")`);
    edit.dependencies = dependencies.map(Number);
  }
  return edit;
}
