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
  for (let i = 1; i <= 120; i++) {
    const user = i % 2 ? 'alice' : 'bob';
    server.audit.unshift({ id: i, at: Date.UTC(2030, 0, 1, 0, i), actor: { user, role: 'artist', via: 'session' }, action: i % 3 ? 'job.submit' : 'job.delete', target: String(i), outcome: 200 });
  }
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
const auditCalls = () => server.calls.filter((c) => c.path.startsWith('/api/audit')).map((c) => c.path);

describe('the Audit page', () => {
  it('reads its filters from the URL, sends them to the server and pages with it', async () => {
    const router = createAppRouter(createMemoryHistory());
    await router.push('/audit?user=alice');
    wrapper = mount(App, { global: { plugins: [router] }, attachTo: document.body });
    await done();
    expect(auditCalls().at(-1)).toBe('/api/audit?user=alice&limit=50&offset=0');
    expect(wrapper.find('[data-testid="audit-count"]').text()).toBe('1–50 of 60');
    expect(wrapper.findAll('[data-testid="audit-table"] tbody tr').length).toBe(50);
    await wrapper.find('[data-testid="audit-older"]').trigger('click');
    await done();
    expect(router.currentRoute.value.query).toEqual({ user: 'alice', offset: '50' });
    expect(wrapper.find('[data-testid="audit-count"]').text()).toBe('51–60 of 60');
  });

  it('puts the filters typed in the form into the URL, times as ms for the server', async () => {
    const router = createAppRouter(createMemoryHistory());
    await router.push('/audit');
    wrapper = mount(App, { global: { plugins: [router] }, attachTo: document.body });
    await done();
    await wrapper.find('[data-testid="audit-action"]').setValue('job.delete');
    await wrapper.find('[data-testid="audit-since"]').setValue('2030-01-01T00:30');
    await wrapper.find('form[aria-label="Filter the audit log"]').trigger('submit');
    await done();
    expect(router.currentRoute.value.query).toEqual({ action: 'job.delete', since: '2030-01-01T00:30' });
    expect(auditCalls().at(-1)).toBe(`/api/audit?action=job.delete&since=${new Date('2030-01-01T00:30').getTime()}&limit=50&offset=0`);
    expect(wrapper.findAll('[data-action="job.submit"]').length).toBe(0);
  });
});
