import express, { type NextFunction, type Request, type Response } from 'express';
import { CoalitionError } from '../errors.ts';
import { closeAfterResponse, closesConnection } from './close-after-refusal.ts';
import { errorResponse } from './error-response.ts';
import type { Dispatcher } from '../farm/dispatcher.ts';
import type { Farm } from '../farm/farm.ts';
import { API_BODY_LIMIT_BYTES } from '../limits.ts';
import type { Logger } from '../logger.ts';
import { authMiddleware, type InstanceTokens, type Tokens } from './auth.ts';
import { compatRoutes } from './compat-routes.ts';
import { jobRoutes } from './job-routes.ts';
import { STATUS_PAGE } from './status-page.ts';
import { sessionRoutes } from './session-routes.ts';
import { streamRoutes } from './stream-routes.ts';
import { workerAdminRoutes } from './worker-routes.ts';

export interface AppOptions {
  farm: Farm;
  dispatcher: Dispatcher;
  logger: Logger;
  /** Undefined = no auth (trusted LAN). */
  tokens?: Tokens;
  instanceTokens: InstanceTokens;
  /** Largest accepted body, bytes (default API_BODY_LIMIT_BYTES). */
  bodyLimit?: number;
  /** Open event streams allowed per token (default STREAMS_PER_TOKEN). */
  streamsPerToken?: number;
  /** Routers added by other parts (cloud, plugins), mounted behind auth. */
  extraRoutes?: express.Router[];
}

/** The HTTP API: one for the browser, the desktop app, the CLI, scripts and workers. */
export function createApp(options: AppOptions): express.Express {
  const { farm, dispatcher } = options;
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.get('/', (_req, res) => {
    res.type('html').send(STATUS_PAGE);
  });
  app.use(['/api', '/json', '/xmlrpc'], authMiddleware({ tokens: options.tokens, instanceTokens: options.instanceTokens }));
  const limit = options.bodyLimit ?? API_BODY_LIMIT_BYTES;
  app.use(express.json({ limit, strict: false, type: ['application/json', 'text/json'] }));
  app.use(express.urlencoded({ limit, extended: false }));
  app.use(jobRoutes(farm, dispatcher));
  app.use(workerAdminRoutes(farm, dispatcher));
  app.use(compatRoutes(farm));
  app.use(streamRoutes(farm, { streamsPerToken: options.streamsPerToken }));
  app.use(sessionRoutes({ authEnabled: options.tokens !== undefined }));
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
    if (closesConnection(status)) closeAfterResponse(res);
    if (!res.headersSent) res.status(status).json(body);
    else res.destroy(); // an answer already half sent cannot carry the error: cut it
  };
}
