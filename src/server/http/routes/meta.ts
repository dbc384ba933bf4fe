import type { FastifyInstance } from 'fastify';
import { buildOpenApi } from '../../../protocol/openapi.js';
import type { ApiContext } from '../context.js';
import { openEventStream } from '../sse.js';

/** Health, readiness, cluster view, the event stream and the OpenAPI document. */
export function metaRoutes(app: FastifyInstance, ctx: ApiContext): void {
  const { store } = ctx;
  const openapi = buildOpenApi(ctx.version);

  app.get('/healthz', async () => ({ status: 'ok' }));

  app.get('/readyz', async (_req, reply) => {
    try {
      const lease = await store.leaseGet('leader');
      return { status: 'ready', leader: lease?.holder ?? null };
    } catch {
      return reply.code(503).send({ error: { code: 'unavailable', message: 'store unreachable' } });
    }
  });

  app.get('/api/v1/cluster', async () => {
    const [lease, replicas] = await Promise.all([store.leaseGet('leader'), store.replicaList()]);
    const now = ctx.clock.now();
    const byId = new Map(replicas.map((r) => [r.id, r]));
    const leading = lease && lease.expiresAt > now ? lease : null;
    return {
      leader: leading
        ? {
            replicaId: leading.holder,
            url: byId.get(leading.holder)?.url ?? null,
            since: new Date(leading.since).toISOString(),
            token: leading.token,
          }
        : null,
      replicas: replicas.map((r) => ({
        replicaId: r.id,
        url: r.url,
        startedAt: new Date(r.startedAt).toISOString(),
        heartbeatAt: new Date(r.heartbeatAt).toISOString(),
        live: r.expiresAt > now,
        leader: leading?.holder === r.id,
      })),
    };
  });

  app.get('/api/v1/events', async (req, reply) => {
    const stream = openEventStream(req, reply);
    const unsubscribe = store.subscribe((e) => {
      if (e.kind === 'tasks') stream.send('tasks', e.changes);
      else if (e.kind === 'logs') stream.send('logs', { taskIds: e.taskIds });
      else if (e.kind === 'workflows') stream.send('workflows', { ids: e.ids });
      else stream.send(e.kind, {});
    });
    stream.onClose(unsubscribe);
  });

  app.get('/api/v1/openapi.json', async () => openapi);

  app.get('/metrics', async (_req, reply) => {
    const { contentType, body } = await ctx.metrics.render();
    return reply.type(contentType).send(body);
  });
}
