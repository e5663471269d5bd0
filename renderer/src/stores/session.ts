import { defineStore } from 'pinia';
import { ref } from 'vue';
import { ApiError, get, onAuthFailure } from '../api/http.ts';
import { loadToken, saveToken } from '../api/token.ts';
import type { SessionInfo } from '../api/types.ts';

/**
 * Who the page is to the server. It asks for a token only when `GET /api/session` is refused:
 * the desktop window (whose main process adds the header), `--no-auth` and cookie sessions
 * are let in without one.
 */
export const useSession = defineStore('session', () => {
  const state = ref<'checking' | 'ok' | 'needToken' | 'unreachable'>('checking');
  const info = ref<SessionInfo | null>(null);
  const problem = ref('');
  const hasToken = ref(loadToken() !== null);

  async function check(): Promise<boolean> {
    try {
      info.value = await get<SessionInfo>('/api/session');
      state.value = 'ok';
      problem.value = '';
      return true;
    } catch (e) {
      if (e instanceof ApiError && (e.status === 401 || e.status === 403)) {
        state.value = 'needToken';
        problem.value = loadToken() ? `The stored token was refused: ${e.message}` : '';
      } else {
        state.value = 'unreachable';
        problem.value = (e as Error).message;
      }
      return false;
    }
  }

  async function useToken(token: string): Promise<boolean> {
    saveToken(token.trim());
    hasToken.value = true;
    const ok = await check();
    if (!ok && state.value === 'needToken') {
      saveToken(null);
      hasToken.value = false;
      problem.value = 'This token is not valid for this server. Use the "admin" value of the tokens file the server printed at start.';
    }
    return ok;
  }

  function forget(): void {
    saveToken(null);
    hasToken.value = false;
    state.value = 'needToken';
  }

  onAuthFailure(() => {
    if (state.value === 'ok') {
      state.value = 'needToken';
      problem.value = 'The server refused the token; type it again.';
    }
  });

  return { state, info, problem, hasToken, check, useToken, forget };
});
