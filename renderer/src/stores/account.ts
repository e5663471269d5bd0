import { defineStore } from 'pinia';
import { ref } from 'vue';
import { ApiError, del, get, post } from '../api/http.ts';
import type { IssuedToken, NotifyChoices, PublicUser } from '../api/access-types.ts';
import { useSession } from './session.ts';

type TokenInfo = PublicUser['tokens'][number];

/**
 * My account (`/api/users/me…`): who I am, my password, e-mail choices and personal tokens.
 * A new token's secret lives here only until the page is left: the server shows it once.
 */
export const useAccount = defineStore('account', () => {
  const me = ref<PublicUser | null>(null);
  const tokens = ref<TokenInfo[]>([]);
  const fresh = ref<(IssuedToken & { label: string }) | null>(null);
  const problem = ref('');

  async function load(): Promise<void> {
    try {
      me.value = await get<PublicUser>('/api/users/me');
      tokens.value = me.value.tokens;
      problem.value = '';
    } catch (e) {
      me.value = null;
      problem.value = e instanceof ApiError ? e.message : (e as Error).message;
    }
  }

  async function createToken(label: string): Promise<void> {
    const issued = await post<IssuedToken>('/api/users/me/tokens', { label });
    fresh.value = { ...issued, label };
    tokens.value = await get<TokenInfo[]>('/api/users/me/tokens');
  }

  async function revokeToken(id: string): Promise<void> {
    await del(`/api/users/me/tokens/${encodeURIComponent(id)}`);
    if (fresh.value?.id === id) fresh.value = null;
    tokens.value = tokens.value.filter((t) => t.id !== id);
  }

  /** The server ends every session of the account on a new password: a cookie session logs in again. */
  async function changePassword(currentPassword: string, password: string): Promise<void> {
    me.value = await post<PublicUser>('/api/users/me', { currentPassword, password });
    const session = useSession();
    if (session.info?.via === 'session') session.ended('Your password was changed: log in with the new one.');
  }

  async function saveContact(email: string, notify: Partial<NotifyChoices>): Promise<void> {
    me.value = await post<PublicUser>('/api/users/me', { email, notify });
  }

  return { me, tokens, fresh, problem, load, createToken, revokeToken, changePassword, saveContact };
});
