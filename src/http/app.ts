import { randomUUID } from 'node:crypto';
import express, { type Express, type Request, type Response } from 'express';
import helmet from 'helmet';
import { pinoHttp } from 'pino-http';
import { login, LoginInput } from '../auth/login.js';
import type { TokenService } from '../auth/tokens.js';
import type { AppDeps } from '../commands/command.js';
import { authenticate } from './middleware/authenticate.js';
import { errorHandler, notFoundHandler } from './middleware/error-handler.js';
import { apiRateLimit, AuthFailureLimiter, loginRateLimit } from './middleware/rate-limit.js';
import { buildOpenApi } from './openapi.js';
import { mountRoutes } from './routes/mount-routes.js';
import { routeTable } from './routes/route-table.js';

export interface Readiness {
  isReady(): boolean;
  check(): Promise<void>;
}

const REQUEST_ID = /^[\w.-]{1,128}$/;

/** The Express app: ops endpoints, then `/api/v1` behind auth and rate limits. */
export function createHttpApp(deps: AppDeps & { tokens: TokenService; readiness: Readiness; api: boolean }): Express {
  const { config, metrics } = deps;
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', config.trustProxy);

  app.use(
    pinoHttp({
      logger: deps.log,
      genReqId: (req, res) => {
        const given = req.headers['x-request-id'];
        const id = typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
        res.setHeader('X-Request-Id', id);
        return id;
      },
      customLogLevel: (_req, res, err) => (err || res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'warn' : 'info'),
      serializers: {
        req: (req: { id: unknown; method: string; url: string; remoteAddress?: string }) => ({
          id: req.id,
          method: req.method,
          url: req.url,
          remoteAddress: req.remoteAddress,
        }),
        res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
      },
      autoLogging: { ignore: (req) => req.url === '/healthz' || req.url === '/readyz' || req.url === '/metrics' },
    }),
  );
  app.use(helmet());
  app.use((req: Request, res: Response, next) => {
    const end = metrics.httpRequestDuration.startTimer();
    res.on('finish', () => {
      const route = req.route?.path ? `${req.baseUrl}${String(req.route.path)}` : 'unmatched';
      end({ method: req.method, route, status: String(res.statusCode) });
    });
    next();
  });

  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/readyz', async (_req, res) => {
    if (!deps.readiness.isReady()) {
      res.status(503).json({ status: 'starting' });
      return;
    }
    try {
      await deps.readiness.check();
      res.json({ status: 'ready' });
    } catch {
      res.status(503).json({ status: 'database unavailable' });
    }
  });
  app.get('/metrics', async (_req, res) => {
    res.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  });

  if (deps.api) {
    const openApi = buildOpenApi(routeTable);
    app.get('/openapi.json', (_req, res) => {
      res.json(openApi);
    });

    const api = express.Router();
    api.use(express.json({ limit: config.bodyLimitBytes, strict: true }));
    api.post('/auth/login', loginRateLimit({ windowMs: config.rateLimit.windowMs, max: config.rateLimit.loginMax }), async (req, res) => {
      res.json(await login({ db: deps.db, tokens: deps.tokens, passwordHashCost: config.passwordHashCost }, LoginInput.parse(req.body ?? {})));
    });
    api.use(authenticate(deps.tokens, deps.db, new AuthFailureLimiter({ windowMs: config.rateLimit.windowMs, max: config.rateLimit.max })));
    api.use(apiRateLimit({ windowMs: config.rateLimit.windowMs, max: config.rateLimit.max }));
    api.use(mountRoutes(deps, routeTable));
    app.use('/api/v1', api);
  }

  app.use(notFoundHandler());
  app.use(errorHandler());
  return app;
}
