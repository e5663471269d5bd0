import type { VueWrapper } from '@vue/test-utils';
import { describe, expect, it } from 'vitest';
import { post } from '../../renderer/src/api/http.ts';
import { appHarness, settled } from './app-harness.ts';

const app = appHarness([{ name: 'alice', role: 'artist', password: 'alice-password-1' }, { name: 'ada', role: 'admin', password: 'ada-password-123' }]);
const done = settled;

const open = (path = '/jobs') => app.open(path);

async function logIn(w: VueWrapper, user: string, password: string) {
  await w.find('[data-testid="login-user"]').setValue(user);
  await w.find('[data-testid="login-password"]').setValue(password);
  await w.find('form[aria-label="Log in with a password"]').trigger('submit');
  await done();
}

describe('password login', () => {
  it('offers a password login when the 401 says so, keeps the token paste, and shows who is in', async () => {
    const { wrapper: w } = await open();
    expect(w.find('[data-testid="login-user"]').exists()).toBe(true);
    expect(w.find('[data-testid="token-input"]').exists()).toBe(true); // inside "Use a token instead"
    await logIn(w, 'alice', 'alice-password-1');
    expect(w.find('[data-testid="login-user"]').exists()).toBe(false);
    expect(w.find('[data-testid="whoami"]').text()).toContain('alice');
    expect(w.find('[data-testid="whoami-role"]').text()).toBe('artist');
    expect(localStorage.getItem('coalition.token')).toBeNull(); // the session is in the cookie, nothing in storage
    expect(app.server.calls.some((c) => c.path.includes('password'))).toBe(false);
  });

  it("shows the server's message for a wrong password and for the rate limit", async () => {
    const { wrapper: w } = await open();
    await logIn(w, 'alice', 'nope');
    expect(w.find('[role="alert"]').text()).toBe('wrong user name or password');
    expect((w.find('[data-testid="login-password"]').element as HTMLInputElement).value).toBe('');
    await logIn(w, 'alice', 'nope');
    await logIn(w, 'alice', 'nope');
    await logIn(w, 'alice', 'alice-password-1');
    expect(w.find('[role="alert"]').text()).toBe('too many wrong passwords: try again in 60 s');
    expect(w.find('[data-testid="whoami"]').exists()).toBe(false);
  });

  it('sends the CSRF token on state-changing calls of a cookie session, not on reads', async () => {
    const { wrapper: w } = await open();
    await logIn(w, 'alice', 'alice-password-1');
    app.server.calls = [];
    await post('/api/pausejobs', [1]);
    await w.vm.$nextTick();
    const pause = app.server.calls.find((c) => c.path === '/api/pausejobs')!;
    expect(pause.headers.get('x-csrf-token')).toBe(app.server.csrf);
    expect(pause.headers.get('authorization')).toBeNull();
    const reads = app.server.calls.filter((c) => c.method === 'GET');
    expect(reads.every((c) => !c.headers.has('x-csrf-token'))).toBe(true);
  });

  it('picks the CSRF token up again from GET /api/session after a reload', async () => {
    app.server.session = 'alice'; // the cookie survived the reload
    const { wrapper: w } = await open();
    expect(w.find('[data-testid="whoami"]').text()).toContain('alice');
    await post('/api/startjobs', [1]);
    expect(app.server.calls.find((c) => c.path === '/api/startjobs')!.headers.get('x-csrf-token')).toBe(app.server.csrf);
  });

  it('logs out with DELETE /api/session (with its CSRF token) and returns to the login', async () => {
    const { wrapper: w } = await open();
    await logIn(w, 'alice', 'alice-password-1');
    await w.find('[data-testid="logout"]').trigger('click');
    await done();
    const logout = app.server.calls.find((c) => c.method === 'DELETE' && c.path === '/api/session')!;
    expect(logout.headers.get('x-csrf-token')).toBe(app.server.csrf);
    expect(app.server.session).toBeNull();
    expect(w.find('[data-testid="login-user"]').exists()).toBe(true);
    expect(w.find('[data-testid="whoami"]').exists()).toBe(false);
  });

  it('asks for a login again when the session ends under the page, but a 403 only refuses that action', async () => {
    const { wrapper: w } = await open();
    await logIn(w, 'alice', 'alice-password-1');
    app.server.csrf = 'rotated'; // the next unsafe call is refused with 403
    await expect(post('/api/pausejobs', [1])).rejects.toMatchObject({ status: 403 });
    await done();
    expect(w.find('[data-testid="whoami"]').exists()).toBe(true);
    app.server.session = null; // the session ended on the server
    await expect(post('/api/pausejobs', [1])).rejects.toMatchObject({ status: 401 });
    await done();
    expect(w.find('[role="alert"]').text()).toContain('session has ended');
    expect(w.find('[data-testid="login-user"]').exists()).toBe(true);
  });
});
