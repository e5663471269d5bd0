import type { AddressInfo } from 'node:net';
import express, { type NextFunction, type Request, type Response } from 'express';
import { afterEach, describe, expect, it } from 'vitest';
import { errorResponse } from '../../core/http/error-response.ts';
import { setupRoutes } from '../../core/http/setup-routes.ts';
import type { PlannedAction, SetupWizard } from '../../core/plugin-api.ts';

/** A wizard with one step that creates a "bucket" once and echoes a secret field it must not leak. */
function wizard(): SetupWizard & { created: string[] } {
  const created: string[] = [];
  return {
    id: 'demo',
    title: 'Demo setup',
    created,
    steps: [
      {
        id: 'bucket',
        title: 'Bucket',
        fields: [{ key: 'name', label: 'Bucket name', required: true }, { key: 'password', label: 'Password', secret: true }],
        check: async (input) => ({ ok: created.includes(input.name), message: created.includes(input.name) ? 'exists' : 'missing', values: { name: input.name, password: input.password } }),
        plan: async (input): Promise<PlannedAction[]> => [{ action: created.includes(input.name) ? 'reuse' : 'create', resource: 'bucket', name: input.name }],
        apply: async (input) => {
          if (!created.includes(input.name)) created.push(input.name);
          return { ok: true, message: 'done', values: { bucket: input.name, password: input.password } };
        },
      },
    ],
    teardownPlan: async () => created.map((name) => ({ action: 'delete' as const, resource: 'bucket', name })),
    teardown: async () => {
      created.length = 0;
      return { ok: true, message: 'deleted' };
    },
  };
}

let close: (() => Promise<void>) | undefined;
afterEach(async () => close?.());

async function serve(w: SetupWizard): Promise<string> {
  const app = express();
  app.use(express.json());
  app.use(setupRoutes({ wizards: () => [{ plugin: 'demo-plugin', wizard: w }], wizard: (id) => (id === w.id ? w : undefined) }));
  app.use((err: unknown, _req: Request, res: Response, _next: NextFunction) => {
    const { status, body } = errorResponse(err);
    res.status(status).json(body);
  });
  const server = app.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  close = () => new Promise((r) => server.close(() => r()));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

const post = (url: string, body: unknown) => fetch(url, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });

describe('setup wizard HTTP API', () => {
  it('lists wizards, plans, applies idempotently and never echoes secret fields', async () => {
    const w = wizard();
    const base = await serve(w);
    const list = (await (await fetch(`${base}/api/setup`)).json()) as Array<{ id: string; steps: Array<{ id: string }> }>;
    expect(list).toEqual([expect.objectContaining({ id: 'demo', plugin: 'demo-plugin', steps: [expect.objectContaining({ id: 'bucket' })] })]);
    const input = { input: { name: 'renders', password: 'hunter2' } };
    expect(await (await post(`${base}/api/setup/demo/steps/bucket/plan`, input)).json()).toEqual([{ action: 'create', resource: 'bucket', name: 'renders' }]);
    const applied = await (await post(`${base}/api/setup/demo/steps/bucket/apply`, input)).text();
    expect(applied).toContain('"bucket":"renders"');
    expect(applied).not.toContain('hunter2');
    await post(`${base}/api/setup/demo/steps/bucket/apply`, input);
    expect(w.created).toEqual(['renders']);
    expect(await (await post(`${base}/api/setup/demo/steps/bucket/plan`, input)).json()).toEqual([{ action: 'reuse', resource: 'bucket', name: 'renders' }]);
    expect(await (await post(`${base}/api/setup/demo/steps/bucket/check`, input)).text()).not.toContain('hunter2');
  });

  it('previews a teardown and needs a confirmation to run it', async () => {
    const w = wizard();
    const base = await serve(w);
    await post(`${base}/api/setup/demo/steps/bucket/apply`, { input: { name: 'renders' } });
    expect(await (await fetch(`${base}/api/setup/demo/teardown`)).json()).toEqual([{ action: 'delete', resource: 'bucket', name: 'renders' }]);
    const refused = await post(`${base}/api/setup/demo/teardown`, {});
    expect(refused.status).toBe(400);
    expect(w.created).toEqual(['renders']);
    expect((await post(`${base}/api/setup/demo/teardown`, { confirm: true })).status).toBe(200);
    expect(w.created).toEqual([]);
  });

  it('names what is unknown', async () => {
    const base = await serve(wizard());
    const noWizard = await post(`${base}/api/setup/nope/steps/x/apply`, {});
    expect(noWizard.status).toBe(404);
    expect(((await noWizard.json()) as { error: { message: string } }).error.message).toContain('no setup wizard "nope"');
    const noStep = await post(`${base}/api/setup/demo/steps/vpc/apply`, {});
    expect(((await noStep.json()) as { error: { message: string } }).error.message).toContain('its steps: bucket');
    expect((await post(`${base}/api/setup/demo/steps/bucket/explode`, {})).status).toBe(400);
    expect((await post(`${base}/api/setup/demo/steps/bucket/apply`, { input: { name: 5 } })).status).toBe(400);
  });
});
