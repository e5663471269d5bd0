import express from 'express';
import type { NextFunction, Request, Response } from 'express';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CoalitionError, httpStatusOf, notFound } from '../../core/errors.ts';
import { cloudRoutes } from '../../core/http/cloud-routes.ts';
import type { CloudRoutesService } from '../../core/http/cloud-routes.ts';
import { defaultScalerSettings } from '../../core/scaler/settings.ts';
import type { ScalerSettings } from '../../core/scaler/types.ts';

let settings: ScalerSettings = { ...defaultScalerSettings };
const terminated: Array<readonly string[] | undefined> = [];
const service = {
  status: async () => ({ policy: settings.policy, settings, instances: [], totals: { alive: 0, perHour: 0, costSoFar: 0 } }),
  terminate: async (ids?: readonly string[]) => {
    if (ids?.includes('i-nope')) throw notFound('no running instance with id i-nope');
    terminated.push(ids);
    return { terminated: [...(ids ?? ['i-idle'])], failed: [] };
  },
  updateSettings: async (patch: Partial<ScalerSettings>) => (settings = { ...settings, ...patch }),
  events: () => [{ at: 1, kind: 'decision', message: 'launch 0, terminate 0', reasons: ['no instance type can serve affinity gpu — not launching for 1 job(s)'] }],
} as unknown as CloudRoutesService;

let base = '';
let server: ReturnType<express.Express['listen']>;
beforeAll(async () => {
  const app = express();
  app.use(express.json());
  app.use(cloudRoutes(service));
  app.use((err: unknown, _req: Request, res: Response, _next: NextFunction) => {
    const e = err instanceof CoalitionError ? err : new CoalitionError('provider', 'internal');
    res.status(httpStatusOf(e.code)).json({ error: { code: e.code, message: e.message } });
  });
  server = app.listen(0);
  await new Promise((resolve) => server.once('listening', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const post = (path: string, body: unknown) => fetch(base + path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

describe('cloud routes', () => {
  it('GET /api/cloud shows the policy and settings', async () => {
    const res = await fetch(`${base}/api/cloud`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ policy: 'cost', settings: { workerinstancestartdelay: 30 } });
  });

  it('POST /api/cloud/settings applies a valid change and names the bad key otherwise', async () => {
    const ok = await post('/api/cloud/settings', { policy: 'classic', workerinstancemax: 8 });
    expect(ok.status).toBe(200);
    expect(await ok.json()).toMatchObject({ policy: 'classic', workerinstancemax: 8 });
    const bad = await post('/api/cloud/settings', { workerinstancemax: -1 });
    expect(bad.status).toBe(400);
    expect((await bad.json()).error.message).toMatch(/workerinstancemax/);
    const typo = await post('/api/cloud/settings', { workerinstancemaxx: 3 });
    expect(typo.status).toBe(400);
    expect((await typo.json()).error.message).toMatch(/unknown setting\(s\): workerinstancemaxx/);
  });

  it('POST /api/cloud/terminate with no ids terminates the idle instances; unknown ids are a 404', async () => {
    const all = await post('/api/cloud/terminate', {});
    expect(await all.json()).toEqual({ terminated: ['i-idle'], failed: [] });
    expect(terminated.at(-1)).toBeUndefined();
    const some = await post('/api/cloud/terminate', { ids: ['i-1'] });
    expect((await some.json()).terminated).toEqual(['i-1']);
    expect((await post('/api/cloud/terminate', { ids: ['i-nope'] })).status).toBe(404);
    expect((await post('/api/cloud/terminate', { ids: 'i-1' })).status).toBe(400);
  });

  it('GET /api/cloud/events lists decisions with their reasons', async () => {
    const res = await fetch(`${base}/api/cloud/events?limit=10`);
    expect((await res.json())[0].reasons[0]).toMatch(/not launching/);
    expect((await fetch(`${base}/api/cloud/events?limit=abc`)).status).toBe(400);
  });
});
