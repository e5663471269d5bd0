/**
 * The worker side of the worker protocol (`POST /workers/…`, JSON, worker token). Each call
 * retries network errors and 5xx answers with backoff until it gets through or its signal
 * aborts; the answers that retrying cannot fix become typed errors the caller acts on.
 */
import type { Logger } from '../logger.ts';
import { backoffDelay, defaultBackoff, realSleep, type BackoffPolicy, type Sleep } from './backoff.ts';

/** A job as `pickjob` hands it out. */
export interface AssignedJob {
  id: number;
  title: string;
  command: string;
  dir: string;
  /** Old Coalition format: `VAR=value` pairs separated by the two characters backslash-n. */
  environment: string;
  user: string;
  /** Seconds; 0 means none. */
  timeout: number;
}

/** What every call but `interruption` reports about the machine. */
export interface MachineLoad {
  /** Busy %, 0..100, per core. */
  cpu: number[];
  /** MB. */
  free_memory: number;
  /** MB. */
  total_memory: number;
}

export interface PickJobRequest extends MachineLoad {
  name: string;
  affinity: string;
  /** How long, ms, the server may hold the request open. */
  wait: number;
}

export interface HeartbeatRequest extends MachineLoad {
  name: string;
  job: number;
  log: string;
}

export interface EndJobRequest {
  name: string;
  job: number;
  exit_code: number;
  log: string;
  timed_out?: boolean;
  requeue?: boolean;
}

export interface InterruptionRequest {
  name: string;
  /** When the machine will be reclaimed, ms since the epoch. */
  at?: number;
}

/**
 * Why a call gave up. `auth`: the server refused the token (fatal for the slot). `name_clash`:
 * another running worker holds this worker's name (409).
 */
export type ProtocolErrorCode = 'auth' | 'not_found' | 'rejected' | 'aborted' | 'name_clash';

export class ProtocolError extends Error {
  constructor(
    readonly code: ProtocolErrorCode,
    message: string,
    readonly status?: number,
    /** For `name_clash`: when the holder may count as gone (the server's Retry-After), ms. */
    readonly retryAfterMs?: number,
  ) {
    super(message);
    this.name = 'ProtocolError';
  }
}

/** Raised inside one attempt for what a retry may fix (network down, 5xx, bad answer). */
class TransientError extends Error {}

export interface ProtocolClientOptions {
  serverUrl: string;
  /** The worker token; sent as `Authorization: Bearer …`. */
  token?: string;
  logger: Logger;
  sleep?: Sleep;
  random?: () => number;
  backoff?: BackoffPolicy;
  /** Per-request time limit on top of any long-poll wait, ms. */
  requestTimeoutMs?: number;
  /**
   * This worker process's id, sent with every call, so the server tells a second process using
   * the same worker name (refused) from this one restarted after a crash.
   */
  instance?: string;
}

export const tokenEnvironmentVariable = 'COALITION_WORKER_TOKEN';

export class ProtocolClient {
  private readonly baseUrl: string;
  private readonly sleep: Sleep;
  private readonly random: () => number;
  private readonly backoff: BackoffPolicy;
  private readonly requestTimeoutMs: number;

  constructor(private readonly options: ProtocolClientOptions) {
    this.baseUrl = options.serverUrl.replace(/\/+$/, '');
    this.sleep = options.sleep ?? realSleep;
    this.random = options.random ?? Math.random;
    this.backoff = options.backoff ?? defaultBackoff;
    this.requestTimeoutMs = options.requestTimeoutMs ?? 30_000;
  }

  /** Waits (long-poll) for a job; `null` when none came within `wait`. */
  async pickJob(request: PickJobRequest, signal?: AbortSignal): Promise<AssignedJob | null> {
    const answer = await this.call<{ job: AssignedJob | null }>('pickjob', request, signal, request.wait);
    return answer.job ?? null;
  }

  /** Whether the server still wants the job to run. Throws `not_found` for a job it does not know. */
  async heartbeat(request: HeartbeatRequest, signal?: AbortSignal): Promise<boolean> {
    const answer = await this.call<{ keep_running: boolean }>('heartbeat', request, signal);
    return answer.keep_running !== false;
  }

  async endJob(request: EndJobRequest, signal?: AbortSignal): Promise<void> {
    await this.call('endjob', request, signal);
  }

  async interruption(request: InterruptionRequest, signal?: AbortSignal): Promise<void> {
    await this.call('interruption', request, signal);
  }

  /** One protocol call, retried with backoff until it gets an answer retrying cannot change. */
  private async call<T>(route: string, body: object, signal: AbortSignal | undefined, waitMs = 0): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      if (signal?.aborted) throw new ProtocolError('aborted', `${route} aborted`);
      try {
        return await this.attempt<T>(route, body, signal, waitMs);
      } catch (error) {
        if (!(error instanceof TransientError)) throw error;
        if (signal?.aborted) throw new ProtocolError('aborted', `${route} aborted`);
        const delay = backoffDelay(attempt, this.random, this.backoff);
        // The first failure is worth a warning; a long outage should not flood the log.
        const level = attempt === 0 || attempt % 20 === 0 ? 'warn' : 'debug';
        this.options.logger[level]({ route, attempt: attempt + 1, retryInMs: delay, reason: error.message }, 'server unreachable, retrying');
        await this.sleep(delay, signal);
      }
    }
  }

  private async attempt<T>(route: string, body: object, signal: AbortSignal | undefined, waitMs: number): Promise<T> {
    const timeout = AbortSignal.timeout(waitMs + this.requestTimeoutMs);
    const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json' };
    if (this.options.token) headers.authorization = `Bearer ${this.options.token}`;
    let response: Response;
    try {
      response = await fetch(`${this.baseUrl}/workers/${route}`, {
        method: 'POST',
        headers,
        body: JSON.stringify(this.options.instance ? { ...body, instance: this.options.instance } : body),
        signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
      });
    } catch (error) {
      if (signal?.aborted) throw new ProtocolError('aborted', `${route} aborted`);
      throw new TransientError(describeFetchError(error));
    }
    const text = await response.text().catch(() => '');
    const status = response.status;
    if (status === 401 || status === 403) {
      throw new ProtocolError(
        'auth',
        `the server refused the worker token (HTTP ${status}); set ${tokenEnvironmentVariable} to the worker token the server accepts`,
        status,
      );
    }
    if (status === 404) throw new ProtocolError('not_found', `${route}: ${serverMessage(text) ?? 'not found'}`, status);
    if (status === 409) {
      const retryAfter = Number(response.headers.get('retry-after') ?? NaN);
      throw new ProtocolError('name_clash', serverMessage(text) ?? 'this worker name is in use by another worker', status, Number.isFinite(retryAfter) ? retryAfter * 1000 : undefined);
    }
    if (status === 408 || status === 429 || status >= 500) throw new TransientError(`HTTP ${status} ${serverMessage(text) ?? ''}`.trim());
    if (status >= 400) throw new ProtocolError('rejected', `${route}: HTTP ${status} ${serverMessage(text) ?? ''}`.trim(), status);
    try {
      return JSON.parse(text) as T;
    } catch {
      // A proxy's HTML page while the server restarts, for example.
      throw new TransientError(`HTTP ${status} with a body that is not JSON`);
    }
  }
}

function describeFetchError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  if (error.name === 'TimeoutError') return 'request timed out';
  return cause?.code ?? cause?.message ?? error.message;
}

/** The message of a `{error:{code,message}}` answer, if it is one. */
function serverMessage(text: string): string | undefined {
  try {
    const parsed = JSON.parse(text) as { error?: { message?: string } };
    return parsed.error?.message;
  } catch {
    return text ? text.slice(0, 200) : undefined;
  }
}
