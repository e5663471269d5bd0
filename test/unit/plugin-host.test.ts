import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { PluginContext, SecretStore } from '../../core/plugin-api.ts';
import type { PluginRoutesHost } from '../../core/http/plugin-routes.ts';
import { PluginHost, type PluginHostOptions } from '../../core/plugins/plugin-host.ts';
import { manifest, pluginEvents, pluginSource, writePlugin } from './plugin-fixtures.ts';

const logger = pino({ level: 'silent' });

describe('plugin host', () => {
  let root: string;
  let hosts: PluginHost[];

  beforeEach(async () => {
    root = await mkdtemp(path.join(os.tmpdir(), 'coalition-plugins-'));
    hosts = [];
    pluginEvents().length = 0;
  });
  afterEach(async () => {
    for (const host of hosts) await host.stop();
    await rm(root, { recursive: true, force: true });
  });

  const makeHost = (options: Partial<PluginHostOptions> = {}) => {
    const host = new PluginHost({
      farmId: 'farm-1',
      serverUrl: 'http://127.0.0.1:19211',
      dataDir: path.join(root, 'data'),
      configFor: () => ({}),
      logger,
      builtinDir: path.join(root, 'plugins'),
      activationTimeoutMs: 300,
      deactivationTimeoutMs: 300,
      ...options,
    });
    hosts.push(host);
    return host;
  };
  const plugins = () => path.join(root, 'plugins');
  const good = () => writePlugin(plugins(), 'good', manifest('coalition-plugin-good'), {
    'index.ts': pluginSource('good', `ctx.registerCloudProvider(provider('good-cloud')); ctx.registerSetupWizard({ id: 'good-setup', title: 'Good', steps: [], teardownPlan: async () => [], teardown: async () => ({ ok: true, message: '' }) });`),
  });
  const stateOf = (host: PluginHost, name: string) => host.list().find((p) => p.name === name);

  it('activates a good plugin and lists what it registered', async () => {
    await good();
    const host = makeHost();
    await host.start();
    expect(host.list()).toEqual([
      { name: 'good', version: '1.2.3', dir: path.join(plugins(), 'good'), state: 'active', providers: ['good-cloud'], wizards: ['good-setup'] },
    ]);
    expect(host.provider('good-cloud')?.name).toBe('good-cloud');
    expect(host.wizard('good-setup')?.title).toBe('Good');
    const forRoutes: PluginRoutesHost = host; // what core/http/plugin-routes.ts is mounted with
    expect(forRoutes.providers().map((p) => p.plugin)).toEqual(['good']);
  });

  it('marks a plugin that throws, hangs, wants another API version or has a broken manifest as failed; the good one stays active', async () => {
    await good();
    await writePlugin(plugins(), 'thrower', manifest('thrower'), {
      'index.ts': pluginSource('thrower', `ctx.registerCloudProvider(provider('thrower-cloud')); throw new Error('cannot reach the cloud');`),
    });
    await writePlugin(plugins(), 'hanger', manifest('hanger'), {
      'index.ts': pluginSource('hanger', `ctx.registerCloudProvider(provider('hanger-cloud')); setTimeout(() => { ctx.registerCloudProvider(provider('late-cloud')); note('late registration'); }, 500); await new Promise(() => {});`),
    });
    await writePlugin(plugins(), 'future', manifest('future', { coalition: { apiVersion: 2 } }), { 'index.ts': pluginSource('future', '') });
    await writePlugin(plugins(), 'broken', { name: 'broken', version: '1.0.0', type: 'module', main: 'index.ts', coalition: { apiVersion: 'one' } }, { 'index.ts': pluginSource('broken', '') });
    await writePlugin(plugins(), 'no-main', { name: 'no-main', version: '1.0.0', coalition: { apiVersion: 1 } }, {});
    await writePlugin(plugins(), 'no-activate', manifest('no-activate'), { 'index.ts': 'export const nothing = 1;' });
    await writePlugin(plugins(), 'syntax', manifest('syntax'), { 'index.ts': 'export function activate( {' });

    const host = makeHost();
    await host.start();

    expect(stateOf(host, 'good')).toMatchObject({ state: 'active', providers: ['good-cloud'] });
    expect(stateOf(host, 'thrower')).toMatchObject({ state: 'failed', error: 'cannot reach the cloud', providers: [] });
    expect(stateOf(host, 'hanger')).toMatchObject({ state: 'failed', error: expect.stringContaining('did not finish within 300 ms'), providers: [] });
    expect(stateOf(host, 'future')).toMatchObject({ state: 'failed', error: 'needs plugin API version 2, this server provides version 1' });
    expect(stateOf(host, 'broken')).toMatchObject({ state: 'failed', error: expect.stringContaining('coalition.apiVersion') });
    expect(stateOf(host, 'no-main')).toMatchObject({ state: 'failed', error: expect.stringMatching(/main: .*/) });
    expect(stateOf(host, 'no-activate')).toMatchObject({ state: 'failed', error: expect.stringContaining('exports no activate() function') });
    expect(stateOf(host, 'syntax')?.state).toBe('failed');
    expect(host.providers().map((p) => p.provider.name)).toEqual(['good-cloud']);
    // What the failed plugins registered before failing was disposed.
    expect(pluginEvents()).toEqual(expect.arrayContaining([
      { plugin: 'thrower', event: 'provider thrower-cloud disposed' },
      { plugin: 'hanger', event: 'provider hanger-cloud disposed' },
    ]));
    // The hung plugin's late registration is refused.
    await expect.poll(() => pluginEvents().some((e) => e.event === 'late registration')).toBe(true);
    expect(host.provider('late-cloud')).toBeUndefined();
  });

  it('deactivates plugins on stop and disposes every registration, even when deactivate hangs', async () => {
    await good();
    await writePlugin(plugins(), 'slow-stop', manifest('slow-stop'), {
      'index.ts': pluginSource('slow-stop', `ctx.registerCloudProvider(provider('slow-cloud'));`, 'await new Promise(() => {});'),
    });
    const host = makeHost();
    await host.start();
    expect(host.providers()).toHaveLength(2);
    await host.stop();
    expect(host.providers()).toEqual([]);
    expect(host.wizards()).toEqual([]);
    const events = pluginEvents().map((e) => `${e.plugin}: ${e.event}`);
    expect(events).toEqual(expect.arrayContaining(['good: deactivate', 'good: provider good-cloud disposed', 'slow-stop: deactivate', 'slow-stop: provider slow-cloud disposed']));
    expect(events.indexOf('good: deactivate')).toBeLessThan(events.indexOf('good: provider good-cloud disposed'));
  });

  it('hands a plugin its context: its config section, farm, server URL, data dir and a secret store', async () => {
    await writePlugin(plugins(), 'probe', manifest('coalition-plugin-probe'), {
      'index.ts': pluginSource('probe', `globalThis.__probeContext = ctx; await ctx.secrets.set('token', 's3cret');`),
    });
    const asked: string[] = [];
    const stored = new Map<string, string>();
    const secrets: SecretStore = {
      get: async (k) => stored.get(k),
      set: async (k, v) => void stored.set(k, v),
      delete: async (k) => void stored.delete(k),
    };
    const host = makeHost({ configFor: (name) => (asked.push(name), { maxinstances: '3' }), secrets });
    await host.start();
    const ctx = (globalThis as { __probeContext?: PluginContext }).__probeContext!;
    expect(asked).toContain('probe');
    expect(ctx).toMatchObject({ pluginName: 'probe', farmId: 'farm-1', serverUrl: 'http://127.0.0.1:19211', dataDir: path.join(root, 'data'), config: { maxinstances: '3' } });
    expect(Object.isFrozen(ctx.config)).toBe(true);
    expect(stored.get('probe.token')).toBe('s3cret');
    expect(await ctx.secrets.get('token')).toBe('s3cret');
  });

  it('fails a plugin whose settings do not load, with the config error', async () => {
    await writePlugin(plugins(), 'badconf', manifest('badconf'), { 'index.ts': pluginSource('badconf', '') });
    const host = makeHost({ configFor: () => { throw new Error('cloud_aws.ini: spotprice = "cheap" is not a number'); } });
    await host.start();
    expect(stateOf(host, 'badconf')).toMatchObject({ state: 'failed', error: 'cloud_aws.ini: spotprice = "cheap" is not a number' });
  });

  it('finds plugins in extra folders, skips missing ones, and refuses a second plugin with a taken name', async () => {
    await good();
    const extra = path.join(root, 'extra');
    await writePlugin(extra, 'more', manifest('more'), { 'index.ts': pluginSource('more', `ctx.registerCloudProvider(provider('more-cloud'));`) });
    await writePlugin(extra, 'good-again', manifest('good'), { 'index.ts': pluginSource('good-again', '') });
    await writePlugin(extra, 'steals', manifest('steals'), { 'index.ts': pluginSource('steals', `ctx.registerCloudProvider(provider('good-cloud'));`) });
    const host = makeHost({ extraDirs: [extra, path.join(root, 'does-not-exist')] });
    await host.start();
    expect(host.list().map((p) => [p.name, p.state])).toEqual([
      ['good', 'active'],
      ['good', 'failed'],
      ['more', 'active'],
      ['steals', 'failed'],
    ]);
    expect(host.list()[1].error).toContain('another plugin named "good"');
    expect(stateOf(host, 'steals')?.error).toContain('cloud provider "good-cloud" is already registered by plugin "good"');
    expect(host.provider('good-cloud')).toBeDefined();
  });

  it('leaves a plugin disabled by configuration unloaded', async () => {
    await good();
    const host = makeHost({ configFor: (name): Record<string, string> => (name === 'good' ? { enabled: 'false' } : {}) });
    await host.start();
    expect(stateOf(host, 'good')).toMatchObject({ state: 'disabled', providers: [] });
    expect(pluginEvents()).toEqual([]);
  });

  it('activates the built-in local plugin from the repository', async () => {
    const host = makeHost({ builtinDir: undefined, disabled: ['aws'], activationTimeoutMs: 10_000, configFor: (name): Record<string, string> => (name === 'local' ? { maxinstances: '1' } : {}) });
    await host.start();
    expect(stateOf(host, 'local')).toMatchObject({ state: 'active', providers: ['local'] });
    expect(await host.provider('local')!.offers()).toEqual([{ name: 'local', slots: 1, affinities: [], bootSeconds: 2, markets: ['on-demand'] }]);
  });
});
