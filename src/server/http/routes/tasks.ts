import type { FastifyInstance } from 'fastify';
import { isTerminal } from '../../../domain/task.js';
import type { OperatorAction } from '../../../domain/state-machine.js';
import { ChronoqError } from '../../../protocol/errors.js';
import {
  idParamSchema,
  logsQuerySchema,
  taskListQuerySchema,
  waitQuerySchema,
} from '../../../protocol/queries.js';
import { taskBatchSchema, taskSpecSchema } from '../../../protocol/task-spec.js';
import { parseInput } from '../../../protocol/validate.js';
import { compileSpec, DEFAULT_QUEUE } from '../../compile-spec.js';
import { toAttemptView, toEventView, toLogLineView, toTaskView } from '../../views.js';
import { traceFromHeaders, withSubmitSpan } from '../../tracing.js';
import { principalOf } from '../auth.js';
import { checkPayloadSize, compileLimits, pageSize } from '../limits.js';
import type { ApiContext } from '../context.js';
import { openEventStream } from '../sse.js';

const ACTIONS: OperatorAction[] = ['cancel', 'pause', 'resume', 'retry'];

export function taskRoutes(app: FastifyInstance, ctx: ApiContext): void {
  const { store, clock } = ctx;

  const limits = compileLimits(ctx.limits);
  const checkPayload = (payload: unknown, field: string) =>
    checkPayloadSize(payload, field, limits);

  const mustGet = async (id: string) => {
    const task = await store.taskGet(id);
    if (!task) throw new ChronoqError('not_found', `task ${id} not found`, 'id');
    return task;
  };

  app.post('/api/v1/tasks', async (req, reply) => {
    const spec = parseInput(taskSpecSchema, req.body);
    checkPayload(spec.payload, 'payload');
    const submittedBy = principalOf(req).name;
    const queueName = spec.queue ?? DEFAULT_QUEUE;
    const attributes = { 'chronoq.task.type': spec.type, 'chronoq.queue': queueName };
    const res = await withSubmitSpan(traceFromHeaders(req.headers), attributes, async (trace) => {
      const now = clock.now();
      const queue = await ctx.queues.get(queueName);
      const task = { ...compileSpec(spec, queue, now), trace, submittedBy };
      const result = await ctx.submits.submit(task);
      return { result, taskIds: [result.task.id] };
    });
    if (res.created) ctx.metrics.taskSubmitted(res.task);
    return reply.code(res.created ? 201 : 200).send(toTaskView(res.task));
  });

  app.post('/api/v1/tasks/batch', async (req, reply) => {
    const { tasks: specs } = parseInput(taskBatchSchema, req.body);
    specs.forEach((s, i) => checkPayload(s.payload, `tasks.${i}.payload`));
    const submittedBy = principalOf(req).name;
    const attributes = { 'chronoq.batch': specs.length };
    const results = await withSubmitSpan(
      traceFromHeaders(req.headers),
      attributes,
      async (trace) => {
        const now = clock.now();
        // Each queue's settings once per batch, not once per task.
        const names = [...new Set(specs.map((s) => s.queue ?? DEFAULT_QUEUE))];
        const settings = new Map(
          await Promise.all(names.map(async (n) => [n, await ctx.queues.get(n)] as const)),
        );
        const newTasks = specs.map((s) => ({
          ...compileSpec(s, settings.get(s.queue ?? DEFAULT_QUEUE)!, now),
          trace,
          submittedBy,
        }));
        const result = await store.taskInsert(newTasks, now);
        return { result, taskIds: result.map((r) => r.task.id) };
      },
    );
    for (const r of results) if (r.created) ctx.metrics.taskSubmitted(r.task);
    return reply.code(201).send({ tasks: results.map((r) => toTaskView(r.task)) });
  });

  app.get('/api/v1/tasks', async (req) => {
    const q = parseInput(taskListQuerySchema, req.query);
    const label = q.label?.split('=');
    const page = await store.taskList({
      states: q.state,
      queue: q.queue,
      type: q.type,
      workflowId: q.workflowId,
      label: label ? [label[0]!, label.slice(1).join('=')] : undefined,
      limit: pageSize(q.limit, limits),
      cursor: q.cursor,
    });
    return { tasks: page.tasks.map(toTaskView), nextCursor: page.nextCursor };
  });

  app.get('/api/v1/tasks/:id', async (req) => {
    const { id } = parseInput(idParamSchema, req.params);
    const task = await mustGet(id);
    const [attempts, events] = await Promise.all([store.taskAttempts(id), store.taskEvents(id)]);
    return {
      ...toTaskView(task),
      attempts: attempts.map(toAttemptView),
      events: events.map(toEventView),
    };
  });

  for (const action of ACTIONS) {
    app.post(`/api/v1/tasks/:id/${action}`, async (req) => {
      const { id } = parseInput(idParamSchema, req.params);
      const actor = principalOf(req).name;
      const res = await store.taskAct(id, action, clock.now(), actor);
      if (!res.ok) {
        throw new ChronoqError(res.code === 'not_found' ? 'not_found' : 'conflict', res.reason);
      }
      return toTaskView(res.task);
    });
  }

  app.get('/api/v1/tasks/:id/wait', async (req, reply) => {
    const { id } = parseInput(idParamSchema, req.params);
    const { timeoutMs } = parseInput(waitQuerySchema, req.query);
    const { record: task, done } = await ctx.waiters.wait(id, timeoutMs ?? 30_000);
    if (!task) throw new ChronoqError('not_found', `task ${id} not found`, 'id');
    if (!done) {
      return reply.code(408).send({
        error: { code: 'timeout', message: `task ${id} is still ${task.state}` },
        task: toTaskView(task),
      });
    }
    return toTaskView(task);
  });

  app.get('/api/v1/tasks/:id/logs', async (req, reply) => {
    const { id } = parseInput(idParamSchema, req.params);
    const q = parseInput(logsQuerySchema, req.query);
    await mustGet(id);
    const follow = q.follow === '1' || q.follow === 'true';
    if (!follow) {
      const lines = await store.logList(id, {
        attempt: q.attempt,
        afterSeq: q.after,
        limit: 10_000,
      });
      return { lines: lines.map(toLogLineView) };
    }
    const stream = openEventStream(req, reply);
    let after = q.after ?? 0;
    let pumping = false;
    let again = false;
    const pump = async (): Promise<void> => {
      if (pumping) {
        again = true;
        return;
      }
      pumping = true;
      try {
        do {
          again = false;
          for (;;) {
            const lines = await store.logList(id, {
              attempt: q.attempt,
              afterSeq: after,
              limit: 1000,
            });
            for (const l of lines) stream.send('log', toLogLineView(l));
            if (lines.length > 0) after = lines[lines.length - 1]!.seq;
            if (lines.length < 1000) break;
          }
          const task = await store.taskGet(id);
          if (!task || isTerminal(task.state)) {
            stream.send('end', { state: task?.state ?? null });
            stream.close();
            return;
          }
        } while (again && !stream.closed);
      } finally {
        pumping = false;
      }
    };
    const unsubscribe = store.subscribe((e) => {
      if (
        (e.kind === 'logs' && e.taskIds.includes(id)) ||
        (e.kind === 'tasks' && e.changes.some((c) => c.id === id && isTerminal(c.state)))
      ) {
        void pump().catch(() => stream.close());
      }
    });
    stream.onClose(unsubscribe);
    await pump().catch(() => stream.close());
  });
}
