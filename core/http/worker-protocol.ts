import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import { CoalitionError, validationError } from '../errors.ts';
import type { Dispatcher, WorkerReport } from '../farm/dispatcher.ts';
import type { Farm } from '../farm/farm.ts';
import { NameClashError, WorkerInstances } from '../farm/worker-instances.ts';
import {
  LOG_CHUNK_LIMIT_CHARS,
  WORKER_AFFINITY_LIMIT_CHARS,
  WORKER_BODY_LIMIT_BYTES,
  WORKER_CPU_LIMIT,
  WORKER_INSTANCE_LIMIT_CHARS,
  WORKER_NAME_LIMIT_CHARS,
} from '../limits.ts';
import type { Logger } from '../logger.ts';
import type { authenticator } from './auth.ts';
import { closeAfterResponse, closesConnection } from './close-after-refusal.ts';
import { errorResponse } from './error-response.ts';
import { describeApi, ref } from './api-description.ts';

export const workerReportSchema = z.object({
  name: z
    .string({ error: 'name (the worker name) is required' })
    .min(1, 'name (the worker name) is required')
    .max(WORKER_NAME_LIMIT_CHARS, `is ${WORKER_NAME_LIMIT_CHARS} characters at most`),
  instance: z.string().min(1).max(WORKER_INSTANCE_LIMIT_CHARS, `is ${WORKER_INSTANCE_LIMIT_CHARS} characters at most`).optional(),
  affinity: z.string().max(WORKER_AFFINITY_LIMIT_CHARS, `is ${WORKER_AFFINITY_LIMIT_CHARS} characters at most`).optional(),
  cpu: z.array(z.number()).max(WORKER_CPU_LIMIT, `has ${WORKER_CPU_LIMIT} values at most`).optional(),
  free_memory: z.number().optional(),
  total_memory: z.number().optional(),
});
export const pickJobSchema = workerReportSchema.extend({ wait: z.number().min(0).optional() });
export const heartbeatSchema = workerReportSchema.extend({ job: z.number().int().positive(), log: z.string().max(LOG_CHUNK_LIMIT_CHARS, `is ${LOG_CHUNK_LIMIT_CHARS} characters at most`).optional() });
export const endJobSchema = heartbeatSchema.extend({ exit_code: z.number().int(), timed_out: z.boolean().optional(), requeue: z.boolean().optional() });
const report = workerReportSchema;
const pick = pickJobSchema;
const beat = heartbeatSchema;
const end = endJobSchema;

type Route = (body: unknown, scope: string | undefined, req: IncomingMessage, res: ServerResponse) => Promise<unknown>;

export interface WorkerProtocolOptions {
  farm: Farm;
  dispatcher: Dispatcher;
  logger: Logger;
  authenticate: ReturnType<typeof authenticator>;
  /** Silence after which a worker's name may be taken by another process (the worker timeout). */
  workerTimeoutSeconds: number;
  /** Told how long each pickjob took and whether it handed out a job (metrics). */
  observePick?: (seconds: number, gotJob: boolean) => void;
}

/**
 * The worker protocol (DESIGN.md) on plain `node:http`: the hot path of the farm, so it skips
 * express's routing and body parsing. `POST /workers/pickjob` (long-poll), `heartbeat`,
 * `endjob`, `interruption`. Every error becomes an answer; none escapes to the process.
 */
export function workerProtocolHandler(options: WorkerProtocolOptions) {
  const { farm, dispatcher } = options;
  const instances = new WorkerInstances(options.workerTimeoutSeconds * 1000);
  /** Validates a call and checks its worker name is not held by another live process. */
  const parse = <T extends WorkerReport & { instance?: string }>(schema: z.ZodType<T>, raw: unknown, scope: string | undefined, req: IncomingMessage): T & { ip: string } => {
    const body = parseBody(schema, raw, scope);
    const ip = req.socket.remoteAddress ?? '';
    instances.claim(body.name, body.instance, ip, farm.clock.now());
    return { ...body, ip };
  };
  // A Map: a name like "constructor" must not find Object.prototype's.
  const routes = new Map<string, Route>([
    [
      'pickjob',
      async (raw, scope, req, res) => {
        const body = parse(pick, raw, scope, req);
        instances.pollStarted(body.name, body.instance);
        const started = performance.now();
        let job;
        try {
          job = await dispatcher.pickJob(body, body.wait ?? 0, (cancel) => res.on('close', cancel));
        } finally {
          instances.pollEnded(body.name, body.instance, farm.clock.now(), res.destroyed || res.writableEnded);
        }
        options.observePick?.((performance.now() - started) / 1000, Boolean(job));
        if (job && (res.destroyed || res.writableEnded)) {
          dispatcher.requeue(job, 'INTERRUPTED'); // the worker left before it got the job
          await farm.persist();
          return undefined;
        }
        return { job: job && { id: job.id, title: job.title, command: job.command, dir: job.dir, environment: job.environment, user: job.user, timeout: job.timeout } };
      },
    ],
    ['heartbeat', async (raw, scope, req) => ({ keep_running: await dispatcher.heartbeat(parse(beat, raw, scope, req)) })],
    [
      'endjob',
      async (raw, scope, req) => {
        await dispatcher.endJob(parse(end, raw, scope, req));
        return { ok: true };
      },
    ],
    [
      'interruption',
      async (raw, scope, req) => {
        await dispatcher.interruption(parse(report, raw, scope, req).name);
        return { ok: true };
      },
    ],
  ]);

  return (req: IncomingMessage, res: ServerResponse): void => {
    const send = (status: number, payload: unknown, headers: Record<string, string> = {}) => {
      if (res.destroyed || res.writableEnded || res.headersSent) return;
      const text = JSON.stringify(payload);
      res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': String(Buffer.byteLength(text)), ...headers });
      res.end(text);
    };
    const fail = (err: unknown) => {
      try {
        const { status, body, unexpected } = errorResponse(err);
        if (unexpected) options.logger.error({ err, url: req.url }, 'worker request failed');
        if (closesConnection(status)) closeAfterResponse(res);
        send(status, body, err instanceof NameClashError && err.retryAfterSeconds !== undefined ? { 'Retry-After': String(err.retryAfterSeconds) } : {});
      } catch (e) {
        options.logger.error({ err: e }, 'could not answer a worker request');
        res.destroy();
      }
    };
    try {
      const route = routes.get((req.url ?? '').slice('/workers/'.length).split('?')[0]);
      if (!route) throw new CoalitionError('not_found', `no such endpoint: ${req.method} ${(req.url ?? '').split('?')[0].slice(0, 200)}`);
      if (req.method !== 'POST') throw validationError(`${req.url} takes POST`);
      const scope = options.authenticate(req.headers.authorization, true).workerScope;
      readBody(req, (error, text) => {
        if (error) return fail(error);
        let body: unknown;
        try {
          body = JSON.parse(text || '{}');
        } catch (e) {
          return fail(validationError(`malformed JSON: ${(e as Error).message}`));
        }
        let answer: Promise<unknown>;
        try {
          answer = route(body, scope, req, res);
        } catch (e) {
          return fail(e);
        }
        answer.then((payload) => payload !== undefined && send(200, payload), fail).catch(fail);
      });
    } catch (e) {
      req.resume();
      fail(e);
    }
  };
}

/** Reads a body up to the limit; past it, answers at once and drops the rest as it comes. */
function readBody(req: IncomingMessage, done: (error: unknown, text: string) => void): void {
  const tooLarge = () => new CoalitionError('too_large', `request body is larger than the limit of ${WORKER_BODY_LIMIT_BYTES} bytes`);
  if (Number(req.headers['content-length'] ?? 0) > WORKER_BODY_LIMIT_BYTES) {
    req.resume();
    return done(tooLarge(), '');
  }
  const chunks: Buffer[] = [];
  let size = 0;
  let over = false;
  req.on('data', (c: Buffer) => {
    if (over) return;
    size += c.length;
    if (size <= WORKER_BODY_LIMIT_BYTES) return void chunks.push(c);
    over = true;
    chunks.length = 0;
    done(tooLarge(), '');
  });
  req.on('end', () => {
    if (!over) done(undefined, Buffer.concat(chunks).toString('utf8'));
  });
  req.on('error', () => {}); // a client that goes away mid-body: nothing to answer
}

function parseBody<T extends WorkerReport>(schema: z.ZodType<T>, raw: unknown, scope: string | undefined): T {
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw validationError(`${issue.path.join('.') || 'body'}: ${issue.message}`);
  }
  const body = parsed.data;
  if (scope && body.name !== scope && !body.name.startsWith(`${scope}-`)) {
    throw new CoalitionError('forbidden', `this token belongs to worker "${scope}", not "${body.name}"`);
  }
  return body;
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
