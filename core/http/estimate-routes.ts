import { Router } from 'express';
import { validationError } from '../errors.ts';
import { estimate } from '../cloud/estimate.ts';
import { estimateBody, MAX_ESTIMATE_JOBS, meanDurations, queueJobs, submissionJobs } from '../cloud/estimate-input.ts';
import type { Farm } from '../farm/farm.ts';
import type { ScalerService } from '../scaler/scaler-service.ts';
import { describeApi, ref } from './api-description.ts';
import { estimateSchema } from './api-schemas.ts';

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

const seconds = { type: 'number', exclusiveMinimum: 0, maximum: 30 * 86_400 };
describeApi(
  [
    {
      method: 'post', path: '/api/cloud/estimate', tags: ['cloud'], summary: 'What a submission would cost and when it would finish, simulated by the real policy from the farm as it is; nothing is submitted',
      description: 'Either `jobs` (a job or a list of jobs exactly as PUT /api/jobs takes them; each job may say `seconds`, its expected run time) with an optional `seconds` for the others, or `groups` (counts of jobs with a duration). A job with no known duration, a submission that runs no command, or both forms at once are refused by name.',
      body: {
        schema: {
          type: 'object', additionalProperties: false,
          properties: {
            jobs: { oneOf: [ref('JobInput'), { type: 'array', items: ref('JobInput'), minItems: 1 }], description: 'as PUT /api/jobs takes it (a job may add "seconds")' },
            seconds: { ...seconds, description: 'expected seconds per job for the jobs that do not say (else the mean of finished jobs of their affinities)' },
            groups: { type: 'array', minItems: 1, items: { type: 'object', additionalProperties: false, required: ['count', 'seconds'], properties: { count: { type: 'integer', minimum: 1, maximum: MAX_ESTIMATE_JOBS }, seconds, affinity: { type: 'string' }, priority: { type: 'integer' } } } },
          },
        },
      },
      responses: { '200': { description: 'the estimate', schema: ref('Estimate') }, '400': { description: 'what cannot be estimated, named', schema: ref('Error') } },
    },
  ],
  { Estimate: estimateSchema },
);
