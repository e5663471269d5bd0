import { describe, expect, it } from 'vitest';
import { appHarness, settled } from './app-harness.ts';

const app = appHarness([{ name: 'alice', role: 'artist', password: 'a' }, { name: 'ada', role: 'admin', password: 'b' }], (server) => {
  server.session = 'ada';
});
const done = settled;

describe('the Users page', () => {
  it('creates a user, changes a role and deletes a user through /api/users', async () => {
    const { wrapper: w } = await app.open('/users');
    expect(w.findAll('[data-testid="users-table"] [data-user]').map((r) => r.attributes('data-user'))).toEqual(['alice', 'ada']);
    await w.find('[data-testid="new-user-name"]').setValue('carl');
    await w.find('[data-testid="new-user-role"]').setValue('viewer');
    await w.find('[data-testid="new-user-password"]').setValue('carl-password-1');
    await w.find('form[aria-label="New user"]').trigger('submit');
    await done();
    expect(app.server.calls.find((c) => c.method === 'PUT')!.body).toEqual({ name: 'carl', role: 'viewer', password: 'carl-password-1' });
    expect(w.find('[data-user="carl"]').exists()).toBe(true);
    await w.find('[data-user="alice"] select').setValue('wrangler');
    await done();
    expect(app.server.users.get('alice')!.role).toBe('wrangler');
    expect((w.find('[data-user="ada"] .danger').element as HTMLButtonElement).disabled).toBe(true); // not yourself
    await w.find('[data-user="carl"] .danger').trigger('click');
    await done();
    await w.find('dialog form').trigger('submit');
    await done();
    expect(app.server.users.has('carl')).toBe(false);
    expect(w.find('[data-user="carl"]').exists()).toBe(false);
  });

  it('sets a password through a masked field', async () => {
    const { wrapper: w } = await app.open('/users');
    const setPassword = w.findAll('[data-user="alice"] button').find((b) => b.text().startsWith('Set password'))!;
    await setPassword.trigger('click');
    await done();
    const input = w.find('[data-testid="prompt-input"]');
    expect(input.attributes('type')).toBe('password');
    await input.setValue('alice-new-password');
    await w.find('dialog form').trigger('submit');
    await done();
    expect(app.server.calls.some((c) => c.method !== 'GET' && JSON.stringify(c.body ?? '').includes('alice-new-password'))).toBe(true);
  });
});
