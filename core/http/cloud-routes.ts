import { Router } from 'express';
import { z } from 'zod';
import { validationError } from '../errors.ts';
import type { ScalerService } from '../scaler/scaler-service.ts';
import { scalerSettingsPatchSchema } from '../scaler/settings.ts';
import { describeApi, ref } from './api-description.ts';

/** What the routes use of the scaler service (a fake with these methods does for tests). */
export type CloudRoutesService = Pick<ScalerService, 'status' | 'terminate' | 'updateSettings' | 'events' | 'acknowledge'>;

const terminateBody = z.object({ ids: z.array(z.string().min(1)).optional() }).strict();

/** Turns the first zod issue into a 400 that names the bad key. */
function invalid(prefix: string, error: z.ZodError): never {
  const issue = error.issues[0];
  const key = issue.code === 'unrecognized_keys' ? issue.keys.join(', ') : issue.path.join('.');
  const what = issue.code === 'unrecognized_keys' ? `unknown setting(s): ${key}` : `${key || '(body)'}: ${issue.message}`;
  throw validationError(`${prefix}${what}`);
}

/**
 * Cloud mode over HTTP:
 * - `GET /api/cloud`: policy, settings, instances (state, type, market, age, cost so far, $/h) and totals;
 * - `POST /api/cloud/terminate` `{ids?: string[]}`: terminate those instances, or every idle one (the old button);
 * - `POST /api/cloud/settings`: change settings (validated; a 400 names the bad key);
 * - `GET /api/cloud/events?since=&limit=`: the scaler's decisions and actions with their reasons, newest first;
 * - `POST /api/cloud/alerts/:code/acknowledge`: the cause of an alert is fixed (`boot-deadline-missed`: launches resume).
 */
export function cloudRoutes(service: CloudRoutesService): Router {
  const router = Router();

  router.get('/api/cloud', async (_req, res) => {
    res.json(await service.status());
  });

  router.post('/api/cloud/terminate', async (req, res) => {
    const parsed = terminateBody.safeParse(req.body ?? {});
    if (!parsed.success) invalid('', parsed.error);
    res.json(await service.terminate(parsed.data.ids));
  });

  router.post('/api/cloud/settings', async (req, res) => {
    const parsed = scalerSettingsPatchSchema.safeParse(req.body ?? {});
    if (!parsed.success) invalid('invalid cloud setting: ', parsed.error);
    res.json(await service.updateSettings(parsed.data));
  });

  router.post('/api/cloud/alerts/:code/acknowledge', async (req, res) => {
    res.json(await service.acknowledge(req.params.code));
  });

  router.get('/api/cloud/events', (req, res) => {
    const num = (name: string): number | undefined => {
      const raw = req.query[name];
      if (raw === undefined) return undefined;
      const n = Number(raw);
      if (typeof raw !== 'string' || !Number.isFinite(n) || n < 0) throw validationError(`${name} must be a non-negative number`);
      return n;
    };
    res.json(service.events({ since: num('since'), limit: num('limit') }));
  });

  return router;
}

const cloud = ['cloud'];
const anyObject = { type: 'object' };
describeApi([
  { method: 'get', path: '/api/cloud', tags: cloud, summary: 'Policy, settings, instances (state, type, market, age, cost so far, $/h) and totals', responses: { '200': { description: 'the cloud status', schema: anyObject } } },
  { method: 'post', path: '/api/cloud/terminate', tags: cloud, summary: 'Terminate these instances, or every idle one', body: { schema: terminateBody, required: false }, responses: { '200': { description: 'terminated and failed ids', schema: anyObject }, '400': { description: 'a bad body', schema: ref('Error') } } },
  { method: 'post', path: '/api/cloud/settings', tags: cloud, summary: 'Change scaler settings (a bad key is refused by name)', body: { schema: scalerSettingsPatchSchema }, responses: { '200': { description: 'the settings now', schema: anyObject }, '400': { description: 'a setting refused', schema: ref('Error') } } },
  {
    method: 'post', path: '/api/cloud/alerts/:code/acknowledge', tags: cloud, summary: 'The cause of an alert is fixed: for boot-deadline-missed, blocked pools and stopped launches open again',
    parameters: { code: { in: 'path', description: 'the alert code, as GET /api/cloud lists it (e.g. boot-deadline-missed)' } },
    responses: {
      '200': { description: 'the alert acknowledged and the alerts now', schema: { type: 'object', properties: { acknowledged: { type: 'string' }, alerts: { type: 'array', items: anyObject } }, required: ['acknowledged', 'alerts'] } },
      '404': { description: 'no such alert is raised now', schema: ref('Error') },
      '409': { description: 'this alert clears by itself', schema: ref('Error') },
    },
  },
  { method: 'get', path: '/api/cloud/events', tags: cloud, summary: "The scaler's decisions and actions with their reasons, newest first", parameters: { since: { in: 'query', schema: { type: 'number', minimum: 0 } }, limit: { in: 'query', schema: { type: 'number', minimum: 0 } } }, responses: { '200': { description: 'events', schema: { type: 'array', items: anyObject } } } },
]);
