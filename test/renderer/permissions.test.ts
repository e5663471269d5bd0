import { mount } from '@vue/test-utils';
import { createPinia, setActivePinia } from 'pinia';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { capabilities, type UserRole } from '../../core/access/policy.ts';
import BulkActions from '../../renderer/src/components/BulkActions.vue';
import { useJobs } from '../../renderer/src/stores/jobs.ts';
import { useSession } from '../../renderer/src/stores/session.ts';
import { useToasts } from '../../renderer/src/stores/toasts.ts';
import { row, settle } from './fake-server.ts';

beforeEach(() => setActivePinia(createPinia()));
afterEach(() => vi.unstubAllGlobals());

/** The session as `GET /api/session` answers it for `user` with `role` (capabilities from the real policy). */
function as(user: string, role: UserRole) {
  const session = useSession();
  session.info = { role, user, auth: 'token', via: 'session', can: capabilities({ role, user, via: 'session', key: '' }) };
  session.state = 'ok';
  return session;
}

function bulkWith(selected: number[]) {
  const jobs = useJobs();
  jobs.byId.set(1, row(1, { user: 'alice' }));
  jobs.byId.set(2, row(2, { user: 'bob' }));
  jobs.selected = new Set(selected);
  return mount(BulkActions, { global: { stubs: { RouterLink: true } } });
}
const button = (w: ReturnType<typeof bulkWith>, id: string) => w.find(`[data-testid="${id}"]`).element as HTMLButtonElement;

describe('what the page offers each role', () => {
  it('lets an artist act on their own jobs', () => {
    as('alice', 'artist');
    const w = bulkWith([1]);
    expect(button(w, 'bulk-delete').disabled).toBe(false);
    expect(button(w, 'bulk-pause').disabled).toBe(false);
  });

  it("disables an artist's actions on someone else's job and says why", () => {
    as('alice', 'artist');
    const w = bulkWith([1, 2]);
    expect(button(w, 'bulk-delete').disabled).toBe(true);
    expect(button(w, 'bulk-delete').title).toBe('alice (artist) may delete only their own jobs; job 2 belongs to "bob"');
    expect(button(w, 'bulk-pause').title).toContain('may edit only their own jobs');
    expect(w.find('[data-testid="bulk-why"]').text()).toContain('job 2 belongs to "bob"');
  });

  it('lets a wrangler edit any job but delete only their own', () => {
    as('wendy', 'wrangler');
    const w = bulkWith([2]);
    expect(button(w, 'bulk-pause').disabled).toBe(false);
    expect(button(w, 'bulk-delete').disabled).toBe(true);
  });

  it('shows a viewer no bulk actions at all', () => {
    as('vera', 'viewer');
    const w = bulkWith([1]);
    expect(w.find('[data-testid="bulk-delete"]').exists()).toBe(false);
    expect(w.find('[data-testid="read-only"]').text()).toContain('vera (viewer) may not edit jobs');
  });

  it('offers everything when the server sends no capabilities (auth off)', () => {
    const session = useSession();
    session.info = { role: 'admin', user: null, auth: 'none' };
    const w = bulkWith([2]);
    expect(button(w, 'bulk-delete').disabled).toBe(false);
    expect(session.whyNot('cloudAdmin')).toBe('');
  });

  it('names the credential of a token without an account', () => {
    const session = useSession();
    session.info = { role: 'viewer', user: null, auth: 'token', via: 'personal-token', can: capabilities({ role: 'viewer', user: null, via: 'personal-token', key: '' }) };
    expect(session.whyNot('manageWorkers')).toBe('this personal token (viewer) may not manage workers');
  });

  it('shows the server\'s 403 in a toast and stays signed in when the server refuses what the page offered', async () => {
    const session = as('alice', 'artist');
    const message = 'user "alice" (artist) may delete only their own jobs; job 7 belongs to "bob"';
    vi.stubGlobal('fetch', async () => new Response(JSON.stringify({ error: { code: 'forbidden', message } }), { status: 403 }));
    const jobs = useJobs();
    jobs.selected = new Set([7]); // not loaded here: the page cannot tell whose it is, the server can
    const w = mount(BulkActions, { attachTo: document.body, global: { stubs: { RouterLink: true } } });
    await w.find('[data-testid="bulk-delete"]').trigger('click');
    await w.find('dialog form').trigger('submit');
    await settle();
    expect(useToasts().items.map((t) => t.text)).toEqual([`Deleting job 7 refused: ${message} (DELETE /api/jobs, 403)`]);
    expect(session.state).toBe('ok');
    w.unmount();
  });
});
