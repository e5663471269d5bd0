import { Router } from 'express';
import type { CloudProvider } from '../plugin-api.ts';
import { describeApi } from './api-description.ts';

/** How long `GET /api/providers` waits for a provider's offers and prices. */
const PROVIDER_QUERY_TIMEOUT_MS = 5_000;

/**
 * What the routes need from the plugin host (`core/plugins/plugin-host.ts` implements it).
 * A small interface rather than the class: the routes stay testable with a fake.
 */
export interface PluginRoutesHost {
  list(): Array<{ name: string; version: string; state: string; error?: string; providers: string[]; wizards: string[] }>;
  providers(): Array<{ plugin: string; provider: CloudProvider }>;
}

/**
 * `GET /api/plugins`: every plugin found, with state, error, providers and wizards.
 * `GET /api/providers`: every registered provider with its offers and prices (a provider that
 * cannot answer shows its error instead; the others still answer).
 */
export function pluginRoutes(host: PluginRoutesHost): Router {
  const router = Router();

  router.get('/api/plugins', (_req, res) => {
    res.json(
      host.list().map(({ name, version, state, error, providers, wizards }) => ({
        name,
        version,
        state,
        ...(error !== undefined ? { error } : {}),
        providers,
        wizards,
      })),
    );
  });

  router.get('/api/providers', async (_req, res) => {
    const answers = await Promise.all(
      host.providers().map(async ({ plugin, provider }) => {
        try {
          const [offers, prices] = await withDeadline(Promise.all([provider.offers(), provider.prices()]), PROVIDER_QUERY_TIMEOUT_MS);
          return { name: provider.name, plugin, offers, prices };
        } catch (err) {
          const code = typeof (err as { code?: unknown }).code === 'string' ? (err as { code: string }).code : 'unknown';
          return { name: provider.name, plugin, offers: [], prices: [], error: { code, message: (err as Error).message } };
        }
      }),
    );
    res.json(answers);
  });

  return router;
}

function withDeadline<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(Object.assign(new Error(`no answer within ${ms} ms`), { code: 'timeout' })), ms);
  });
  work.catch(() => undefined);
  return Promise.race([work, deadline]).finally(() => clearTimeout(timer));
}

describeApi([
  { method: 'get', path: '/api/plugins', tags: ['plugins'], summary: 'Every plugin found: state, error, providers, wizards', responses: { '200': { description: 'plugins', schema: { type: 'array', items: { type: 'object' } } } } },
  { method: 'get', path: '/api/providers', tags: ['plugins'], summary: 'Every provider with its offers and prices', responses: { '200': { description: 'providers', schema: { type: 'array', items: { type: 'object' } } } } },
]);
