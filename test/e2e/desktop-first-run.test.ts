/**
 * The first-run page as the desktop window shows it, in real Chromium: the page served by a real
 * core, `window.coalitionDesktop` defined as the preload defines it (the bridge's allow-list and
 * nothing else), the admin token added to the farm's requests (as the main process adds it) and
 * the desktop's Content-Security-Policy on every response (as the main process sets it).
 * The e2e setup (test/e2e/build-ui.ts) builds renderer/dist first.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONTENT_SECURITY_POLICY } from '../../core/http/content-security-policy.ts';
import { createLogger } from '../../core/logger.ts';
import { startServer, type RunningServer } from '../../core/server.ts';
import { REPO, removeDir, tempDir, TEST_TOKENS } from '../helpers/processes.ts';

/** What the sandboxed preload exposes (electron/preload/index.ts), with the IPC replaced by a record of the calls. */
const preloadStub = () => {
  const calls: Array<{ call: string; args: unknown[] }> = [];
  const record = (call: string) => (...args: unknown[]) => {
    calls.push({ call, args });
    return Promise.resolve(call === 'pickFile' ? null : undefined);
  };
  Object.defineProperty(window, 'coalitionDesktop', {
    value: Object.freeze({ version: 1, pickFile: record('pickFile'), openDataFolder: record('openDataFolder'), notify: record('notify') }),
    enumerable: true,
  });
  Object.defineProperty(window, '__bridgeCalls', { value: calls });
};

describe('the desktop window on first run', () => {
  let server: RunningServer;
  let data: string;
  let browser: Browser;

  beforeAll(async () => {
    data = tempDir('coalition-e2e-desktop-');
    server = await startServer({ port: 0, host: '127.0.0.1', data, servermode: 'normal', tokens: TEST_TOKENS, logger: createLogger({ quiet: true }) });
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'] });
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
    removeDir(data);
  });

  it('opens the AWS setup wizard, skippable, under the CSP, with only the bridge exposed', async () => {
    const origin = new URL(server.url).origin;
    const context = await browser.newContext();
    await context.addInitScript(preloadStub);
    // What the main process does: the token on the farm's requests, the CSP on its responses.
    await context.route(`${origin}/**`, async (route) => {
      const headers = { ...route.request().headers(), authorization: `Bearer ${TEST_TOKENS.admin}` };
      // The event stream never ends, so it cannot be fetched whole: it goes through with the token.
      if (new URL(route.request().url()).pathname === '/api/stream') return route.continue({ headers });
      const response = await route.fetch({ headers });
      await route.fulfill({ response, headers: { ...response.headers(), 'content-security-policy': CONTENT_SECURITY_POLICY } });
    });
    const page = await context.newPage();
    const problems: string[] = [];
    page.on('console', (m) => m.type() === 'error' && problems.push(m.text()));
    page.on('pageerror', (e) => problems.push(e.message));
    await page.goto(`${origin}/setup?firstrun=1`);
    await page.getByText(/AWS/).first().waitFor();
    expect(new URL(page.url()).pathname).toBe('/setup');
    await expect(page.getByRole('button', { name: /skip/i }).or(page.getByRole('link', { name: /skip/i })).first().isVisible()).resolves.toBe(true);
    const seen = await page.evaluate(() => ({
      require: typeof (window as unknown as { require?: unknown }).require,
      process: typeof (window as unknown as { process?: unknown }).process,
      bridge: Object.keys(window.coalitionDesktop ?? {}).sort(),
      token: JSON.stringify(localStorage).includes('test-admin-token'),
    }));
    expect(seen).toEqual({ require: 'undefined', process: 'undefined', bridge: ['notify', 'openDataFolder', 'pickFile', 'version'], token: false });
    mkdirSync(path.join(REPO, 'test-results'), { recursive: true });
    await page.screenshot({ path: path.join(REPO, 'test-results', 'desktop-first-run.png'), fullPage: true });
    expect(problems.filter((p) => /Content Security Policy|Refused to/i.test(p))).toEqual([]);
    await context.unrouteAll({ behavior: 'ignoreErrors' });
    await context.close();
  });
});
