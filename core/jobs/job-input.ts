import { z } from 'zod';
import { validationError } from '../errors.ts';
import { SPEC_DEFAULTS, type JobSpec } from './job.ts';

/** What a client sends for one job; `children` makes a whole tree in one request. */
export interface JobInput {
  spec: JobSpec;
  /** An id, a title or an `a|b` path; only on the top of a submission. */
  parent?: number | string;
  /** Start PAUSED instead of WAITING. */
  paused: boolean;
  children: JobInput[];
  /** Dependencies on jobs of the same submission, by their position in a depth-first walk. */
  dependsOnRefs: string[];
  /** A name other jobs of the same submission can depend on (`"ref": "sim"`). */
  ref?: string;
}

const READ_ONLY_FIELDS = new Set([
  'id', 'worker', 'start_time', 'duration', 'ping_time', 'run_done', 'progress', 'local_progress', 'finished', 'errors', 'working',
  'total', 'total_finished', 'total_errors', 'total_working', 'cost',
]);

const ALIASES: Record<string, string> = {
  cmd: 'command',
  env: 'environment',
  globalprogress: 'progress_pattern',
  localprogress: 'local_progress_pattern',
};

const intField = (min: number) =>
  z.preprocess((v) => (typeof v === 'string' && v.trim() !== '' && /^-?\d+$/.test(v.trim()) ? Number(v) : v), z.number({ error: 'must be an integer' }).int(`must be an integer`).min(min, `must be ≥ ${min}`));

const textField = () => z.preprocess((v) => (typeof v === 'number' ? String(v) : v), z.string({ error: 'must be a string' }).max(1_000_000, 'is too long (1,000,000 characters at most)'));

const dependenciesField = z.preprocess(
  (v) => {
    if (typeof v === 'number') return [v];
    if (typeof v === 'string') return v.split(/[\s,]+/).filter(Boolean);
    return v;
  },
  z.array(z.union([z.number().int().positive(), z.string().min(1)]), { error: 'must be a list of job ids, e.g. [12, 13] or "12,13"' }),
);

/** The fields a job can be given, and edited with. */
const specFields = {
  title: textField(),
  command: textField(),
  dir: textField(),
  environment: textField(),
  priority: intField(-1_000_000_000),
  timeout: intField(0),
  retry: intField(0),
  affinity: textField(),
  url: textField(),
  user: textField(),
  progress_pattern: textField(),
  local_progress_pattern: textField(),
  dependencies: dependenciesField,
};

const jobSchema = z
  .object({
    ...specFields,
    parent: z.union([z.number().int().min(0), z.string()], { error: 'must be a job id, a title or a path "a|b"' }),
    is_parent: z.preprocess((v) => (v === 'true' || v === '1' ? true : v === 'false' || v === '0' ? false : v), z.boolean({ error: 'must be true or false' })),
    state: z.enum(['WAITING', 'PAUSED'], { error: 'may only be WAITING or PAUSED on submission' }),
    ref: z.string().min(1),
    children: z.array(z.unknown(), { error: 'must be a list of jobs' }),
  })
  .partial()
  .strict();

type RawJob = z.infer<typeof jobSchema>;

/** Renames the old field names and drops the read-only fields some clients echo back. */
function normalize(raw: unknown, where: string, form: boolean): Record<string, unknown> {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw validationError(`${where}: a job must be a JSON object`);
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(raw)) {
    if (READ_ONLY_FIELDS.has(key)) continue;
    const name = ALIASES[key] ?? key;
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
  const where = options.where ?? 'job';
  const parsed = jobSchema.safeParse(normalize(raw, where, options.form ?? false));
  if (!parsed.success) throw validationError(issueText(parsed.error, where));
  const r: RawJob = parsed.data;
  if (r.parent !== undefined && options.top === false) throw validationError(`${where}: parent cannot be set inside children (the tree gives it)`);
  const children = (r.children ?? []).map((c, i) => parseJobInput(c, { ...options, where: `${where}.children[${i}]`, top: false }));
  const numericDeps = (r.dependencies ?? []).filter((d): d is number => typeof d === 'number' || /^\d+$/.test(String(d))).map(Number);
  const refDeps = (r.dependencies ?? []).filter((d) => typeof d === 'string' && !/^\d+$/.test(d)) as string[];
  const isGroup = children.length > 0 || r.is_parent === true || (options.form === true && !r.command);
  if (!isGroup && !r.command) throw validationError(`${where}: command is required (a job with no command must have children or "is_parent": true)`);
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
  return { spec, parent: r.parent, paused: r.state === 'PAUSED', children, dependsOnRefs: refDeps, ref: r.ref };
}

/** The editable fields of `POST /api/jobs` (`{ "123": { "title": … } }`). */
const editSchema = z.object(specFields)
  .partial()
  .strict();

export type JobEdit = Partial<Omit<JobSpec, 'is_parent'>>;

export function parseJobEdit(raw: unknown, where: string): JobEdit {
  const parsed = editSchema.safeParse(normalize(raw, where, false));
  if (!parsed.success) throw validationError(issueText(parsed.error, where));
  const { dependencies, ...rest } = parsed.data;
  const edit: JobEdit = { ...rest };
  if (dependencies !== undefined) {
    const bad = dependencies.find((d) => !/^\d+$/.test(String(d)));
    if (bad !== undefined) throw validationError(`${where}: dependencies must be job ids (got "${bad}")`);
    edit.dependencies = dependencies.map(Number);
  }
  return edit;
}
