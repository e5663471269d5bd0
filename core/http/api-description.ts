import { z } from 'zod';
import { allows, USER_ROLES, type Action, type Role } from '../access/policy.ts';
import { actionFor } from '../access/route-permissions.ts';

/** A JSON Schema (2020-12, the dialect of OpenAPI 3.1). */
export type JsonSchema = Record<string, unknown>;
/** A zod schema (the one that validates the request, so the document cannot drift) or a JSON Schema. */
export type SchemaLike = z.ZodType | JsonSchema;

export interface ParameterSpec {
  in: 'path' | 'query' | 'header';
  schema?: SchemaLike;
  description?: string;
  required?: boolean;
}

export interface ResponseSpec {
  description: string;
  schema?: SchemaLike;
  /** Default `application/json`. */
  contentType?: string;
  headers?: Record<string, { description: string; schema?: SchemaLike }>;
}

/**
 * One operation of the HTTP API, as a route file declares it next to its handler (see
 * `describeApi`). `path` uses the Express form (`/api/jobs/:id`); its `:params` become path
 * parameters by themselves.
 */
export interface OperationSpec {
  method: 'get' | 'put' | 'post' | 'delete';
  path: string;
  summary: string;
  description?: string;
  tags: string[];
  /**
   * Which credential it takes: a person's (the admin token, a personal token or the web UI's
   * session; default), a worker's, or none. Which roles may call it comes from
   * route-permissions.ts (`x-permission` in the document), never from here.
   */
  auth?: 'admin' | 'worker' | 'none';
  parameters?: Record<string, ParameterSpec>;
  body?: { schema: SchemaLike; description?: string; required?: boolean; contentTypes?: string[] };
  responses: Record<string, ResponseSpec>;
}

const operations: OperationSpec[] = [];
const components = new Map<string, SchemaLike>();

/**
 * Adds operations (and the named schemas they `$ref` as `#/components/schemas/NAME`) to the
 * API description served at `GET /api/openapi.json`. Route files call it at load, beside the
 * routes they declare.
 */
export function describeApi(ops: OperationSpec[], schemas: Record<string, SchemaLike> = {}): void {
  for (const op of ops) {
    const clash = operations.findIndex((o) => o.method === op.method && o.path === op.path);
    if (clash >= 0) operations.splice(clash, 1); // a module loaded twice (tests) describes the same thing
    operations.push(op);
  }
  for (const [name, schema] of Object.entries(schemas)) components.set(name, schema);
}

/** A reference to a named schema. */
export const ref = (name: string): JsonSchema => ({ $ref: `#/components/schemas/${name}` });

/** The JSON Schema of a zod schema (what it accepts once parsed), without the `$schema` key. */
export function jsonSchemaOf(schema: SchemaLike): JsonSchema {
  if (!(schema instanceof z.ZodType)) return schema;
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, { unrepresentable: 'any' }) as JsonSchema;
  return rest;
}

/** Express `/api/jobs/:id` → OpenAPI `/api/jobs/{id}`. */
export const openApiPath = (path: string) => path.replace(/:(\w+)/g, '{$1}');

const securityOf = (auth: OperationSpec['auth']) => (auth === 'none' ? [] : auth === 'worker' ? [{ workerToken: [] }] : [{ adminToken: [] }, { personalToken: [] }]);

const PEOPLE: readonly Role[] = [...USER_ROLES, 'anonymous'];

/**
 * What an operation needs, from the one table the server enforces (route-permissions.ts and
 * policy.ts): the action, the roles granted it, and those limited to their own jobs.
 */
export function permissionOf(op: Pick<OperationSpec, 'method' | 'path' | 'auth'>): { action: Action; roles: Role[]; ownJobsOnly: Role[] } | undefined {
  if (op.auth === 'none') return undefined;
  const action: Action = op.auth === 'worker' ? 'worker.protocol' : actionFor(op.method.toUpperCase(), op.path);
  if (action === 'worker.protocol') return { action, roles: ['worker'], ownJobsOnly: [] };
  const who = (role: Role) => ({ role, user: 'someone', via: 'personal-token' as const, key: '' });
  const roles = PEOPLE.filter((role) => allows(who(role), action));
  const ownJobsOnly = action.startsWith('job.') ? roles.filter((role) => !allows(who(role), action, { id: 1, user: 'someone else' })) : [];
  return { action, roles, ownJobsOnly };
}

const permissionText = (p: NonNullable<ReturnType<typeof permissionOf>>) =>
  `Needs \`${p.action}\`: ${p.roles.map((r) => (p.ownJobsOnly.includes(r) ? `${r} (own jobs only)` : r)).join(', ')}.`;

/** The OpenAPI 3.1 document of every described operation. */
export function openApiDocument(info: { version: string }): JsonSchema {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const op of [...operations].sort((a, b) => a.path.localeCompare(b.path))) {
    const path = openApiPath(op.path);
    const parameters: unknown[] = [];
    const given = op.parameters ?? {};
    for (const name of [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1])) {
      parameters.push({ name, in: 'path', required: true, schema: jsonSchemaOf(given[name]?.schema ?? { type: 'string' }), ...(given[name]?.description ? { description: given[name].description } : {}) });
    }
    for (const [name, p] of Object.entries(given)) {
      if (p.in === 'path') continue;
      parameters.push({ name, in: p.in, required: p.required ?? false, schema: jsonSchemaOf(p.schema ?? { type: 'string' }), ...(p.description ? { description: p.description } : {}) });
    }
    const responses: Record<string, unknown> = {};
    for (const [status, r] of Object.entries(op.responses)) {
      responses[status] = {
        description: r.description,
        ...(r.schema ? { content: { [r.contentType ?? 'application/json']: { schema: jsonSchemaOf(r.schema) } } } : {}),
        ...(r.headers ? { headers: Object.fromEntries(Object.entries(r.headers).map(([h, d]) => [h, { description: d.description, schema: jsonSchemaOf(d.schema ?? { type: 'string' }) }])) } : {}),
      };
    }
    const permission = permissionOf(op);
    if (permission) {
      responses['401'] ??= { description: 'no credential, or one that is not valid here', content: { 'application/json': { schema: ref('Error') } } };
      responses['403'] ??= { description: "the caller's role may not do this (the message names what it may not do)", content: { 'application/json': { schema: ref('Error') } } };
    }
    const description = [op.description, permission && permissionText(permission)].filter(Boolean).join('\n\n');
    (paths[path] ??= {})[op.method] = {
      operationId: `${op.method}${path.replace(/[{}]/g, '').replace(/[^A-Za-z0-9]+(\w)?/g, (_m, c: string | undefined) => (c ?? '').toUpperCase()) || 'Root'}`,
      summary: op.summary,
      ...(description ? { description } : {}),
      ...(permission ? { 'x-permission': permission } : {}),
      tags: op.tags,
      security: securityOf(op.auth),
      ...(parameters.length ? { parameters } : {}),
      ...(op.body
        ? { requestBody: { required: op.body.required ?? true, ...(op.body.description ? { description: op.body.description } : {}), content: Object.fromEntries((op.body.contentTypes ?? ['application/json']).map((t) => [t, { schema: jsonSchemaOf(op.body!.schema) }])) } }
        : {}),
      responses,
    };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Coalition',
      version: info.version,
      description: 'The HTTP API of the Coalition server: the old Coalition REST API and /json/addjob, the new /api endpoints, and the worker protocol. Errors are {"error": {"code", "message"}} with a 4xx naming the problem.',
    },
    components: {
      securitySchemes: {
        adminToken: { type: 'http', scheme: 'bearer', description: 'the admin token (data/tokens.json or COALITION_ADMIN_TOKEN); requests from `trustednetworks` may submit and read jobs without one' },
        personalToken: { type: 'http', scheme: 'bearer', description: "a person's token (`cpt_…`, POST /api/users/me/tokens); the web UI sends its session cookie instead (with X-CSRF-Token on writes). What the person may do follows their role: see each operation's x-permission" },
        workerToken: { type: 'http', scheme: 'bearer', description: 'the worker token (COALITION_WORKER_TOKEN) or a per-instance token the scaler issued' },
      },
      schemas: Object.fromEntries([...components].sort(([a], [b]) => a.localeCompare(b)).map(([name, schema]) => [name, jsonSchemaOf(schema)])),
    },
    security: [{ adminToken: [] }],
    paths,
  };
}

/** The described operations (for the test that checks every route is in the document). */
export function describedOperations(): ReadonlyArray<Pick<OperationSpec, 'method' | 'path'>> {
  return operations;
}
