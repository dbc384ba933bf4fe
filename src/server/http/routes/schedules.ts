import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Schedule } from '../../../domain/schedule.js';
import { newId } from '../../../lib/ids.js';
import { ChronoqError } from '../../../protocol/errors.js';
import {
  schedulePatchSchema,
  scheduleRefParamSchema,
  scheduleSpecSchema,
} from '../../../protocol/schedule.js';
import type { ScheduleDetailView } from '../../../protocol/schedule-views.js';
import { parseInput } from '../../../protocol/validate.js';
import { compileSchedule, patchSchedule, resumeSchedule } from '../../compile-schedule.js';
import { DEFAULT_QUEUE } from '../../compile-spec.js';
import { toScheduleView } from '../../schedule-views.js';
import { toTaskView } from '../../views.js';
import { audit } from '../auth.js';
import type { ApiContext } from '../context.js';

const RECENT_RUNS = 20;
/** Compare-and-set retries of a change raced by the leader's fires. */
const CAS_TRIES = 10;

/** `/api/v1/schedules`: define, read, change, pause, resume, trigger and delete schedules. */
export function scheduleRoutes(app: FastifyInstance, ctx: ApiContext): void {
  const { store, clock } = ctx;

  const mustGet = async (req: FastifyRequest): Promise<Schedule> => {
    const { id } = parseInput(scheduleRefParamSchema, req.params);
    const s = await store.scheduleGet(id);
    if (!s) throw new ChronoqError('not_found', `schedule ${id} not found`, 'id');
    return s;
  };

  /** Read, change, write back unless the schedule moved in between; then try again. */
  const change = async (
    req: FastifyRequest,
    edit: (s: Schedule, now: number) => Schedule | Promise<Schedule>,
  ): Promise<Schedule> => {
    for (let i = 0; i < CAS_TRIES; i++) {
      const current = await mustGet(req);
      const now = clock.now();
      const next = await edit(current, now);
      if (next === current) return current;
      const saved = await store.scheduleUpdate(next, current.version, now);
      if (saved) return saved;
    }
    throw new ChronoqError('conflict', 'the schedule kept changing; try again');
  };

  app.post('/api/v1/schedules', async (req, reply) => {
    const spec = parseInput(scheduleSpecSchema, req.body);
    const now = clock.now();
    const queue = await ctx.queues.get(spec.task.queue ?? DEFAULT_QUEUE);
    const created = await store.scheduleCreate(compileSchedule(spec, queue, newId(now), now));
    if (!created) {
      throw new ChronoqError('conflict', `a schedule named ${spec.name} exists`, 'name');
    }
    await audit(ctx, req, 'schedule.create', `schedule:${created.name}`);
    return reply.code(201).send(toScheduleView(created));
  });

  app.get('/api/v1/schedules', async () => {
    const list = await store.scheduleList();
    return { schedules: list.map(toScheduleView) };
  });

  app.get('/api/v1/schedules/:id', async (req) => {
    const s = await mustGet(req);
    const runs = await store.scheduleRuns(s.id, { limit: RECENT_RUNS });
    const view: ScheduleDetailView = { ...toScheduleView(s), recentRuns: runs.map(toTaskView) };
    return view;
  });

  app.patch('/api/v1/schedules/:id', async (req) => {
    const patch = parseInput(schedulePatchSchema, req.body ?? {});
    const queue = patch.task ? await ctx.queues.get(patch.task.queue ?? DEFAULT_QUEUE) : null;
    const saved = await change(req, (s, now) => patchSchedule(s, patch, queue, now));
    await audit(ctx, req, 'schedule.update', `schedule:${saved.name}`, { patch });
    return toScheduleView(saved);
  });

  app.delete('/api/v1/schedules/:id', async (req) => {
    const s = await mustGet(req);
    if (!(await store.scheduleDelete(s.id))) {
      throw new ChronoqError('not_found', `schedule ${s.id} not found`, 'id');
    }
    await audit(ctx, req, 'schedule.delete', `schedule:${s.name}`);
    return { ...toScheduleView(s), deleted: true };
  });

  app.post('/api/v1/schedules/:id/pause', async (req) => {
    const saved = await change(req, (s) => (s.paused ? s : { ...s, paused: true }));
    await audit(ctx, req, 'schedule.pause', `schedule:${saved.name}`);
    return toScheduleView(saved);
  });

  app.post('/api/v1/schedules/:id/resume', async (req) => {
    const saved = await change(req, (s, now) => (s.paused ? resumeSchedule(s, now) : s));
    await audit(ctx, req, 'schedule.resume', `schedule:${saved.name}`);
    return toScheduleView(saved);
  });

  // A run now, outside the timetable: linked to the schedule, with no fire time of its own, so
  // it never takes the place of a scheduled fire (nor counts toward maxRuns).
  app.post('/api/v1/schedules/:id/trigger', async (req, reply) => {
    const s = await mustGet(req);
    const now = clock.now();
    const [res] = await store.taskInsert(
      [{ ...s.task, runAt: null, idempotencyKey: null, scheduleId: s.id, fireAt: null }],
      now,
    );
    if (!res) throw new ChronoqError('internal', 'the trigger made no task');
    ctx.metrics.taskSubmitted(res.task);
    await audit(ctx, req, 'schedule.trigger', `schedule:${s.name}`, { taskId: res.task.id });
    return reply.code(201).send(toTaskView(res.task));
  });
}
