import { createHash } from 'node:crypto';
import cors from 'cors';
import type { RequestHandler } from 'express';
import helmet from 'helmet';

/** `'sha256-…'` sources for the inline `<script>` blocks of a page (the status page has one). */
export function inlineScriptHashes(html: string): string[] {
  return [...html.matchAll(/<script>([\s\S]*?)<\/script>/g)].map((m) => `'sha256-${createHash('sha256').update(m[1]).digest('base64')}'`);
}

/**
 * Security headers on every answer, UI and API (helmet): a CSP that runs only this origin's
 * scripts (the UI is a Vite build with no inline script) and forbids framing, nosniff, no
 * referrer to other sites, HSTS under HTTPS. Images may come from anywhere (a job's `url` may
 * point at a thumbnail on a file server).
 */
export function securityHeaders(options: { hsts: boolean; scriptHashes?: string[] }): RequestHandler {
  return helmet({
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'", ...(options.scriptHashes ?? [])],
        styleSrc: ["'self'", "'unsafe-inline'"],
        imgSrc: ["'self'", 'data:', 'blob:', 'http:', 'https:'],
        fontSrc: ["'self'", 'data:'],
        connectSrc: ["'self'"],
        workerSrc: ["'self'", 'blob:'],
        objectSrc: ["'none'"],
        baseUri: ["'self'"],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
      },
    },
    strictTransportSecurity: options.hsts ? { maxAge: 180 * 86400, includeSubDomains: false } : false,
    referrerPolicy: { policy: 'same-origin' },
    crossOriginEmbedderPolicy: false,
    crossOriginResourcePolicy: { policy: 'same-origin' },
    xFrameOptions: { action: 'deny' },
  });
}

/**
 * CORS stays closed (no Access-Control-Allow-Origin, so another site's page cannot read the
 * API) unless `corsorigins` names origins; those may call with a token, never with the session
 * cookie (credentials are not allowed cross-origin).
 */
export function corsFor(origins: string[]): RequestHandler | undefined {
  const allowed = new Set(origins.map((o) => o.trim().replace(/\/+$/, '')).filter(Boolean));
  if (allowed.size === 0) return undefined;
  return cors({
    origin: (origin, done) => done(null, origin !== undefined && allowed.has(origin)),
    credentials: false,
    methods: ['GET', 'HEAD', 'PUT', 'POST', 'DELETE'],
    allowedHeaders: ['Authorization', 'Content-Type'],
    exposedHeaders: ['X-Log-Size', 'Retry-After'],
    maxAge: 600,
  });
}
