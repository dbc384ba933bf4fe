import websocket from '@fastify/websocket';
import Fastify, { LogController, type FastifyInstance } from 'fastify';
import type { FastifyBaseLogger } from 'fastify';
import { ChronoqError } from '../../protocol/errors.js';
import type { Logger } from '../../lib/logger.js';
import { installAudit } from './audit.js';
import { installAuth, routeOf } from './auth.js';
import { Authenticator } from './authenticator.js';
import { installBodyGuard } from './body-guard.js';
import { installLingeringRefusal } from './lingering-refusal.js';
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
import { compileLimits } from './limits.js';
import { workerSocketError, workerSocketRoute } from './routes/worker-socket.js';

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
  const limits = compileLimits(ctx.limits);
  const app: FastifyInstance = Fastify({
    loggerInstance: logger,
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: limits.bodyBytes,
    onProtoPoisoning: 'error',
    onConstructorPoisoning: 'error',
    return503OnClosing: true,
    forceCloseConnections: true,
    // Malformed URLs and over-long path parameters answer in the API's error shape too.
    frameworkErrors: (err, req, reply) => sendError(err, req, reply),
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
  const now = () => ctx.clock.now();
  const auth = new Authenticator(ctx.store, ctx.adminToken, { cacheMs: ctx.authCacheMs, now });
  installAuth(app, {
    auth,
    rateLimit: limits.rateLimit,
    metricsPublic: ctx.metricsPublic ?? false,
    now,
  });
  // Every successful change by an operator or admin lands in the audit log (see audit.ts).
  installBodyGuard(app);
  installLingeringRefusal(app);
  app.addHook('onResponse', async (req, reply) => {
    ctx.metrics.requestAnswered(req.method, routeOf(req)?.path ?? 'unmatched', reply.statusCode);
  });
  installAudit(app, { store: ctx.store, now, logger: logger as unknown as Logger });

  taskRoutes(app, ctx);
  queueRoutes(app, ctx);
  scheduleRoutes(app, ctx);
  workerRoutes(app, ctx);
  metaRoutes(app, ctx);
  tokenRoutes(app, ctx, auth);
  workflowRoutes(app, ctx);
  void app.register(websocket, {
    options: { maxPayload: limits.workerMessageBytes },
    errorHandler: workerSocketError,
  });
  void app.register(async (scoped) => workerSocketRoute(scoped, ctx));
  return app;
}
