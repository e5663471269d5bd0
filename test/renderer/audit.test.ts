import { describe, expect, it } from 'vitest';
import { appHarness, settled } from './app-harness.ts';

const app = appHarness([{ name: 'alice', role: 'artist', password: 'a' }, { name: 'ada', role: 'admin', password: 'b' }], (server) => {
  server.session = 'ada';
  for (let i = 1; i <= 120; i++) {
    const user = i % 2 ? 'alice' : 'bob';
    server.audit.unshift({ id: i, at: Date.UTC(2030, 0, 1, 0, i), actor: { user, role: 'artist', via: 'session' }, action: i % 3 ? 'job.submit' : 'job.delete', target: String(i), outcome: 200 });
  }
});
const done = settled;

const auditCalls = () => app.server.calls.filter((c) => c.path.startsWith('/api/audit')).map((c) => c.path);

describe('the Audit page', () => {
  it('reads its filters from the URL, sends them to the server and pages with it', async () => {
    const { wrapper: w, router } = await app.open('/audit?user=alice');
    expect(auditCalls().at(-1)).toBe('/api/audit?user=alice&limit=50&offset=0');
    expect(w.find('[data-testid="audit-count"]').text()).toBe('1–50 of 60');
    expect(w.findAll('[data-testid="audit-table"] tbody tr').length).toBe(50);
    await w.find('[data-testid="audit-older"]').trigger('click');
    await done();
    expect(router.currentRoute.value.query).toEqual({ user: 'alice', offset: '50' });
    expect(w.find('[data-testid="audit-count"]').text()).toBe('51–60 of 60');
  });

  it('puts the filters typed in the form into the URL, times as ms for the server', async () => {
    const { wrapper: w, router } = await app.open('/audit');
    await w.find('[data-testid="audit-action"]').setValue('job.delete');
    await w.find('[data-testid="audit-since"]').setValue('2030-01-01T00:30');
    await w.find('form[aria-label="Filter the audit log"]').trigger('submit');
    await done();
    expect(router.currentRoute.value.query).toEqual({ action: 'job.delete', since: '2030-01-01T00:30' });
    expect(auditCalls().at(-1)).toBe(`/api/audit?action=job.delete&since=${new Date('2030-01-01T00:30').getTime()}&limit=50&offset=0`);
    expect(w.findAll('[data-action="job.submit"]').length).toBe(0);
  });
});
