import { validationError } from '../errors.ts';

/** Reads a list of job ids (`[1,2]`, or one id). */
export function jobIds(body: unknown, what = 'body'): number[] {
  const list = Array.isArray(body) ? body : typeof body === 'number' || typeof body === 'string' ? [body] : undefined;
  if (!list) throw validationError(`${what} must be a list of job ids, e.g. [12, 13]`);
  return list.map((v) => {
    const n = typeof v === 'number' ? v : typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : NaN;
    if (!Number.isInteger(n) || n <= 0) throw validationError(`${what}: "${String(v)}" is not a job id`);
    return n;
  });
}

/** Reads a list of worker names. */
export function workerNames(body: unknown, what = 'body'): string[] {
  const list = Array.isArray(body) ? body : typeof body === 'string' ? [body] : undefined;
  if (!list || list.some((n) => typeof n !== 'string' || n === '')) throw validationError(`${what} must be a list of worker names, e.g. ["render-01"]`);
  return list as string[];
}

export function idParam(value: string | undefined): number {
  if (!value || !/^\d+$/.test(value)) throw validationError(`"${value}" is not a job id`);
  return Number(value);
}
