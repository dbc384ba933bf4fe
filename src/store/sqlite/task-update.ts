import type { Database, Statement } from 'better-sqlite3';
import type { TaskPatch } from '../../domain/state-machine.js';
import type { Task, TaskState } from '../../domain/task.js';
import type { TaskCountDeltas } from './count-deltas.js';
import { toJson } from './rows.js';

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
 *
 * A change of state is added to the transaction's count changes (`TaskCountDeltas`): no trigger
 * counts task UPDATEs (migration 12).
 */
export class TaskUpdates {
  private readonly cache = new Map<string, { stmt: Statement<unknown[]>; fields: PatchField[] }>();

  constructor(
    private readonly db: Database,
    private readonly counts: TaskCountDeltas,
  ) {}

  /**
   * Write `fields` of `task`, its version and updatedAt; `assignedAt` when it is placed. `stored`
   * is the task's state as the row holds it before this write.
   */
  write(
    task: Task,
    fields: ReadonlySet<PatchField>,
    assignedAt: number | null,
    stored: TaskState,
  ): void {
    let key = '';
    for (const f of fields) key += `${f},`;
    if (assignedAt !== null) key += '+assigned';
    let shape = this.cache.get(key);
    if (!shape) {
      const names = [...fields].sort();
      const sets = ['version = ?', 'updated_at = ?'];
      for (const f of names) sets.push(`${FIELDS[f].column} = ?`);
      if (fields.has('runAt')) sets.push('due_at = ?');
      if (assignedAt !== null) sets.push('assigned_at = ?');
      const stmt = this.db.prepare<unknown[]>(`UPDATE tasks SET ${sets.join(', ')} WHERE id = ?`);
      shape = { stmt, fields: names };
      this.cache.set(key, shape);
    }
    const params: Value[] = [task.version, task.updatedAt];
    for (const f of shape.fields) params.push(FIELDS[f].encode(task));
    if (fields.has('runAt')) params.push(task.runAt ?? task.createdAt);
    if (assignedAt !== null) params.push(assignedAt);
    params.push(task.id);
    if (shape.stmt.run(params).changes === 1) this.counts.move(task.queue, stored, task.state);
  }
}
