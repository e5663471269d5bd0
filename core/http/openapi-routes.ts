import { readFileSync } from 'node:fs';
import { Router } from 'express';
import { describeApi, openApiDocument } from './api-description.ts';
import { UI_PAGES } from './ui-static.ts';

const VERSION = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

describeApi([
  // The pages of the web UI: each answers its index.html (public, like its static files; the page asks for a credential).
  ...UI_PAGES.map((path) => ({ method: 'get' as const, path, tags: ['ui'], auth: 'none' as const, summary: `The web UI${path === '/' ? '' : ` at ${path}`}`, responses: { '200': { description: 'HTML', schema: { type: 'string' }, contentType: 'text/html' } } })),
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
