import { mount } from '@vue/test-utils';
import { createPinia, setActivePinia } from 'pinia';
import { beforeEach, describe, expect, it } from 'vitest';
import { capabilities, type UserRole } from '../../core/access/policy.ts';
import BulkActions from '../../renderer/src/components/BulkActions.vue';
import { useJobs } from '../../renderer/src/stores/jobs.ts';
import { useSession } from '../../renderer/src/stores/session.ts';
import { row } from './fake-server.ts';

beforeEach(() => setActivePinia(createPinia()));

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
});
