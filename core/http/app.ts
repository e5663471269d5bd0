import express, { type NextFunction, type Request, type Response } from 'express';
import { CoalitionError, httpStatusOf } from '../errors.ts';
import type { Dispatcher } from '../farm/dispatcher.ts';
import type { Farm } from '../farm/farm.ts';
import type { Logger } from '../logger.ts';
import { authMiddleware, type InstanceTokens, type Tokens } from './auth.ts';
import { compatRoutes } from './compat-routes.ts';
import { jobRoutes } from './job-routes.ts';
import { STATUS_PAGE } from './status-page.ts';
import { streamRoutes } from './stream-routes.ts';
import { workerAdminRoutes, workerProtocolRoutes } from './worker-routes.ts';

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
  app.use(['/api', '/json', '/xmlrpc', '/workers'], authMiddleware({ tokens: options.tokens, instanceTokens: options.instanceTokens }));
  const limit = options.bodyLimit ?? '64mb';
  app.use(express.json({ limit, strict: false, type: ['application/json', 'text/json'] }));
  app.use(express.urlencoded({ limit, extended: false }));
  app.use(workerProtocolRoutes(farm, dispatcher));
  app.use(jobRoutes(farm, dispatcher));
  app.use(workerAdminRoutes(farm));
  app.use(compatRoutes(farm));
  app.use(streamRoutes(farm));
  for (const router of options.extraRoutes ?? []) app.use(router);
  app.use(['/api', '/json', '/workers'], (req, _res, next) => next(new CoalitionError('not_found', `no such endpoint: ${req.method} ${req.originalUrl.split('?')[0]}`)));
  app.use(errorHandler(options.logger));
  return app;
}

/** Maps errors to `{error:{code,message}}`: typed errors keep their status, body-parser's too. */
function errorHandler(logger: Logger) {
  return (err: unknown, req: Request, res: Response, _next: NextFunction) => {
    let status = 500;
    let code = 'internal';
    let message = 'internal error';
    if (err instanceof CoalitionError) {
      status = httpStatusOf(err.code);
      code = err.code;
      message = err.message;
    } else if (typeof err === 'object' && err && 'type' in err && typeof (err as { status?: number }).status === 'number') {
      const e = err as { type: string; status: number; message: string; limit?: number };
      status = e.status;
      if (e.type === 'entity.too.large') {
        code = 'too_large';
        message = `request body is larger than the limit of ${e.limit} bytes`;
      } else if (e.type === 'entity.parse.failed') {
        code = 'validation';
        message = `malformed JSON: ${e.message}`;
      } else {
        code = 'validation';
        message = e.message;
      }
    } else {
      logger.error({ err, method: req.method, url: req.originalUrl.split('?')[0] }, 'request failed');
    }
    if (res.headersSent) return;
    res.status(status).json({ error: { code, message } });
  };
}
