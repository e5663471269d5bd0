/**
 * The whole app (App, its router and stores) mounted on the fake people API, for page tests:
 * a fresh Pinia, storage and fake server before each test, everything stopped after it.
 */
import { flushPromises, mount, type VueWrapper } from '@vue/test-utils';
import { createPinia, setActivePinia } from 'pinia';
import { afterEach, beforeEach } from 'vitest';
import { createMemoryHistory, type Router } from 'vue-router';
import App from '../../renderer/src/App.vue';
import { createAppRouter } from '../../renderer/src/router.ts';
import { useLive } from '../../renderer/src/stores/live.ts';
import { settle } from './fake-server.ts';
import { fakeAccessServer, type FakeAccess, type FakeUser } from './fake-access-server.ts';

export interface AppHarness {
  /** The fake server of the running test. */
  readonly server: FakeAccess;
  /** Mounts the app on `path` (in place of one mounted before), once the server's answers are in. */
  open(path: string): Promise<{ wrapper: VueWrapper; router: Router }>;
}

/** Lets pending calls answer and the DOM follow. */
export async function settled(): Promise<void> {
  await settle();
  await flushPromises();
}

/** Registers the before/after hooks of a page test file; `prepare` fills the fake server. */
export function appHarness(people: Array<Pick<FakeUser, 'name' | 'role' | 'password'>>, prepare: (server: FakeAccess) => void = () => {}): AppHarness {
  let server: FakeAccess | undefined;
  let wrapper: VueWrapper | undefined;
  beforeEach(() => {
    setActivePinia(createPinia());
    localStorage.clear();
    server = fakeAccessServer(people);
    prepare(server);
  });
  afterEach(() => {
    useLive().stop();
    wrapper?.unmount();
    wrapper = undefined;
    server?.restore();
  });
  return {
    get server() {
      if (!server) throw new Error('the harness serves inside a test only');
      return server;
    },
    async open(path) {
      const router = createAppRouter(createMemoryHistory());
      await router.push(path);
      wrapper?.unmount();
      wrapper = mount(App, { global: { plugins: [router] }, attachTo: document.body });
      await settled();
      return { wrapper, router };
    },
  };
}
