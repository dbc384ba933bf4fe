import { DEFAULT_BACKOFF } from '../domain/backoff.js';
import type { QueueSettings } from '../domain/queue.js';
import type { NewTask, TaskFlow } from '../domain/task.js';
import type { ParsedTaskSpec } from '../protocol/task-spec.js';

export const DEFAULT_QUEUE = 'default';
export const DEFAULT_MAX_ATTEMPTS = 3;

/** Links a task to the workflow or schedule that made it. */
export interface TaskOrigin {
  workflowId?: string;
  stepId?: string;
  scheduleId?: string;
  fireAt?: number;
  blocked?: boolean;
  /** Marks a saga compensation. */
  compensation?: boolean;
}

/** A validated spec plus its queue's defaults → the task to insert. */
export function compileSpec(
  spec: ParsedTaskSpec,
  queue: QueueSettings,
  now: number,
  origin: TaskOrigin = {},
): NewTask {
  const d = queue.defaults;
  const backoff = { ...DEFAULT_BACKOFF, ...d.backoff, ...spec.backoff };
  if (backoff.maxMs < backoff.initialMs) backoff.maxMs = backoff.initialMs;
  const runAt =
    spec.runAt !== undefined
      ? Date.parse(spec.runAt)
      : spec.delayMs !== undefined && spec.delayMs > 0
        ? now + spec.delayMs
        : null;
  return {
    type: spec.type,
    queue: queue.name,
    payload: spec.payload ?? null,
    priority: spec.priority ?? d.priority ?? 0,
    runAt,
    maxAttempts: spec.maxAttempts ?? d.maxAttempts ?? DEFAULT_MAX_ATTEMPTS,
    backoff,
    timeoutMs: spec.timeoutMs ?? d.timeoutMs ?? null,
    idempotencyKey: spec.idempotencyKey ?? null,
    concurrencyKey: spec.concurrencyKey ?? null,
    executor: spec.executor ?? { kind: 'function' },
    restart: spec.restart ?? 'never',
    selector: spec.selector ?? {},
    tolerations: spec.tolerations ?? [],
    resources: spec.resources ?? {},
    labels: spec.labels ?? {},
    workflowId: origin.workflowId ?? null,
    stepId: origin.stepId ?? null,
    scheduleId: origin.scheduleId ?? null,
    fireAt: origin.fireAt ?? null,
    parentId: null,
    flow: flowOf(spec, origin),
    blocked: origin.blocked ?? false,
  };
}

function flowOf(spec: ParsedTaskSpec, origin: TaskOrigin): TaskFlow {
  const flow: TaskFlow = {};
  if (spec.shards !== undefined) flow.shards = spec.shards;
  if (spec.broadcast === true) flow.broadcast = true;
  if (origin.compensation) flow.compensation = true;
  return flow;
}
