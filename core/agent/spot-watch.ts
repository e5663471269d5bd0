/**
 * Watches EC2's instance metadata (IMDSv2) for a spot interruption notice, so the worker can
 * hand its jobs back before the machine is reclaimed (about two minutes later).
 */
import type { Logger } from '../logger.ts';
import { realSleep, type Sleep } from './backoff.ts';

export interface SpotNotice {
  /** `terminate`, `stop` or `hibernate`. */
  action: string;
  /** When, ms since the epoch, if the notice said. */
  at?: number;
}

export interface SpotWatchOptions {
  logger: Logger;
  onNotice: (notice: SpotNotice) => void;
  /** The metadata service; a test points it at a local server. */
  baseUrl?: string;
  intervalMs?: number;
  sleep?: Sleep;
}

export const defaultImdsUrl = 'http://169.254.169.254';
const tokenTtlSeconds = 21_600;
const requestTimeoutMs = 2_000;

export interface SpotWatch {
  /** Settles when the watch ends: after a notice or `stop()`. */
  readonly done: Promise<void>;
  stop(): void;
}

/** Polls `spot/instance-action` every `intervalMs` (5 s) until a notice comes or `stop()`. */
export function watchSpotInterruption(options: SpotWatchOptions): SpotWatch {
  const baseUrl = (options.baseUrl ?? defaultImdsUrl).replace(/\/+$/, '');
  const intervalMs = options.intervalMs ?? 5_000;
  const sleep = options.sleep ?? realSleep;
  const logger = options.logger.child({ part: 'spot-watch' });
  const controller = new AbortController();
  let token: { value: string; expiresAt: number } | undefined;
  let failures = 0;

  const fetchToken = async (): Promise<string> => {
    if (token && token.expiresAt > Date.now()) return token.value;
    const response = await fetch(`${baseUrl}/latest/api/token`, {
      method: 'PUT',
      headers: { 'X-aws-ec2-metadata-token-ttl-seconds': String(tokenTtlSeconds) },
      signal: AbortSignal.any([controller.signal, AbortSignal.timeout(requestTimeoutMs)]),
    });
    if (!response.ok) throw new Error(`metadata token: HTTP ${response.status}`);
    const value = (await response.text()).trim();
    // Renew well before the service forgets it.
    token = { value, expiresAt: Date.now() + (tokenTtlSeconds * 1000) / 2 };
    return value;
  };

  const check = async (): Promise<SpotNotice | undefined> => {
    const response = await fetch(`${baseUrl}/latest/meta-data/spot/instance-action`, {
      headers: { 'X-aws-ec2-metadata-token': await fetchToken() },
      signal: AbortSignal.any([controller.signal, AbortSignal.timeout(requestTimeoutMs)]),
    });
    const body = await response.text();
    if (response.status === 404) return undefined;
    if (response.status === 401) {
      token = undefined;
      throw new Error('metadata token refused');
    }
    if (!response.ok) throw new Error(`instance-action: HTTP ${response.status}`);
    const parsed = JSON.parse(body) as { action?: string; time?: string };
    const at = parsed.time ? Date.parse(parsed.time) : NaN;
    return { action: parsed.action ?? 'terminate', ...(Number.isFinite(at) ? { at } : {}) };
  };

  const loop = async () => {
    while (!controller.signal.aborted) {
      try {
        const notice = await check();
        failures = 0;
        if (notice) {
          logger.warn(notice, 'spot interruption notice: this machine will be reclaimed');
          options.onNotice(notice);
          return;
        }
      } catch (error) {
        if (controller.signal.aborted) return;
        failures += 1;
        // Off EC2 (or with IMDS disabled) every poll fails; say so once, then quietly.
        const level = failures === 1 ? 'warn' : 'debug';
        logger[level]({ reason: (error as Error).message }, 'cannot read the spot interruption notice from instance metadata');
      }
      await sleep(intervalMs, controller.signal);
    }
  };

  return { done: loop(), stop: () => controller.abort() };
}
