import type { Database } from 'better-sqlite3';
import type { TaskPatch } from '../../domain/state-machine.js';
import type { Task } from '../../domain/task.js';
import { toJson } from './rows.js';
import type { Stmt } from './statements.js';

export type PatchField = keyof TaskPatch;

type Value = string | number | null;

/** The column of each field a decision may change, and how its value is stored. */
const FIELDS: Record<PatchField, { column: string; encode: (t: Task) => Value }> = {
  state: { column: 'state', encode: (t) => t.state },
  want: { column: 'want', encode: (t) => t.want },
  workerId: { column: 'worker_id', encode: (t) => t.workerId },
  attempt: { column: 'attempt', encode: (t) => t.attempt },
  attemptBase: { column: 'attempt_base', encode: (t) => t.attemptBase },
  runAt: { column: 'run_at', encode: (t) => t.runAt },
  startedAt: { column: 'started_at', encode: (t) => t.startedAt },
  finishedAt: { column: 'finished_at', encode: (t) => t.finishedAt },
  deadlineAt: { column: 'deadline_at', encode: (t) => t.deadlineAt },
  result: { column: 'result', encode: (t) => toJson(t.result) },
  error: { column: 'error', encode: (t) => toJson(t.error) },
  progress: { column: 'progress', encode: (t) => t.progress },
};

/**
 * Writes the fields a patch names, and only those: SQLite maintains an index on UPDATE when
 * one of its columns is in the SET list, so a narrow SET keeps the hot path off unrelated
 * indexes. One statement per set of fields (a few dozen shapes at most), prepared once.
 */
export class TaskUpdates {
  private readonly cache = new Map<string, Stmt<[Record<string, Value>]>>();

  constructor(private readonly db: Database) {}

  /** Write `fields` of `task`, its version and updatedAt; `assignedAt` when it is placed. */
  write(task: Task, fields: ReadonlySet<PatchField>, assignedAt: number | null): void {
    const names = [...fields].sort();
    const key = names.join(',') + (assignedAt !== null ? '+assigned' : '');
    let stmt = this.cache.get(key);
    if (!stmt) {
      const sets = ['version = @version', 'updated_at = @updated_at'];
      for (const f of names) sets.push(`${FIELDS[f].column} = @${FIELDS[f].column}`);
      if (fields.has('runAt')) sets.push('due_at = @due_at');
      if (assignedAt !== null) sets.push('assigned_at = @assigned_at');
      stmt = this.db.prepare<[Record<string, Value>]>(
        `UPDATE tasks SET ${sets.join(', ')} WHERE id = @id`,
      );
      this.cache.set(key, stmt);
    }
    const params: Record<string, Value> = {
      id: task.id,
      version: task.version,
      updated_at: task.updatedAt,
    };
    for (const f of names) params[FIELDS[f].column] = FIELDS[f].encode(task);
    if (fields.has('runAt')) params.due_at = task.runAt ?? task.createdAt;
    if (assignedAt !== null) params.assigned_at = assignedAt;
    stmt.run(params);
  }
}
