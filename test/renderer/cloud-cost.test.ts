import { flushPromises, mount, type VueWrapper } from '@vue/test-utils';
import { createPinia, setActivePinia } from 'pinia';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { defaultScalerSettings } from '../../core/scaler/settings.ts';
import type { BudgetStatus } from '../../core/scaler/budget.ts';
import type { CloudAlert } from '../../core/scaler/alerts.ts';
import BudgetsPanel from '../../renderer/src/components/BudgetsPanel.vue';
import CloudAlerts from '../../renderer/src/components/CloudAlerts.vue';
import SubmitJobDialog from '../../renderer/src/components/SubmitJobDialog.vue';
import { formatCost, formatMoney } from '../../renderer/src/format.ts';
import JobTable from '../../renderer/src/components/JobTable.vue';
import { DEFAULT_COLUMNS } from '../../renderer/src/job-query.ts';
import { useJobs } from '../../renderer/src/stores/jobs.ts';
import { costApi, refusal, type CostApi } from './cost-fake-api.ts';
import { fakeServer, row, settle } from './fake-server.ts';

let api: CostApi;
let mounted: VueWrapper[] = [];
beforeEach(() => setActivePinia(createPinia()));
afterEach(() => {
  for (const w of mounted) w.unmount();
  mounted = [];
  api?.restore();
});
const keep = <T extends VueWrapper>(w: T) => (mounted.push(w), w);

describe('money', () => {
  it('shows cents of cents under a dollar, and a dash for a job that cost nothing', () => {
    expect([0.01234, 0.5, 4.567, 1234.5, 0, 0.00001].map(formatMoney)).toEqual(['$0.0123', '$0.5000', '$4.57', '$1,235', '$0.00', '<$0.0001']);
    expect([0, undefined, 0.0421].map(formatCost)).toEqual(['—', '—', '$0.0421']);
  });
});

describe('the Cost column', () => {
  it("shows each job's cost, a group's subtree sum, and a dash for none, with the exact amount in the tooltip", async () => {
    const server = fakeServer([row(1, { is_parent: true, has_children: true, cost: 0.0421, title: 'shot' }), row(2, { cost: 0.012345 }), row(3)]);
    api = { calls: [], routes: {}, restore: server.restore };
    const w = keep(mount(JobTable, { props: { columns: DEFAULT_COLUMNS, widths: {} }, attachTo: document.body }));
    const el = w.find('[data-testid="job-table"]').element as HTMLElement;
    Object.defineProperty(el, 'clientHeight', { value: 600, configurable: true });
    Object.defineProperty(el, 'offsetHeight', { value: 600, configurable: true });
    el.getBoundingClientRect = () => ({ width: 1600, height: 600, top: 0, left: 0, right: 1600, bottom: 600, x: 0, y: 0, toJSON() {} });
    window.dispatchEvent(new Event('resize'));
    useJobs().ensureRange(0, 30);
    await settle();
    await flushPromises();
    const cost = (id: number) => w.find(`.row[data-id="${id}"] [data-col="cost"]`);
    expect([1, 2, 3].map((id) => cost(id).text())).toEqual(['$0.0421', '$0.0123', '—']);
    expect(cost(1).attributes('title')).toBe('Cost of the jobs in this group so far: $0.042100');
    expect(cost(3).attributes('title')).toBe('No cost: this job has not run on a paid instance');
    expect(w.find('[role="columnheader"] button.sort:last-of-type').exists()).toBe(true);
    expect(w.findAll('[role="columnheader"]').map((h) => h.text()).at(-1)).toBe('Cost');
  });
});

const line = (limit: number | null, spent: number, state: BudgetStatus['perDay']['state']) => ({ limit, spent, fraction: limit === null ? null : spent / limit, state });
const budgets: BudgetStatus = { perHour: line(null, 0.5, 'none'), perDay: line(2, 1.8, 'alert'), perMonth: line(null, 9, 'none'), alertAt: 0.8, action: 'stop-launching', stopLaunching: false, stopJobs: false };
const settings = { ...defaultScalerSettings, budgetPerDay: 2 };

describe('BudgetsPanel', () => {
  it("shows each budget's state and sends a change; a refused one shows the server's reason and keeps the form", async () => {
    api = costApi({ 'POST /api/cloud/settings': (body) => ((body as { budgetPerDay: unknown }).budgetPerDay === -1 ? refusal('invalid cloud setting: budgetPerDay: Too small: expected number to be >0') : { body: { ...settings, ...(body as object) } }) });
    const w = keep(mount(BudgetsPanel, { props: { budgets, settings } }));
    expect(w.find('[data-budget="day"]').text()).toMatch(/Daily\s*past the alert threshold\s*\$1\.80 of \$2\.00 \(90%, spent today \(UTC\)\)/);
    expect(w.find('[data-budget="month"]').text()).toContain('no limit');
    await w.find('input[name="budgetPerDay"]').setValue('-1');
    await w.find('form').trigger('submit');
    await flushPromises();
    expect(w.find('[data-testid="budget-problem"]').text()).toBe('Refused: invalid cloud setting: budgetPerDay: Too small: expected number to be >0');
    expect((w.find('input[name="budgetPerDay"]').element as HTMLInputElement).value).toBe('-1');

    await w.find('input[name="budgetPerDay"]').setValue('');
    await w.find('input[name="budgetPerMonth"]').setValue('abc'); // not a number: sent as typed, for the server to name
    await w.find('input[name="budgetAlertPercent"]').setValue('90');
    await w.find('select[name="budgetAction"]').setValue('stop-jobs');
    await w.find('form').trigger('submit');
    await flushPromises();
    expect(api.calls.filter((c) => c.path === '/api/cloud/settings').at(-1)!.body).toEqual({ budgetPerDay: null, budgetPerMonth: 'abc', budgetAlertFraction: 0.9, budgetAction: 'stop-jobs' });
  });
});

describe('the cloud page for someone who may not change it', () => {
  it('shows the budgets read-only with the reason, and Acknowledge disabled saying why', async () => {
    api = costApi({});
    const why = 'ana (artist) may not change cloud settings, setups or plugins';
    const panel = keep(mount(BudgetsPanel, { props: { budgets, settings, readOnly: why } }));
    expect(panel.find('[data-testid="budgets-read-only"]').text()).toBe(`${why}.`);
    expect((panel.find('input[name="budgetPerDay"]').element as HTMLInputElement).disabled).toBe(true);
    expect((panel.find('button[type="submit"]').element as HTMLButtonElement).disabled).toBe(true);
    const runaway = alert({ code: 'boot-deadline-missed', key: 'boot-deadline-missed', severity: 'error', acknowledgeable: true });
    const alerts = keep(mount(CloudAlerts, { props: { alerts: [runaway], readOnly: 'ana (artist) may not terminate cloud instances' } }));
    const ack = alerts.find('button');
    expect((ack.element as HTMLButtonElement).disabled).toBe(true);
    expect(ack.attributes('title')).toBe('ana (artist) may not terminate cloud instances');
    await ack.trigger('click');
    await flushPromises();
    expect(api.calls).toEqual([]);
  });
});

const alert = (over: Partial<CloudAlert>): CloudAlert => ({ code: 'budget-threshold', key: 'budget-day', severity: 'warning', message: 'Spent 1.8 today', since: Date.now() - 60_000, causes: [{ cause: 'The farm spent 80%.', howToCheck: 'GET /api/cloud' }], acknowledgeable: false, ...over });

describe('CloudAlerts', () => {
  it('shows causes with how to check them; Acknowledge only where the server accepts it, and its refusal', async () => {
    api = costApi({ 'POST /api/cloud/alerts/boot-deadline-missed/acknowledge': refusal('alert boot-deadline-missed is not raised', 404) });
    const runaway = alert({ code: 'boot-deadline-missed', key: 'boot-deadline-missed', severity: 'error', acknowledgeable: true, message: '2 instance(s) never became workers', causes: [{ cause: 'Wrong server URL', howToCheck: 'curl -sS http://10.0.0.1:19211/api/session' }], details: { wastedCost: 0.0123, instances: ['i-1', 'i-2'], missesInARow: 2 } });
    const w = keep(mount(CloudAlerts, { props: { alerts: [alert({}), runaway] } }));
    const [budget, boot] = w.findAll('[data-testid="cloud-alert"]');
    expect(budget.text()).toMatch(/Warning\s*Budget nearly spent[\s\S]*The farm spent 80%\.\s*GET \/api\/cloud[\s\S]*Clears by itself/);
    expect(budget.find('button').exists()).toBe(false);
    expect(boot.text()).toMatch(/Error\s*Instances never became workers[\s\S]*\$0\.0123 spent on instances that never worked · instances: i-1, i-2/);
    expect(boot.find('code').text()).toBe('curl -sS http://10.0.0.1:19211/api/session');
    await boot.find('button').trigger('click');
    await flushPromises();
    expect(api.calls.map((c) => `${c.method} ${c.path}`)).toContain('POST /api/cloud/alerts/boot-deadline-missed/acknowledge');
    expect(boot.text()).toContain('Refused: alert boot-deadline-missed is not raised');
  });
});

const anEstimate = (over: object = {}) => ({ policy: 'cost', jobs: 1, cost: 0.0191, costWithQueue: 0.0191, costOfQueue: 0, lowerBound: 0.0173, finishInSeconds: 1908, finishAt: Date.UTC(2026, 0, 5, 9, 31, 48), unservableJobs: 0, plan: [{ atSeconds: 0, instanceType: 't3.micro', market: 'on-demand', count: 5 }], pools: [{ instanceType: 't3.micro', market: 'on-demand', instances: 5 }], peakInstances: 5, assumptions: [], warnings: [], ...over });

async function dialog() {
  const w = keep(mount(SubmitJobDialog, { props: { parent: 0, parentTitle: 'the top level' }, attachTo: document.body }));
  await flushPromises();
  return w;
}
const estimateCalls = () => api.calls.filter((c) => c.path === '/api/cloud/estimate');

describe('the estimate in SubmitJobDialog', () => {
  it('asks once the inputs rest, shows cost, finish and plan, and Submit sends the job as before', async () => {
    api = costApi({ 'GET /api/cloud': { body: { provider: 'aws' } }, 'POST /api/cloud/estimate': (body) => ({ body: anEstimate({ jobs: ((body as { jobs: { children?: unknown[] } }).jobs.children ?? [1]).length }) }), 'PUT /api/jobs': { body: 42 } });
    const w = await dialog();
    for (const text of ['r', 're', 'render.sh']) await w.find('input[name="command"]').setValue(text);
    await w.find('input[name="estimateSeconds"]').setValue('300');
    await vi.waitFor(() => expect(w.find('[data-testid="estimate-cost"]').exists()).toBe(true));
    expect(estimateCalls()).toHaveLength(1); // the typing rested once
    expect(estimateCalls()[0].body).toMatchObject({ jobs: { command: 'render.sh', priority: 1000 }, seconds: 300 });
    expect(w.find('[data-testid="estimate-cost"]').text()).toMatch(/^\$0\.0191 for 1 job\(s\); the work alone at least \$0\.0173/);
    expect(w.find('[data-testid="estimate-finish"]').text()).toMatch(/^in 31m 48s \(at /);
    expect(w.find('[data-testid="estimate-plan"]').text()).toMatch(/^5 × t3\.micro on-demand \(at most 5 at once, cost policy\)/);

    await w.find('input[value="frames"]').setValue(true);
    await w.find('input[name="command"]').setValue('render.sh {frame}');
    await w.find('input[name="last"]').setValue('3');
    await vi.waitFor(() => expect(w.find('[data-testid="estimate-cost"]').text()).toContain('for 3 job(s)'));
    await w.find('form').trigger('submit');
    await flushPromises();
    const submitted = api.calls.find((c) => c.method === 'PUT')!.body as { children: Array<Record<string, unknown>> };
    expect(submitted.children.map((c) => c.command)).toEqual(['render.sh 1', 'render.sh 2', 'render.sh 3']);
    expect(JSON.stringify(submitted)).not.toContain('seconds');
    expect(w.emitted('close')).toEqual([[42]]);
  });

  it("shows the server's refusal, says plainly when the farm is not in cloud mode, and when local workers cost nothing", async () => {
    api = costApi({ 'POST /api/cloud/estimate': refusal('1 job(s) have no expected duration: give "seconds"') });
    let w = await dialog();
    await w.find('input[name="command"]').setValue('render.sh');
    await vi.waitFor(() => expect(w.find('[data-testid="estimate-refused"]').text()).toBe('No estimate: 1 job(s) have no expected duration: give "seconds"'));
    w.unmount();

    api.routes['POST /api/cloud/estimate'] = refusal('no such endpoint: POST /api/cloud/estimate', 404);
    w = await dialog();
    await w.find('input[name="command"]').setValue('render.sh');
    await vi.waitFor(() => expect(w.find('[data-testid="estimate-off"]').text()).toMatch(/not in cloud mode .* costs nothing here/));
    expect(w.find('[data-testid="estimate-refused"]').exists()).toBe(false);
    w.unmount();

    api.routes['GET /api/cloud'] = { body: { provider: 'local' } };
    api.routes['POST /api/cloud/estimate'] = { body: anEstimate({ cost: 0, costWithQueue: 0, lowerBound: 0, pools: [{ instanceType: 'local', market: 'on-demand', instances: 1 }] }) };
    w = await dialog();
    await w.find('input[name="command"]').setValue('render.sh');
    await vi.waitFor(() => expect(w.find('[data-testid="estimate-local"]').text()).toContain('it costs $0'));
  });
});
