/** What the cloud page shows survives a restart: settings changed through the API, and the totals. */
import { afterAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../core/logger.ts';
import { startServer } from '../../core/server.ts';
import { api, removeDir, tempDir, TEST_TOKENS } from '../helpers/processes.ts';

const dir = tempDir('coalition-cloud-persist-');
afterAll(() => removeDir(dir));

const start = () => startServer({ port: 0, host: '127.0.0.1', data: dir, servermode: 'local', logger: createLogger({ quiet: true }), tokens: TEST_TOKENS, ini: { local: { maxinstances: '2' } } });

describe('cloud settings across a restart', () => {
  it('keeps POST /api/cloud/settings over the config file; a refused change changes nothing', async () => {
    let server = await start();
    try {
      const changed = await api(server.url, 'POST', '/api/cloud/settings', { maxInstances: 1, budgetPerDay: 5, budgetAction: 'stop-jobs' });
      expect(changed.status).toBe(200);
      const refused = await api<{ error: { message: string } }>(server.url, 'POST', '/api/cloud/settings', { budgetPerDay: -1, maxInstances: 9 });
      expect(refused.status).toBe(400);
      expect(refused.body.error.message).toMatch(/budgetPerDay/);
    } finally {
      await server.close();
    }
    server = await start();
    try {
      const { settings, budgets } = (await api<{ settings: Record<string, unknown>; budgets: { perDay: { limit: number }; action: string } }>(server.url, 'GET', '/api/cloud')).body;
      expect(settings).toMatchObject({ maxInstances: 1, budgetPerDay: 5, budgetAction: 'stop-jobs' });
      expect(budgets).toMatchObject({ perDay: { limit: 5 }, action: 'stop-jobs' });
    } finally {
      await server.close();
    }
  });
});
