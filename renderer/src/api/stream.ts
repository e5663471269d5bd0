/**
 * The event stream (`GET /api/stream`, see core/http/stream-messages.ts), read with fetch so
 * a pasted token goes in a header (EventSource cannot send one); a password login's session
 * cookie goes with it as with every same-origin call (a GET needs no CSRF token). Reconnects by
 * itself with backoff; the caller refetches what it shows on every `hello` (nothing is replayed).
 */
import { fetchEventSource } from '@microsoft/fetch-event-source';
import { authHeaders } from './http.ts';
import type { StreamEventName, StreamMessages } from './types.ts';

export type StreamState = 'connecting' | 'live' | 'reconnecting';

export interface StreamHandlers {
  message<E extends StreamEventName>(event: E, data: StreamMessages[E]): void;
  state(state: StreamState, detail?: string): void;
  /** 401/403: stop, the session asks for a login or a token; start again after it. */
  unauthorized(): void;
}

class FatalError extends Error {}

/** Backoff after a failed (re)connection: 0.5 s doubling up to 15 s, with jitter. */
export function backoffMs(attempt: number, random = Math.random): number {
  const base = Math.min(15_000, 500 * 2 ** attempt);
  return Math.round(base * (0.75 + random() * 0.5));
}

export function openStream(handlers: StreamHandlers, path = '/api/stream'): { close(): void } {
  const controller = new AbortController();
  let attempt = 0;
  handlers.state('connecting');
  void fetchEventSource(path, {
    signal: controller.signal,
    headers: authHeaders(),
    credentials: 'same-origin',
    openWhenHidden: true,
    async onopen(res) {
      if (res.status === 401 || res.status === 403) {
        handlers.unauthorized();
        throw new FatalError('unauthorized');
      }
      if (!res.ok || !res.headers.get('content-type')?.includes('text/event-stream')) throw new Error(`stream answered ${res.status}`);
      attempt = 0;
      handlers.state('live');
    },
    onmessage(msg) {
      if (!msg.event || !msg.data) return;
      try {
        handlers.message(msg.event as StreamEventName, JSON.parse(msg.data));
      } catch (e) {
        console.error('bad stream message', msg.event, e);
      }
    },
    onclose() {
      handlers.state('reconnecting', 'the server closed the stream');
      throw new Error('closed'); // let onerror schedule the retry
    },
    onerror(err) {
      if (err instanceof FatalError) throw err;
      handlers.state('reconnecting', err instanceof Error ? err.message : String(err));
      return backoffMs(attempt++);
    },
  }).catch(() => {});
  return { close: () => controller.abort() };
}
