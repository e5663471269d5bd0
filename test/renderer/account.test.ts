import { flushPromises, mount, type VueWrapper } from '@vue/test-utils';
import { createPinia, setActivePinia } from 'pinia';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createMemoryHistory } from 'vue-router';
import App from '../../renderer/src/App.vue';
import { createAppRouter } from '../../renderer/src/router.ts';
import { useLive } from '../../renderer/src/stores/live.ts';
import { settle } from './fake-server.ts';
import { fakeAccessServer, type FakeAccess } from './fake-access-server.ts';

let server: FakeAccess;
let wrapper: VueWrapper | undefined;
beforeEach(() => {
  setActivePinia(createPinia());
  localStorage.clear();
  server = fakeAccessServer([{ name: 'alice', role: 'artist', password: 'alice-password-1' }, { name: 'ada', role: 'admin', password: 'ada-password-123' }]);
});
afterEach(() => {
  useLive().stop();
  wrapper?.unmount();
  wrapper = undefined;
  server.restore();
});
const done = async () => {
  await settle();
  await flushPromises();
};

async function openAs(user: string, path: string) {
  server.session = user;
  const router = createAppRouter(createMemoryHistory());
  await router.push(path);
  wrapper = mount(App, { global: { plugins: [router] }, attachTo: document.body });
  await done();
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
    const secret = server.users.get('alice')!.tokens[0].token;
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
    const id = server.users.get('alice')!.tokens[0].id;
    await w.find(`[data-testid="revoke-${id}"]`).trigger('click');
    await done();
    await w.find('dialog form').trigger('submit');
    await done();
    expect(server.users.get('alice')!.tokens).toEqual([]);
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
    const change = server.calls.find((c) => c.method === 'POST' && c.path === '/api/users/me')!;
    expect(change.body).toEqual({ currentPassword: 'alice-password-1', password: 'a-new-password' });
    expect(change.headers.get('x-csrf-token')).toBe(server.csrf);
    expect(w.find('[data-testid="login-problem"]').text()).toContain('log in with the new one');
  });

  it('shows the Audit and Users links to an administrator only, and a refusal page to others', async () => {
    const { w, router } = await openAs('alice', '/audit');
    expect(w.find('nav').text()).not.toContain('Audit');
    expect(w.find('nav').text()).not.toContain('Setup');
    expect(w.find('[data-testid="page-refused"]').text()).toContain('alice (artist) may not read the audit log');
    expect(server.calls.some((c) => c.path.startsWith('/api/audit'))).toBe(false);
    await router.push('/jobs');
    wrapper!.unmount();
    const admin = await openAs('ada', '/jobs');
    expect(admin.w.find('nav').text()).toContain('Audit');
    expect(admin.w.find('nav').text()).toContain('Users');
  });
});
