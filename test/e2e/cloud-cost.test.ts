/**
 * Cloud mode you can trust with your money, in Chromium against real servers: the local
 * provider's real worker processes priced at $36/h (a cent a second) so jobs, groups and days
 * cost something; a server in `servermode = normal`; and a server in this process whose
 * workers can never call in (a dead `publicurl`), driven by its clock to the runaway alert.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeClock } from '../../core/clock.ts';
import { createLogger } from '../../core/logger.ts';
import { startServer } from '../../core/server.ts';
import { api, freePort, killAll, removeDir, startServerProcess, tempDir, TEST_TOKENS, waitFor, type ServerProc } from '../helpers/processes.ts';
import { launchChromium, screenshot } from './browser.ts';
import { signedIn, submittedId, type UiFarm } from './ui-farm.ts';

interface Cloud {
  spend: { today: number; perDay: Array<{ day: string; total: number }> };
  settings: { budgetPerDay: number | null };
  alerts: Array<{ code: string; acknowledgeable: boolean; causes: Array<{ cause: string; howToCheck: string }> }>;
}

let browser: Browser;
let paid: ServerProc;
let page: Page;
const iniDir = tempDir('coalition-cost-ini-');
const farmOf = (server: ServerProc): UiFarm => ({ server, browser, close: async () => {} });

beforeAll(async () => {
  writeFileSync(join(iniDir, 'coalition.ini'), '[local]\nmaxinstances = 1\npriceperhour = 36\n');
  paid = await startServerProcess({ args: ['--config', join(iniDir, 'coalition.ini')], env: { COALITION_SERVERMODE: 'local' } });
  browser = await launchChromium();
  page = await signedIn(farmOf(paid));
});
afterAll(async () => {
  await browser?.close();
  await paid?.kill('SIGTERM'); // a clean stop also stops the local workers it started
  await killAll();
  removeDir(paid?.dataDir ?? '');
  removeDir(iniDir);
});

const cell = (p: Page, id: number, col = 'cost') => p.locator(`.row[data-id="${id}"] [data-col="${col}"]`);
/** Waits until the cost cell of `id` shows `cost` in dollars, to the 4 decimals shown under $1. */
const showsCost = (p: Page, id: number, cost: number) =>
  waitFor(async () => Math.abs(Number((await cell(p, id).innerText()).replace('$', '')) - cost) < 0.00006, { what: `job ${id} to show a cost of ${cost}` });

describe('what jobs cost, in the jobs table', () => {
  it("shows each job's cost and its group's subtree sum as they run, and sorts by cost", async () => {
    const idle = (await api<number>(paid.url, 'PUT', '/api/jobs', { title: 'never runs', command: 'true', affinity: 'nobody-has-this' })).body;
    const group = (await api<number>(paid.url, 'PUT', '/api/jobs', { title: 'paid shot', children: [{ title: 'f1', command: 'sleep 1' }, { title: 'f2', command: 'sleep 1' }] })).body;
    await page.getByRole('button', { name: 'Open group paid shot here' }).click();
    // The page was open before the runs ended: the costs arrive through the live stream.
    await cell(page, group).filter({ hasText: /^\$0\.\d{4}$/ }).waitFor({ timeout: 45_000 });
    const children = await waitFor(async () => {
      const kids = (await api<Array<{ id: number; cost: number; state: string }>>(paid.url, 'GET', `/api/jobs/${group}/children`)).body;
      return kids.every((c) => c.state === 'FINISHED' && c.cost > 0) ? kids : undefined;
    }, { what: 'both frames to be paid for', timeoutMs: 45_000 });
    const groupCost = (await api<{ cost: number }>(paid.url, 'GET', `/api/jobs/${group}`)).body.cost;
    expect(groupCost).toBeCloseTo(children[0].cost + children[1].cost, 6);
    for (const c of children) await showsCost(page, c.id, c.cost);
    await showsCost(page, group, groupCost);
    expect(children[0].cost).toBeGreaterThan(0.009); // a second or more at a cent a second
    expect(await cell(page, idle).innerText()).toBe('—');
    expect(await cell(page, group).getAttribute('title')).toMatch(/^Cost of the jobs in this group so far: \$0\.\d{6}$/);

    await page.getByRole('button', { name: 'Open group paid shot here' }).or(page.getByRole('button', { name: 'Close group paid shot' })).click();
    await page.getByRole('columnheader', { name: 'Cost' }).getByRole('button').click();
    await page.waitForURL(/sort=cost/);
    await page.getByRole('columnheader', { name: 'Cost' }).getByRole('button').click();
    await page.waitForURL(/order=desc/);
    await waitFor(async () => (await page.locator('.row[data-id]').first().getAttribute('data-id')) === String(group), { what: 'the dearest row first' });
    await screenshot(page, 'e2e-cost-column');
    expect((await api(paid.url, 'DELETE', '/api/jobs', [idle])).status).toBe(200);
  });
});

describe('the estimate in the submit form', () => {
  it('shows cost, finish time and instance plan, refreshes as inputs change, shows a refusal, and submits as before', async () => {
    await page.goto(`${paid.url}/jobs`);
    await page.getByTestId('new-job').click();
    const est = page.getByTestId('estimate');
    await est.getByText('Type a command to see what it would cost.').waitFor();
    await page.locator('input[name="command"]').fill('sleep 3');
    await page.locator('input[name="estimateSeconds"]').fill('30');
    await est.getByTestId('estimate-cost').filter({ hasText: /\$0\.\d{4} for 1 job\(s\)/ }).waitFor();
    expect(await est.getByTestId('estimate-finish').innerText()).toMatch(/^in \d+m? ?\d*s? \(at .+\)$/);
    expect(await est.getByTestId('estimate-plan').innerText()).toMatch(/local on-demand|none to start/);

    await page.getByLabel('A frame range').check();
    await page.locator('input[name="command"]').fill('echo frame {frame}');
    await page.locator('input[name="last"]').fill('4');
    await est.getByTestId('estimate-cost').filter({ hasText: 'for 4 job(s)' }).waitFor();
    const fourFrames = await est.getByTestId('estimate-cost').innerText();
    await page.locator('input[name="last"]').fill('8');
    await est.getByTestId('estimate-cost').filter({ hasText: 'for 8 job(s)' }).waitFor();
    expect(await est.getByTestId('estimate-cost').innerText()).not.toBe(fourFrames);

    // Nothing of the farm ran with this affinity and no run time is given: the server refuses.
    await page.locator('input[name="estimateSeconds"]').fill('');
    await page.locator('input[name="affinity"]').fill('gpu-nobody-has');
    await est.getByTestId('estimate-refused').filter({ hasText: /No estimate: 8 job\(s\) have no expected duration: give "seconds"/ }).waitFor();
    await page.locator('input[name="estimateSeconds"]').fill('20');
    await est.getByTestId('estimate-warnings').filter({ hasText: /8 job\(s\) need affinities no instance type offers/ }).waitFor();
    expect(await est.getByTestId('estimate-finish').innerText()).toMatch(/would not finish/);
    await screenshot(page, 'e2e-estimate-dialog');

    await page.locator('input[name="affinity"]').fill('');
    await page.locator('input[name="title"]').fill('estimated frames');
    await page.getByTestId('submit-job').click();
    const id = await submittedId(page);
    const kids = (await api<Array<{ command: string; affinity: string; seconds?: unknown }>>(paid.url, 'GET', `/api/jobs/${id}/children`)).body;
    expect(kids.map((k) => k.command)).toEqual(Array.from({ length: 8 }, (_, i) => `echo frame ${i + 1}`));
    expect(kids.every((k) => k.seconds === undefined && k.affinity === '')).toBe(true);
  });

  it('says plainly that a farm not in cloud mode costs nothing', async () => {
    const normal = await startServerProcess();
    try {
      const p = await signedIn(farmOf(normal));
      await p.getByTestId('new-job').click();
      await p.locator('input[name="command"]').fill('echo hello');
      await p.getByTestId('estimate-off').filter({ hasText: /not in cloud mode .* costs nothing here/ }).waitFor();
      expect(await p.getByTestId('estimate-refused').count()).toBe(0);
      await screenshot(p, 'e2e-estimate-not-cloud');
      await p.close();
    } finally {
      await normal.kill('SIGTERM');
      removeDir(normal.dataDir);
    }
  });
});

describe('the cloud page: spend, budgets, alerts', () => {
  it('shows spend today and per day, refuses a bad budget with the reason, and a reached budget raises its alert', async () => {
    await page.goto(`${paid.url}/cloud`);
    const cloud = (await api<Cloud>(paid.url, 'GET', '/api/cloud')).body;
    expect(cloud.spend.today).toBeGreaterThan(0.01);
    const today = cloud.spend.perDay[0].day;
    await page.getByTestId('spend-today').filter({ hasText: /^\$0\.\d{4}$|^\$\d+\.\d\d$/ }).waitFor();
    await page.getByTestId('spend-per-day').locator(`tr[data-day="${today}"]`).waitFor();

    const budgets = page.getByTestId('budgets');
    await budgets.locator('input[name="budgetPerDay"]').fill('-1');
    await budgets.getByRole('button', { name: 'Save budgets' }).click();
    await budgets.getByTestId('budget-problem').filter({ hasText: /Refused: invalid cloud setting: budgetPerDay: .*0/ }).waitFor();
    expect((await api<Cloud>(paid.url, 'GET', '/api/cloud')).body.settings.budgetPerDay).toBeNull();

    await budgets.locator('input[name="budgetPerDay"]').fill('0.005');
    await budgets.getByRole('button', { name: 'Save budgets' }).click();
    await budgets.locator('[data-budget="day"] [data-testid="budget-state"]').filter({ hasText: 'reached' }).waitFor({ timeout: 30_000 });
    await budgets.getByTestId('budget-reason').filter({ hasText: /daily budget 0\.005 reached/ }).waitFor();
    const alert = page.locator('[data-testid="cloud-alert"][data-code="budget-reached"]');
    await alert.waitFor({ timeout: 30_000 });
    expect(await alert.innerText()).toMatch(/Budget reached[\s\S]*Likely causes and how to check them[\s\S]*POST \/api\/cloud\/settings[\s\S]*Clears by itself/);
    expect(await alert.getByRole('button', { name: 'Acknowledge' }).count()).toBe(0);
    await screenshot(page, 'e2e-cloud-budgets');
    await page.emulateMedia({ colorScheme: 'dark' });
    await screenshot(page, 'e2e-cloud-budgets-dark');
    await page.emulateMedia({ colorScheme: 'light' });
    const phone = await signedIn(farmOf(paid), '/cloud', { width: 390, height: 844 });
    await phone.getByTestId('budgets').waitFor();
    expect(await phone.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await screenshot(phone, 'e2e-cloud-phone');
    await phone.getByTestId('spend').scrollIntoViewIfNeeded();
    await screenshot(phone, 'e2e-cloud-phone-spend');
    await phone.close();
  });

  it('shows the runaway alert with its causes, and Acknowledge clears it', async () => {
    const clock = new FakeClock(Date.now());
    const data = tempDir('coalition-cost-runaway-');
    const server = await startServer({
      port: 0, host: '127.0.0.1', data, servermode: 'local', publicurl: `http://127.0.0.1:${await freePort()}`, clock, tokens: TEST_TOKENS,
      logger: createLogger({ quiet: true }), scalerTickSeconds: 86_400, ini: { local: { maxinstances: '1', priceperhour: '3.6', bootdeadline: '60' } },
    });
    try {
      const scaler = server.cloud.scaler!;
      await api(server.url, 'PUT', '/api/jobs', { title: 'waits for a worker that never comes', command: 'true' });
      await scaler.tick();
      await waitFor(async () => (await scaler.status()).instances.length > 0, { what: 'a launch' });
      clock.advance(90_000);
      await scaler.tick();
      await waitFor(async () => (await api<Cloud>(server.url, 'GET', '/api/cloud')).body.alerts.some((a) => a.code === 'boot-deadline-missed') || (await scaler.tick(), false), { what: 'the runaway alert', timeoutMs: 30_000 });
      const p = await signedIn({ server: { url: server.url } as ServerProc, browser, close: async () => {} }, '/cloud');
      const alert = p.locator('[data-testid="cloud-alert"][data-code="boot-deadline-missed"]');
      await alert.waitFor();
      expect(await alert.innerText()).toMatch(/Instances never became workers[\s\S]*never became workers within the 60s boot deadline[\s\S]*Likely causes and how to check them/);
      const { causes } = (await api<Cloud>(server.url, 'GET', '/api/cloud')).body.alerts[0];
      for (const c of causes) await alert.getByText(c.howToCheck, { exact: true }).waitFor();
      await screenshot(p, 'e2e-cloud-runaway-alert');
      await alert.getByRole('button', { name: 'Acknowledge' }).click();
      await alert.waitFor({ state: 'detached' });
      expect((await api<Cloud>(server.url, 'GET', '/api/cloud')).body.alerts.map((a) => a.code)).not.toContain('boot-deadline-missed');
      await p.close();
    } finally {
      await server.close();
      removeDir(data);
    }
  });
});
