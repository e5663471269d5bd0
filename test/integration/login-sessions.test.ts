/** The web UI's login: cookie sessions, CSRF, expiry, logout, rate limits, and farms that do not share cookies. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_TOKENS } from '../helpers/processes.ts';
import { call, startTestFarm, type TestFarm } from '../helpers/access-fixtures.ts';

let farm: TestFarm;
let url: string;

/** Logs in; answers the cookie pair (`name=value`) and the session body. */
async function login(base: string, user: string, password: string) {
  const res = await fetch(`${base}/api/session`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ user, password }) });
  const setCookie = res.headers.get('set-cookie') ?? '';
  return { status: res.status, setCookie, cookie: setCookie.split(';')[0], body: (await res.json()) as Record<string, unknown>, retryAfter: res.headers.get('retry-after') };
}

beforeAll(async () => {
  farm = await startTestFarm({ sessionhours: 2, loginattempts: 3 });
  url = farm.server.url;
});
afterAll(async () => {
  await farm.stop();
});

describe('logging in', () => {
  it('tells a page without credentials how it may log in', async () => {
    const res = await call(url, 'GET', '/api/session');
    expect(res.status).toBe(401);
    expect(res.body).toMatchObject({ error: { code: 'auth' }, login: { password: true, ldap: false } });
  });

  it('sets an HttpOnly, SameSite=Strict cookie named after the farm, and the session works with it', async () => {
    const s = await login(url, 'wendy', 'wendy-password-1');
    expect(s.status).toBe(200);
    expect(s.setCookie).toMatch(new RegExp(`^coalition_session_${farm.server.farmId}=[A-Za-z0-9_-]{40,}; Path=/; HttpOnly; SameSite=Strict; Max-Age=7200$`));
    expect(s.body).toMatchObject({ role: 'wrangler', user: 'wendy', via: 'session', csrf: expect.any(String), can: { editAnyJob: true, manageUsers: false } });
    const me = await call(url, 'GET', '/api/session', { headers: { Cookie: s.cookie } });
    expect(me.body).toMatchObject({ user: 'wendy', csrf: s.body.csrf });
    expect((await call(url, 'GET', '/api/jobs', { headers: { Cookie: s.cookie } })).status).toBe(200);
    expect(JSON.stringify(farm.server.audit.query({ action: 'login' }))).toContain('"wendy"');
  });

  it('refuses unsafe requests made with the cookie alone (CSRF), and takes them with the token header', async () => {
    const s = await login(url, 'alice', 'alice-password-1');
    const before = farm.server.farm.tree.size;
    const forged = await call(url, 'PUT', '/api/jobs', { headers: { Cookie: s.cookie }, body: { title: 'csrf', command: 'true' } });
    expect(forged.status).toBe(403);
    expect((forged.body as { error: { message: string } }).error.message).toContain('X-CSRF-Token');
    const wrong = await call(url, 'PUT', '/api/jobs', { headers: { Cookie: s.cookie, 'X-CSRF-Token': 'guess' }, body: { title: 'csrf', command: 'true' } });
    expect(wrong.status).toBe(403);
    expect(farm.server.farm.tree.size).toBe(before);
    const ok = await call(url, 'PUT', '/api/jobs', { headers: { Cookie: s.cookie, 'X-CSRF-Token': String(s.body.csrf) }, body: { title: 'from the UI', command: 'true' } });
    expect(ok.status).toBe(200);
    expect(farm.server.farm.tree.get(ok.body as number)!.user).toBe('alice');
  });

  it('ends the session at logout', async () => {
    const s = await login(url, 'vera', 'vera-password-12');
    const out = await call(url, 'DELETE', '/api/session', { headers: { Cookie: s.cookie, 'X-CSRF-Token': String(s.body.csrf) } });
    expect(out.status).toBe(200);
    expect(out.headers.get('set-cookie')).toContain('Max-Age=0');
    const after = await call(url, 'GET', '/api/jobs', { headers: { Cookie: s.cookie } });
    expect(after.status).toBe(401);
    expect((after.body as { error: { message: string } }).error.message).toContain('session has ended');
  });

  it('ends sessions when they expire (the server clock moved past sessionhours)', async () => {
    const s = await login(url, 'bob', 'bob-password-12');
    farm.clock.advance(2 * 3_600_000 - 1000);
    expect((await call(url, 'GET', '/api/jobs', { headers: { Cookie: s.cookie } })).status).toBe(200);
    farm.clock.advance(2000);
    expect((await call(url, 'GET', '/api/jobs', { headers: { Cookie: s.cookie } })).status).toBe(401);
  });

  it('rate-limits wrong passwords per user: even the right one waits, then works again', async () => {
    for (let i = 0; i < 3; i++) expect((await login(url, 'ada', 'wrong')).status).toBe(401);
    const locked = await login(url, 'ada', 'ada-password-123');
    expect(locked.status).toBe(429);
    expect(Number(locked.retryAfter)).toBeGreaterThan(0);
    expect(String((locked.body as { error: { message: string } }).error.message)).toContain('too many wrong passwords');
    expect((await login(url, 'wendy', 'wendy-password-1')).status).toBe(200); // other users are not locked out
    farm.clock.advance(Number(locked.retryAfter) * 1000);
    expect((await login(url, 'ada', 'ada-password-123')).status).toBe(200);
    expect(farm.server.audit.query({ action: 'login.failed', user: 'ada' }).total).toBe(3);
  });

  it('refuses unknown users and bad bodies the same way, without saying which part was wrong', async () => {
    expect((await login(url, 'nobody', 'whatever-123')).body).toMatchObject({ error: { code: 'auth', message: 'wrong user name or password' } });
    expect((await call(url, 'POST', '/api/session', { raw: 'user=ada&password=x', headers: { 'Content-Type': 'application/x-www-form-urlencoded' } })).status).toBe(400);
  });

  it('a cookie of one farm is useless on another, even under the other farm\'s cookie name', async () => {
    const other = await startTestFarm();
    try {
      const s = await login(url, 'wendy', 'wendy-password-1');
      const value = s.cookie.split('=')[1];
      const otherName = `coalition_session_${other.server.farmId}`;
      expect(otherName).not.toBe(s.cookie.split('=')[0]);
      for (const cookie of [s.cookie, `${otherName}=${value}`]) {
        expect((await call(other.server.url, 'GET', '/api/jobs', { headers: { Cookie: cookie } })).status).toBe(401);
      }
      const theirs = await login(other.server.url, 'wendy', 'wendy-password-1');
      expect((await call(url, 'GET', '/api/jobs', { headers: { Cookie: `${s.cookie.split('=')[0]}=${theirs.cookie.split('=')[1]}` } })).status).toBe(401);
    } finally {
      await other.stop();
    }
  });

  it('the admin token keeps working, and personal tokens can be listed and revoked by their owner', async () => {
    expect((await call(url, 'GET', '/api/session', { token: TEST_TOKENS.admin })).body).toMatchObject({ role: 'admin', via: 'admin-token' });
    const made = (await call(url, 'POST', '/api/users/me/tokens', { token: farm.tokens.bob, body: { label: 'laptop' } })).body as { id: string; token: string };
    expect(made.token).toMatch(/^cpt_/);
    const listed = (await call(url, 'GET', '/api/users/me/tokens', { token: made.token })).body as Array<Record<string, unknown>>;
    expect(listed.find((t) => t.id === made.id)).toMatchObject({ label: 'laptop' });
    expect(JSON.stringify(listed)).not.toContain(made.token);
    expect(JSON.stringify(listed)).not.toContain('digest');
    expect((await call(url, 'DELETE', `/api/users/me/tokens/${made.id}`, { token: farm.tokens.bob })).status).toBe(200);
    expect((await call(url, 'GET', '/api/jobs', { token: made.token })).status).toBe(401);
  });
});
