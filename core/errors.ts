/**
 * The small set of typed errors core raises. Each carries a stable `code`; the HTTP layer maps
 * codes to statuses in one place (`httpStatusOf`).
 */
export type ErrorCode = 'validation' | 'not_found' | 'conflict' | 'auth' | 'forbidden' | 'too_large' | 'provider' | 'quota' | 'timeout';

export class CoalitionError extends Error {
  constructor(readonly code: ErrorCode, message: string) {
    super(message);
    this.name = 'CoalitionError';
  }
}

export const validationError = (message: string) => new CoalitionError('validation', message);
export const notFound = (message: string) => new CoalitionError('not_found', message);
export const conflict = (message: string) => new CoalitionError('conflict', message);

const statusByCode: Record<ErrorCode, number> = {
  validation: 400,
  auth: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  too_large: 413,
  timeout: 504,
  provider: 502,
  quota: 429,
};

export function httpStatusOf(code: ErrorCode): number {
  return statusByCode[code];
}
