/**
 * The page's only way to the server: JSON over HTTP with the admin token (when one is stored)
 * in the Authorization header, never in a URL. A refused call throws an {@link ApiError}
 * carrying the server's `{error: {code, message}}`.
 */
import { loadToken } from './token.ts';

export class ApiError extends Error {
  constructor(readonly status: number, readonly code: string, message: string, readonly call: string) {
    super(message);
    this.name = 'ApiError';
  }
}

type AuthListener = (error: ApiError) => void;
const authListeners = new Set<AuthListener>();

/** Called when the server answers 401/403: the session store asks for a token again. */
export function onAuthFailure(listener: AuthListener): () => void {
  authListeners.add(listener);
  return () => authListeners.delete(listener);
}

export function authHeaders(): Record<string, string> {
  const token = loadToken();
  return token ? { Authorization: `Bearer ${token}` } : {};
}

async function errorOf(res: Response, call: string): Promise<ApiError> {
  let code = `http_${res.status}`;
  let message = `${call} answered ${res.status} ${res.statusText}`;
  try {
    const body = (await res.json()) as { error?: { code?: string; message?: string } };
    if (body.error?.message) message = body.error.message;
    if (body.error?.code) code = body.error.code;
  } catch {
    // not JSON: keep the status line
  }
  return new ApiError(res.status, code, message, call);
}

export interface RequestOptions {
  query?: Record<string, string | number | undefined>;
  body?: unknown;
  signal?: AbortSignal;
  /** Answer as text instead of JSON. */
  text?: boolean;
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
      headers: { ...authHeaders(), ...(options.body !== undefined ? { 'Content-Type': 'application/json' } : {}) },
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
      signal: options.signal,
    });
  } catch (e) {
    if ((e as Error).name === 'AbortError') throw e;
    throw new ApiError(0, 'network', 'the server cannot be reached', call);
  }
  if (!res.ok) {
    const error = await errorOf(res, call);
    if (res.status === 401 || res.status === 403) for (const l of authListeners) l(error);
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
  const res = await fetch(`/api/jobs/${id}/log?${new URLSearchParams(Object.entries(query).filter(([, v]) => v !== undefined).map(([k, v]) => [k, String(v)]))}`, { headers: authHeaders() });
  if (!res.ok) throw await errorOf(res, `GET /api/jobs/${id}/log`);
  return { text: await res.text(), size: Number(res.headers.get('X-Log-Size') ?? 0) };
}
