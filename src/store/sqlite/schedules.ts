import type { Schedule, ScheduleDef } from '../../domain/schedule.js';
import type { Task } from '../../domain/task.js';
import { newId } from '../../lib/ids.js';
import type { LeaderFence, ScheduleFire, ScheduleFireResult } from '../store.js';
import type { SqliteContext } from './context.js';
import { rowToTask, taskToInsertParams, toChange, type TaskRow } from './rows.js';
import { TASK_SELECT } from './statements.js';
import { buildTask } from '../common/task-build.js';
import { TaskTx } from './task-tx.js';
import type { TaskUpdates } from './task-update.js';

interface ScheduleRow {
  id: string;
  name: string;
  def: string;
  paused: number;
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

/** The definition part of a schedule, as stored in the `def` column. */
export function defOf(s: Schedule): ScheduleDef {
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
  const def = JSON.parse(r.def) as ScheduleDef;
  return {
    ...def,
    id: r.id,
    name: r.name,
    paused: r.paused !== 0,
    nextFireAt: r.next_fire_at,
    runs: r.runs,
    lastFireAt: r.last_fire_at,
    bufferedFireAt: r.buffered_fire_at,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    version: r.version,
  };
}

function scheduleToRow(s: Schedule): ScheduleRow {
  return {
    id: s.id,
    name: s.name,
    def: JSON.stringify(defOf(s)),
    paused: s.paused ? 1 : 0,
    next_fire_at: s.nextFireAt,
    runs: s.runs,
    last_fire_at: s.lastFireAt,
    buffered_fire_at: s.bufferedFireAt,
    created_at: s.createdAt,
    updated_at: s.updatedAt,
    version: s.version,
  };
}

/** Schedules, and the leader's fires (tasks and position in one transaction). */
export class Schedules {
  constructor(
    private readonly ctx: SqliteContext,
    private readonly updates: TaskUpdates,
  ) {}

  private get db() {
    return this.ctx.db;
  }

  create(s: Schedule): Schedule | null {
    const created = this.ctx.write(() => {
      const taken = this.db
        .prepare('SELECT 1 FROM schedules WHERE name = ? OR id = ?')
        .get(s.name, s.id);
      if (taken) return null;
      this.db
        .prepare(
          `INSERT INTO schedules (${COLUMNS}) VALUES (@id, @name, @def, @paused, @next_fire_at,
            @runs, @last_fire_at, @buffered_fire_at, @created_at, @updated_at, @version)`,
        )
        .run(scheduleToRow(s));
      return s;
    });
    if (created) this.ctx.emit({ kind: 'schedules' });
    return created;
  }

  get(idOrName: string): Schedule | null {
    const row = (this.db.prepare(`SELECT ${COLUMNS} FROM schedules WHERE id = ?`).get(idOrName) ??
      this.db.prepare(`SELECT ${COLUMNS} FROM schedules WHERE name = ?`).get(idOrName)) as
      ScheduleRow | undefined;
    return row ? rowToSchedule(row) : null;
  }

  list(): Schedule[] {
    const rows = this.db
      .prepare(`SELECT ${COLUMNS} FROM schedules ORDER BY name`)
      .all() as ScheduleRow[];
    return rows.map(rowToSchedule);
  }

  update(s: Schedule, expectedVersion: number, now: number): Schedule | null {
    const next: Schedule = { ...s, version: expectedVersion + 1, updatedAt: now };
    const ok = this.ctx.write(() => {
      const r = this.db
        .prepare(
          `UPDATE schedules SET def = @def, paused = @paused, next_fire_at = @next_fire_at,
            runs = @runs, last_fire_at = @last_fire_at, buffered_fire_at = @buffered_fire_at,
            updated_at = @updated_at, version = @version
          WHERE id = @id AND version = @expected`,
        )
        .run({ ...scheduleToRow(next), expected: expectedVersion });
      return r.changes > 0;
    });
    if (!ok) return null;
    this.ctx.emit({ kind: 'schedules' });
    return next;
  }

  delete(id: string): boolean {
    const ok = this.db.prepare('DELETE FROM schedules WHERE id = ?').run(id).changes > 0;
    if (ok) this.ctx.emit({ kind: 'schedules' });
    return ok;
  }

  nextDue(): number | null {
    const row = this.db
      .prepare(
        `SELECT MIN(next_fire_at) AS t FROM schedules
        WHERE paused = 0 AND next_fire_at IS NOT NULL`,
      )
      .get() as { t: number | null };
    return row.t;
  }

  due(now: number, limit: number): Schedule[] {
    const rows = this.db
      .prepare(
        `SELECT ${COLUMNS} FROM schedules
        WHERE paused = 0 AND ((next_fire_at IS NOT NULL AND next_fire_at <= ?)
          OR buffered_fire_at IS NOT NULL)
        ORDER BY next_fire_at, id LIMIT ?`,
      )
      .all(now, limit) as ScheduleRow[];
    return rows.map(rowToSchedule);
  }

  fire(fence: LeaderFence, fires: ScheduleFire[], now: number): ScheduleFireResult[] {
    const { s } = this.ctx;
    const exists = this.db.prepare('SELECT 1 FROM tasks WHERE schedule_id = ? AND fire_at = ?');
    const move = this.db.prepare(
      `UPDATE schedules SET next_fire_at = ?, runs = ?, last_fire_at = ?, buffered_fire_at = ?,
        updated_at = ?, version = version + 1
      WHERE id = ? AND version = ?`,
    );
    const { results, tx } = this.ctx.write(() => {
      this.ctx.checkFence(fence);
      const tx = new TaskTx(s, this.updates, now);
      const results: ScheduleFireResult[] = [];
      for (const f of fires) {
        const p = f.position;
        const moved = move.run(
          p.nextFireAt,
          p.runs,
          p.lastFireAt,
          p.bufferedFireAt,
          now,
          f.scheduleId,
          f.version,
        );
        if (moved.changes === 0) {
          results.push({ scheduleId: f.scheduleId, applied: false, created: [] });
          continue;
        }
        const created: Task[] = [];
        for (const spec of f.tasks) {
          if (spec.scheduleId === null || spec.fireAt === null) {
            throw new Error('a schedule fire task needs scheduleId and fireAt');
          }
          if (exists.get(spec.scheduleId, spec.fireAt)) continue;
          const task = buildTask(spec, newId(now), now);
          s.taskInsert.run(taskToInsertParams(task));
          s.queueTouch.run(task.queue);
          tx.event({
            taskId: task.id,
            kind: 'submitted',
            attempt: 0,
            from: null,
            to: task.state,
            actor: null,
            detail: { scheduleId: spec.scheduleId, fireAt: spec.fireAt },
          });
          tx.changes.push(toChange(task));
          created.push(task);
        }
        results.push({ scheduleId: f.scheduleId, applied: true, created });
      }
      return { results, tx };
    });
    if (tx.changes.length > 0) this.ctx.emit({ kind: 'tasks', changes: tx.changes });
    if (results.some((r) => r.applied)) this.ctx.emit({ kind: 'schedules' });
    return results;
  }

  runs(scheduleId: string, opts: { limit: number; active?: boolean }): Task[] {
    const rows = this.db
      .prepare(
        `SELECT ${TASK_SELECT} FROM tasks WHERE schedule_id = ?
        ${opts.active ? `AND ${ACTIVE}` : ''}
        ORDER BY COALESCE(fire_at, created_at) DESC, id DESC LIMIT ?`,
      )
      .all(scheduleId, opts.limit) as TaskRow[];
    return rows.map(rowToTask);
  }
}
