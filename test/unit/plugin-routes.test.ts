import type { AddressInfo } from 'node:net';
import express from 'express';
import { afterEach, describe, expect, it } from 'vitest';
import { pluginRoutes, type PluginRoutesHost } from '../../core/http/plugin-routes.ts';
import { ProviderError, type CloudProvider } from '../../core/plugin-api.ts';
import { PluginRegistry } from '../../core/plugins/plugin-registry.ts';

const noop = { list: async () => [], launch: async () => ({ started: [], failed: [] }), terminate: async () => ({ terminated: [], failed: [] }) };

function fakeHost(): PluginRoutesHost {
  const registry = new PluginRegistry();
  const ok: CloudProvider = {
    name: 'local',
    offers: async () => [{ name: 'local', slots: 1, affinities: [], bootSeconds: 2, markets: ['on-demand'] }],
    prices: async () => [{ instanceType: 'local', market: 'on-demand', perHour: 0, at: 1 }],
    ...noop,
  };
  const broken: CloudProvider = {
    name: 'aws',
    offers: async () => { throw new ProviderError('auth', 'ec2:DescribeInstanceTypes denied'); },
    prices: async () => [],
    ...noop,
  };
  registry.addProvider('local', ok);
  registry.addProvider('aws', broken);
  return {
    list: () => [
      { name: 'local', version: '1.0.0', dir: '/x/local', state: 'active', providers: ['local'], wizards: [] },
      { name: 'aws', version: '1.0.0', dir: '/x/aws', state: 'failed', error: 'boom', providers: [], wizards: [] },
    ],
    providers: () => registry.providers(),
  };
}

describe('plugin routes', () => {
  let close: (() => Promise<void>) | undefined;
  afterEach(async () => close?.());

  async function serve(): Promise<string> {
    const app = express();
    app.use(pluginRoutes(fakeHost()));
    const server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    close = () => new Promise((resolve) => server.close(() => resolve()));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  it('GET /api/plugins lists plugins with state and error, without their folders', async () => {
    const base = await serve();
    const res = await fetch(`${base}/api/plugins`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual([
      { name: 'local', version: '1.0.0', state: 'active', providers: ['local'], wizards: [] },
      { name: 'aws', version: '1.0.0', state: 'failed', error: 'boom', providers: [], wizards: [] },
    ]);
  });

  it('GET /api/providers answers for every provider, with the error of one that cannot answer', async () => {
    const base = await serve();
    const body = (await (await fetch(`${base}/api/providers`)).json()) as Array<Record<string, unknown>>;
    expect(body).toEqual([
      { name: 'local', plugin: 'local', offers: [{ name: 'local', slots: 1, affinities: [], bootSeconds: 2, markets: ['on-demand'] }], prices: [{ instanceType: 'local', market: 'on-demand', perHour: 0, at: 1 }] },
      { name: 'aws', plugin: 'aws', offers: [], prices: [], error: { code: 'auth', message: 'ec2:DescribeInstanceTypes denied' } },
    ]);
  });
});
