import { CoalitionError } from '../errors.ts';

/**
 * Settles with `work`, or rejects with a `timeout` error after `ms`. The late outcome of
 * `work` is swallowed: a plugin that hangs must not surface an unhandled rejection later.
 */
export function withTimeout<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new CoalitionError('timeout', `${what} did not finish within ${ms} ms`)), ms);
    timer.unref();
  });
  work.catch(() => undefined);
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}
