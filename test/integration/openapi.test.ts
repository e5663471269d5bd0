/**
 * `GET /api/openapi.json`: a valid OpenAPI 3.1 document (checked by a real validator) of
 * every route the server has, generated from the schemas that validate requests, and the
 * server's real answers match what it documents.
 */
import { Validator } from '@seriousme/openapi-schema-validator';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JOB_LIMITS } from '../../core/jobs/job-limits.ts';
import { waitFor } from '../helpers/processes.ts';
import { startTestServer, workerCall, type TestServer } from '../helpers/test-server.ts';

type Doc = { openapi: string; paths: Record<string, Record<string, { requestBody?: unknown; responses: Record<string, unknown> }>>; components: { schemas: Record<string, Record<string, unknown>> } };

let s: TestServer;
let doc: Doc;
beforeAll(async () => {
  // Cloud mode (local provider) so the cloud routes are mounted too; its one worker process
  // "costs" $3600/h, so a job it runs has a cost.
  s = await startTestServer({ servermode: 'local', ini: { local: { maxinstances: '1', priceperhour: '3600' } }, scalerTickSeconds: 1 });
  const res = await fetch(`${s.url}/api/openapi.json`); // no token: the description is public
  expect(res.status).toBe(200);
  doc = (await res.json()) as Doc;
});
afterAll(async () => s.stop());

type Layer = { route?: { path: string | string[]; methods: Record<string, boolean> }; handle: { stack?: Layer[] }; rawPath?: string | string[] };

/** Every route of the live Express app (app.router.stack and the routers mounted in it), as OpenAPI method + path. */
function expressRoutes(stack: Layer[], prefix = ''): string[] {
  const out: string[] = [];
  const paths = (p: string | string[] | undefined) => (Array.isArray(p) ? p : [p ?? '/']);
  for (const layer of stack) {
    if (layer.route) {
      for (const path of paths(layer.route.path)) for (const method of Object.keys(layer.route.methods)) out.push(`${method} ${(prefix + path).replace(/:(\w+)/g, '{$1}')}`);
    } else if (Array.isArray(layer.handle?.stack)) {
      for (const mount of paths(layer.rawPath)) out.push(...expressRoutes(layer.handle.stack, prefix + (mount === '/' ? '' : mount)));
    }
  }
  return out;
}

/** The worker protocol is served beside Express (core/server.ts): its routes answer, and others do not. */
async function workerProtocolRoutes(): Promise<string[]> {
  const documented = Object.keys(doc.paths).filter((p) => p.startsWith('/workers/'));
  for (const path of documented) expect((await workerCall(s.url, path.slice('/workers/'.length), {})).status, path).toBe(400); // no name: refused by its schema
  expect((await workerCall(s.url, 'no-such-route', {})).status).toBe(404);
  return documented.map((p) => `post ${p}`);
}

describe('the OpenAPI document', () => {
  it('is a valid OpenAPI 3.1 document', async () => {
    const validator = new Validator();
    const result = await validator.validate(doc as unknown as Parameters<Validator['validate']>[0]);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    expect(validator.version).toBe('3.1');
  });

  it('describes every route the server has, and no other', async () => {
    const documented = Object.entries(doc.paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m} ${path}`));
    const live = expressRoutes((s.app as unknown as { router: { stack: Layer[] } }).router.stack);
    expect(live).toContain('post /api/cloud/estimate'); // the cloud routes are mounted after the port opens: they are walked too
    expect(documented.sort()).toEqual([...new Set([...live, ...(await workerProtocolRoutes())])].sort());
  });

  it('says what each operation needs, from the table the server enforces', () => {
    type Op = { security: unknown[]; 'x-permission'?: { action: string; roles: string[]; ownJobsOnly: string[] } };
    const op = (path: string, method: string) => doc.paths[path][method] as unknown as Op;
    expect(op('/api/jobs', 'post')['x-permission']).toEqual({ action: 'job.edit', roles: ['admin', 'wrangler', 'artist'], ownJobsOnly: ['artist'] });
    expect(op('/api/users/me', 'get')['x-permission']?.roles).toEqual(['admin', 'wrangler', 'artist', 'viewer', 'anonymous']);
    expect(op('/api/users/{name}', 'get')['x-permission']).toMatchObject({ action: 'users.manage', roles: ['admin'] });
    expect(op('/api/cloud/estimate', 'post')['x-permission']?.roles).toEqual(['admin', 'wrangler', 'artist', 'anonymous']);
    expect(op('/workers/pickjob', 'post')['x-permission']).toMatchObject({ action: 'worker.protocol', roles: ['worker'] });
    expect(op('/api/session', 'post')['x-permission']).toBeUndefined();
    expect(op('/api/session', 'post').security).toEqual([]);
  });

  it('is generated from the schemas that validate requests', () => {
    const input = doc.components.schemas.JobInput as { properties: Record<string, { maxLength?: number; enum?: string[] }>; additionalProperties: boolean };
    expect(input.properties.title.maxLength).toBe(JOB_LIMITS.text.title);
    expect(input.properties.command.maxLength).toBe(JOB_LIMITS.text.command);
    expect(input.additionalProperties).toBe(false);
    const edit = doc.components.schemas.JobEdit as { properties: Record<string, { enum?: string[] }> };
    expect(edit.properties.state.enum).toEqual(['WAITING', 'PENDING', 'PAUSED', 'FINISHED', 'ERROR']);
    expect(Object.keys(edit.properties)).toEqual(expect.arrayContaining(['paused', 'parent', 'dependencies']));
  });
});

describe('the server answers as documented', () => {
  const ajv = new Ajv2020({ strict: false, allErrors: true, formats: { email: /^[^@\s]+@[^@\s]+$/ } });
  const check = (schema: unknown, value: unknown) => {
    const validate = ajv.compile({ ...(schema as object), components: doc.components } as object);
    const ok = validate(value);
    expect(validate.errors ?? [], JSON.stringify(value).slice(0, 300)).toEqual([]);
    return ok;
  };
  const responseSchema = (method: string, path: string, status = '200') =>
    (doc.paths[path][method].responses[status] as { content: Record<string, { schema: unknown }> }).content['application/json'].schema;

  it('a job, a list of jobs, the workers and an error match their schemas', async () => {
    const body = { title: 'documented', children: [{ title: 'frame', command: 'sleep 1', progress_pattern: '%percent' }] };
    check((doc.paths['/api/jobs'].put.requestBody as { content: Record<string, { schema: unknown }> }).content['application/json'].schema, body);
    const id = (await s.call<number>('PUT', '/api/jobs', body)).body;
    // The scaler's local worker runs the frame: the job and its group then have a cost.
    const job = await waitFor(async () => {
      const got = (await s.call<{ state: string; cost: number }>('GET', `/api/jobs/${id}`)).body;
      return got.state === 'FINISHED' && got.cost > 0 ? got : undefined;
    }, { what: 'the frame to finish on the local worker', timeoutMs: 45_000, intervalMs: 200 });
    check(responseSchema('get', '/api/jobs/{id}'), job);
    const children = (await s.call<Array<{ cost: number }>>('GET', `/api/jobs/${id}/children`)).body;
    expect(children[0].cost).toBeGreaterThan(0);
    check(responseSchema('get', '/api/jobs/{id}/children'), children);
    check(responseSchema('get', '/api/jobs'), (await s.call('GET', '/api/jobs')).body);
    const events = (await s.call<Array<{ cost?: number }>>('GET', `/api/events?job=${id + 1}`)).body;
    expect(events.some((e) => (e.cost ?? 0) > 0)).toBe(true);
    check(responseSchema('get', '/api/events'), events);
    await workerCall(s.url, 'pickjob', { name: 'doc-w', wait: 0 });
    check(responseSchema('get', '/api/workers'), (await s.call('GET', '/api/workers')).body);
    check(responseSchema('get', '/api/affinities'), (await s.call('GET', '/api/affinities')).body);
    const refused = await s.call('GET', '/api/jobs/999999');
    expect(refused.status).toBe(404);
    check(responseSchema('get', '/api/jobs/{id}', '404'), refused.body);
  });

  it('people, sessions, the audit log, the views and the cloud answer as documented', async () => {
    const ok = async (method: string, path: string, body?: unknown, template = path.split('?')[0]) => {
      const res = await s.call(method, path, body);
      expect(res.status, `${method} ${path}: ${JSON.stringify(res.body).slice(0, 300)}`).toBe(200);
      check(responseSchema(method.toLowerCase(), template), res.body);
      return res.body;
    };
    const user = { name: 'doc-user', role: 'artist', password: 'long-enough-1', email: 'doc@example.test' };
    check((doc.paths['/api/users'].put.requestBody as { content: Record<string, { schema: unknown }> }).content['application/json'].schema, user);
    await ok('PUT', '/api/users', user);
    await ok('GET', '/api/users');
    await ok('GET', '/api/users/doc-user', undefined, '/api/users/{name}');
    const token = (await ok('POST', '/api/users/doc-user/tokens', { label: 'doc' }, '/api/users/{name}/tokens')) as { token: string };
    const mine = await fetch(`${s.url}/api/users/me`, { headers: { Authorization: `Bearer ${token.token}` } });
    check(responseSchema('get', '/api/users/me'), await mine.json());
    await ok('GET', '/api/users/doc-user/tokens', undefined, '/api/users/{name}/tokens');
    await ok('GET', '/api/session');
    const anonymous = await fetch(`${s.url}/api/session`);
    expect(anonymous.status).toBe(401);
    check(responseSchema('get', '/api/session', '401'), await anonymous.json());
    await ok('GET', '/api/audit?action=user.&limit=5');
    const root = (await s.call<Array<{ id: number }>>('GET', '/api/jobs')).body[0].id;
    await ok('GET', `/api/view/jobs?expanded=${root}&sort=cost&order=desc`, undefined, '/api/view/jobs');
    await ok('GET', '/api/view/facets');
    await ok('GET', '/api/cloud/series');
    await ok('POST', '/api/cloud/estimate', { groups: [{ count: 2, seconds: 60 }] });
    await ok('POST', '/api/workers/doc-w/token', undefined, '/api/workers/{name}/token');
  });
});
