import { describe, expect, it } from 'vitest';
import { API_ROUTES } from '../../protocol/api-routes.js';
import { buildOpenApi } from '../../protocol/openapi.js';
import { systemClock } from '../../lib/clock.js';
import { openStore } from '../../store/open.js';
import { QueueCache } from '../queue-cache.js';
import { Metrics } from '../metrics.js';
import { SubmitBatcher } from '../submit-batcher.js';
import { TaskWaiters } from '../task-waiters.js';
import { buildApp, registeredRoutes } from './app.js';
import { pino } from 'pino';

async function app(adminToken: string | null = null) {
  const store = await openStore('sqlite::memory:');
  await store.migrate();
  const a = buildApp(
    {
      store,
      clock: systemClock,
      queues: new QueueCache(store),
      submits: new SubmitBatcher(store, () => Date.now()),
      metrics: new Metrics({ store, isLeader: () => false }),
      waiters: new TaskWaiters(store),
      replicaId: 'test',
      version: '0.0.0',
      adminToken,
    },
    pino({ level: 'silent' }),
  );
  await a.ready();
  return { a, close: async () => (await a.close(), await store.close()) };
}

describe('the route catalogue', () => {
  it('is exactly what the server registers, so no route escapes the docs or the auth checks', async () => {
    const { a, close } = await app();
    const registered = registeredRoutes(a)
      .map((r) => `${r.method} ${r.path}`)
      .sort();
    const catalogued = API_ROUTES.map((r) => `${r.method} ${r.path}`).sort();
    expect(registered).toEqual(catalogued);
    await close();
  });

  it('documents every route in the OpenAPI document', () => {
    const doc = buildOpenApi('1') as { paths: Record<string, Record<string, unknown>> };
    for (const r of API_ROUTES) {
      const path = r.path.replace(/:(\w+)/g, '{$1}');
      expect(doc.paths[path]?.[r.method.toLowerCase()], `${r.method} ${r.path}`).toBeDefined();
    }
  });

  it('with an admin token, refuses every non-public route without it', async () => {
    const { a, close } = await app('s3cret');
    for (const r of API_ROUTES) {
      const url = r.path.replace(/:(\w+)/g, 'x');
      const none = await a.inject({ method: r.method, url });
      const wrong = await a.inject({
        method: r.method,
        url,
        headers: { authorization: 'Bearer nope' },
      });
      if (r.role === 'public') {
        expect(none.statusCode, url).toBeLessThan(400);
      } else {
        expect(none.statusCode, `${r.method} ${url}`).toBe(401);
        expect(wrong.statusCode, `${r.method} ${url}`).toBe(401);
        expect(none.json().error.code).toBe('unauthorized');
      }
    }
    const ok = await a.inject({
      method: 'GET',
      url: '/api/v1/queues',
      headers: { authorization: 'Bearer s3cret' },
    });
    expect(ok.statusCode).toBe(200);
    await close();
  });
});
