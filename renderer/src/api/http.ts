/**
 * The page's only way to the server: JSON over HTTP. A pasted token (admin or personal) goes
 * in the Authorization header, never in a URL; a password login rides on the HttpOnly session
 * cookie, and every state-changing call then carries the session's CSRF token. A refused call
 * throws an {@link ApiError} carrying the server's `{error: {code, message}}`.
 */
import { loadToken } from './token.ts';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly call: string,
    /** The rest of the error body (the 401 of `GET /api/session` says how to log in). */
    readonly body: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

type AuthListener = (error: ApiError) => void;
const authListeners = new Set<AuthListener>();

/** Called when the server answers 401 (the credential is gone): the session store asks for a login again. */
export function onAuthFailure(listener: AuthListener): () => void {
  authListeners.add(listener);
  return () => authListeners.delete(listener);
}

/** The cookie session's CSRF token (from the login answer or `GET /api/session`); kept in memory only. */
let csrf: { header: string; value: string } | null = null;
export function setCsrf(value: string | undefined, header = 'X-CSRF-Token'): void {
  csrf = value ? { header, value } : null;
}

const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

export function authHeaders(method = 'GET'): Record<string, string> {
  const token = loadToken();
  if (token) return { Authorization: `Bearer ${token}` };
  return csrf && UNSAFE.has(method) ? { [csrf.header]: csrf.value } : {};
}

async function errorOf(res: Response, call: string): Promise<ApiError> {
  let code = `http_${res.status}`;
  let message = `${call} answered ${res.status} ${res.statusText}`;
  let rest: Record<string, unknown> = {};
  try {
    const { error, ...others } = (await res.json()) as { error?: { code?: string; message?: string } };
    if (error?.message) message = error.message;
    if (error?.code) code = error.code;
    rest = others;
  } catch {
    // not JSON: keep the status line
  }
  return new ApiError(res.status, code, message, call, rest);
}

export interface RequestOptions {
  query?: Record<string, string | number | undefined>;
  body?: unknown;
  signal?: AbortSignal;
  /** Answer as text instead of JSON. */
  text?: boolean;
  /** Do not tell the auth listeners about a 401 (the login call itself). */
  quiet?: boolean;
}

export async function request<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(options.query ?? {})) if (v !== undefined && v !== '') params.set(k, String(v));
  const url = params.size ? `${path}?${params}` : path;
  const call = `${method} ${path}`;
  let res: Response;
  try {
    res = await fetch(url, {
      method,
      credentials: 'same-origin',
      headers: { ...authHeaders(method), ...(options.body !== undefined ? { 'Content-Type': 'application/json' } : {}) },
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
      signal: options.signal,
    });
  } catch (e) {
    if ((e as Error).name === 'AbortError') throw e;
    throw new ApiError(0, 'network', 'the server cannot be reached', call);
  }
  if (!res.ok) {
    const error = await errorOf(res, call);
    // A 403 is a refusal of this one action (a toast says why); only a 401 means the credential is gone.
    if (res.status === 401 && !options.quiet) for (const l of authListeners) l(error);
    throw error;
  }
  if (options.text) return (await res.text()) as T;
  const body = await res.text();
  return (body ? JSON.parse(body) : undefined) as T;
}

export const get = <T>(path: string, options?: RequestOptions) => request<T>('GET', path, options);
export const post = <T>(path: string, body?: unknown, options?: RequestOptions) => request<T>('POST', path, { ...options, body });
export const put = <T>(path: string, body?: unknown) => request<T>('PUT', path, { body });
export const del = <T>(path: string, body?: unknown) => request<T>('DELETE', path, { body });

/** A job's log from byte `offset` (or its last `tail` bytes) as text, with the log's size. */
export async function getLog(id: number, options: { offset?: number; tail?: number }): Promise<{ text: string; size: number }> {
  const query: Record<string, string | number | undefined> = { format: 'text', ...options };
  const res = await fetch(`/api/jobs/${id}/log?${new URLSearchParams(Object.entries(query).filter(([, v]) => v !== undefined).map(([k, v]) => [k, String(v)]))}`, { headers: authHeaders(), credentials: 'same-origin' });
  if (!res.ok) throw await errorOf(res, `GET /api/jobs/${id}/log`);
  return { text: await res.text(), size: Number(res.headers.get('X-Log-Size') ?? 0) };
}
