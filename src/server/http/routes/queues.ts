import type { FastifyInstance } from 'fastify';
import type { QueueSettings } from '../../../domain/queue.js';
import { nameParamSchema } from '../../../protocol/queries.js';
import { queuePatchSchema } from '../../../protocol/queue.js';
import { parseInput } from '../../../protocol/validate.js';
import { DEFAULT_BACKOFF } from '../../../domain/backoff.js';
import { toQueueView } from '../../views.js';
import { auditNote } from '../audit.js';
import type { ApiContext } from '../context.js';

export function queueRoutes(app: FastifyInstance, ctx: ApiContext): void {
  const { store } = ctx;

  const view = async (name: string) => {
    const [q, counts] = await Promise.all([store.queueGet(name), store.taskCounts(name)]);
    return toQueueView(q, counts.get(name) ?? {});
  };

  app.get('/api/v1/queues', async () => {
    const [queues, counts] = await Promise.all([store.queueList(), store.taskCounts()]);
    const byName = new Map(queues.map((q) => [q.name, q]));
    for (const name of counts.keys())
      if (!byName.has(name)) byName.set(name, await store.queueGet(name));
    const list = [...byName.values()].sort((a, b) => a.name.localeCompare(b.name));
    return { queues: list.map((q) => toQueueView(q, counts.get(q.name) ?? {})) };
  });

  app.get('/api/v1/queues/:name', async (req) => {
    const { name } = parseInput(nameParamSchema, req.params);
    return view(name);
  });

  app.patch('/api/v1/queues/:name', async (req) => {
    const { name } = parseInput(nameParamSchema, req.params);
    const patch = parseInput(queuePatchSchema, req.body ?? {});
    const current = await store.queueGet(name);
    const change: Partial<Omit<QueueSettings, 'name'>> = {};
    if (patch.concurrency !== undefined) change.concurrency = patch.concurrency;
    if (patch.rateLimit !== undefined) change.rateLimit = patch.rateLimit;
    if (patch.keyConcurrency !== undefined) change.keyConcurrency = patch.keyConcurrency;
    if (patch.strategy !== undefined) change.strategy = patch.strategy;
    if (patch.defaults !== undefined) {
      const { backoff, ...rest } = patch.defaults;
      change.defaults = {
        ...current.defaults,
        ...rest,
        ...(backoff
          ? { backoff: { ...DEFAULT_BACKOFF, ...current.defaults.backoff, ...backoff } }
          : {}),
      };
    }
    await store.queueUpdate(name, change);
    auditNote(req, { detail: { patch } });
    return view(name);
  });

  for (const [action, paused] of [
    ['pause', true],
    ['resume', false],
  ] as const) {
    app.post(`/api/v1/queues/:name/${action}`, async (req) => {
      const { name } = parseInput(nameParamSchema, req.params);
      await store.queueUpdate(name, { paused });
      return view(name);
    });
  }
}
