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
  server = fakeAccessServer([{ name: 'alice', role: 'artist', password: 'a' }, { name: 'ada', role: 'admin', password: 'b' }]);
  server.session = 'ada';
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

describe('the Users page', () => {
  it('creates a user, changes a role and deletes a user through /api/users', async () => {
    const router = createAppRouter(createMemoryHistory());
    await router.push('/users');
    const w = (wrapper = mount(App, { global: { plugins: [router] }, attachTo: document.body }));
    await done();
    expect(w.findAll('[data-testid="users-table"] [data-user]').map((r) => r.attributes('data-user'))).toEqual(['alice', 'ada']);
    await w.find('[data-testid="new-user-name"]').setValue('carl');
    await w.find('[data-testid="new-user-role"]').setValue('viewer');
    await w.find('[data-testid="new-user-password"]').setValue('carl-password-1');
    await w.find('form[aria-label="New user"]').trigger('submit');
    await done();
    expect(server.calls.find((c) => c.method === 'PUT')!.body).toEqual({ name: 'carl', role: 'viewer', password: 'carl-password-1' });
    expect(w.find('[data-user="carl"]').exists()).toBe(true);
    await w.find('[data-user="alice"] select').setValue('wrangler');
    await done();
    expect(server.users.get('alice')!.role).toBe('wrangler');
    expect((w.find('[data-user="ada"] .danger').element as HTMLButtonElement).disabled).toBe(true); // not yourself
    await w.find('[data-user="carl"] .danger').trigger('click');
    await done();
    await w.find('dialog form').trigger('submit');
    await done();
    expect(server.users.has('carl')).toBe(false);
    expect(w.find('[data-user="carl"]').exists()).toBe(false);
  });

  it('sets a password through a masked field', async () => {
    const router = createAppRouter(createMemoryHistory());
    await router.push('/users');
    const w = (wrapper = mount(App, { global: { plugins: [router] }, attachTo: document.body }));
    await done();
    const setPassword = w.findAll('[data-user="alice"] button').find((b) => b.text().startsWith('Set password'))!;
    await setPassword.trigger('click');
    await done();
    const input = w.find('[data-testid="prompt-input"]');
    expect(input.attributes('type')).toBe('password');
    await input.setValue('alice-new-password');
    await w.find('dialog form').trigger('submit');
    await done();
    expect(server.calls.some((c) => c.method !== 'GET' && JSON.stringify(c.body ?? '').includes('alice-new-password'))).toBe(true);
  });
});
