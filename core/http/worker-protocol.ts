import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import { CoalitionError, validationError } from '../errors.ts';
import type { Dispatcher, WorkerReport } from '../farm/dispatcher.ts';
import type { Farm } from '../farm/farm.ts';
import type { Logger } from '../logger.ts';
import type { authenticator } from './auth.ts';
import { errorResponse } from './error-response.ts';
import { describeApi, ref } from './api-description.ts';

export const workerReportSchema = z.object({
  name: z.string({ error: 'name (the worker name) is required' }).min(1, 'name (the worker name) is required').max(200),
  affinity: z.string().optional(),
  cpu: z.array(z.number()).optional(),
  free_memory: z.number().optional(),
  total_memory: z.number().optional(),
});
const report = workerReportSchema;
export const pickJobSchema = report.extend({ wait: z.number().min(0).optional() });
export const heartbeatSchema = report.extend({ job: z.number().int().positive(), log: z.string().optional() });
export const endJobSchema = heartbeatSchema.extend({ exit_code: z.number().int(), timed_out: z.boolean().optional(), requeue: z.boolean().optional() });
const pick = pickJobSchema;
const beat = heartbeatSchema;
const end = endJobSchema;

const MAX_BODY = 4 * 1024 * 1024;

/**
 * The worker protocol (DESIGN.md) on plain `node:http`: the hot path of the farm, so it skips
 * express's routing and body parsing. `POST /workers/pickjob` (long-poll), `heartbeat`,
 * `endjob`, `interruption`.
 */
export function workerProtocolHandler(options: {
  farm: Farm;
  dispatcher: Dispatcher;
  logger: Logger;
  authenticate: ReturnType<typeof authenticator>;
  /** Told how long each pickjob took and whether it handed out a job (metrics). */
  observePick?: (seconds: number, gotJob: boolean) => void;
}) {
  const { farm, dispatcher } = options;
  const routes: Record<string, (body: unknown, scope: string | undefined, req: IncomingMessage, res: ServerResponse) => Promise<unknown>> = {
    async pickjob(raw, scope, req, res) {
      const body = parse(pick, raw, scope, req);
      const started = performance.now();
      const job = await dispatcher.pickJob(body, body.wait ?? 0, (cancel) => res.on('close', cancel));
      options.observePick?.((performance.now() - started) / 1000, Boolean(job));
      if (job && (res.destroyed || res.writableEnded)) {
        dispatcher.requeue(job, 'INTERRUPTED'); // the worker left before it got the job
        await farm.persist();
        return undefined;
      }
      return { job: job && { id: job.id, title: job.title, command: job.command, dir: job.dir, environment: job.environment, user: job.user, timeout: job.timeout } };
    },
    async heartbeat(raw, scope, req) {
      return { keep_running: await dispatcher.heartbeat(parse(beat, raw, scope, req)) };
    },
    async endjob(raw, scope, req) {
      await dispatcher.endJob(parse(end, raw, scope, req));
      return { ok: true };
    },
    async interruption(raw, scope, req) {
      await dispatcher.interruption(parse(report, raw, scope, req).name);
      return { ok: true };
    },
  };

  return (req: IncomingMessage, res: ServerResponse): void => {
    const route = routes[(req.url ?? '').slice('/workers/'.length).split('?')[0]];
    const send = (status: number, payload: unknown) => {
      if (res.destroyed || res.writableEnded) return;
      const text = JSON.stringify(payload);
      res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(text) });
      res.end(text);
    };
    const fail = (err: unknown) => {
      const { status, body, unexpected } = errorResponse(err);
      if (unexpected) options.logger.error({ err, url: req.url }, 'worker request failed');
      send(status, body);
    };
    let scope: string | undefined;
    try {
      if (!route) throw new CoalitionError('not_found', `no such endpoint: ${req.method} ${req.url}`);
      if (req.method !== 'POST') throw validationError(`${req.url} takes POST`);
      scope = options.authenticate(req.headers.authorization, true).workerScope;
    } catch (e) {
      req.resume();
      return fail(e);
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size <= MAX_BODY) chunks.push(c);
    });
    req.on('end', () => {
      if (size > MAX_BODY) return fail(new CoalitionError('too_large', `request body is larger than the limit of ${MAX_BODY} bytes`));
      let body: unknown;
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}');
      } catch (e) {
        return fail(validationError(`malformed JSON: ${(e as Error).message}`));
      }
      route(body, scope, req, res).then((payload) => payload !== undefined && send(200, payload), fail);
    });
  };
}

function parse<T>(schema: z.ZodType<T>, raw: unknown, scope: string | undefined, req: IncomingMessage): T & WorkerReport {
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw validationError(`${issue.path.join('.') || 'body'}: ${issue.message}`);
  }
  const body = parsed.data as T & WorkerReport;
  if (scope && body.name !== scope && !body.name.startsWith(`${scope}-`)) {
    throw new CoalitionError('forbidden', `this token belongs to worker "${scope}", not "${body.name}"`);
  }
  return { ...body, ip: req.socket.remoteAddress ?? '' };
}

const protocol = ['worker protocol'];
describeApi([
  {
    method: 'post', path: '/workers/pickjob', tags: protocol, auth: 'worker', summary: 'Take a job (held open up to `wait` ms while none is ready)', body: { schema: pickJobSchema },
    responses: { '200': { description: 'a job, or null', schema: { type: 'object', properties: { job: { oneOf: [{ type: 'null' }, { type: 'object', properties: { id: { type: 'integer' }, title: { type: 'string' }, command: { type: 'string' }, dir: { type: 'string' }, environment: { type: 'string' }, user: { type: 'string' }, timeout: { type: 'number' } } }] } } } }, '400': { description: 'a bad report', schema: ref('Error') } },
  },
  { method: 'post', path: '/workers/heartbeat', tags: protocol, auth: 'worker', summary: 'A log chunk and the load; answers whether to keep running', body: { schema: heartbeatSchema }, responses: { '200': { description: 'keep_running', schema: { type: 'object', properties: { keep_running: { type: 'boolean' } } } } } },
  { method: 'post', path: '/workers/endjob', tags: protocol, auth: 'worker', summary: 'How a run ended', body: { schema: endJobSchema }, responses: { '200': { description: 'ok', schema: { type: 'object', properties: { ok: { const: true } } } } } },
  { method: 'post', path: '/workers/interruption', tags: protocol, auth: 'worker', summary: 'A spot interruption notice: the worker takes no new job', body: { schema: workerReportSchema }, responses: { '200': { description: 'ok', schema: { type: 'object', properties: { ok: { const: true } } } } } },
]);
