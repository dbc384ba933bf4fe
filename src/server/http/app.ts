import websocket from '@fastify/websocket';
import Fastify, { LogController, type FastifyInstance } from 'fastify';
import type { FastifyBaseLogger } from 'fastify';
import { ChronoqError } from '../../protocol/errors.js';
import { Authenticator, DEFAULT_RATE_LIMIT, installAuth } from './auth.js';
import type { ApiContext } from './context.js';
import { sendError } from './errors.js';
import { dashboardRoutes, isDashboardRequest } from './routes/dashboard.js';
import { metaRoutes } from './routes/meta.js';
import { queueRoutes } from './routes/queues.js';
import { scheduleRoutes } from './routes/schedules.js';
import { taskRoutes } from './routes/tasks.js';
import { tokenRoutes } from './routes/tokens.js';
import { workerRoutes } from './routes/workers.js';
import { workflowRoutes } from './routes/workflows.js';
import { WORKER_MESSAGE_LIMIT, workerSocketRoute } from './routes/worker-socket.js';

export const BODY_LIMIT = 1024 * 1024;

const ROUTES = new WeakMap<FastifyInstance, { method: string; path: string }[]>();

/** Every (method, path) the app registered (HEAD routes aside), for the route-coverage tests. */
export function registeredRoutes(app: FastifyInstance): { method: string; path: string }[] {
  return ROUTES.get(app) ?? [];
}

export interface AppOptions {
  /** The built dashboard (default: web/dist of the package). */
  dashboardDir?: string;
}

/** The HTTP API: every route of API_ROUTES, one error path, and the bootstrap token check. */
export function buildApp(
  ctx: ApiContext,
  logger: FastifyBaseLogger,
  options: AppOptions = {},
): FastifyInstance {
  const app: FastifyInstance = Fastify({
    loggerInstance: logger,
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: BODY_LIMIT,
    onProtoPoisoning: 'error',
    onConstructorPoisoning: 'error',
    return503OnClosing: true,
    forceCloseConnections: true,
  });

  const routes: { method: string; path: string }[] = [];
  ROUTES.set(app, routes);
  app.addHook('onRoute', (r) => {
    for (const method of [r.method].flat()) {
      if (method !== 'HEAD') routes.push({ method, path: r.url });
    }
  });

  app.setErrorHandler((err, req, reply) => sendError(err, req, reply));
  const dashboard = dashboardRoutes(app, options.dashboardDir);
  app.setNotFoundHandler(async (req, reply) => {
    // Outside /api, GETs belong to the dashboard: its files, or index.html for client routes.
    if (isDashboardRequest(req)) return dashboard.fallback(req, reply);
    sendError(
      new ChronoqError('not_found', `no route ${req.method} ${req.url.split('?')[0]}`),
      req,
      reply,
    );
    return reply;
  });

  // Every route's role comes from API_ROUTES; one hook enforces it (see auth.ts).
  const auth = new Authenticator(ctx.store, ctx.adminToken, { cacheMs: ctx.authCacheMs });
  installAuth(app, {
    auth,
    rateLimit: ctx.rateLimit === undefined ? DEFAULT_RATE_LIMIT : ctx.rateLimit,
    metricsPublic: ctx.metricsPublic ?? false,
    now: () => Date.now(),
  });

  taskRoutes(app, ctx);
  queueRoutes(app, ctx);
  scheduleRoutes(app, ctx);
  workerRoutes(app, ctx);
  metaRoutes(app, ctx);
  tokenRoutes(app, ctx, auth);
  workflowRoutes(app, ctx);
  void app.register(websocket, { options: { maxPayload: WORKER_MESSAGE_LIMIT } });
  void app.register(async (scoped) => workerSocketRoute(scoped, ctx));
  return app;
}
