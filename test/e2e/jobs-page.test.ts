import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, waitFor } from '../helpers/processes.ts';
import { screenshot } from './browser.ts';
import { rowHistory, signedIn, startUiFarm, submittedId, watchRows, type UiFarm } from './ui-farm.ts';

let farm: UiFarm;
let page: Page;
beforeAll(async () => {
  farm = await startUiFarm();
  page = await signedIn(farm);
  await watchRows(page);
});
afterAll(() => farm.close());

const stateOf = async (id: number) => (await api<{ state: string }>(farm.server.url, 'GET', `/api/jobs/${id}`)).body.state;

describe('the jobs page in Chromium, against a real server and real local workers', () => {
  it('refuses a wrong token with a message, then signs in with the right one', async () => {
    const other = await farm.browser.newPage();
    await other.goto(`${farm.server.url}/jobs`);
    await other.getByTestId('token-input').fill('not-the-token');
    await other.getByRole('button', { name: 'Sign in' }).click();
    await other.getByRole('alert').filter({ hasText: 'not valid for this server' }).waitFor();
    await screenshot(other, 'e2e-sign-in-refused');
    expect(await other.evaluate(() => localStorage.getItem('coalition.token'))).toBeNull();
    await other.close();
  });

  it('submits one job from the form and shows it go WAITING → WORKING → FINISHED with its progress', async () => {
    await page.getByTestId('new-job').click();
    const form = page.getByRole('dialog');
    await form.getByLabel('Title').fill('count to four');
    await form.getByRole('textbox', { name: /^Command/ }).fill('for i in 1 2 3 4; do echo "$((i*25))%"; sleep 0.6; done');
    await form.getByLabel('Progress pattern').fill('%percent');
    await form.getByTestId('submit-job').click();
    const id = await submittedId(page);
    await waitFor(async () => (await rowHistory(page, id)).states.includes('FINISHED'), { what: `job ${id} to show FINISHED`, timeoutMs: 60_000 });
    const seen = await rowHistory(page, id);
    expect(seen.states).toEqual(['WAITING', 'WORKING', 'FINISHED']);
    expect(seen.progress[0]).toBe(0);
    expect(seen.progress.some((p) => p > 0 && p < 100)).toBe(true);
    expect(seen.progress[seen.progress.length - 1]).toBe(100);
    await screenshot(page, 'e2e-job-finished');
  });

  it('submits a frame range as a group of frames whose row follows its frames', async () => {
    await page.getByTestId('new-job').click();
    const form = page.getByRole('dialog');
    await form.getByLabel('A frame range').check();
    await form.getByLabel('Title').fill('shot 010');
    await form.getByRole('textbox', { name: /^Command/ }).fill('echo rendering frame {frame:4}; sleep 0.5; echo 100%');
    await form.getByLabel('First frame').fill('1');
    await form.getByLabel('Last frame').fill('5');
    await form.getByLabel('Step').fill('2');
    await form.getByText('3 frame(s): echo rendering frame 0001').waitFor();
    await form.getByTestId('submit-job').click();
    const group = await submittedId(page);
    await waitFor(async () => (await rowHistory(page, group)).states.includes('FINISHED'), { what: `group ${group} to finish`, timeoutMs: 60_000 });
    const seen = await rowHistory(page, group);
    // A group is WORKING while a frame runs and WAITING between two frames; it ends FINISHED once.
    expect(seen.states).toContain('WORKING');
    expect(seen.states.indexOf('FINISHED')).toBe(seen.states.length - 1);
    expect(seen.states.every((s) => ['WAITING', 'WORKING', 'FINISHED'].includes(s))).toBe(true);
    expect(seen.progress.some((p) => p > 0 && p < 100)).toBe(true);
    const frames = (await api<Array<{ title: string; command: string }>>(farm.server.url, 'GET', `/api/jobs/${group}/children`)).body;
    expect(frames.map((f) => f.command)).toEqual(['echo rendering frame 0001; sleep 0.5; echo 100%', 'echo rendering frame 0003; sleep 0.5; echo 100%', 'echo rendering frame 0005; sleep 0.5; echo 100%']);
    // Open the group in place, then double-click into it.
    await page.getByRole('button', { name: `Open group shot 010 here` }).click();
    await page.locator('.row', { hasText: 'shot 010 frame 3' }).waitFor();
    await screenshot(page, 'e2e-group-open-in-place');
    await page.locator(`.row[data-id="${group}"]`).dblclick();
    await page.getByRole('navigation', { name: 'Group' }).getByText('shot 010').waitFor();
    expect(new URL(page.url()).searchParams.get('parent')).toBe(String(group));
    await page.getByRole('navigation', { name: 'Group' }).getByText('All jobs').click();
  });

  it('pauses, starts, resets and deletes a selection made with click and Shift+click', async () => {
    const ids: number[] = [];
    for (let i = 1; i <= 3; i++) ids.push((await api<number>(farm.server.url, 'PUT', '/api/jobs', { title: `bulk ${i}`, command: 'true', affinity: 'no-such-worker' })).body);
    await page.locator(`.row[data-id="${ids[0]}"]`).waitFor();
    await page.locator(`.row[data-id="${ids[0]}"]`).click();
    await page.locator(`.row[data-id="${ids[2]}"]`).click({ modifiers: ['Shift'] });
    await page.getByTestId('selection-count').filter({ hasText: '3 selected' }).waitFor();

    await page.getByTestId('bulk-pause').click();
    await waitFor(async () => (await Promise.all(ids.map(stateOf))).every((s) => s === 'PAUSED'), { what: 'the selection to be paused' });
    await page.locator(`.row[data-id="${ids[2]}"] [data-testid="state"]`).filter({ hasText: 'PAUSED' }).waitFor();
    await screenshot(page, 'e2e-bulk-paused');

    await page.getByTestId('bulk-start').click();
    await waitFor(async () => (await Promise.all(ids.map(stateOf))).every((s) => s === 'WAITING'), { what: 'the selection to be started' });

    await page.getByTestId('bulk-pause').click();
    await waitFor(async () => (await stateOf(ids[1])) === 'PAUSED', { what: 'paused again' });
    await page.getByTestId('bulk-reset').click();
    await page.getByTestId('prompt-ok').click();
    await waitFor(async () => (await Promise.all(ids.map(stateOf))).every((s) => s === 'WAITING'), { what: 'the selection to be reset' });

    await page.getByTestId('bulk-delete').click();
    await page.getByRole('dialog').getByText('This cannot be undone').waitFor();
    await screenshot(page, 'e2e-bulk-delete-confirm');
    await page.getByTestId('prompt-ok').click();
    await waitFor(async () => (await Promise.all(ids.map(async (id) => (await api(farm.server.url, 'GET', `/api/jobs/${id}`)).status))).every((s) => s === 404), { what: 'the selection to be deleted' });
    await page.locator(`.row[data-id="${ids[0]}"]`).waitFor({ state: 'detached' });
  });

  it('names the problem in a toast when the server refuses a call', async () => {
    const id = (await api<number>(farm.server.url, 'PUT', '/api/jobs', { title: 'to edit', command: 'true', affinity: 'no-such-worker' })).body;
    await page.locator(`.row[data-id="${id}"]`).click();
    await page.getByRole('button', { name: 'Dependencies…' }).click();
    await page.getByTestId('prompt-input').fill(String(id));
    await page.getByTestId('prompt-ok').click();
    const toast = page.getByTestId('toast').filter({ hasText: 'refused' }).last();
    await toast.waitFor();
    expect(await toast.innerText()).toMatch(/cycle/);
    expect((await api<{ dependencies: number[] }>(farm.server.url, 'GET', `/api/jobs/${id}`)).body.dependencies).toEqual([]);
    await screenshot(page, 'e2e-refused-toast');
  });

  it('keeps the filters in the URL: a link shows the same view', async () => {
    await page.getByRole('button', { name: /^FINISHED/ }).click();
    await expect.poll(() => new URL(page.url()).searchParams.get('state')).toBe('FINISHED');
    const link = page.url();
    const other = await farm.browser.newPage({ viewport: { width: 1280, height: 800 } });
    await other.addInitScript((t) => localStorage.setItem('coalition.token', t), (await page.evaluate(() => localStorage.getItem('coalition.token')))!);
    await other.goto(link);
    await other.getByRole('button', { name: /^FINISHED/, pressed: true }).waitFor();
    await other.locator('.row[data-id]').first().waitFor();
    const states = await other.locator('.row[data-id] [data-testid="state"]').allInnerTexts();
    expect(states.length).toBeGreaterThan(0);
    expect(new Set(states)).toEqual(new Set(['FINISHED']));
    await screenshot(other, 'e2e-filtered-link');
    await other.close();
    await page.getByRole('button', { name: /^FINISHED/ }).click();
  });

  it('is usable at phone width', async () => {
    const phone = await farm.browser.newPage({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
    await phone.addInitScript((t) => localStorage.setItem('coalition.token', t), (await page.evaluate(() => localStorage.getItem('coalition.token')))!);
    await phone.goto(`${farm.server.url}/jobs`);
    await phone.locator('.row[data-id]').first().waitFor();
    const overflow = await phone.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    await phone.getByTestId('new-job').tap();
    await phone.getByTestId('submit-job').waitFor();
    await screenshot(phone, 'e2e-phone-new-job');
    await phone.getByRole('button', { name: 'Cancel' }).tap();
    await screenshot(phone, 'e2e-phone-jobs');
    await phone.goto(`${farm.server.url}/workers`);
    await phone.getByTestId('workers-table').waitFor();
    await screenshot(phone, 'e2e-phone-workers');
    await phone.close();
    expect((page as Page & { errors: string[] }).errors).toEqual([]);
  });
});
