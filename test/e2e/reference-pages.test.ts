/**
 * The reference pages (Events, Affinities, Plugins) render what the farm holds, with no error in
 * the page: each reads an API whose shape another part may change (GET /api/affinities took the
 * old table shape for old scripts; the page reads /api/affinities/used).
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api } from '../helpers/processes.ts';
import { screenshot } from './browser.ts';
import { signedIn, startUiFarm, type UiFarm } from './ui-farm.ts';

let farm: UiFarm;
let page: Page & { errors?: string[] };
beforeAll(async () => {
  farm = await startUiFarm({ servermode: 'normal' });
  await api(farm.server.url, 'PUT', '/api/jobs', { title: 'needs a gpu', command: 'true', affinity: 'gpu,linux' });
  await api(farm.server.url, 'POST', '/api/workers', { 'render-07': { affinity: 'linux\nhoudini' } });
  page = await signedIn(farm, '/affinities');
});
afterAll(() => farm.close());

describe('the reference pages in Chromium', () => {
  it('Affinities lists the affinities jobs and workers use', async () => {
    for (const name of ['gpu', 'linux', 'houdini']) await page.getByRole('cell', { name, exact: true }).first().waitFor();
    await screenshot(page, 'e2e-affinities');
    expect(page.errors).toEqual([]);
  });

  it('Plugins shows the built-in plugins active, and Events opens', async () => {
    await page.goto(`${farm.server.url}/plugins`);
    await page.getByText('local', { exact: true }).first().waitFor();
    await page.getByText('active').first().waitFor();
    await page.goto(`${farm.server.url}/events`);
    await page.getByRole('heading', { name: /Events/ }).waitFor();
    expect(page.errors).toEqual([]);
  });
});
