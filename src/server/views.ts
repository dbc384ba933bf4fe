import { attemptsLeft, type Attempt, type Task, type TaskEvent } from '../domain/task.js';
import type { QueueSettings } from '../domain/queue.js';
import type { WorkerRecord } from '../domain/worker.js';
import type {
  AttemptView,
  LogLineView,
  QueueView,
  TaskEventView,
  TaskView,
  WorkerView,
} from '../protocol/views.js';
import type { StoredLogLine } from '../store/store.js';

// The times of a batch are mostly one instant: the last one formatted is kept.
let lastMs = NaN;
let lastIso = '';
const iso = (ms: number): string => {
  if (ms !== lastMs) {
    lastIso = new Date(ms).toISOString();
    lastMs = ms;
  }
  return lastIso;
};
const isoOrNull = (ms: number | null): string | null => (ms === null ? null : iso(ms));

export function toTaskView(t: Task): TaskView {
  return {
    id: t.id,
    type: t.type,
    queue: t.queue,
    payload: t.payload,
    priority: t.priority,
    runAt: isoOrNull(t.runAt),
    maxAttempts: t.maxAttempts,
    backoff: t.backoff,
    timeoutMs: t.timeoutMs,
    idempotencyKey: t.idempotencyKey,
    concurrencyKey: t.concurrencyKey,
    executor: t.executor,
    restart: t.restart,
    selector: t.selector,
    tolerations: t.tolerations,
    resources: t.resources,
    labels: t.labels,
    state: t.state,
    want: t.want,
    attempt: t.attempt,
    attemptsLeft: Math.max(0, attemptsLeft(t)),
    workerId: t.workerId,
    createdAt: iso(t.createdAt),
    updatedAt: iso(t.updatedAt),
    startedAt: isoOrNull(t.startedAt),
    finishedAt: isoOrNull(t.finishedAt),
    result: t.result ?? null,
    error: t.error,
    progress: t.progress,
    workflowId: t.workflowId,
    stepId: t.stepId,
    scheduleId: t.scheduleId,
    fireAt: isoOrNull(t.fireAt),
    parentId: t.parentId,
    shards: t.flow.shards ?? null,
    broadcast: t.flow.broadcast === true,
    shard: t.flow.shard ?? null,
    compensation: t.flow.compensation === true,
    trace: t.trace ?? null,
  };
}

export function toAttemptView(a: Attempt): AttemptView {
  return {
    attempt: a.attempt,
    workerId: a.workerId,
    outcome: a.outcome,
    startedAt: iso(a.startedAt),
    finishedAt: isoOrNull(a.finishedAt),
    error: a.error,
  };
}

export function toEventView(e: TaskEvent): TaskEventView {
  return {
    at: iso(e.at),
    kind: e.kind,
    attempt: e.attempt,
    from: e.from,
    to: e.to,
    actor: e.actor,
    detail: e.detail,
  };
}

export function toQueueView(
  q: QueueSettings,
  counts: Partial<Record<string, number>> = {},
): QueueView {
  return {
    name: q.name,
    paused: q.paused,
    concurrency: q.concurrency,
    rateLimit: q.rateLimit,
    keyConcurrency: q.keyConcurrency,
    strategy: q.strategy,
    defaults: { ...q.defaults },
    counts,
  };
}

export function toLogLineView(l: StoredLogLine): LogLineView {
  return { seq: l.seq, attempt: l.attempt, at: iso(l.at), stream: l.stream, line: l.line };
}

export function toWorkerView(w: WorkerRecord): WorkerView {
  return {
    id: w.id,
    name: w.name,
    replicaId: w.replicaId,
    status: w.status,
    labels: w.labels,
    taints: w.taints,
    capacity: w.capacity,
    prefetch: w.prefetch,
    load: w.load,
    types: w.types,
    executors: w.executors,
    queues: w.queues,
    cordoned: w.cordoned,
    draining: w.draining,
    startedAt: iso(w.startedAt),
    heartbeatAt: iso(w.heartbeatAt),
  };
}
