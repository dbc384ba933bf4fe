import type { TaskPatch } from '../../domain/state-machine.js';
import type { Task } from '../../domain/task.js';
import type { WriteTx } from './context.js';

export type PatchField = keyof TaskPatch;

/** The SQLSTATE of a batch update that found a row changed since it was read. */
export const BATCH_CHANGED = 'CQ002';

/** The column of each field a decision may change, its SQL type, and its value. */
const FIELDS: Record<PatchField, { column: string; type: string; value: (t: Task) => unknown }> = {
  state: { column: 'state', type: 'text', value: (t) => t.state },
  want: { column: 'want', type: 'text', value: (t) => t.want },
  workerId: { column: 'worker_id', type: 'text', value: (t) => t.workerId },
  attempt: { column: 'attempt', type: 'int', value: (t) => t.attempt },
  attemptBase: { column: 'attempt_base', type: 'int', value: (t) => t.attemptBase },
  runAt: { column: 'run_at', type: 'bigint', value: (t) => t.runAt },
  startedAt: { column: 'started_at', type: 'bigint', value: (t) => t.startedAt },
  finishedAt: { column: 'finished_at', type: 'bigint', value: (t) => t.finishedAt },
  deadlineAt: { column: 'deadline_at', type: 'bigint', value: (t) => t.deadlineAt },
  result: { column: 'result', type: 'jsonb', value: (t) => t.result ?? null },
  error: { column: 'error', type: 'jsonb', value: (t) => t.error },
  progress: { column: 'progress', type: 'float8', value: (t) => t.progress },
};

export interface TaskWrite {
  task: Task;
  /** The task's state as the row held it when it was read (and locked). */
  stored: string;
  /** The fields changed since the task was read. */
  fields: ReadonlySet<PatchField>;
  /** The version the row had when it was read (and locked). */
  readVersion: number;
  /** Set when the task is placed on a worker. */
  assignedAt: number | null;
}

/**
 * Writes decided tasks in batches: one `UPDATE ... FROM jsonb_to_recordset(...)` per set of
 * changed fields (a few dozen shapes at most, each built once). Only the named fields are set,
 * so unrelated indexes are left alone. Each row is guarded by the version it was read at, and
 * optionally by its state: the batch must move every row it names, or the transaction fails.
 * So each row's state moves exactly from its stored state, which is counted (`countMove`).
 */
export class TaskUpdates {
  private readonly cache = new Map<string, string>();

  /** Deferred: the statements go with the transaction's next read or its commit. */
  write(
    tx: Pick<WriteTx, 'defer' | 'countMove'>,
    writes: TaskWrite[],
    guardState: string | null = null,
  ): void {
    const groups = new Map<string, TaskWrite[]>();
    for (const w of writes) {
      tx.countMove(w.task.queue, w.stored, w.task.state);
      const key = shapeKey(w);
      const group = groups.get(key);
      if (group) group.push(w);
      else groups.set(key, [w]);
    }
    for (const [key, group] of groups) {
      const first = group[0]!;
      const sql = this.statement(key, [...first.fields].sort(), first.assignedAt !== null);
      const rows = group.map((w) => recordOf(w));
      tx.defer(sql, [JSON.stringify(rows), guardState, group.length]);
    }
  }

  private statement(key: string, fields: PatchField[], assigned: boolean): string {
    let sql = this.cache.get(key);
    if (sql) return sql;
    const defs = ['id text', 'read_version bigint', 'version bigint', 'updated_at bigint'];
    const sets = ['version = v.version', 'updated_at = v.updated_at'];
    for (const f of fields) {
      const { column, type } = FIELDS[f];
      defs.push(`${column} ${type}`);
      sets.push(`${column} = v.${column}`);
    }
    if (fields.includes('runAt')) {
      defs.push('due_at bigint');
      sets.push('due_at = v.due_at');
    }
    if (assigned) {
      defs.push('assigned_at bigint');
      sets.push('assigned_at = v.assigned_at');
    }
    // `t.state || ''`: a plain `t.state = 'ready'` matches the partial index tasks_ready, and
    // the planner, on a young table's stale statistics, then reads all of it for the batch
    // instead of the primary key.
    sql = `WITH moved AS (
        UPDATE tasks AS t SET ${sets.join(', ')}
        FROM jsonb_to_recordset($1::jsonb) AS v(${defs.join(', ')})
        WHERE t.id = v.id AND t.version = v.read_version
          AND ($2::text IS NULL OR t.state || '' = $2)
        RETURNING 1)
      SELECT chronoq_require(count(*) = $3::int, '${BATCH_CHANGED}',
        'task batch update moved ' || count(*) || ' of ' || $3 || ' rows (changed concurrently)')
      FROM moved`;
    this.cache.set(key, sql);
    return sql;
  }
}

function shapeKey(w: TaskWrite): string {
  return [...w.fields].sort().join(',') + (w.assignedAt !== null ? '+assigned' : '');
}

function recordOf(w: TaskWrite): Record<string, unknown> {
  const { task } = w;
  const record: Record<string, unknown> = {
    id: task.id,
    read_version: w.readVersion,
    version: task.version,
    updated_at: task.updatedAt,
  };
  for (const f of w.fields) record[FIELDS[f].column] = FIELDS[f].value(task);
  if (w.fields.has('runAt')) record.due_at = task.runAt ?? task.createdAt;
  if (w.assignedAt !== null) record.assigned_at = w.assignedAt;
  return record;
}
