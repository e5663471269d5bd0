import { validationError } from '../errors.ts';
import { MAX_JOB_ID, WORKER_NAME_LIMIT_CHARS } from '../limits.ts';

const ID_RANGE = `job ids are whole numbers from 1 to ${MAX_JOB_ID}`;

/**
 * A short description of a value for an error message: never `String(v)` on client data (a
 * deeply nested array would overflow the stack; a huge string would be echoed back).
 */
function describe(v: unknown): string {
  if (Array.isArray(v)) return 'a list';
  if (v === null) return 'null';
  if (typeof v === 'object') return 'an object';
  const text = String(v);
  return `"${text.length > 40 ? `${text.slice(0, 40)}…` : text}"`;
}

/** One job id from a number or a decimal string; throws a validation error naming the range. */
function jobId(v: unknown, what: string): number {
  const n = typeof v === 'number' ? v : typeof v === 'string' && /^\d{1,20}$/.test(v) ? Number(v) : NaN;
  if (!Number.isSafeInteger(n) || n < 1) throw validationError(`${what}: ${describe(v)} is not a job id (${ID_RANGE})`);
  return n;
}

/** Reads a list of job ids (`[1,2]`, or one id). */
export function jobIds(body: unknown, what = 'body'): number[] {
  const list = Array.isArray(body) ? body : typeof body === 'number' || typeof body === 'string' ? [body] : undefined;
  if (!list) throw validationError(`${what} must be a list of job ids, e.g. [12, 13]`);
  return list.map((v) => jobId(v, what));
}

/** Reads a list of worker names. */
export function workerNames(body: unknown, what = 'body'): string[] {
  const list = Array.isArray(body) ? body : typeof body === 'string' ? [body] : undefined;
  if (!list || list.some((n) => typeof n !== 'string' || n === '')) throw validationError(`${what} must be a list of worker names, e.g. ["render-01"]`);
  if (list.some((n) => (n as string).length > WORKER_NAME_LIMIT_CHARS)) throw validationError(`${what}: worker names are ${WORKER_NAME_LIMIT_CHARS} characters at most`);
  return list as string[];
}

/** A job id in a URL path or query (0 is the root, as in `?parent=0`). */
export function idParam(value: string | undefined): number {
  if (!value || !/^\d+$/.test(value)) throw validationError(`${describe(value)} is not a job id (${ID_RANGE})`);
  return /^0+$/.test(value) ? 0 : jobId(value, 'id');
}
