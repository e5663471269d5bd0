import { describe, expect, it } from 'vitest';
import { appHarness, settled } from './app-harness.ts';

const app = appHarness([{ name: 'alice', role: 'artist', password: 'alice-password-1' }, { name: 'ada', role: 'admin', password: 'ada-password-123' }]);
const done = settled;

async function openAs(user: string, path: string) {
  app.server.session = user;
  const { wrapper, router } = await app.open(path);
  return { w: wrapper, router };
}

describe('My account', () => {
  it('shows the user and role, makes a token whose secret is shown once, and revokes it', async () => {
    const { w, router } = await openAs('alice', '/account');
    expect(w.find('[data-testid="account-name"]').text()).toBe('alice');
    expect(w.find('[data-testid="account-role"]').text()).toBe('artist');
    await w.find('[data-testid="token-label"]').setValue('maya');
    await w.find('[data-testid="create-token"]').trigger('click');
    await done();
    const secret = app.server.users.get('alice')!.tokens[0].token;
    expect((w.find('[data-testid="new-token-secret"]').element as HTMLInputElement).value).toBe(secret);
    expect(w.find('[data-testid="token-list"]').text()).toContain('maya');
    expect(w.find('[data-testid="token-list"]').text()).not.toContain(secret);
    // leave and come back: the secret is gone for good, the token stays listed
    await router.push('/jobs');
    await done();
    await router.push('/account');
    await done();
    expect(w.find('[data-testid="new-token"]').exists()).toBe(false);
    expect(w.html()).not.toContain(secret);
    const id = app.server.users.get('alice')!.tokens[0].id;
    await w.find(`[data-testid="revoke-${id}"]`).trigger('click');
    await done();
    await w.find('dialog form').trigger('submit');
    await done();
    expect(app.server.users.get('alice')!.tokens).toEqual([]);
    expect(w.find('[data-testid="no-tokens"]').exists()).toBe(true);
  });

  it('sends the current password with a new one, then asks for a login again', async () => {
    const { w } = await openAs('alice', '/account');
    const inputs = w.findAll('input[type="password"]');
    await inputs[0].setValue('alice-password-1');
    await inputs[1].setValue('a-new-password');
    await inputs[2].setValue('a-new-password');
    await inputs[0].element.closest('form')!.dispatchEvent(new Event('submit'));
    await done();
    const change = app.server.calls.find((c) => c.method === 'POST' && c.path === '/api/users/me')!;
    expect(change.body).toEqual({ currentPassword: 'alice-password-1', password: 'a-new-password' });
    expect(change.headers.get('x-csrf-token')).toBe(app.server.csrf);
    expect(w.find('[data-testid="login-problem"]').text()).toContain('log in with the new one');
  });

  it('shows the Audit and Users links to an administrator only, and a refusal page to others', async () => {
    const { w, router } = await openAs('alice', '/audit');
    expect(w.find('nav').text()).not.toContain('Audit');
    expect(w.find('nav').text()).not.toContain('Setup');
    expect(w.find('[data-testid="page-refused"]').text()).toContain('alice (artist) may not read the audit log');
    expect(app.server.calls.some((c) => c.path.startsWith('/api/audit'))).toBe(false);
    await router.push('/jobs');
    w.unmount();
    const admin = await openAs('ada', '/jobs');
    expect(admin.w.find('nav').text()).toContain('Audit');
    expect(admin.w.find('nav').text()).toContain('Users');
  });
});
