import { sumHeld } from '../../domain/held.js';
import { rowToHeld, type HeldRow } from '../common/held-row.js';
import {
  ON_WORKER_STATES,
  type Attempt,
  type Task,
  type TaskEvent,
  type TaskState,
} from '../../domain/task.js';
import type { ActiveTally, TaskFilter, TaskListPage } from '../store.js';
import type { PgContext } from './context.js';
import {
  rowToAttempt,
  rowToEvent,
  rowToTask,
  type AttemptRow,
  type EventRow,
  type TaskRow,
} from './rows.js';
import { SQL } from './sql.js';
import { listTasks } from './task-list.js';

/** Every task read. None changes anything or emits an event. */
export class TaskReads {
  constructor(private readonly ctx: PgContext) {}

  async get(id: string): Promise<Task | null> {
    const [row] = await this.ctx.rows<TaskRow>(SQL.taskGet, [id]);
    return row ? rowToTask(row) : null;
  }

  async page(filter: TaskFilter): Promise<TaskListPage> {
    const limit = Math.max(1, Math.floor(filter.limit));
    const rows = await listTasks(this.ctx, { ...filter, limit });
    const more = rows.length > limit;
    const tasks = (more ? rows.slice(0, limit) : rows).map(rowToTask);
    return { tasks, nextCursor: more ? tasks[tasks.length - 1]!.id : null };
  }

  attempts(id: string): Promise<Attempt[]> {
    return this.ctx.read(async (db) => {
      const attempts = (await db.rows<AttemptRow>(SQL.attemptList, [id])).map(rowToAttempt);
      const [row] = await db.rows<TaskRow>(SQL.taskGet, [id]);
      if (
        row &&
        row.worker_id !== null &&
        ON_WORKER_STATES.has(row.state as TaskState) &&
        !attempts.some((a) => a.attempt === row.attempt)
      ) {
        const starts = [row.started_at, row.assigned_at].filter((t): t is number => t !== null);
        attempts.push({
          taskId: id,
          attempt: row.attempt,
          workerId: row.worker_id,
          outcome: 'running',
          startedAt: starts.length > 0 ? Math.max(...starts) : row.updated_at,
          finishedAt: null,
          error: null,
        });
      }
      return attempts;
    });
  }

  async events(id: string): Promise<TaskEvent[]> {
    return (await this.ctx.rows<EventRow>(SQL.eventList, [id])).map(rowToEvent);
  }

  async readyBatch(limit: number): Promise<Task[]> {
    if (limit <= 0) return [];
    return (await this.ctx.rows<TaskRow>(SQL.taskReadyBatch, [Math.floor(limit)])).map(rowToTask);
  }

  async nextDue(): Promise<number | null> {
    const [row] = await this.ctx.rows<{ at: number | null }>(SQL.taskNextDue);
    return row?.at ?? null;
  }

  async nextDeadline(): Promise<number | null> {
    const [row] = await this.ctx.rows<{ at: number | null }>(SQL.taskNextDeadline);
    return row?.at ?? null;
  }

  async onWorker(workerId: string): Promise<Task[]> {
    return (await this.ctx.rows<TaskRow>(SQL.taskOnWorker, [workerId])).map(rowToTask);
  }

  async results(ids: string[]): Promise<Map<string, unknown>> {
    const out = new Map<string, unknown>();
    if (ids.length === 0) return out;
    const rows = await this.ctx.rows<{ id: string; result: unknown }>(SQL.taskResults, [ids]);
    for (const r of rows) out.set(r.id, r.result ?? null);
    return out;
  }

  active(rateWindows: Map<string, number>): Promise<ActiveTally> {
    return this.ctx.read(async (db) => {
      const held = (await db.rows<HeldRow>(SQL.taskHeld)).map(rowToHeld);
      const startedByQueue = new Map<string, number>();
      if (rateWindows.size > 0) {
        const queues = [...rateWindows.keys()];
        const counts = await db.rows<{ queue: string; n: number }>(SQL.taskAssignedSince, [
          queues,
          queues.map((q) => rateWindows.get(q)),
        ]);
        const byQueue = new Map(counts.map((r) => [r.queue, r.n]));
        // In the caller's order, as the SQLite driver fills it.
        for (const q of queues) startedByQueue.set(q, byQueue.get(q) ?? 0);
      }
      return { held, ...sumHeld(held), startedByQueue };
    });
  }
}
