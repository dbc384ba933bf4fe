import type { FastifyInstance } from 'fastify';
import { ChronoqError } from '../../../protocol/errors.js';
import { idParamSchema } from '../../../protocol/queries.js';
import { parseInput } from '../../../protocol/validate.js';
import { toWorkerView } from '../../views.js';
import type { ApiContext } from '../context.js';

export function workerRoutes(app: FastifyInstance, ctx: ApiContext): void {
  const { store } = ctx;

  app.get('/api/v1/workers', async () => {
    const workers = await store.workerList();
    return { workers: workers.map(toWorkerView) };
  });

  for (const [action, patch] of [
    ['cordon', { cordoned: true }],
    ['uncordon', { cordoned: false }],
    ['drain', { draining: true }],
  ] as const) {
    app.post(`/api/v1/workers/:id/${action}`, async (req) => {
      const { id } = parseInput(idParamSchema, req.params);
      const w = await store.workerUpdate(id, patch);
      if (!w) throw new ChronoqError('not_found', `worker ${id} not found`, 'id');
      return toWorkerView(w);
    });
  }
}
