/**
 * `GET /api/openapi.json`: a valid OpenAPI 3.1 document (checked by a real validator) of
 * every route the server has, generated from the schemas that validate requests, and the
 * server's real answers match what it documents.
 */
import { Validator } from '@seriousme/openapi-schema-validator';
import { Ajv2020 } from 'ajv/dist/2020.js';
import type { Router } from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cloudRoutes } from '../../core/http/cloud-routes.ts';
import { compatRoutes } from '../../core/http/compat-routes.ts';
import { jobRoutes } from '../../core/http/job-routes.ts';
import { openApiRoutes } from '../../core/http/openapi-routes.ts';
import { pluginRoutes } from '../../core/http/plugin-routes.ts';
import { sessionRoutes } from '../../core/http/session-routes.ts';
import { setupRoutes } from '../../core/http/setup-routes.ts';
import { streamRoutes } from '../../core/http/stream-routes.ts';
import { terminateWorkersRoute } from '../../core/http/terminate-workers-route.ts';
import { workerAdminRoutes } from '../../core/http/worker-routes.ts';
import { JOB_LIMITS } from '../../core/jobs/job-limits.ts';
import { startTestServer, workerCall, type TestServer } from '../helpers/test-server.ts';

type Doc = { openapi: string; paths: Record<string, Record<string, { requestBody?: unknown; responses: Record<string, unknown> }>>; components: { schemas: Record<string, Record<string, unknown>> } };

let s: TestServer;
let doc: Doc;
beforeAll(async () => {
  s = await startTestServer();
  const res = await fetch(`${s.url}/api/openapi.json`); // no token: the description is public
  expect(res.status).toBe(200);
  doc = (await res.json()) as Doc;
});
afterAll(async () => s.stop());

/** Every route the Express routers declare, as OpenAPI method + path. */
function expressRoutes(): string[] {
  const fake = {} as never; // the factories only keep their arguments for later
  const routers: Router[] = [jobRoutes(fake, fake), workerAdminRoutes(fake, fake), compatRoutes(fake), streamRoutes(fake), sessionRoutes({ authEnabled: true }), cloudRoutes(fake), pluginRoutes(fake), setupRoutes(fake), terminateWorkersRoute(undefined), openApiRoutes()];
  const out: string[] = ['get /']; // the status page is served by the app itself
  for (const router of routers) {
    for (const layer of (router as unknown as { stack: Array<{ route?: { path: string; methods: Record<string, boolean> } }> }).stack) {
      if (!layer.route) continue;
      for (const method of Object.keys(layer.route.methods)) out.push(`${method} ${layer.route.path.replace(/:(\w+)/g, '{$1}')}`);
    }
  }
  return out.concat(['post /workers/pickjob', 'post /workers/heartbeat', 'post /workers/endjob', 'post /workers/interruption']);
}

describe('the OpenAPI document', () => {
  it('is a valid OpenAPI 3.1 document', async () => {
    const validator = new Validator();
    const result = await validator.validate(doc as unknown as Parameters<Validator['validate']>[0]);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    expect(validator.version).toBe('3.1');
  });

  it('describes every route the server has, and no other', () => {
    const documented = Object.entries(doc.paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m} ${path}`));
    expect(documented.sort()).toEqual([...new Set(expressRoutes())].sort());
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
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  const check = (schema: unknown, value: unknown) => {
    const validate = ajv.compile({ ...(schema as object), components: doc.components } as object);
    const ok = validate(value);
    expect(validate.errors ?? [], JSON.stringify(value).slice(0, 300)).toEqual([]);
    return ok;
  };
  const responseSchema = (method: string, path: string, status = '200') =>
    (doc.paths[path][method].responses[status] as { content: Record<string, { schema: unknown }> }).content['application/json'].schema;

  it('a job, a list of jobs, the workers and an error match their schemas', async () => {
    const body = { title: 'documented', children: [{ title: 'frame', command: 'echo 1', progress_pattern: '%percent' }] };
    check((doc.paths['/api/jobs'].put.requestBody as { content: Record<string, { schema: unknown }> }).content['application/json'].schema, body);
    const id = (await s.call<number>('PUT', '/api/jobs', body)).body;
    check(responseSchema('get', '/api/jobs/{id}'), (await s.call('GET', `/api/jobs/${id}`)).body);
    check(responseSchema('get', '/api/jobs/{id}/children'), (await s.call('GET', `/api/jobs/${id}/children`)).body);
    await workerCall(s.url, 'pickjob', { name: 'doc-w', wait: 0 });
    check(responseSchema('get', '/api/workers'), (await s.call('GET', '/api/workers')).body);
    check(responseSchema('get', '/api/affinities'), (await s.call('GET', '/api/affinities')).body);
    const refused = await s.call('GET', '/api/jobs/999999');
    expect(refused.status).toBe(404);
    check(responseSchema('get', '/api/jobs/{id}', '404'), refused.body);
  });
});
