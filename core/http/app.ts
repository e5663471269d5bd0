import express, { type NextFunction, type Request, type Response } from 'express';
import { CoalitionError } from '../errors.ts';
import { errorResponse } from './error-response.ts';
import type { Dispatcher } from '../farm/dispatcher.ts';
import type { Farm } from '../farm/farm.ts';
import type { Logger } from '../logger.ts';
import { authMiddleware, type InstanceTokens, type Tokens } from './auth.ts';
import { compatRoutes } from './compat-routes.ts';
import { jobRoutes } from './job-routes.ts';
import { sessionRoutes } from './session-routes.ts';
import { streamRoutes } from './stream-routes.ts';
import { uiRoutes } from './ui-static.ts';
import { viewRoutes } from './view-routes.ts';
import { workerAdminRoutes } from './worker-routes.ts';

export interface AppOptions {
  farm: Farm;
  dispatcher: Dispatcher;
  logger: Logger;
  /** Undefined = no auth (trusted LAN). */
  tokens?: Tokens;
  instanceTokens: InstanceTokens;
  /** Largest accepted body (a 10,000-frame tree is ~3 MB). */
  bodyLimit?: string;
  /** Routers added by other parts (cloud, plugins), mounted behind auth. */
  extraRoutes?: express.Router[];
  /** The built web UI (default renderer/dist). */
  uiDir?: string;
}

/** The HTTP API: one for the browser, the desktop app, the CLI, scripts and workers. */
export function createApp(options: AppOptions): express.Express {
  const { farm, dispatcher } = options;
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.use(uiRoutes(options.uiDir));
  app.use(['/api', '/json', '/xmlrpc'], authMiddleware({ tokens: options.tokens, instanceTokens: options.instanceTokens }));
  const limit = options.bodyLimit ?? '64mb';
  app.use(express.json({ limit, strict: false, type: ['application/json', 'text/json'] }));
  app.use(express.urlencoded({ limit, extended: false }));
  app.use(jobRoutes(farm, dispatcher));
  app.use(workerAdminRoutes(farm, dispatcher));
  app.use(viewRoutes(farm));
  app.use(compatRoutes(farm));
  app.use(streamRoutes(farm));
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
    if (!res.headersSent) res.status(status).json(body);
  };
}
