import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import { ApiError, get, onAuthFailure, post, request, setCsrf } from '../api/http.ts';
import { loadToken, saveToken } from '../api/token.ts';
import type { Capability, LoginOptions, SessionInfo } from '../api/access-types.ts';

const WORDS: Record<Capability, string> = {
  submit: 'submit jobs',
  editOwnJobs: 'edit jobs',
  editAnyJob: "edit other people's jobs",
  deleteOwnJobs: 'delete jobs',
  deleteAnyJob: "delete other people's jobs",
  manageWorkers: 'manage workers',
  terminateInstances: 'terminate cloud instances',
  cloudAdmin: 'change cloud settings, setups or plugins',
  manageUsers: 'manage users',
  readAudit: 'read the audit log',
};

const sameUser = (a: string | null | undefined, b: string | null | undefined) => !!a && !!b && a.trim().toLowerCase() === b.trim().toLowerCase();

/**
 * Who the page is to the server, and what it may offer. It asks for a login only when
 * `GET /api/session` is refused: the desktop window (whose main process adds the header) and
 * `--no-auth` are let in without one. A password login lives in the HttpOnly session cookie
 * (its CSRF token in memory); a pasted token in this browser's storage.
 */
export const useSession = defineStore('session', () => {
  const state = ref<'checking' | 'ok' | 'needLogin' | 'unreachable'>('checking');
  const info = ref<SessionInfo | null>(null);
  const login = ref<LoginOptions | null>(null);
  const problem = ref('');
  const hasToken = ref(loadToken() !== null);

  function accept(s: SessionInfo): void {
    info.value = s;
    if (s.login) login.value = s.login;
    setCsrf(s.csrf, s.login?.csrfHeader);
    state.value = 'ok';
    problem.value = '';
  }

  /** Asks the server who we are; answers whether we are in. */
  async function check(): Promise<boolean> {
    try {
      accept(await get<SessionInfo>('/api/session', { quiet: true }));
      return true;
    } catch (e) {
      if (e instanceof ApiError && (e.status === 401 || e.status === 403)) {
        state.value = 'needLogin';
        if (e.body.login) login.value = e.body.login as LoginOptions;
        if (loadToken()) problem.value = `The stored token was refused: ${e.message}`;
      } else {
        state.value = 'unreachable';
        problem.value = (e as Error).message;
      }
      return false;
    }
  }

  /** `POST /api/session`: the server sets the session cookie; a wrong password or a rate limit shows its message. */
  async function logIn(user: string, password: string): Promise<boolean> {
    saveToken(null); // a stored token would go first and hide the new session
    hasToken.value = false;
    try {
      accept(await post<SessionInfo>('/api/session', { user: user.trim(), password }, { quiet: true }));
      return true;
    } catch (e) {
      problem.value = e instanceof ApiError && e.status ? e.message : `The server cannot be reached: ${(e as Error).message}`;
      return false;
    }
  }

  async function useToken(token: string): Promise<boolean> {
    saveToken(token.trim());
    hasToken.value = true;
    const ok = await check();
    if (!ok && state.value === 'needLogin') {
      saveToken(null);
      hasToken.value = false;
      problem.value = 'This token is not valid for this server. Paste a personal token (made on My account) or the "admin" value of the tokens file the server printed at start.';
    }
    return ok;
  }

  /** Ends the cookie session on the server (DELETE /api/session), forgets a stored token, and asks for a login again. */
  async function logOut(): Promise<void> {
    if (info.value?.via === 'session') await request('DELETE', '/api/session', { quiet: true }).catch(() => undefined);
    saveToken(null);
    hasToken.value = false;
    setCsrf(undefined);
    info.value = null;
    problem.value = '';
    await check();
  }

  /** The server no longer takes our credential (an ended session, a revoked token, a changed password). */
  function ended(why: string): void {
    if (state.value !== 'ok') return;
    setCsrf(undefined);
    info.value = null;
    state.value = 'needLogin';
    problem.value = why;
  }

  onAuthFailure(() => ended(info.value?.via === 'session' ? 'Your session has ended: log in again.' : 'The server refused the token; log in or paste it again.'));

  /** Without `can` (an older server, auth off) the page offers everything and the server decides. */
  const can = (c: Capability): boolean => info.value?.can?.[c] !== false;
  const who = computed(() => (info.value?.user ? `${info.value.user} (${info.value.role})` : `this ${(info.value?.via ?? 'token').replace('-', ' ')} (${info.value?.role ?? '?'})`));
  /** '' when allowed, else the sentence a tooltip shows. */
  const whyNot = (c: Capability): string => (can(c) ? '' : `${who.value} may not ${WORDS[c]}`);

  /** '' when the caller may edit (or delete) every one of `jobs`, else why not: artists act on their own jobs only. */
  function whyNotOnJobs(action: 'edit' | 'delete', jobs: ReadonlyArray<{ id: number; user: string } | undefined>): string {
    const [any, own] = action === 'edit' ? (['editAnyJob', 'editOwnJobs'] as const) : (['deleteAnyJob', 'deleteOwnJobs'] as const);
    if (can(any)) return '';
    if (!can(own)) return whyNot(own);
    const other = jobs.find((j) => j && !sameUser(j.user, info.value?.user));
    return other ? `${who.value} may ${action} only their own jobs; job ${other.id} belongs to ${other.user ? `"${other.user}"` : 'nobody'}` : '';
  }

  /** Whether "Log out" means something here (the desktop window's header token is not ours to drop). */
  const canLogOut = computed(() => hasToken.value || info.value?.via === 'session');

  return { state, info, login, problem, hasToken, canLogOut, who, check, logIn, useToken, logOut, forget: logOut, ended, can, whyNot, whyNotOnJobs };
});
