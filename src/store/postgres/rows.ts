import { defaultQueueSettings, type QueueSettings } from '../../domain/queue.js';
import type {
  Attempt,
  AttemptOutcome,
  BackoffPolicy,
  ExecutorKind,
  ExecutorSpec,
  ResourceRequest,
  RestartPolicy,
  TraceContext,
  Taint,
  Task,
  TaskError,
  TaskEvent,
  TaskFlow,
  TaskState,
  Toleration,
  Want,
} from '../../domain/task.js';
import type { WorkerRecord, WorkerStatus } from '../../domain/worker.js';
import type { Lease, Replica, StoredLogLine, TaskChange } from '../store.js';

/**
 * Row <-> domain mapping. Times are BIGINT epoch ms (parsed to numbers by the pool's type
 * parsers), objects and arrays are JSONB (parsed by `pg`; written as JSON text parameters).
 */

// -- Tasks ---------------------------------------------------------------------------------------

export interface TaskRow {
  id: string;
  queue: string;
  type: string;
  state: string;
  want: string;
  priority: number;
  run_at: number | null;
  due_at: number;
  attempt: number;
  attempt_base: number;
  max_attempts: number;
  backoff: unknown;
  timeout_ms: number | null;
  idempotency_key: string | null;
  concurrency_key: string | null;
  executor: unknown;
  restart: string;
  /** The submitter's trace context (migration 6). */
  trace: TraceContext | null;
  selector: unknown;
  tolerations: unknown;
  resources: unknown;
  res_cpu: number;
  res_memory_mb: number;
  labels: unknown;
  workflow_id: string | null;
  step_id: string | null;
  schedule_id: string | null;
  fire_at: number | null;
  worker_id: string | null;
  assigned_at: number | null;
  created_at: number;
  updated_at: number;
  started_at: number | null;
  finished_at: number | null;
  deadline_at: number | null;
  payload: unknown;
  result: unknown;
  error: unknown;
  progress: number | null;
  version: number;
  parent_id: string | null;
  flow: unknown;
}

export function rowToTask(r: TaskRow): Task {
  return {
    id: r.id,
    type: r.type,
    queue: r.queue,
    payload: r.payload ?? null,
    priority: r.priority,
    runAt: r.run_at,
    maxAttempts: r.max_attempts,
    backoff: r.backoff as BackoffPolicy,
    timeoutMs: r.timeout_ms,
    idempotencyKey: r.idempotency_key,
    concurrencyKey: r.concurrency_key,
    executor: r.executor as ExecutorSpec,
    restart: r.restart as RestartPolicy,
    trace: r.trace ?? null,
    selector: r.selector as Record<string, string>,
    tolerations: r.tolerations as Toleration[],
    resources: r.resources as ResourceRequest,
    labels: r.labels as Record<string, string>,
    workflowId: r.workflow_id,
    stepId: r.step_id,
    scheduleId: r.schedule_id,
    fireAt: r.fire_at,
    parentId: r.parent_id,
    flow: (r.flow ?? {}) as TaskFlow,
    state: r.state as TaskState,
    want: r.want as Want,
    attempt: r.attempt,
    attemptBase: r.attempt_base,
    workerId: r.worker_id,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    startedAt: r.started_at,
    finishedAt: r.finished_at,
    deadlineAt: r.deadline_at,
    result: r.result ?? null,
    error: (r.error ?? null) as TaskError | null,
    progress: r.progress,
    version: r.version,
  };
}

/** Every column of a new task row (JSON columns as values: the row is sent as one JSON array). */
export function taskToRow(t: Task): TaskRow {
  return {
    id: t.id,
    queue: t.queue,
    type: t.type,
    state: t.state,
    want: t.want,
    priority: t.priority,
    run_at: t.runAt,
    due_at: t.runAt ?? t.createdAt,
    attempt: t.attempt,
    attempt_base: t.attemptBase,
    max_attempts: t.maxAttempts,
    backoff: t.backoff,
    timeout_ms: t.timeoutMs,
    idempotency_key: t.idempotencyKey,
    concurrency_key: t.concurrencyKey,
    executor: t.executor,
    restart: t.restart,
    trace: t.trace ?? null,
    selector: t.selector,
    tolerations: t.tolerations,
    resources: t.resources,
    res_cpu: t.resources.cpu ?? 0,
    res_memory_mb: t.resources.memoryMb ?? 0,
    labels: t.labels,
    workflow_id: t.workflowId,
    step_id: t.stepId,
    schedule_id: t.scheduleId,
    fire_at: t.fireAt,
    parent_id: t.parentId,
    flow: t.flow,
    worker_id: t.workerId,
    assigned_at: null,
    created_at: t.createdAt,
    updated_at: t.updatedAt,
    started_at: t.startedAt,
    finished_at: t.finishedAt,
    deadline_at: t.deadlineAt,
    payload: t.payload ?? null,
    result: t.result ?? null,
    error: t.error,
    progress: t.progress,
    version: t.version,
  };
}

export function toChange(t: {
  id: string;
  queue: string;
  state: TaskState;
  want: Want;
  workerId: string | null;
  attempt: number;
  runAt: number | null;
}): TaskChange {
  return {
    id: t.id,
    queue: t.queue,
    state: t.state,
    want: t.want,
    workerId: t.workerId,
    attempt: t.attempt,
    runAt: t.runAt,
  };
}

/** The columns RETURNING gives for a change event. */
export interface ChangeRow {
  id: string;
  queue: string;
  state: string;
  want: string;
  worker_id: string | null;
  attempt: number;
  run_at: number | null;
}

export function changeRowToChange(r: ChangeRow): TaskChange {
  return {
    id: r.id,
    queue: r.queue,
    state: r.state as TaskState,
    want: r.want as Want,
    workerId: r.worker_id,
    attempt: r.attempt,
    runAt: r.run_at,
  };
}

// -- History -------------------------------------------------------------------------------------

export interface AttemptRow {
  task_id: string;
  attempt: number;
  worker_id: string | null;
  outcome: string;
  started_at: number;
  finished_at: number | null;
  error: unknown;
}

export function rowToAttempt(r: AttemptRow): Attempt {
  return {
    taskId: r.task_id,
    attempt: r.attempt,
    workerId: r.worker_id,
    outcome: r.outcome as AttemptOutcome,
    startedAt: r.started_at,
    finishedAt: r.finished_at,
    error: (r.error ?? null) as TaskError | null,
  };
}

export interface EventRow {
  task_id: string;
  at: number;
  kind: string;
  attempt: number;
  from_state: string | null;
  to_state: string | null;
  actor: string | null;
  detail: unknown;
}

export function rowToEvent(r: EventRow): TaskEvent {
  return {
    taskId: r.task_id,
    at: r.at,
    kind: r.kind,
    attempt: r.attempt,
    from: r.from_state as TaskState | null,
    to: r.to_state as TaskState | null,
    actor: r.actor,
    detail: (r.detail ?? null) as Record<string, unknown> | null,
  };
}

export function eventToRow(e: TaskEvent): EventRow {
  return {
    task_id: e.taskId,
    at: e.at,
    kind: e.kind,
    attempt: e.attempt,
    from_state: e.from,
    to_state: e.to,
    actor: e.actor,
    detail: e.detail,
  };
}

// -- Logs ----------------------------------------------------------------------------------------

export interface LogRow {
  seq: number;
  task_id: string;
  attempt: number;
  stream: string;
  line: string;
  at: number;
}

export function rowToLog(r: LogRow): StoredLogLine {
  return {
    seq: r.seq,
    taskId: r.task_id,
    attempt: r.attempt,
    stream: r.stream as StoredLogLine['stream'],
    line: r.line,
    at: r.at,
  };
}

// -- Queues --------------------------------------------------------------------------------------

export interface QueueRow {
  name: string;
  settings: Partial<QueueSettings> | null;
}

/** Stored settings over today's defaults, so a field added later gets its default. */
export function settingsOf(name: string, stored: Partial<QueueSettings> | null): QueueSettings {
  return { ...defaultQueueSettings(name), ...(stored ?? {}), name };
}

export function settingsToJson(s: QueueSettings): string {
  const { name: _name, ...rest } = s;
  return JSON.stringify(rest);
}

// -- Workers -------------------------------------------------------------------------------------

export interface WorkerRow {
  id: string;
  name: string;
  replica_id: string;
  status: string;
  labels: unknown;
  taints: unknown;
  capacity: number;
  prefetch: number;
  resources: unknown;
  types: unknown;
  executors: unknown;
  queues: unknown;
  weight: number;
  cordoned: boolean;
  draining: boolean;
  load: number;
  version: string;
  started_at: number;
  heartbeat_at: number;
  expires_at: number;
}

export function rowToWorker(r: WorkerRow): WorkerRecord {
  return {
    id: r.id,
    name: r.name,
    replicaId: r.replica_id,
    status: r.status as WorkerStatus,
    labels: r.labels as Record<string, string>,
    taints: r.taints as Taint[],
    capacity: r.capacity,
    prefetch: r.prefetch,
    resources: r.resources as ResourceRequest,
    types: (r.types ?? null) as string[] | null,
    executors: r.executors as ExecutorKind[],
    queues: (r.queues ?? null) as string[] | null,
    weight: r.weight,
    cordoned: r.cordoned,
    draining: r.draining,
    load: r.load,
    version: r.version,
    startedAt: r.started_at,
    heartbeatAt: r.heartbeat_at,
    expiresAt: r.expires_at,
  };
}

/** Positional parameters of `WORKER_UPSERT`. */
export function workerParams(w: WorkerRecord): unknown[] {
  return [
    w.id,
    w.name,
    w.replicaId,
    w.status,
    JSON.stringify(w.labels),
    JSON.stringify(w.taints),
    w.capacity,
    w.prefetch,
    JSON.stringify(w.resources),
    w.types === null ? null : JSON.stringify(w.types),
    JSON.stringify(w.executors),
    w.queues === null ? null : JSON.stringify(w.queues),
    w.weight,
    w.cordoned,
    w.draining,
    w.load,
    w.version,
    w.startedAt,
    w.heartbeatAt,
    w.expiresAt,
  ];
}

// -- Leases and replicas -------------------------------------------------------------------------

export interface LeaseRow {
  name: string;
  holder: string;
  token: number;
  since: number;
  expires_at: number;
}

export function rowToLease(r: LeaseRow): Lease {
  return {
    name: r.name,
    holder: r.holder,
    token: r.token,
    since: r.since,
    expiresAt: r.expires_at,
  };
}

export interface ReplicaRow {
  id: string;
  url: string;
  started_at: number;
  heartbeat_at: number;
  expires_at: number;
}

export function rowToReplica(r: ReplicaRow): Replica {
  return {
    id: r.id,
    url: r.url,
    startedAt: r.started_at,
    heartbeatAt: r.heartbeat_at,
    expiresAt: r.expires_at,
  };
}
