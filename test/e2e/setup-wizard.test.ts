import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, waitFor } from '../helpers/processes.ts';
import { screenshot } from './browser.ts';
import { signedIn, startUiFarm, type UiFarm } from './ui-farm.ts';

/** moto's server stands in for AWS (EC2, S3, IAM, STS) over real HTTP. */
let moto: ChildProcess;
let farm: UiFarm;
let page: Page;

beforeAll(async () => {
  const port = await freePort();
  moto = spawn('moto_server', ['-H', '127.0.0.1', '-p', String(port)], { stdio: 'ignore' });
  await waitFor(async () => (await fetch(`http://127.0.0.1:${port}/moto-api/`).catch(() => undefined))?.ok, { what: 'moto_server to answer', timeoutMs: 30_000 });
  farm = await startUiFarm({
    servermode: 'normal',
    env: { AWS_ENDPOINT_URL: `http://127.0.0.1:${port}`, AWS_ACCESS_KEY_ID: 'from-the-environment', AWS_SECRET_ACCESS_KEY: 'from-the-environment', AWS_EC2_METADATA_DISABLED: 'true' },
  });
  page = await signedIn(farm, '/setup?firstrun=1');
});
afterAll(async () => {
  await farm?.close();
  moto?.kill();
});

const step = (title: RegExp) => page.getByRole('list', { name: 'Steps' }).getByRole('button', { name: title });

describe('the AWS guided setup in Chromium, against moto', () => {
  it('opens as a first-run welcome that can be skipped', async () => {
    await page.getByRole('heading', { name: 'Welcome to Coalition' }).waitFor();
    expect(await page.getByTestId('skip-setup').getAttribute('href')).toBe('/jobs');
    await step(/AWS credentials/).waitFor();
    await screenshot(page, 'e2e-setup-first-run');
  });

  it('walks every step: check, plan, apply; secrets are sent once and never shown back', async () => {
    const bundle = join(farm.server.dataDir, 'coalition.tar.gz');
    writeFileSync(bundle, 'worker bundle bytes');
    const secret = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
    const panel = page.getByRole('region', { name: /AWS credentials/ });
    await panel.locator('input[name="region"]').fill('us-east-1');
    await panel.locator('input[name="accessKeyId"]').fill('AKIAIOSFODNN7EXAMPLE');
    await panel.locator('input[name="secretAccessKey"]').fill(secret);
    await panel.getByRole('button', { name: 'Apply' }).click();
    await page.getByTestId('apply-outcome').filter({ hasText: /Signed in to account \d+/ }).waitFor();
    expect(await page.content()).not.toContain(secret);
    expect(await page.locator('input[name="secretAccessKey"]').inputValue()).toBe('');

    const walk = async (title: RegExp, fill: Record<string, string>, expectDone: RegExp) => {
      await page.getByRole('button', { name: 'Next →' }).click();
      const region = page.getByRole('region', { name: title });
      for (const [name, value] of Object.entries(fill)) await region.locator(`input[name="${name}"]`).fill(value);
      await region.getByRole('button', { name: 'Plan' }).click();
      await page.getByTestId('plan').waitFor();
      await region.getByRole('button', { name: 'Apply' }).click();
      await page.getByTestId('apply-outcome').filter({ hasText: expectDone }).waitFor({ timeout: 30_000 });
    };
    await walk(/Network/, {}, /Created vpc-/);
    await screenshot(page, 'e2e-setup-network');
    await walk(/Security groups/, { officeCidr: '203.0.113.7' }, /sg-coalition/);
    await walk(/Bucket/, { bucket: 'studio-e2e-renders', workerBundle: bundle }, /bucket studio-e2e-renders/);
    await walk(/role/, {}, /instance profile/);
    await walk(/Save the settings/, { imageId: 'ami-0123456789abcdef0', instanceTypes: 'c6i.large' }, /Saved .*cloud_aws\.ini/);
    await page.getByText('All steps done').waitFor();
    expect(await page.locator('.steps .done').count()).toBe(6);
    await screenshot(page, 'e2e-setup-done');
  });

  it('names the problem when a check fails', async () => {
    await step(/Network/).click();
    const region = page.getByRole('region', { name: /Network/ });
    await region.locator('input[name="vpcId"]').fill('vpc-doesnotexist');
    await region.getByRole('button', { name: 'Check' }).click();
    const outcome = page.getByTestId('check-outcome');
    await outcome.waitFor();
    expect(await outcome.innerText()).toMatch(/not yet/);
    expect(await outcome.innerText()).toMatch(/vpc-doesnotexist/);
    await region.locator('input[name="vpcId"]').fill('');
    await screenshot(page, 'e2e-setup-check-failed');
  });

  it('previews the teardown, asks, then deletes what the setup made', async () => {
    await page.getByRole('button', { name: 'Preview the teardown' }).click();
    const plan = page.getByTestId('teardown-plan');
    await plan.locator('li', { hasText: 'vpc' }).first().waitFor();
    await page.getByRole('button', { name: 'Delete all of it…' }).click();
    await page.getByRole('dialog').getByText('cannot be undone').waitFor();
    await screenshot(page, 'e2e-setup-teardown-confirm');
    await page.getByTestId('prompt-ok').click();
    await page.locator('.teardown .ok-text').waitFor({ timeout: 30_000 });
    await page.getByRole('button', { name: 'Preview the teardown' }).click();
    await plan.getByText('Nothing to delete.').waitFor();
  });
});
