import { createRouter, createWebHistory, createMemoryHistory, type RouterHistory } from 'vue-router';
import JobsView from './views/JobsView.vue';

/**
 * The pages; the server answers each path with index.html (core/http/ui-static.ts). `meta.can`
 * names the capability of `GET /api/session` a page needs (App.vue says so when it is missing).
 */
export const routes = [
  { path: '/', redirect: '/jobs' },
  { path: '/jobs', name: 'jobs', component: JobsView, meta: { title: 'Jobs' } },
  { path: '/jobs/:id(\\d+)', name: 'job', component: () => import('./views/JobView.vue'), meta: { title: 'Job' } },
  { path: '/workers', name: 'workers', component: () => import('./views/WorkersView.vue'), meta: { title: 'Workers' } },
  { path: '/cloud', name: 'cloud', component: () => import('./views/CloudView.vue'), meta: { title: 'Cloud' } },
  { path: '/setup', name: 'setup', component: () => import('./views/SetupView.vue'), meta: { title: 'Setup', can: 'cloudAdmin' } },
  { path: '/events', name: 'events', component: () => import('./views/EventsView.vue'), meta: { title: 'Events' } },
  { path: '/affinities', name: 'affinities', component: () => import('./views/AffinitiesView.vue'), meta: { title: 'Affinities' } },
  { path: '/plugins', name: 'plugins', component: () => import('./views/PluginsView.vue'), meta: { title: 'Plugins' } },
  { path: '/account', name: 'account', component: () => import('./views/AccountView.vue'), meta: { title: 'My account' } },
  { path: '/audit', name: 'audit', component: () => import('./views/AuditView.vue'), meta: { title: 'Audit', can: 'readAudit' } },
  { path: '/users', name: 'users', component: () => import('./views/UsersView.vue'), meta: { title: 'Users', can: 'manageUsers' } },
  { path: '/:rest(.*)*', redirect: '/jobs' },
];

export function createAppRouter(history: RouterHistory = typeof window === 'undefined' ? createMemoryHistory() : createWebHistory()) {
  const router = createRouter({ history, routes });
  router.afterEach((to) => {
    if (typeof document !== 'undefined') document.title = `${String(to.meta.title ?? '')} · Coalition`;
  });
  return router;
}
