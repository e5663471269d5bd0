import { defineStore } from 'pinia';
import { ref } from 'vue';
import { openStream, type StreamState } from '../api/stream.ts';
import type { JobsMessage, StreamEventName, StreamMessages, WorkersMessage } from '../api/types.ts';

export interface LiveListener {
  jobs?(message: JobsMessage): void;
  workers?(message: WorkersMessage): void;
  cloud?(): void;
  /** After a (re)connection or a `resync`: refetch what is shown. */
  resync?(reason: string): void;
}

/**
 * The one owner of the event stream (Flamenco's UpdateListener): stores subscribe to the
 * messages of their domain; everyone refetches after a reconnect or a `resync`.
 */
export const useLive = defineStore('live', () => {
  const state = ref<StreamState | 'off'>('off');
  const detail = ref('');
  const lastMessageAt = ref(0);
  const listeners = new Set<LiveListener>();
  let stream: { close(): void } | undefined;
  let onUnauthorized: () => void = () => {};

  function subscribe(listener: LiveListener): () => void {
    listeners.add(listener);
    return () => listeners.delete(listener);
  }

  function dispatch<E extends StreamEventName>(event: E, data: StreamMessages[E]): void {
    lastMessageAt.value = Date.now();
    for (const l of listeners) {
      if (event === 'jobs') l.jobs?.(data as JobsMessage);
      else if (event === 'workers') l.workers?.(data as WorkersMessage);
      else if (event === 'cloud') l.cloud?.();
      else if (event === 'hello') l.resync?.('connected');
      else if (event === 'resync') l.resync?.((data as StreamMessages['resync']).reason);
    }
  }

  function start(unauthorized: () => void): void {
    onUnauthorized = unauthorized;
    stream?.close();
    stream = openStream({
      message: dispatch,
      state(s, d) {
        state.value = s;
        detail.value = d ?? '';
      },
      unauthorized() {
        state.value = 'off';
        onUnauthorized();
      },
    });
  }

  function stop(): void {
    stream?.close();
    stream = undefined;
    state.value = 'off';
  }

  return { state, detail, lastMessageAt, subscribe, start, stop, dispatch };
});
