import express, { type NextFunction, type Request, type Response } from 'express';
import type { Access } from '../access/access.ts';
import { authenticateRequests, clientAddress, gate, RateLimited } from '../access/access-middleware.ts';
import { jobGuard } from '../access/job-guard.ts';
import { corsFor, securityHeaders } from '../access/security-headers.ts';
import { CoalitionError } from '../errors.ts';
import { closeAfterResponse, closesConnection } from './close-after-refusal.ts';
import { errorResponse } from './error-response.ts';
import type { Dispatcher } from '../farm/dispatcher.ts';
import type { Farm } from '../farm/farm.ts';
import { API_BODY_LIMIT_BYTES } from '../limits.ts';
import type { Logger } from '../logger.ts';
import type { AuditLog } from '../ops/audit-log.ts';
import { auditRequests } from '../ops/audit-middleware.ts';
import type { FarmMetrics } from '../ops/metrics.ts';
import type { Collection } from '../store/collection.ts';
import type { InstanceTokens, Tokens } from './auth.ts';
import { auditRoutes } from './audit-routes.ts';
import { compatRoutes } from './compat-routes.ts';
import { openApiRoutes } from './openapi-routes.ts';
import { jobRoutes } from './job-routes.ts';
import { loginRoutes } from './login-routes.ts';
import { metricsRoutes, requestMetrics } from './ops-routes.ts';
import { sessionRoutes } from './session-routes.ts';
import { streamRoutes } from './stream-routes.ts';
import { userRoutes } from './user-routes.ts';
import { uiRoutes } from './ui-static.ts';
import { viewRoutes } from './view-routes.ts';
import { workerAdminRoutes } from './worker-routes.ts';
import { revokeOnWorkerDelete, workerTokenRoutes } from './worker-token-routes.ts';

export interface AppOptions {
  farm: Farm;
  dispatcher: Dispatcher;
  logger: Logger;
  /** Undefined = no auth (trusted LAN). */
  tokens?: Tokens;
  instanceTokens: InstanceTokens;
  /** Where per-worker token digests are kept. */
  tokenDigests: Collection;
  /** Accounts, sessions, the command white list, rate limits (core/access). */
  access: Access;
  audit: AuditLog;
  metrics: FarmMetrics;
  /** Open event streams, counted for the metrics. */
  streams: { open: number };
  /** express's `trust proxy` (behind a reverse proxy), from `trustproxy`. */
  trustProxy?: boolean | number | string;
  /** HTTPS (or a proxy that terminates it): HSTS is sent. */
  hsts?: boolean;
  /** `corsorigins`: origins whose pages may call the API with a token. */
  corsOrigins?: string[];
  /** Largest accepted body, bytes (default API_BODY_LIMIT_BYTES). */
  bodyLimit?: number;
  /** Open event streams allowed per token (default STREAMS_PER_TOKEN). */
  streamsPerToken?: number;
  /** Routers added by other parts (cloud, plugins), mounted behind auth. */
  extraRoutes?: express.Router[];
  /** The built web UI (default renderer/dist). */
  uiDir?: string;
}

/** The HTTP API: one for the browser, the desktop app, the CLI, scripts and workers. */
export function createApp(options: AppOptions): express.Express {
  const { farm, dispatcher, access, audit } = options;
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  if (options.trustProxy !== undefined) app.set('trust proxy', options.trustProxy);
  app.use(securityHeaders({ hsts: options.hsts ?? false, scriptHashes: [] }));
  const cors = corsFor(options.corsOrigins ?? []);
  if (cors) app.use(cors);
  app.use(requestMetrics(options.metrics, options.streams));
  app.use(uiRoutes(options.uiDir));
  app.use(openApiRoutes()); // before auth: the API's description is public
  app.use(['/api', '/json', '/xmlrpc', '/metrics'], authenticateRequests(access.authenticator, access.failures), auditRequests(audit, clientAddress), gate(access.apiLimiter));
  const limit = options.bodyLimit ?? API_BODY_LIMIT_BYTES;
  app.use(express.json({ limit, strict: false, type: ['application/json', 'text/json'] }));
  app.use(express.urlencoded({ limit, extended: false }));
  app.use(jobGuard(farm, access.whitelist));
  app.use(revokeOnWorkerDelete(options.instanceTokens, options.tokenDigests));
  app.use(loginRoutes(access, audit));
  app.use(jobRoutes(farm, dispatcher));
  app.use(workerAdminRoutes(farm, dispatcher));
  app.use(workerTokenRoutes(options.instanceTokens, options.tokenDigests));
  app.use(viewRoutes(farm));
  app.use(compatRoutes(farm));
  app.use(streamRoutes(farm, { streamsPerToken: options.streamsPerToken }));
  app.use(sessionRoutes({ authEnabled: options.tokens !== undefined, access }));
  app.use(userRoutes(access));
  app.use(auditRoutes(audit));
  app.use(metricsRoutes(options.metrics));
  for (const router of options.extraRoutes ?? []) app.use(router);
  app.use(['/api', '/json'], (req, _res, next) => next(new CoalitionError('not_found', `no such endpoint: ${req.method} ${req.originalUrl.split('?')[0]}`)));
  app.use(errorHandler(options.logger));
  return app;
}

/** Maps errors to `{error:{code,message}}` (see error-response.ts); unexpected ones are logged. */
function errorHandler(logger: Logger) {
  return (err: unknown, req: Request, res: Response, _next: NextFunction) => {
    const { status, body, unexpected } = errorResponse(err);
    if (unexpected) logger.error({ err, method: req.method, url: req.originalUrl.split('?')[0] }, 'request failed');
    if (err instanceof RateLimited && !res.headersSent) res.setHeader('Retry-After', String(err.retryAfterSeconds));
    if (closesConnection(status)) closeAfterResponse(res);
    if (!res.headersSent) res.status(status).json(body);
    else res.destroy(); // an answer already half sent cannot carry the error: cut it
  };
}
