import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, startWorkerProcess, waitFor } from '../helpers/processes.ts';
import { screenshot } from './browser.ts';
import { signedIn, startUiFarm, type UiFarm } from './ui-farm.ts';

let farm: UiFarm;
let page: Page;
beforeAll(async () => {
  farm = await startUiFarm();
  page = await signedIn(farm);
});
afterAll(() => farm.close());

describe('job detail, workers and cloud pages in Chromium', () => {
  it('follows a running job\'s log live, searches it with highlights, and shows its run', async () => {
    const id = (await api<number>(farm.server.url, 'PUT', '/api/jobs', {
      title: 'chatty', command: 'for i in 1 2 3 4 5 6; do echo "line $i of the render"; sleep 1; done; echo all done', retry: 0, url: 'https://example.invalid/out/frame.png',
    })).body;
    await page.goto(`${farm.server.url}/jobs/${id}`);
    const log = page.getByTestId('log');
    // The first lines are on screen while the job still runs: the page reads them as they come.
    const early = await waitFor(async () => {
      const text = await log.innerText();
      return text.includes('line 1 of the render') ? text : undefined;
    }, { what: 'the first line in the log', timeoutMs: 30_000 });
    expect(early).not.toContain('line 6 of the render'); // (the first log line repeats the command, so look at the output)
    await log.filter({ hasText: 'exit code 0' }).waitFor({ timeout: 30_000 });
    expect(await log.innerText()).toContain('line 6 of the render');
    await page.getByTestId('job-state').filter({ hasText: 'FINISHED' }).waitFor();
    await page.locator('section', { hasText: 'Runs' }).locator('td', { hasText: 'FINISHED' }).waitFor();
    await page.getByLabel('Search the log').fill('LINE ');  // case-insensitive: 6 lines of output + the command line
    await page.getByRole('status').filter({ hasText: '7 matches' }).waitFor();
    expect(await page.locator('[data-testid="log"] mark').count()).toBe(7);
    expect(await page.getByRole('link', { name: /Open https:\/\/example.invalid/ }).getAttribute('href')).toBe('https://example.invalid/out/frame.png');
    expect(await page.getByAltText("Thumbnail of the job's output").count()).toBe(1);
    await screenshot(page, 'e2e-job-log');
  });

  it('edits a job attribute and the server keeps it', async () => {
    const id = (await api<number>(farm.server.url, 'PUT', '/api/jobs', { title: 'to rename', command: 'true', affinity: 'nowhere' })).body;
    await page.goto(`${farm.server.url}/jobs/${id}`);
    await page.locator('input[name="title"]').fill('renamed in the UI');
    await page.locator('input[name="priority"]').fill('2500');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await waitFor(async () => (await api<{ title: string; priority: number }>(farm.server.url, 'GET', `/api/jobs/${id}`)).body.priority === 2500, { what: 'the edit to reach the server' });
    expect((await api<{ title: string }>(farm.server.url, 'GET', `/api/jobs/${id}`)).body.title).toBe('renamed in the UI');
    await page.locator('input[name="priority"]').fill('not a number');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.getByTestId('toast').filter({ hasText: /refused: .*priority/ }).waitFor();
    expect((await api<{ priority: number }>(farm.server.url, 'GET', `/api/jobs/${id}`)).body.priority).toBe(2500);
  });

  it("edits a worker's affinities", async () => {
    const worker = startWorkerProcess(farm.server.url, ['--name', 'e2e-render-01', '--affinity', 'linux']);
    await page.goto(`${farm.server.url}/workers`);
    const row = page.locator('tr[data-worker="e2e-render-01"]');
    await row.waitFor({ timeout: 30_000 });
    await row.getByRole('button', { name: 'Edit the affinities of e2e-render-01' }).click();
    await row.getByTestId('affinity-input').fill('linux, gpu, nuke');
    await row.getByRole('button', { name: 'Save' }).click();
    await waitFor(async () => {
      const workers = (await api<Array<{ name: string; affinity: string }>>(farm.server.url, 'GET', '/api/workers')).body;
      return workers.find((w) => w.name === 'e2e-render-01')?.affinity === 'linux, gpu, nuke';
    }, { what: 'the affinity to reach the server' });
    await row.getByText('linux, gpu, nuke').waitFor();
    await screenshot(page, 'e2e-workers');
    await worker.kill(); // the next tests want the scaler to start local workers
  });

  it("shows the local provider's instances, $/h, the chart and the scaler's decisions", async () => {
    const id = (await api<number>(farm.server.url, 'PUT', '/api/jobs', { title: 'keeps a worker busy', command: 'sleep 6', retry: 0 })).body;
    await page.goto(`${farm.server.url}/cloud`);
    await page.getByTestId('provider').filter({ hasText: 'local' }).waitFor();
    await page.getByTestId('instances').locator('tbody tr', { hasText: /local-\d+/ }).first().waitFor({ timeout: 30_000 });
    await page.getByTestId('decisions').locator('li', { hasText: /launch/ }).first().waitFor();
    expect(await page.locator('.chart canvas').count()).toBeGreaterThan(0);
    await screenshot(page, 'e2e-cloud');
    await waitFor(async () => (await api<{ state: string }>(farm.server.url, 'GET', `/api/jobs/${id}`)).body.state === 'FINISHED', { what: 'the job to end', timeoutMs: 30_000 });
  });

  it('says in one sentence why a waiting job does not start', async () => {
    await api(farm.server.url, 'PUT', '/api/jobs', { title: 'needs a gpu', command: 'true', affinity: 'gpu-that-nobody-has' });
    await page.goto(`${farm.server.url}/cloud`);
    const why = page.getByTestId('why');
    await why.waitFor({ timeout: 30_000 });
    expect(await why.innerText()).toMatch(/^No instance type can serve affinity [\w-]+: not launching for \d+ job\(s\)\.$/);
    await screenshot(page, 'e2e-cloud-why');
  });
});
