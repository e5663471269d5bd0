/**
 * A fuzz campaign against a running server: seeded requests over every route, each checked for
 * the server's promises — never a 5xx, never a crash, and a refused request (4xx) changes
 * nothing (the stored files and what the API shows, compared before and after it).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import http from 'node:http';
import { join } from 'node:path';
import { SeededRandom } from '../../core/simulator/random.ts';
import { TEST_TOKENS } from '../helpers/processes.ts';
import { fuzzRequest, type FuzzContext, type FuzzRequest } from './fuzz-requests.ts';

export interface CampaignOptions {
  url: string;
  dataDir: string;
  seed: number;
  count: number;
  /** True once the server process has exited. */
  exited: () => boolean;
  /** Only requests whose known issue passes this run (default: all). */
  filter?: (request: FuzzRequest) => boolean;
}

export interface Failure {
  index: number;
  label: string;
  what: string;
  request: string;
  known?: string;
}

export interface CampaignResult {
  byStatus: Record<string, number>;
  failures: Failure[];
  /** Failures excused as known issues of the job-model work. */
  known: Failure[];
  sent: number;
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 4 });

/** Sends one request; a stream answer is cut after its headers. */
export function send(url: string, request: FuzzRequest): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const target = new URL(url);
    const req = http.request({ host: target.hostname, port: target.port, method: request.method, path: request.path, headers: { ...request.headers, ...(request.body ? { 'content-length': String(request.body.length) } : {}) }, agent }, (res) => {
      if (String(res.headers['content-type']).includes('event-stream')) {
        res.destroy();
        return resolve({ status: res.statusCode ?? 0, text: '' });
      }
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.setTimeout(60_000, () => req.destroy(new Error('no answer within 60 s')));
    req.on('error', reject);
    req.end(request.body);
  });
}

const admin = (url: string, method: string, path: string, body?: unknown) =>
  send(url, { label: 'state', method, path, headers: { authorization: `Bearer ${TEST_TOKENS.admin}`, 'content-type': 'application/json' }, body: body === undefined ? undefined : Buffer.from(JSON.stringify(body)) });

/** What a refused request must not change: the data files, and the jobs and workers the API shows. */
async function farmState(url: string, dataDir: string): Promise<string> {
  const files: Record<string, number | string> = {};
  for (const name of ['jobs.db', 'workers.db', 'events.db']) files[name] = sizeOf(join(dataDir, name));
  files['last-job-id'] = safeRead(join(dataDir, 'last-job-id'));
  for (const log of safeList(join(dataDir, 'logs'))) files[`logs/${log}`] = sizeOf(join(dataDir, 'logs', log));
  const jobs = JSON.parse((await admin(url, 'GET', '/api/jobs')).text) as Array<{ id: number; total: number }>;
  const children: unknown[] = [];
  for (const group of jobs.filter((j) => j.total > 0)) children.push(JSON.parse((await admin(url, 'GET', `/api/jobs/${group.id}/children`)).text));
  const workers = (JSON.parse((await admin(url, 'GET', '/api/workers')).text) as Array<Record<string, unknown>>).map(({ name, affinity, active, state, current_job, finished, error }) => ({ name, affinity, active, state, current_job, finished, error }));
  return JSON.stringify({ files, jobs, children, workers });
}

export async function runCampaign(options: CampaignOptions): Promise<CampaignResult> {
  const rng = new SeededRandom(options.seed);
  const ctx: FuzzContext = { jobIds: [], workerNames: [] };
  const result: CampaignResult = { byStatus: {}, failures: [], known: [], sent: 0 };
  const fail = (index: number, request: FuzzRequest, what: string) => {
    const failure = { index, label: request.label, what, request: `${request.method} ${request.path.slice(0, 120)} ${request.body?.toString('utf8', 0, 160) ?? ''}`, known: request.known?.issue };
    result.failures.push(failure);
  };
  const check = async (index: number, request: FuzzRequest) => {
    const before = await farmState(options.url, options.dataDir);
    let answer: { status: number; text: string };
    try {
      answer = await send(options.url, request);
    } catch (error) {
      // The server may cut a refused or oversized request while it is still being sent.
      answer = { status: 0, text: (error as Error).message };
    }
    result.sent++;
    result.byStatus[answer.status] = (result.byStatus[answer.status] ?? 0) + 1;
    if (answer.status >= 500) fail(index, request, `${answer.status}: ${answer.text.slice(0, 200)}`);
    else if (answer.status === 0 || answer.status >= 400) {
      const after = await farmState(options.url, options.dataDir);
      if (after !== before) {
        fail(index, request, `state changed by a refused request (${answer.status}: ${answer.text.slice(0, 160)})`);
      }
    } else learn(ctx, answer.text);
  };
  for (let index = 0; index < options.count; index++) {
    let request: FuzzRequest = { label: 'reset', method: 'GET', path: '/api/jobs', headers: {} };
    try {
      if (index % 100 === 0) await reset(options.url, ctx);
      request = fuzzRequest(rng, ctx);
      if (options.filter && !options.filter(request)) continue;
      await check(index, request);
    } catch (error) {
      // The server stopped answering: a crash (or a hang) is the worst failure there is.
      fail(index, request, `crash: the server stopped answering (${(error as Error).message}${options.exited() ? '; it exited' : ''})`);
      break;
    }
  }
  const alive = await admin(options.url, 'GET', '/api/session').catch(() => ({ status: 0, text: '' }));
  if (alive.status !== 200) result.failures.push({ index: options.count, label: 'end', what: `the server no longer serves (${alive.status})`, request: 'GET /api/session' });
  return result;
}

/** New job ids from accepted answers (a bare id or a list of ids). */
function learn(ctx: FuzzContext, text: string): void {
  const value = safeJson(text);
  const ids = typeof value === 'number' ? [value] : Array.isArray(value) && value.every((v) => typeof v === 'number') ? (value as number[]) : [];
  for (const id of ids) if (id > 1 && !ctx.jobIds.includes(id)) ctx.jobIds.push(id);
}

/** Keeps the farm small (the state compared stays cheap): deletes every job, sets up a few. */
async function reset(url: string, ctx: FuzzContext): Promise<void> {
  const roots = (safeJson((await admin(url, 'GET', '/api/jobs')).text) as Array<{ id: number }> | undefined) ?? [];
  if (roots.length) await admin(url, 'DELETE', '/api/jobs', roots.map((j) => j.id));
  const made = safeJson((await admin(url, 'PUT', '/api/jobs', [
    { title: 'fuzz group', children: [{ title: 'g1', command: 'true' }, { title: 'g2', command: 'true', state: 'PAUSED' }] },
    { title: 'fuzz a', command: 'true', affinity: 'fuzz' },
    { title: 'fuzz b', command: 'true', state: 'PAUSED' },
  ])).text);
  ctx.jobIds = Array.isArray(made) ? (made as number[]) : [];
}

function sizeOf(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return -1;
  }
}

function safeRead(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

function safeList(dir: string): string[] {
  try {
    return readdirSync(dir).sort();
  } catch {
    return [];
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
