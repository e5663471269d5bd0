/**
 * Retry pacing for the worker's calls to the server: exponential backoff with jitter, so a
 * farm of workers does not hammer a server that is restarting, all in step.
 */

export interface BackoffPolicy {
  /** Delay before the first retry, ms. */
  initialMs: number;
  /** The delay stops growing here, ms. */
  maxMs: number;
}

export const defaultBackoff: BackoffPolicy = { initialMs: 250, maxMs: 5_000 };

/**
 * The delay before retry number `attempt` (0 for the first retry): the exponential step,
 * capped, of which the upper half is random ("equal jitter"), so it never drops below half.
 */
export function backoffDelay(attempt: number, random: () => number, policy: BackoffPolicy = defaultBackoff): number {
  const step = Math.min(policy.maxMs, policy.initialMs * 2 ** Math.min(attempt, 30));
  return Math.round(step / 2 + (step / 2) * random());
}

/** Waits `ms`; resolves early (never rejects) when `signal` aborts. */
export type Sleep = (ms: number, signal?: AbortSignal) => Promise<void>;

export const realSleep: Sleep = (ms, signal) =>
  new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const onAbort = () => {
      clearTimeout(timer);
      resolve();
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
