import { readFileSync } from 'node:fs';
import { Router } from 'express';
import { describeApi, openApiDocument } from './api-description.ts';

const VERSION = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

describeApi([
  { method: 'get', path: '/', tags: ['meta'], auth: 'none', summary: 'The status page', responses: { '200': { description: 'HTML', schema: { type: 'string' }, contentType: 'text/html' } } },
  { method: 'get', path: '/api/openapi.json', tags: ['meta'], auth: 'none', summary: 'This document (OpenAPI 3.1), generated from the schemas that validate requests', responses: { '200': { description: 'the OpenAPI document', schema: { type: 'object' } } } },
]);

/** `GET /api/openapi.json`, served without a token: it describes the API and holds no secret. */
export function openApiRoutes(): Router {
  const r = Router();
  r.get('/api/openapi.json', (_req, res) => {
    res.json(openApiDocument({ version: VERSION }));
  });
  return r;
}
