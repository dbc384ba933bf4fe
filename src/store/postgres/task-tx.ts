import type { Decision } from '../../domain/state-machine.js';
import type { AttemptOutcome, Task, TaskEvent } from '../../domain/task.js';
import type { TaskChange } from '../store.js';
import { attemptStart, changedFields } from '../common/task-build.js';
import type { WriteTx } from './context.js';
import {
  eventToRow,
  rowToTask,
  toChange,
  type AttemptRow,
  type EventRow,
  type TaskRow,
} from './rows.js';
import { SQL } from './sql.js';
import type { PatchField, TaskUpdates, TaskWrite } from './task-update.js';

/** A task as read (and locked) for a decision, with the bookkeeping the domain does not model. */
export interface Loaded {
  task: Task;
  /** When the current (or last) attempt was handed to a worker. */
  assignedAt: number | null;
  /** The row's version when it was read. */
  readVersion: number;
}

export function load(row: TaskRow): Loaded {
  return { task: rowToTask(row), assignedAt: row.assigned_at, readVersion: row.version };
}

/**
 * The task changes of one write transaction: applies decisions, and collects the rows to
 * write, the history (ended attempts and their events) and the change events; `flush` writes
 * them all in a few batch statements and emits the changes on commit. A decision's patch sets
 * only the fields it names; everything else is kept.
 */
export class TaskTx {
  readonly changes: TaskChange[] = [];
  /** Every task written, in order: the flow (workflows, fan-out) works from these. */
  readonly written: Task[] = [];
  /** Workflows whose state changed. */
  readonly workflows = new Set<string>();
  private readonly writes: TaskWrite[] = [];
  private readonly attempts = new Map<string, AttemptRow>();
  private readonly events: EventRow[] = [];
  /** Fields changed but not yet queued for writing, per task. */
  private readonly dirty = new Map<string, Set<PatchField>>();

  constructor(
    private readonly updates: TaskUpdates,
    readonly now: number,
  ) {}

  /**
   * The task after `decision`, or null when it changes nothing. A decision that ends the
   * attempt records the attempt and its event. The caller queues the task with `write`.
   */
  next(task: Task, decision: Decision, assignedAt: number | null): Task | null {
    const fields = changedFields(task, decision.patch);
    if (fields.length === 0) return null;
    const dirty = this.dirty.get(task.id);
    if (dirty) for (const f of fields) dirty.add(f);
    else this.dirty.set(task.id, new Set(fields));
    const next: Task = {
      ...task,
      ...decision.patch,
      version: task.version + 1,
      updatedAt: this.now,
    };
    if (decision.attemptOutcome) {
      this.endAttempt(task, next, decision, decision.attemptOutcome, assignedAt);
    }
    return next;
  }

  /** Queue the fields changed since `loaded` was read; `assignedAt` on placement. */
  write(loaded: Loaded, task: Task, assignedAt: number | null = null): void {
    this.writes.push({
      task,
      stored: loaded.task.state,
      fields: this.dirty.get(task.id) ?? new Set(),
      readVersion: loaded.readVersion,
      assignedAt,
    });
    this.dirty.delete(task.id);
    this.changes.push(toChange(task));
    this.written.push(task);
  }

  event(e: Omit<TaskEvent, 'at'>): void {
    this.events.push(eventToRow({ ...e, at: this.now }));
  }

  /** Queue the writes of everything collected (deferred), and emit the task changes on commit. */
  flush(tx: WriteTx, guardState: string | null = null): void {
    if (this.writes.length > 0) this.updates.write(tx, this.writes, guardState);
    if (this.attempts.size > 0) {
      tx.defer(SQL.attemptUpsert, [JSON.stringify([...this.attempts.values()])]);
    }
    if (this.events.length > 0) tx.defer(SQL.eventInsert, [JSON.stringify(this.events)]);
    if (this.changes.length > 0) tx.emit({ kind: 'tasks', changes: this.changes });
    if (this.workflows.size > 0) tx.emit({ kind: 'workflows', ids: [...this.workflows] });
  }

  private endAttempt(
    before: Task,
    after: Task,
    decision: Decision,
    outcome: AttemptOutcome,
    assignedAt: number | null,
  ): void {
    // Only an error the decision names belongs to this attempt (a snooze keeps an old one).
    const error = 'error' in decision.patch ? (decision.patch.error ?? null) : null;
    // Keyed by attempt: a later decision on the same attempt replaces the row, as on SQLite.
    this.attempts.set(`${before.id}\u0000${before.attempt}`, {
      task_id: before.id,
      attempt: before.attempt,
      worker_id: before.workerId,
      outcome,
      started_at: attemptStart(before, assignedAt, this.now),
      finished_at: this.now,
      error,
    });
    const detail: Record<string, unknown> = { workerId: before.workerId };
    if (error) detail.error = error;
    if ((after.state === 'pending' || after.state === 'ready') && after.runAt !== null) {
      detail.retryAt = after.runAt;
    }
    this.event({
      taskId: before.id,
      kind: outcome,
      attempt: before.attempt,
      from: before.state,
      to: after.state,
      actor: null,
      detail,
    });
  }
}
