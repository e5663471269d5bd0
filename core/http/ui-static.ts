import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import express, { Router } from 'express';

/** Where `vite build` puts the web UI (renderer/vite.config.ts). */
export const DEFAULT_UI_DIR = resolve(import.meta.dirname, '../../renderer/dist');

/** The pages of the web UI; each loads index.html and the page's router shows the view. */
export const UI_PAGES = ['/', '/jobs', '/jobs/:id', '/workers', '/cloud', '/setup', '/events', '/affinities', '/plugins', '/account', '/audit', '/users'];

const NOT_BUILT = `<!doctype html><html lang="en"><meta charset="utf-8"><title>Coalition</title>
<body style="font:15px system-ui;margin:2em"><h1>Coalition</h1><p>The web UI is not built. Run <code>npm run build:ui</code>
(or <code>npm start</code>, which builds it when needed), then reload this page. The API answers at <code>/api</code>.</p></body></html>`;

/**
 * Serves the built web UI: its static files need no token (the page asks for one), and the
 * pages of its router fall back to index.html so a link to `/jobs/12` opens that view.
 * `/workers/…` (the worker protocol) and `/api`, `/json`, `/xmlrpc` are left to their routes.
 */
export function uiRoutes(dir = DEFAULT_UI_DIR): Router {
  const r = Router();
  const index = join(dir, 'index.html');
  r.use('/assets', express.static(join(dir, 'assets'), { immutable: true, maxAge: '365d', index: false, fallthrough: false }));
  r.use(express.static(dir, { index: false, maxAge: 0 }));
  r.get(UI_PAGES, (_req, res) => {
    if (!existsSync(index)) return res.status(200).type('html').send(NOT_BUILT);
    res.setHeader('Cache-Control', 'no-cache');
    res.sendFile(index);
  });
  return r;
}
