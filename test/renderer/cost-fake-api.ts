/**
 * A stand-in for the cloud and estimate endpoints in component tests: each route answers what
 * the test set (a JSON body with a status), and every call is recorded with its body.
 */
import { vi } from 'vitest';

export interface Answer {
  status?: number;
  body: unknown;
}

export interface CostApi {
  calls: Array<{ method: string; path: string; body: unknown }>;
  /** `"POST /api/cloud/estimate"` → its answer (a function gets the request body). */
  routes: Record<string, Answer | ((body: unknown) => Answer)>;
  restore(): void;
}

export const refusal = (message: string, status = 400): Answer => ({ status, body: { error: { code: status === 404 ? 'not_found' : 'validation', message } } });

export function costApi(routes: CostApi['routes'] = {}): CostApi {
  const api: CostApi = { calls: [], routes, restore: () => vi.unstubAllGlobals() };
  vi.stubGlobal('fetch', async (input: string, init?: RequestInit) => {
    const url = new URL(input, 'http://ui.test');
    const method = init?.method ?? 'GET';
    const body = typeof init?.body === 'string' ? JSON.parse(init.body) : undefined;
    api.calls.push({ method, path: url.pathname, body });
    const route = api.routes[`${method} ${url.pathname}`];
    const answer = typeof route === 'function' ? route(body) : (route ?? refusal(`no such endpoint: ${method} ${url.pathname}`, 404));
    return new Response(JSON.stringify(answer.body), { status: answer.status ?? 200, headers: { 'Content-Type': 'application/json' } });
  });
  return api;
}
