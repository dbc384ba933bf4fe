import { sumHeld } from '../../domain/held.js';
import { rowToHeld } from '../common/held-row.js';
import {
  ON_WORKER_STATES,
  type Attempt,
  type Task,
  type TaskEvent,
  type TaskState,
} from '../../domain/task.js';
import type { ActiveTally, TaskFilter, TaskListPage } from '../store.js';
import type { SqliteContext } from './context.js';
import { fromJson, rowToAttempt, rowToEvent, rowToTask } from './rows.js';
import { TaskCounts } from './task-counts.js';
import { TaskListQuery } from './task-list.js';

/** Every task read. None changes anything or emits an event. */
export class TaskReads {
  private readonly list: TaskListQuery;
  private readonly taskCounts: TaskCounts;

  constructor(private readonly ctx: SqliteContext) {
    this.taskCounts = new TaskCounts(ctx);
    this.list = new TaskListQuery(ctx, this.taskCounts);
  }

  get(id: string): Task | null {
    const row = this.ctx.s.taskGet.get(id);
    return row ? rowToTask(row) : null;
  }

  page(filter: TaskFilter): TaskListPage {
    const limit = Math.max(1, Math.floor(filter.limit));
    const rows = this.list.run({ ...filter, limit });
    const more = rows.length > limit;
    const tasks = (more ? rows.slice(0, limit) : rows).map(rowToTask);
    return { tasks, nextCursor: more ? tasks[tasks.length - 1]!.id : null };
  }

  attempts(id: string): Attempt[] {
    const { s } = this.ctx;
    return this.ctx.read(() => {
      const attempts = s.attemptList.all(id).map(rowToAttempt);
      const row = s.taskGet.get(id);
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

  events(id: string): TaskEvent[] {
    return this.ctx.s.eventList.all(id).map(rowToEvent);
  }

  counts(queue?: string): Map<string, Partial<Record<TaskState, number>>> {
    return this.taskCounts.read(queue);
  }

  readyBatch(limit: number): Task[] {
    if (limit <= 0) return [];
    const { s, tasks: cache } = this.ctx;
    // The ids and versions first; whole rows only of the tasks the cache does not hold.
    return this.ctx.read(() => {
      const ready = s.taskReadyVersions.all(Math.floor(limit));
      const tasks: (Task | undefined)[] = ready.map((r) => cache.get(r.id, r.version)?.task);
      const missing = ready.filter((_, i) => tasks[i] === undefined).map((r) => r.id);
      if (missing.length === 0) return tasks as Task[];
      const read = new Map<string, Task>();
      for (const row of s.taskGetMany.all(JSON.stringify(missing))) {
        const task = rowToTask(row);
        read.set(task.id, task);
        cache.put({ task, assignedAt: row.assigned_at });
      }
      return tasks.map((t, i) => t ?? read.get(ready[i]!.id)!);
    });
  }

  nextDue(): number | null {
    return this.ctx.s.taskNextDue.get()?.at ?? null;
  }

  nextDeadline(): number | null {
    return this.ctx.s.taskNextDeadline.get()?.at ?? null;
  }

  onWorker(workerId: string): Task[] {
    return this.ctx.s.taskOnWorker.all(workerId).map(rowToTask);
  }

  results(ids: string[]): Map<string, unknown> {
    const out = new Map<string, unknown>();
    if (ids.length === 0) return out;
    for (const r of this.ctx.s.taskResults.all(JSON.stringify(ids))) {
      out.set(r.id, fromJson(r.result));
    }
    return out;
  }

  active(rateWindows: Map<string, number>): ActiveTally {
    const { s } = this.ctx;
    return this.ctx.read(() => {
      const held = s.taskHeld.all().map(rowToHeld);
      const startedByQueue = new Map<string, number>();
      for (const [queue, since] of rateWindows) {
        startedByQueue.set(queue, s.taskAssignedSince.get(queue, since)?.n ?? 0);
      }
      return { held, ...sumHeld(held), startedByQueue };
    });
  }
}
