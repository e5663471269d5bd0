/**
 * People in the browser: password login on a real server with local accounts, what each role
 * is offered, personal tokens on My account, the Audit page and logging out.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PEOPLE } from '../helpers/access-fixtures.ts';
import { api, waitFor } from '../helpers/processes.ts';
import { screenshot } from './browser.ts';
import { startUiFarm, type UiFarm } from './ui-farm.ts';

let farm: UiFarm;
let url: string;
const jobs: Record<string, number> = {};
const person = (name: string) => PEOPLE.find((p) => p.name === name)!;

beforeAll(async () => {
  farm = await startUiFarm({ servermode: 'normal' }); // no workers: the jobs stay WAITING
  url = farm.server.url;
  for (const p of PEOPLE) expect((await api(url, 'PUT', '/api/users', { name: p.name, role: p.role, password: p.password })).status).toBe(200);
  for (const [key, user] of [['alice', 'alice'], ['bob', 'bob'], ['alice2', 'alice']] as const) {
    jobs[key] = (await api<number>(url, 'PUT', '/api/jobs', { title: `${key}'s render`, command: 'true', user })).body;
  }
});
afterAll(() => farm?.close());

/** A fresh browser context (its own cookies) on the login form. */
type WatchedPage = Page & { errors: string[] };

async function loginPage(browser: Browser, path = '/jobs'): Promise<WatchedPage> {
  const page = (await browser.newPage({ viewport: { width: 1280, height: 800 } })) as WatchedPage;
  page.errors = [];
  page.on('pageerror', (e) => page.errors.push(e.message));
  await page.goto(url + path);
  await page.getByTestId('login-user').waitFor();
  return page;
}

async function logIn(page: Page, name: string, password: string = person(name).password) {
  await page.getByTestId('login-user').fill(name);
  await page.getByTestId('login-password').fill(password);
  await page.getByTestId('login-submit').click();
}

async function loggedIn(browser: Browser, name: string, path = '/jobs'): Promise<WatchedPage> {
  const page = await loginPage(browser, path);
  await logIn(page, name);
  await page.getByTestId('whoami').filter({ hasText: name }).waitFor();
  await page.getByTestId('connection').filter({ hasText: 'Live' }).waitFor(); // the event stream works with the cookie
  return page;
}

describe('logging in with a password, and what each role may do', () => {
  it('says so when the password is wrong, then logs in and shows who is in', async () => {
    const page = await loginPage(farm.browser);
    await screenshot(page, 'e2e-login-form');
    await logIn(page, 'alice', 'not-her-password');
    await page.getByRole('alert').filter({ hasText: 'wrong user name or password' }).waitFor();
    await screenshot(page, 'e2e-login-wrong-password');
    await logIn(page, 'alice');
    await page.getByTestId('whoami').filter({ hasText: 'alice' }).waitFor();
    expect((await page.getByTestId('whoami-role').textContent())?.trim()).toBe('artist');
    await page.getByTestId('connection').filter({ hasText: 'Live' }).waitFor();
    expect(await page.evaluate(() => localStorage.getItem('coalition.token'))).toBeNull();
    expect(await page.evaluate(() => document.cookie)).toBe(''); // HttpOnly: the page cannot read the session
    expect(page.url()).toBe(`${url}/jobs`);
    await page.close();
  });

  it("lets an artist see another user's job but not delete it, and delete their own", async () => {
    const page = await loggedIn(farm.browser, 'alice');
    await page.locator(`.row[data-id="${jobs.bob}"]`).click();
    const del = page.getByTestId('bulk-delete');
    expect(await del.isDisabled()).toBe(true);
    expect(await del.getAttribute('title')).toBe(`alice (artist) may delete only their own jobs; job ${jobs.bob} belongs to "bob"`);
    await page.getByTestId('bulk-why').filter({ hasText: 'belongs to "bob"' }).waitFor();
    await screenshot(page, 'e2e-artist-other-job');

    await page.locator(`.row[data-id="${jobs.alice}"]`).click();
    await waitFor(async () => !(await del.isDisabled()), { what: 'Delete to be enabled on her own job' });
    await del.click();
    await page.getByTestId('prompt-ok').click();
    await page.getByTestId('toast').filter({ hasText: `Deleted job ${jobs.alice}` }).waitFor();
    expect((await api(url, 'GET', `/api/jobs/${jobs.alice}`)).status).toBe(404);
    expect((await api(url, 'GET', `/api/jobs/${jobs.bob}`)).status).toBe(200);

    await page.goto(`${url}/jobs/${jobs.bob}`);
    await page.getByTestId('job-read-only').waitFor();
    expect(await page.getByTestId('job-delete').isDisabled()).toBe(true);
    expect(await page.getByTestId('job-pause').getAttribute('title')).toContain('may edit only their own jobs');
    await screenshot(page, 'e2e-artist-job-page');
    expect(page.errors).toEqual([]);
    await page.close();
  });

  it('shows a viewer no bulk actions and no New job', async () => {
    const page = await loggedIn(farm.browser, 'vera');
    await page.locator(`.row[data-id="${jobs.bob}"]`).waitFor();
    await page.getByTestId('read-only').filter({ hasText: 'vera (viewer) may not edit jobs' }).waitFor();
    expect(await page.getByTestId('bulk-delete').count()).toBe(0);
    expect(await page.getByTestId('new-job').isDisabled()).toBe(true);
    expect(await page.getByRole('navigation', { name: 'Pages' }).innerText()).not.toMatch(/Audit|Users|Setup/);
    await screenshot(page, 'e2e-viewer-jobs');
    await page.close();
  });

  it('makes a personal token on My account, shows its secret once, and revokes it', async () => {
    const page = await loggedIn(farm.browser, 'bob', '/account');
    await page.getByTestId('account-role').filter({ hasText: 'artist' }).waitFor();
    await page.getByTestId('token-label').fill('nuke submitter');
    await page.getByTestId('create-token').click();
    const secret = await page.getByTestId('new-token-secret').inputValue();
    expect(secret).toMatch(/^cpt_/);
    await page.getByText('it will not be shown again').waitFor();
    await screenshot(page, 'e2e-account-new-token');
    const asBob = await api<{ user: string; via: string }>(url, 'GET', '/api/session', undefined, secret);
    expect(asBob.body).toMatchObject({ user: 'bob', via: 'personal-token' });

    await page.reload();
    await page.getByTestId('token-list').filter({ hasText: 'nuke submitter' }).waitFor();
    expect(await page.getByTestId('new-token').count()).toBe(0);
    expect(await page.content()).not.toContain(secret);
    await page.getByTestId('token-list').getByRole('button', { name: 'Revoke' }).click();
    await page.getByTestId('prompt-ok').click();
    await page.getByTestId('no-tokens').waitFor();
    expect((await api(url, 'GET', '/api/session', undefined, secret)).status).toBe(401);
    await screenshot(page, 'e2e-account-revoked');
    await page.close();
  });

  it("shows an administrator the Audit page with the artist's actions, filtered by user in the URL", async () => {
    const page = await loggedIn(farm.browser, 'ada');
    await page.getByRole('link', { name: 'Audit' }).click();
    await page.getByTestId('audit-user').fill('alice');
    await page.getByTestId('audit-apply').click();
    await waitFor(() => new URL(page.url()).searchParams.get('user') === 'alice', { what: 'the filter in the URL' });
    const table = page.getByTestId('audit-table');
    await table.locator('tr[data-action="job.delete"]').filter({ hasText: String(jobs.alice) }).waitFor();
    await table.locator('tr[data-action="login.failed"]').first().waitFor();
    const who = await table.locator('tbody tr td:nth-child(2) a').allInnerTexts();
    expect(new Set(who)).toEqual(new Set(['alice']));
    await screenshot(page, 'e2e-audit-alice');
    await page.reload(); // the filters survive a reload
    await table.locator('tr[data-action="job.delete"]').first().waitFor();
    expect(await page.getByTestId('audit-user').inputValue()).toBe('alice');
    expect(page.errors).toEqual([]);
    await page.close();
  });

  it('logs out back to the login form, and the old session is over', async () => {
    const page = await loggedIn(farm.browser, 'wendy');
    await page.getByTestId('logout').click();
    await page.getByTestId('login-user').waitFor();
    expect(await page.getByTestId('whoami').count()).toBe(0);
    await page.reload();
    await page.getByTestId('login-user').waitFor(); // the cookie no longer opens anything
    await screenshot(page, 'e2e-logged-out');
    const logouts = await api<{ entries: Array<{ action: string }> }>(url, 'GET', '/api/audit?user=wendy&action=logout');
    expect(logouts.body.entries.length).toBe(1);
    await page.close();
  });
});
