import { CoalitionError, httpStatusOf } from '../errors.ts';

/** One place that turns an error into a status and `{error:{code,message}}`. */
export function errorResponse(err: unknown): { status: number; body: { error: { code: string; message: string } }; unexpected: boolean } {
  if (err instanceof CoalitionError) return { status: httpStatusOf(err.code), body: { error: { code: err.code, message: err.message } }, unexpected: false };
  if (typeof err === 'object' && err && 'type' in err && typeof (err as { status?: number }).status === 'number') {
    const e = err as { type: string; status: number; message: string; limit?: number };
    if (e.type === 'entity.too.large') return { status: 413, body: { error: { code: 'too_large', message: `request body is larger than the limit of ${e.limit} bytes` } }, unexpected: false };
    if (e.type === 'entity.parse.failed') return { status: 400, body: { error: { code: 'validation', message: `malformed JSON: ${e.message}` } }, unexpected: false };
    return { status: e.status, body: { error: { code: 'validation', message: e.message } }, unexpected: false };
  }
  return { status: 500, body: { error: { code: 'internal', message: 'internal error' } }, unexpected: true };
}
