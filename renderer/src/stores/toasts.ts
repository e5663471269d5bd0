import { defineStore } from 'pinia';
import { ref } from 'vue';
import { ApiError } from '../api/http.ts';

export interface Toast {
  id: number;
  kind: 'error' | 'info';
  text: string;
}

/** Short messages at the corner; a refused call names the call and the server's reason. */
export const useToasts = defineStore('toasts', () => {
  const items = ref<Toast[]>([]);
  let next = 1;

  function push(kind: Toast['kind'], text: string, ms = kind === 'error' ? 8000 : 3500): void {
    const id = next++;
    items.value.push({ id, kind, text });
    if (items.value.length > 5) items.value.splice(0, items.value.length - 5);
    setTimeout(() => dismiss(id), ms);
  }

  function dismiss(id: number): void {
    items.value = items.value.filter((t) => t.id !== id);
  }

  /** Runs a call; when refused, a toast says what was refused and why. Returns undefined then. */
  async function attempt<T>(what: string, fn: () => Promise<T>, done?: string): Promise<T | undefined> {
    try {
      const out = await fn();
      if (done) push('info', done);
      return out;
    } catch (e) {
      const why = e instanceof ApiError ? `${e.message} (${e.call}, ${e.status || 'no answer'})` : (e as Error).message;
      push('error', `${what} refused: ${why}`);
      return undefined;
    }
  }

  return { items, push, dismiss, attempt };
});
