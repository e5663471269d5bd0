import { defineStore } from 'pinia';
import { ref } from 'vue';
import { ApiError, get, post } from '../api/http.ts';

export type { Estimate } from '../../../core/cloud/estimate.ts';
import type { Estimate } from '../../../core/cloud/estimate.ts';

/** How long the inputs must rest before the server is asked again (typing a frame range is many changes). */
export const ESTIMATE_DEBOUNCE_MS = 400;

/**
 * "What would this cost?" for the submit form: `POST /api/cloud/estimate` with the body the
 * form would submit (nothing is submitted), asked again when the inputs change and rest.
 * `off`: the farm runs no scaler (servermode = normal), so the job costs nothing here.
 */
export const useEstimate = defineStore('estimate', () => {
  const state = ref<'idle' | 'waiting' | 'ready' | 'refused' | 'off' | 'failed'>('idle');
  const estimate = ref<Estimate | null>(null);
  /** The server's refusal (a 400 naming the field) or why the call failed. */
  const message = ref('');
  /** The scaler's provider (`local`, `aws`), from `GET /api/cloud`. */
  const provider = ref('');
  let timer: ReturnType<typeof setTimeout> | undefined;
  let controller: AbortController | undefined;
  let asked = 0;

  async function loadProvider(): Promise<void> {
    try {
      provider.value = (await get<{ provider: string }>('/api/cloud')).provider;
    } catch {
      provider.value = ''; // the estimate says what matters (off, refused)
    }
  }

  async function run(body: unknown, n: number): Promise<void> {
    controller?.abort();
    controller = new AbortController();
    try {
      const answer = await post<Estimate>('/api/cloud/estimate', body, { signal: controller.signal });
      if (n !== asked) return;
      estimate.value = answer;
      message.value = '';
      state.value = 'ready';
    } catch (e) {
      if (n !== asked || (e as Error).name === 'AbortError') return;
      estimate.value = null;
      if (e instanceof ApiError && e.status === 404) {
        state.value = 'off';
        message.value = '';
      } else {
        state.value = e instanceof ApiError && e.status === 400 ? 'refused' : 'failed';
        message.value = (e as Error).message;
      }
    }
  }

  /**
   * Asks for the estimate of `body` (`{jobs, seconds?}`) once the inputs rest; `null` clears it
   * (nothing to estimate yet: no command). The last answer stays shown while the next is awaited.
   */
  function request(body: unknown, delayMs = ESTIMATE_DEBOUNCE_MS): void {
    clearTimeout(timer);
    controller?.abort();
    const n = ++asked;
    if (body === null) {
      state.value = 'idle';
      estimate.value = null;
      message.value = '';
      return;
    }
    if (state.value !== 'off') state.value = 'waiting';
    timer = setTimeout(() => void run(body, n), delayMs);
  }

  /** The form closed: forget the pending request and the answer. */
  function stop(): void {
    clearTimeout(timer);
    controller?.abort();
    asked++;
    state.value = 'idle';
    estimate.value = null;
    message.value = '';
  }

  return { state, estimate, message, provider, loadProvider, request, stop };
});
