/**
 * What the e2e tests share: a real server (with the local provider's real worker processes
 * unless told otherwise) and a Chromium page signed in to it with the admin token.
 */
import type { Browser, Page } from 'playwright-core';
import { killAll, removeDir, startServerProcess, TEST_TOKENS, type ServerProc } from '../helpers/processes.ts';
import { launchChromium } from './browser.ts';

export interface UiFarm {
  server: ServerProc;
  browser: Browser;
  close(): Promise<void>;
}

export async function startUiFarm(options: { servermode?: 'local' | 'normal'; env?: Record<string, string> } = {}): Promise<UiFarm> {
  const server = await startServerProcess({ env: { COALITION_SERVERMODE: options.servermode ?? 'local', ...options.env } });
  const browser = await launchChromium();
  return {
    server,
    browser,
    async close() {
      await browser.close();
      await server.kill('SIGTERM'); // a clean stop also stops the local workers it started
      await killAll();
      removeDir(server.dataDir);
    },
  };
}

/** Opens `path`, types the admin token into the sign-in form, and waits for the live stream. */
export async function signedIn(farm: UiFarm, path = '/jobs', viewport = { width: 1280, height: 800 }): Promise<Page> {
  const page = await farm.browser.newPage({ viewport });
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  (page as Page & { errors: string[] }).errors = errors;
  await page.goto(farm.server.url + path);
  await page.getByTestId('token-input').fill(TEST_TOKENS.admin);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByTestId('connection').filter({ hasText: 'Live' }).waitFor();
  return page;
}

/**
 * Records, in the page, every state and progress each job row shows (a MutationObserver), so
 * a test can check a row went WAITING → WORKING → FINISHED however fast the updates came.
 */
export async function watchRows(page: Page): Promise<void> {
  await page.evaluate(() => {
    const seen: Record<string, { states: string[]; progress: number[] }> = {};
    (window as unknown as { __rows: typeof seen }).__rows = seen;
    const scan = () => {
      for (const row of document.querySelectorAll<HTMLElement>('.row[data-id]')) {
        const id = row.dataset.id!;
        const s = (seen[id] ??= { states: [], progress: [] });
        const state = row.querySelector('[data-testid="state"]')?.textContent?.trim();
        if (state && s.states[s.states.length - 1] !== state) s.states.push(state);
        const p = Number(row.querySelector('[role="progressbar"]')?.getAttribute('aria-valuenow') ?? NaN);
        if (!Number.isNaN(p) && s.progress[s.progress.length - 1] !== p) s.progress.push(p);
      }
    };
    new MutationObserver(scan).observe(document.body, { subtree: true, childList: true, characterData: true, attributes: true });
    scan();
  });
}

export async function rowHistory(page: Page, id: number): Promise<{ states: string[]; progress: number[] }> {
  return page.evaluate((i) => (window as unknown as { __rows: Record<string, { states: string[]; progress: number[] }> }).__rows[String(i)] ?? { states: [], progress: [] }, id);
}

/** The id in the last "Job N submitted" / "Group N with …" toast. */
export async function submittedId(page: Page): Promise<number> {
  const toast = page.getByTestId('toast').filter({ hasText: /submitted/ }).last();
  await toast.waitFor();
  return Number(/(?:Job|Group) (\d+)/.exec(await toast.innerText())![1]);
}

export { TEST_TOKENS };
