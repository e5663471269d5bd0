import { Router } from 'express';
import { validationError } from '../errors.ts';
import { estimate } from '../cloud/estimate.ts';
import { estimateBody, meanDurations, queueJobs, submissionJobs } from '../cloud/estimate-input.ts';
import type { Farm } from '../farm/farm.ts';
import type { ScalerService } from '../scaler/scaler-service.ts';

/**
 * `POST /api/cloud/estimate`: what a submission would cost and when it would finish, by the
 * real policy in the simulator from the farm as it is. Body: `{"jobs": <as PUT /api/jobs>,
 * "seconds"?: n}` (a job may carry `seconds`, its expected run time) or `{"groups": [{"count",
 * "seconds", "affinity"?, "priority"?}]}`. Nothing is submitted.
 */
export function estimateRoutes(o: { scaler: Pick<ScalerService, 'estimateContext'>; farm: Farm }): Router {
  const router = Router();
  router.post('/api/cloud/estimate', async (req, res) => {
    const parsed = estimateBody.safeParse(req.body ?? {});
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const key = issue.code === 'unrecognized_keys' ? `unknown field(s) ${issue.keys.join(', ')}` : `${issue.path.join('.') || '(body)'}: ${issue.message}`;
      throw validationError(`estimate: ${key}`);
    }
    const assumptions: string[] = [];
    const means = meanDurations(o.farm);
    const queue = queueJobs(o.farm, means, parsed.data.seconds, assumptions);
    const submission = submissionJobs(parsed.data, means, queue.length + 1, assumptions);
    const ctx = await o.scaler.estimateContext();
    res.json(estimate({ ...ctx, now: o.farm.clock.now() }, queue, submission, assumptions));
  });
  return router;
}
