import type { TaskPatch } from '../../domain/state-machine.js';
import type { NewTask, Task, TaskEvent } from '../../domain/task.js';
import type { LeaderFence } from '../store.js';

/** Shared by the drivers: building new task rows and working out what a decision changes. */

/** The new task a spec describes: blocked, pending (due later) or ready. */
export function buildTask(spec: NewTask, id: string, now: number): Task {
  return {
    id,
    type: spec.type,
    queue: spec.queue,
    payload: spec.payload ?? null,
    priority: spec.priority,
    runAt: spec.runAt,
    maxAttempts: spec.maxAttempts,
    backoff: spec.backoff,
    timeoutMs: spec.timeoutMs,
    idempotencyKey: spec.idempotencyKey,
    concurrencyKey: spec.concurrencyKey,
    executor: spec.executor,
    restart: spec.restart,
    selector: spec.selector,
    tolerations: spec.tolerations,
    resources: spec.resources,
    labels: spec.labels,
    workflowId: spec.workflowId,
    stepId: spec.stepId,
    scheduleId: spec.scheduleId,
    fireAt: spec.fireAt,
    parentId: spec.parentId,
    flow: spec.flow,
    trace: spec.trace ?? null,
    state: spec.blocked ? 'blocked' : spec.runAt !== null && spec.runAt > now ? 'pending' : 'ready',
    want: 'run',
    attempt: 0,
    attemptBase: 0,
    workerId: null,
    createdAt: now,
    updatedAt: now,
    startedAt: null,
    finishedAt: null,
    deadlineAt: null,
    result: null,
    error: null,
    progress: null,
    version: 1,
  };
}

function same(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  return JSON.stringify(a) === JSON.stringify(b);
}

/** The fields whose value the patch changes. */
export function changedFields(task: Task, patch: TaskPatch): (keyof TaskPatch)[] {
  return (Object.keys(patch) as (keyof TaskPatch)[]).filter((k) => !same(task[k], patch[k]));
}

/** When an attempt began: its start if it started, else its hand-over to the worker. */
export function attemptStart(task: Task, assignedAt: number | null, now: number): number {
  const times = [task.startedAt, assignedAt].filter((t): t is number => t !== null);
  return times.length > 0 ? Math.max(...times) : now;
}

/**
 * The history entry of a placement: which worker, and the leader's fencing token it was made
 * under, so the history shows that no deposed leader placed anything after its successor.
 */
export function assignedEvent(task: Task, fence: LeaderFence): Omit<TaskEvent, 'at'> {
  return {
    taskId: task.id,
    kind: 'assigned',
    attempt: task.attempt,
    from: 'ready',
    to: 'assigned',
    actor: null,
    detail: { workerId: task.workerId, leaderToken: fence.token },
  };
}
