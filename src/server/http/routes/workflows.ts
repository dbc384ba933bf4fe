import type { FastifyInstance } from 'fastify';
import { ChronoqError } from '../../../protocol/errors.js';
import { idParamSchema, waitQuerySchema } from '../../../protocol/queries.js';
import { parseInput } from '../../../protocol/validate.js';
import { parseWorkflowSpec, workflowListQuerySchema } from '../../../protocol/workflow-spec.js';
import { compileWorkflow } from '../../compile-workflow.js';
import { toWorkflowView } from '../../workflow-views.js';
import { WorkflowWaiters } from '../../workflow-waiters.js';
import { audit, principalOf } from '../auth.js';
import type { ApiContext } from '../context.js';
import { checkPayloadSize, compileLimits, pageSize } from '../limits.js';

/** `POST/GET /workflows`, `GET /workflows/:id`, `POST /workflows/:id/cancel`, `GET …/wait`. */
export function workflowRoutes(app: FastifyInstance, ctx: ApiContext): void {
  const { store, clock } = ctx;
  const waiters = new WorkflowWaiters(store);
  app.addHook('onClose', async () => waiters.close());
  const limits = compileLimits(ctx.limits);

  const view = async (id: string) => {
    const wf = await store.workflowGet(id);
    if (!wf) throw new ChronoqError('not_found', `workflow ${id} not found`, 'id');
    return toWorkflowView(wf, await store.workflowTasks(id));
  };

  app.post('/api/v1/workflows', async (req, reply) => {
    const spec = parseWorkflowSpec(req.body);
    spec.steps.forEach((s, i) => {
      checkPayloadSize(s.task.payload, `steps.${i}.task.payload`, limits);
      checkPayloadSize(s.compensate?.payload, `steps.${i}.compensate.payload`, limits);
    });
    const now = clock.now();
    const { workflow, steps } = await compileWorkflow(spec, ctx.queues, now);
    const tasks = await store.workflowCreate(workflow, steps, now);
    for (const t of tasks) ctx.metrics.taskSubmitted(t);
    await audit(ctx, req, 'workflow.submit', `workflow:${workflow.id}`, { name: workflow.name });
    return reply.code(201).send(toWorkflowView(workflow, tasks));
  });

  app.get('/api/v1/workflows', async (req) => {
    const q = parseInput(workflowListQuerySchema, req.query);
    const page = await store.workflowList({
      state: q.state,
      limit: pageSize(q.limit, limits),
      cursor: q.cursor,
    });
    const workflows = await Promise.all(
      page.workflows.map(async (wf) => toWorkflowView(wf, await store.workflowTasks(wf.id))),
    );
    return { workflows, nextCursor: page.nextCursor };
  });

  app.get('/api/v1/workflows/:id', async (req) => {
    const { id } = parseInput(idParamSchema, req.params);
    return view(id);
  });

  app.get('/api/v1/workflows/:id/wait', async (req, reply) => {
    const { id } = parseInput(idParamSchema, req.params);
    const { timeoutMs } = parseInput(waitQuerySchema, req.query);
    const { record: workflow, done } = await waiters.wait(id, timeoutMs ?? 30_000);
    if (!workflow) throw new ChronoqError('not_found', `workflow ${id} not found`, 'id');
    const body = await view(id);
    if (!done) {
      return reply.code(408).send({
        error: { code: 'timeout', message: `workflow ${id} is still ${workflow.state}` },
        workflow: body,
      });
    }
    return body;
  });

  app.post('/api/v1/workflows/:id/cancel', async (req) => {
    const { id } = parseInput(idParamSchema, req.params);
    const res = await store.workflowCancel(id, clock.now(), principalOf(req).name);
    if (!res.ok) {
      throw new ChronoqError(res.code === 'not_found' ? 'not_found' : 'conflict', res.reason);
    }
    await audit(ctx, req, 'workflow.cancel', `workflow:${id}`);
    return view(id);
  });
}
