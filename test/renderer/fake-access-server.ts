/**
 * A stand-in for the server's people API in component tests: password login with a session
 * "cookie" (kept here, as the browser would), the CSRF check on unsafe calls, personal tokens,
 * the audit log and users. Roles and capabilities come from the real policy (core/access/policy.ts).
 */
import { vi } from 'vitest';
import { capabilities, type Principal, type UserRole } from '../../core/access/policy.ts';

export interface FakeUser { name: string; role: UserRole; password: string; tokens: Array<{ id: string; label: string; created: number; token: string }> }
export interface Call { method: string; path: string; headers: Headers; body: unknown }

export interface FakeAccess {
  users: Map<string, FakeUser>;
  calls: Call[];
  /** The logged-in user of the "cookie", if any. */
  session: string | null;
  csrf: string;
  wrongPasswords: number;
  audit: Array<{ id: number; at: number; actor: { user: string | null; role: string | null; via: string }; action: string; target?: string; outcome: number }>;
  restore(): void;
}

const LOGIN = { password: true, ldap: false, csrfHeader: 'X-CSRF-Token' };
const json = (body: unknown, status = 200) => new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });
const refuse = (status: number, code: string, message: string, extra: object = {}) => json({ error: { code, message }, ...extra }, status);

export function fakeAccessServer(people: Array<Pick<FakeUser, 'name' | 'role' | 'password'>>): FakeAccess {
  const s: FakeAccess = {
    users: new Map(people.map((p) => [p.name, { ...p, tokens: [] }])),
    calls: [],
    session: null,
    csrf: 'csrf-1234',
    wrongPasswords: 0,
    audit: [],
    restore: () => vi.unstubAllGlobals(),
  };
  let nextId = 1;
  const principalOf = (headers: Headers): Principal | undefined => {
    const bearer = headers.get('authorization')?.replace(/^Bearer /, '');
    if (bearer) {
      const u = [...s.users.values()].find((x) => x.tokens.some((t) => t.token === bearer));
      return u ? { role: u.role, user: u.name, via: 'personal-token', key: bearer } : undefined;
    }
    const u = s.session ? s.users.get(s.session) : undefined;
    return u ? { role: u.role, user: u.name, via: 'session', key: 's' } : undefined;
  };
  const publicUser = (u: FakeUser) => ({ name: u.name, role: u.role, email: '', source: 'local', notify: { finished: true, failed: true, progress: false, budget: true }, created: 0, tokens: u.tokens.map(({ token: _t, ...t }) => t) });

  vi.stubGlobal('fetch', async (input: string, init: RequestInit = {}) => {
    const url = new URL(input, 'http://ui.test');
    const method = init.method ?? 'GET';
    const headers = new Headers(init.headers);
    const body = typeof init.body === 'string' ? JSON.parse(init.body) : undefined;
    s.calls.push({ method, path: url.pathname + url.search, headers, body });
    const p = principalOf(headers);
    if (url.pathname === '/api/session' && method === 'POST') {
      const u = s.users.get(body.user);
      if (s.wrongPasswords >= 3) return refuse(429, 'quota', 'too many wrong passwords: try again in 60 s');
      if (!u || u.password !== body.password) {
        s.wrongPasswords++;
        return refuse(401, 'auth', 'wrong user name or password');
      }
      s.session = u.name;
      return json({ role: u.role, user: u.name, auth: 'token', via: 'session', csrf: s.csrf, can: capabilities({ role: u.role, user: u.name, via: 'session', key: '' }), login: LOGIN });
    }
    if (!p) return refuse(401, 'auth', 'a token is needed: send "Authorization: Bearer <token>", or log in', url.pathname === '/api/session' ? { login: LOGIN } : {});
    if (p.via === 'session' && method !== 'GET' && headers.get('x-csrf-token') !== s.csrf) return refuse(403, 'forbidden', 'a request made with the session cookie must carry the X-CSRF-Token header');
    const me = s.users.get(p.user!)!;
    const route = `${method} ${url.pathname}`;
    if (route === 'GET /api/session') return json({ role: p.role, user: p.user, auth: 'token', via: p.via, ...(p.via === 'session' ? { csrf: s.csrf } : {}), can: capabilities(p), login: LOGIN });
    if (route === 'DELETE /api/session') {
      s.session = null;
      return json({ ended: true });
    }
    if (route === 'GET /api/users/me') return json(publicUser(me));
    if (route === 'POST /api/users/me') {
      if (body.password && body.currentPassword !== me.password) return refuse(403, 'forbidden', 'currentPassword is wrong: a new password needs the current one');
      if (body.password) {
        me.password = body.password;
        s.session = null;
      }
      return json(publicUser(me));
    }
    if (route === 'GET /api/users/me/tokens') return json(publicUser(me).tokens);
    if (route === 'POST /api/users/me/tokens') {
      const t = { id: `t${nextId}`, label: body.label ?? '', created: 0, token: `cpt_secret_${nextId++}` };
      me.tokens.push(t);
      return json({ id: t.id, token: t.token });
    }
    if (method === 'DELETE' && url.pathname.startsWith('/api/users/me/tokens/')) {
      me.tokens = me.tokens.filter((t) => t.id !== url.pathname.split('/').pop());
      return json(1);
    }
    if (route === 'GET /api/audit') {
      if (!capabilities(p).readAudit) return refuse(403, 'forbidden', `user "${p.user}" (${p.role}) may not read the audit log`);
      const q = url.searchParams;
      const hits = s.audit.filter((e) => (!q.get('user') || e.actor.user === q.get('user')) && (!q.get('action') || e.action.startsWith(q.get('action')!)));
      const offset = Number(q.get('offset') ?? 0);
      return json({ total: hits.length, entries: hits.slice(offset, offset + Number(q.get('limit') ?? 100)) });
    }
    if (route === 'GET /api/users') return json([...s.users.values()].map(publicUser));
    if (route === 'PUT /api/users') {
      s.users.set(body.name, { name: body.name, role: body.role, password: body.password ?? '', tokens: [] });
      return json(publicUser(s.users.get(body.name)!));
    }
    if (url.pathname.startsWith('/api/users/') && (method === 'POST' || method === 'DELETE')) {
      const name = decodeURIComponent(url.pathname.split('/')[3]);
      const u = s.users.get(name);
      if (!u) return refuse(404, 'not_found', `no user "${name}"`);
      if (method === 'DELETE') s.users.delete(name);
      else Object.assign(u, body.role ? { role: body.role } : {});
      return json(method === 'DELETE' ? 1 : publicUser(u));
    }
    if (route === 'GET /api/view/jobs') return json({ total: 0, counts: { WAITING: 0, PENDING: 0, WORKING: 0, FINISHED: 0, ERROR: 0, PAUSED: 0 }, offset: 0, rows: [], path: [] });
    return json(1);
  });
  return s;
}
