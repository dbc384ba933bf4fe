import type { Decision } from '../../domain/state-machine.js';
import type { AttemptOutcome, Task, TaskEvent, TaskState } from '../../domain/task.js';
import type { TaskChange } from '../store.js';
import { attemptStart, changedFields } from '../common/task-build.js';
import { eventToRow, rowToTask, toChange, toJson, type TaskRow } from './rows.js';
import type { Statements } from './statements.js';
import type { PatchField, TaskUpdates } from './task-update.js';

/** A task as read for a decision, with the bookkeeping column the domain does not model. */
export interface Loaded {
  task: Task;
  /** When the current (or last) attempt was handed to a worker. */
  assignedAt: number | null;
}

const NOTHING: ReadonlySet<PatchField> = new Set();

export function load(row: TaskRow | undefined): Loaded | null {
  return row ? { task: rowToTask(row), assignedAt: row.assigned_at } : null;
}

/**
 * The task changes of one write transaction: applies decisions, writes rows, records the
 * history (ended attempts and their events), and collects the change events to emit after
 * commit. A decision's patch sets only the fields it names; everything else is kept.
 */
export class TaskTx {
  readonly changes: TaskChange[] = [];
  /** Every task written, in order: the flow (workflows, fan-out) works from these. */
  readonly written: Task[] = [];
  /** Workflows whose state changed. */
  readonly workflows = new Set<string>();
  /**
   * Fields changed but not yet written, per task, and the state the row holds (the task's state
   * at its first decision since it was last written): what the task counts move from.
   */
  private readonly dirty = new Map<string, { fields: Set<PatchField>; stored: TaskState }>();

  constructor(
    private readonly s: Statements,
    private readonly updates: TaskUpdates,
    readonly now: number,
  ) {}

  /**
   * The task after `decision`, or null when it changes nothing. A decision that ends the
   * attempt writes the attempt and its event. The caller writes the task with `write`.
   */
  next(task: Task, decision: Decision, assignedAt: number | null): Task | null {
    const fields = changedFields(task, decision.patch);
    if (fields.length === 0) return null;
    const dirty = this.dirty.get(task.id);
    if (dirty) for (const f of fields) dirty.fields.add(f);
    else this.dirty.set(task.id, { fields: new Set(fields), stored: task.state });
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

  /** Write the fields changed since the last write of this task; `assignedAt` on placement. */
  write(task: Task, assignedAt: number | null = null): void {
    const dirty = this.dirty.get(task.id);
    this.updates.write(task, dirty?.fields ?? NOTHING, assignedAt, dirty?.stored ?? task.state);
    this.dirty.delete(task.id);
    this.changes.push(toChange(task));
    this.written.push(task);
  }

  event(e: Omit<TaskEvent, 'at'>): void {
    this.s.history.event(eventToRow({ ...e, at: this.now }));
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
    this.s.history.attempt({
      task_id: before.id,
      attempt: before.attempt,
      worker_id: before.workerId,
      outcome,
      started_at: attemptStart(before, assignedAt, this.now),
      finished_at: this.now,
      error: toJson(error),
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
