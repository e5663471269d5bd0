import { Router } from 'express';
import { conflict } from '../errors.ts';
import type { ScalerService } from '../scaler/scaler-service.ts';
import { workerNames } from './ids.ts';
import { describeApi, ref } from './api-description.ts';
import { workerNameListSchema } from './api-schemas.ts';
import { reportUnknown, UNKNOWN_HEADER } from './unknown-ids.ts';

describeApi([
  {
    method: 'post', path: '/api/terminateworkers', tags: ['cloud'], summary: 'Terminate the instances these workers run on (the old cloud mode)', body: { schema: workerNameListSchema },
    responses: { '200': { description: '1; names with no instance were skipped', schema: { const: 1 }, headers: { [UNKNOWN_HEADER]: { description: 'names that were skipped' } } }, '409': { description: 'no scaler runs (servermode = normal)', schema: ref('Error') } },
  },
]);

/**
 * `POST /api/terminateworkers ["name", …]` (the old cloud mode's button per worker): terminates
 * the instances those workers run on. Names with no instance are skipped and named in a
 * header; with no scaler (`servermode = normal`) there is nothing to terminate.
 */
export function terminateWorkersRoute(scaler: Pick<ScalerService, 'status' | 'terminate'> | undefined): Router {
  const r = Router();
  r.post('/api/terminateworkers', async (req, res) => {
    const names = workerNames(req.body);
    if (!scaler) throw conflict('no scaler runs (servermode = normal), so no worker runs on an instance this server started: stop workers with POST /api/stopworkers');
    const instances = (await scaler.status()).instances.filter((i) => i.id && i.state !== 'terminated');
    const ids: string[] = [];
    const unknown: string[] = [];
    for (const name of names) {
      // A worker with several slots registers as `name-N`.
      const instance = instances.find((i) => i.workerName === name || (name.startsWith(`${i.workerName}-`) && /^\d+$/.test(name.slice(i.workerName.length + 1))));
      if (instance) ids.push(instance.id!);
      else unknown.push(name);
    }
    if (ids.length) await scaler.terminate([...new Set(ids)]);
    reportUnknown(res, unknown);
    res.json(1);
  });
  return r;
}
