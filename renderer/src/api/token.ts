/**
 * The token the person pasted (the admin token or a personal one), kept in this browser's
 * storage and sent in a header, never in a URL. A password login keeps nothing here: its
 * session lives in an HttpOnly cookie the page cannot read.
 */
const KEY = 'coalition.token';

export function loadToken(): string | null {
  try {
    return localStorage.getItem(KEY);
  } catch {
    return null;
  }
}

export function saveToken(token: string | null): void {
  if (token) localStorage.setItem(KEY, token);
  else localStorage.removeItem(KEY);
}
