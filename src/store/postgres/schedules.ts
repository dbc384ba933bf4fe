import type { Schedule, ScheduleDef } from '../../domain/schedule.js';
import type { Task } from '../../domain/task.js';
import { newId } from '../../lib/ids.js';
import type { LeaderFence, ScheduleFire, ScheduleFireResult } from '../store.js';
import type { PgContext } from './context.js';
import { rowToTask, taskToRow, toChange, type TaskRow } from './rows.js';
import { SQL, TASK_SELECT } from './sql.js';
import { buildTask } from '../common/task-build.js';
import { TaskTx } from './task-tx.js';
import { TaskUpdates } from './task-update.js';

interface ScheduleRow {
  id: string;
  name: string;
  def: ScheduleDef;
  paused: boolean;
  next_fire_at: number | null;
  runs: number;
  last_fire_at: number | null;
  buffered_fire_at: number | null;
  created_at: number;
  updated_at: number;
  version: number;
}

const COLUMNS = `id, name, def, paused, next_fire_at, runs, last_fire_at, buffered_fire_at,
  created_at, updated_at, version`;
const ACTIVE = `state NOT IN ('succeeded', 'failed', 'cancelled', 'skipped')`;

const Q = {
  insert: `INSERT INTO schedules (${COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
    ON CONFLICT DO NOTHING RETURNING id`,
  byId: `SELECT ${COLUMNS} FROM schedules WHERE id = $1`,
  byName: `SELECT ${COLUMNS} FROM schedules WHERE name = $1`,
  list: `SELECT ${COLUMNS} FROM schedules ORDER BY name`,
  update: `UPDATE schedules SET def = $2, paused = $3, next_fire_at = $4, runs = $5,
    last_fire_at = $6, buffered_fire_at = $7, updated_at = $8, version = $9
    WHERE id = $1 AND version = $10 RETURNING id`,
  delete: `DELETE FROM schedules WHERE id = $1 RETURNING id`,
  nextDue: `SELECT MIN(next_fire_at) AS t FROM schedules
    WHERE paused = false AND next_fire_at IS NOT NULL`,
  due: `SELECT ${COLUMNS} FROM schedules
    WHERE paused = false AND ((next_fire_at IS NOT NULL AND next_fire_at <= $1)
      OR buffered_fire_at IS NOT NULL)
    ORDER BY next_fire_at, id LIMIT $2`,
  move: `UPDATE schedules SET next_fire_at = $3, runs = $4, last_fire_at = $5,
    buffered_fire_at = $6, updated_at = $7, version = version + 1
    WHERE id = $1 AND version = $2 RETURNING id`,
  /** Task rows ($1: JSON array); a (schedule, fire time) already stored is skipped. */
  insertTasks: `INSERT INTO tasks
    SELECT * FROM jsonb_populate_recordset(NULL::tasks, $1::jsonb)
    ON CONFLICT (schedule_id, fire_at) WHERE schedule_id IS NOT NULL AND fire_at IS NOT NULL
    DO NOTHING RETURNING id`,
  runs: (active: boolean) => `SELECT ${TASK_SELECT} FROM tasks WHERE schedule_id = $1
    ${active ? `AND ${ACTIVE}` : ''} ORDER BY COALESCE(fire_at, created_at) DESC, id DESC LIMIT $2`,
};

/** The definition part of a schedule, as stored in the `def` column. */
function defOf(s: Schedule): ScheduleDef {
  return {
    name: s.name,
    cron: s.cron,
    every: s.every,
    at: s.at,
    timezone: s.timezone,
    anchorAt: s.anchorAt,
    startAt: s.startAt,
    endAt: s.endAt,
    overlap: s.overlap,
    misfire: s.misfire,
    maxRuns: s.maxRuns,
    jitterMs: s.jitterMs,
    task: s.task,
  };
}

function rowToSchedule(r: ScheduleRow): Schedule {
  return {
    ...r.def,
    id: r.id,
    name: r.name,
    paused: r.paused,
    nextFireAt: r.next_fire_at,
    runs: r.runs,
    lastFireAt: r.last_fire_at,
    bufferedFireAt: r.buffered_fire_at,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    version: r.version,
  };
}

/** Schedules, and the leader's fires (tasks and position in one transaction). */
export class Schedules {
  private readonly updates = new TaskUpdates();

  constructor(private readonly ctx: PgContext) {}

  create(s: Schedule): Promise<Schedule | null> {
    return this.ctx.write(async (tx) => {
      const rows = await tx.rows(Q.insert, [
        s.id,
        s.name,
        JSON.stringify(defOf(s)),
        s.paused,
        s.nextFireAt,
        s.runs,
        s.lastFireAt,
        s.bufferedFireAt,
        s.createdAt,
        s.updatedAt,
        s.version,
      ]);
      if (rows.length === 0) return null;
      tx.emit({ kind: 'schedules' });
      return s;
    });
  }

  async get(idOrName: string): Promise<Schedule | null> {
    const row =
      (await this.ctx.rows<ScheduleRow>(Q.byId, [idOrName]))[0] ??
      (await this.ctx.rows<ScheduleRow>(Q.byName, [idOrName]))[0];
    return row ? rowToSchedule(row) : null;
  }

  async list(): Promise<Schedule[]> {
    return (await this.ctx.rows<ScheduleRow>(Q.list)).map(rowToSchedule);
  }

  update(s: Schedule, expectedVersion: number, now: number): Promise<Schedule | null> {
    const next: Schedule = { ...s, version: expectedVersion + 1, updatedAt: now };
    return this.ctx.write(async (tx) => {
      const rows = await tx.rows(Q.update, [
        next.id,
        JSON.stringify(defOf(next)),
        next.paused,
        next.nextFireAt,
        next.runs,
        next.lastFireAt,
        next.bufferedFireAt,
        now,
        next.version,
        expectedVersion,
      ]);
      if (rows.length === 0) return null;
      tx.emit({ kind: 'schedules' });
      return next;
    });
  }

  delete(id: string): Promise<boolean> {
    return this.ctx.write(async (tx) => {
      const rows = await tx.rows(Q.delete, [id]);
      if (rows.length > 0) tx.emit({ kind: 'schedules' });
      return rows.length > 0;
    });
  }

  async nextDue(): Promise<number | null> {
    const [row] = await this.ctx.rows<{ t: number | string | null }>(Q.nextDue);
    return row?.t === null || row?.t === undefined ? null : Number(row.t);
  }

  async due(now: number, limit: number): Promise<Schedule[]> {
    return (await this.ctx.rows<ScheduleRow>(Q.due, [now, limit])).map(rowToSchedule);
  }

  fire(fence: LeaderFence, fires: ScheduleFire[], now: number): Promise<ScheduleFireResult[]> {
    return this.ctx.write(async (tx) => {
      await tx.checkFence(fence);
      const tasks = new TaskTx(this.updates, now);
      const results: ScheduleFireResult[] = [];
      const queues = new Set<string>();
      let applied = false;
      for (const f of fires) {
        const p = f.position;
        const moved = await tx.rows(Q.move, [
          f.scheduleId,
          f.version,
          p.nextFireAt,
          p.runs,
          p.lastFireAt,
          p.bufferedFireAt,
          now,
        ]);
        if (moved.length === 0) {
          results.push({ scheduleId: f.scheduleId, applied: false, created: [] });
          continue;
        }
        applied = true;
        const built = f.tasks.map((spec) => {
          if (spec.scheduleId === null || spec.fireAt === null) {
            throw new Error('a schedule fire task needs scheduleId and fireAt');
          }
          return buildTask(spec, newId(now), now);
        });
        const inserted =
          built.length === 0
            ? []
            : await tx.rows<{ id: string }>(Q.insertTasks, [JSON.stringify(built.map(taskToRow))]);
        const ids = new Set(inserted.map((r) => r.id));
        const created = built.filter((t) => ids.has(t.id));
        for (const task of created) {
          tasks.event({
            taskId: task.id,
            kind: 'submitted',
            attempt: 0,
            from: null,
            to: task.state,
            actor: null,
            detail: { scheduleId: task.scheduleId, fireAt: task.fireAt },
          });
          tasks.changes.push(toChange(task));
          queues.add(task.queue);
        }
        results.push({ scheduleId: f.scheduleId, applied: true, created });
      }
      tasks.flush(tx);
      if (queues.size > 0) {
        const touched = await tx.rows(SQL.queueTouch, [[...queues].sort()]);
        if (touched.length > 0) tx.emit({ kind: 'queues' });
      }
      if (applied) tx.emit({ kind: 'schedules' });
      return results;
    });
  }

  async runs(scheduleId: string, opts: { limit: number; active?: boolean }): Promise<Task[]> {
    const rows = await this.ctx.rows<TaskRow>(Q.runs(opts.active ?? false), [
      scheduleId,
      opts.limit,
    ]);
    return rows.map(rowToTask);
  }
}
