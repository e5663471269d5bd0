import { flushPromises, mount } from '@vue/test-utils';
import { createPinia, setActivePinia } from 'pinia';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createMemoryHistory } from 'vue-router';
import App from '../../renderer/src/App.vue';
import JobTable from '../../renderer/src/components/JobTable.vue';
import { DEFAULT_COLUMNS } from '../../renderer/src/job-query.ts';
import { createAppRouter } from '../../renderer/src/router.ts';
import { useJobs } from '../../renderer/src/stores/jobs.ts';
import { useLive } from '../../renderer/src/stores/live.ts';
import { fakeServer, row, settle, type FakeServer } from './fake-server.ts';

let server: FakeServer;
let mounted: Array<{ unmount(): void }> = [];
beforeEach(() => {
  setActivePinia(createPinia());
  localStorage.clear();
});
afterEach(() => {
  for (const w of mounted) w.unmount();
  mounted = [];
  server.restore();
});

/** happy-dom lays nothing out: give the table's scroller a size so the virtualizer shows rows. */
function sized(el: Element) {
  Object.defineProperty(el, 'clientHeight', { value: 600, configurable: true });
  Object.defineProperty(el, 'offsetHeight', { value: 600, configurable: true });
  (el as HTMLElement).getBoundingClientRect = () => ({ width: 1200, height: 600, top: 0, left: 0, right: 1200, bottom: 600, x: 0, y: 0, toJSON() {} });
}

async function mountTable() {
  const wrapper = mount(JobTable, { props: { columns: DEFAULT_COLUMNS, widths: {} }, attachTo: document.body });
  mounted.push(wrapper);
  sized(wrapper.find('[data-testid="job-table"]').element);
  window.dispatchEvent(new Event('resize'));
  useJobs().ensureRange(0, 30);
  await settle();
  await flushPromises();
  return wrapper;
}

describe('JobTable', () => {
  it('renders the rows the server sent and shows a stream change in place', async () => {
    server = fakeServer(Array.from({ length: 50 }, (_, i) => row(i + 1)));
    const wrapper = await mountTable();
    const rows = wrapper.findAll('.row[data-id]');
    expect(rows.length).toBeGreaterThan(5);
    expect(rows.length).toBeLessThan(50); // virtualized: not every row is in the DOM
    server.rows[0] = row(1, { state: 'FINISHED' });
    useLive().dispatch('jobs', { seq: 1, changed: [{ id: 1, state: 'FINISHED' }], removed: [] });
    await wrapper.vm.$nextTick();
    expect(wrapper.find('.row[data-id="1"] [data-testid="state"]').text()).toBe('FINISHED');
  });

  it('selects with click, Ctrl+click and Shift+click; double-click opens', async () => {
    server = fakeServer(Array.from({ length: 50 }, (_, i) => row(i + 1)));
    const wrapper = await mountTable();
    const jobs = useJobs();
    const at = (id: number) => wrapper.find(`.row[data-id="${id}"]`);
    await at(2).trigger('click');
    expect([...jobs.selected]).toEqual([2]);
    await at(4).trigger('click', { ctrlKey: true });
    expect([...jobs.selected].sort()).toEqual([2, 4]);
    await at(2).trigger('click');
    await at(5).trigger('click', { shiftKey: true });
    expect([...jobs.selected].sort()).toEqual([2, 3, 4, 5]);
    await at(3).trigger('dblclick');
    expect(wrapper.emitted('open')?.[0]?.[0]).toMatchObject({ id: 3 });
  });

  it('moves and extends the selection with the keyboard, and passes action keys up', async () => {
    server = fakeServer(Array.from({ length: 50 }, (_, i) => row(i + 1)));
    const wrapper = await mountTable();
    const jobs = useJobs();
    const grid = wrapper.find('[data-testid="job-table"]');
    await grid.trigger('keydown', { key: ' ' });
    await grid.trigger('keydown', { key: 'ArrowDown', shiftKey: true });
    await grid.trigger('keydown', { key: 'ArrowDown', shiftKey: true });
    expect([...jobs.selected].sort()).toEqual([1, 2, 3]);
    await grid.trigger('keydown', { key: 'Delete' });
    expect(wrapper.emitted('key')?.[0]).toEqual(['Delete']);
    await grid.trigger('keydown', { key: 'Escape' });
    expect(jobs.selected.size).toBe(0);
  });
});

describe('sign-in', () => {
  it('asks for a token on 401, sends it as a header (not in the URL) and keeps it', async () => {
    server = fakeServer([]);
    server.status = 401;
    const router = createAppRouter(createMemoryHistory());
    await router.push('/jobs');
    const wrapper = mount(App, { global: { plugins: [router] }, attachTo: document.body });
    await settle();
    await flushPromises();
    expect(wrapper.find('[data-testid="token-input"]').exists()).toBe(true);
    server.status = 200;
    await wrapper.find('[data-testid="token-input"]').setValue('s3cret-token');
    await wrapper.find('form').trigger('submit');
    await settle();
    await flushPromises();
    expect(wrapper.find('[data-testid="token-input"]').exists()).toBe(false);
    expect(localStorage.getItem('coalition.token')).toBe('s3cret-token');
    expect(server.calls.some((c) => c.includes('s3cret'))).toBe(false);
    useLive().stop();
    wrapper.unmount();
  });

  it('does not ask when the session answers without a token (desktop window, --no-auth)', async () => {
    server = fakeServer([]);
    const router = createAppRouter(createMemoryHistory());
    await router.push('/jobs');
    const wrapper = mount(App, { global: { plugins: [router] }, attachTo: document.body });
    await settle();
    await flushPromises();
    expect(wrapper.find('[data-testid="token-input"]').exists()).toBe(false);
    useLive().stop();
    wrapper.unmount();
  });
});
