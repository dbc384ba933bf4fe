import type { Task } from '../../domain/task.js';
import type { AssignmentMessage } from '../../protocol/worker-messages.js';

/** What a worker is told about a task it should hold. */
export function toAssignment(task: Task, parents: Record<string, unknown> = {}): AssignmentMessage {
  return {
    id: task.id,
    attempt: task.attempt,
    want: task.want,
    type: task.type,
    queue: task.queue,
    payload: task.payload,
    executor: task.executor as AssignmentMessage['executor'],
    timeoutMs: task.timeoutMs,
    labels: task.labels,
    workflowId: task.workflowId,
    stepId: task.stepId,
    parents,
    shard: task.flow.shard ?? null,
    trace: task.trace ?? null,
  };
}
