import type { QueueSettings } from '../../domain/queue.js';
import type {
  Attempt,
  AttemptOutcome,
  BackoffPolicy,
  ExecutorSpec,
  ResourceRequest,
  RestartPolicy,
  TraceContext,
  Task,
  TaskError,
  TaskEvent,
  TaskFlow,
  TaskState,
  Toleration,
  Want,
} from '../../domain/task.js';
import type { ExecutorKind, Taint } from '../../domain/task.js';
import type { WorkerRecord, WorkerStatus } from '../../domain/worker.js';
import type { Lease, Replica, StoredLogLine, TaskChange } from '../store.js';

/** Row <-> domain mapping. JSON text for objects and arrays, INTEGER epoch ms for times. */

export function toJson(value: unknown): string | null {
  return value === null || value === undefined ? null : JSON.stringify(value);
}

export function fromJson<T>(text: string | null): T | null {
  return text === null ? null : (JSON.parse(text) as T);
}

function req<T>(text: string): T {
  return JSON.parse(text) as T;
}

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
  backoff: string;
  timeout_ms: number | null;
  idempotency_key: string | null;
  concurrency_key: string | null;
  executor: string;
  restart: string;
  /** JSON of the submitter's trace context, or null (migration 6). */
  trace: string | null;
  selector: string;
  tolerations: string;
  resources: string;
  res_cpu: number;
  res_memory_mb: number;
  labels: string;
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
  payload: string | null;
  result: string | null;
  error: string | null;
  progress: number | null;
  version: number;
  parent_id: string | null;
  flow: string;
}

/** Every column of `tasks`, in the order the raw-mode reads select them. */
export const TASK_COLUMNS = [
  'id',
  'queue',
  'type',
  'state',
  'want',
  'priority',
  'run_at',
  'due_at',
  'attempt',
  'attempt_base',
  'max_attempts',
  'backoff',
  'timeout_ms',
  'idempotency_key',
  'concurrency_key',
  'executor',
  'restart',
  'trace',
  'selector',
  'tolerations',
  'resources',
  'res_cpu',
  'res_memory_mb',
  'labels',
  'workflow_id',
  'step_id',
  'schedule_id',
  'fire_at',
  'worker_id',
  'assigned_at',
  'created_at',
  'updated_at',
  'started_at',
  'finished_at',
  'deadline_at',
  'payload',
  'result',
  'error',
  'progress',
  'version',
  'parent_id',
  'flow',
] as const satisfies readonly (keyof TaskRow)[];

// Compile-time check that TASK_COLUMNS names every column of TaskRow.
const _allColumns: [Exclude<keyof TaskRow, (typeof TASK_COLUMNS)[number]>] extends [never]
  ? true
  : never = true;

/**
 * A task row from a raw-mode read (values in TASK_COLUMNS order). better-sqlite3 builds wide
 * row objects slowly; reading arrays and building the object here is about twice as fast.
 */
export function rawToTaskRow(values: unknown[]): TaskRow {
  const row: Record<string, unknown> = {};
  for (let i = 0; i < TASK_COLUMNS.length; i++) row[TASK_COLUMNS[i]!] = values[i];
  return row as unknown as TaskRow;
}

export function rowToTask(r: TaskRow): Task {
  return {
    id: r.id,
    type: r.type,
    queue: r.queue,
    payload: fromJson(r.payload),
    priority: r.priority,
    runAt: r.run_at,
    maxAttempts: r.max_attempts,
    backoff: req<BackoffPolicy>(r.backoff),
    timeoutMs: r.timeout_ms,
    idempotencyKey: r.idempotency_key,
    concurrencyKey: r.concurrency_key,
    executor: req<ExecutorSpec>(r.executor),
    restart: r.restart as RestartPolicy,
    trace: r.trace === null ? null : (JSON.parse(r.trace) as TraceContext),
    selector: req<Record<string, string>>(r.selector),
    tolerations: req<Toleration[]>(r.tolerations),
    resources: req<ResourceRequest>(r.resources),
    labels: req<Record<string, string>>(r.labels),
    workflowId: r.workflow_id,
    stepId: r.step_id,
    scheduleId: r.schedule_id,
    fireAt: r.fire_at,
    parentId: r.parent_id,
    flow: req<TaskFlow>(r.flow),
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
    result: fromJson(r.result),
    error: fromJson<TaskError>(r.error),
    progress: r.progress,
    version: r.version,
  };
}

/** Every column of a new task row, as values in TASK_COLUMNS order (for multi-row inserts). */
export function taskToInsertValues(t: Task): unknown[] {
  const row = taskToInsertParams(t);
  const values = new Array<unknown>(TASK_COLUMNS.length);
  for (let i = 0; i < TASK_COLUMNS.length; i++) values[i] = row[TASK_COLUMNS[i]!];
  return values;
}

/** Every column of a new task row. */
export function taskToInsertParams(t: Task): TaskRow {
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
    backoff: JSON.stringify(t.backoff),
    timeout_ms: t.timeoutMs,
    idempotency_key: t.idempotencyKey,
    concurrency_key: t.concurrencyKey,
    executor: JSON.stringify(t.executor),
    restart: t.restart,
    trace: t.trace ? JSON.stringify(t.trace) : null,
    selector: JSON.stringify(t.selector),
    tolerations: JSON.stringify(t.tolerations),
    resources: JSON.stringify(t.resources),
    res_cpu: t.resources.cpu ?? 0,
    res_memory_mb: t.resources.memoryMb ?? 0,
    labels: JSON.stringify(t.labels),
    workflow_id: t.workflowId,
    step_id: t.stepId,
    schedule_id: t.scheduleId,
    fire_at: t.fireAt,
    parent_id: t.parentId,
    flow: JSON.stringify(t.flow),
    worker_id: t.workerId,
    assigned_at: null,
    created_at: t.createdAt,
    updated_at: t.updatedAt,
    started_at: t.startedAt,
    finished_at: t.finishedAt,
    deadline_at: t.deadlineAt,
    payload: toJson(t.payload),
    result: toJson(t.result),
    error: toJson(t.error),
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
  error: string | null;
}

export function rowToAttempt(r: AttemptRow): Attempt {
  return {
    taskId: r.task_id,
    attempt: r.attempt,
    workerId: r.worker_id,
    outcome: r.outcome as AttemptOutcome,
    startedAt: r.started_at,
    finishedAt: r.finished_at,
    error: fromJson<TaskError>(r.error),
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
  detail: string | null;
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
    detail: fromJson<Record<string, unknown>>(r.detail),
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
    detail: toJson(e.detail),
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
  labels: string;
  taints: string;
  capacity: number;
  prefetch: number;
  resources: string;
  types: string | null;
  executors: string;
  queues: string | null;
  weight: number;
  cordoned: number;
  draining: number;
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
    labels: req<Record<string, string>>(r.labels),
    taints: req<Taint[]>(r.taints),
    capacity: r.capacity,
    prefetch: r.prefetch,
    resources: req<ResourceRequest>(r.resources),
    types: fromJson<string[]>(r.types),
    executors: req<ExecutorKind[]>(r.executors),
    queues: fromJson<string[]>(r.queues),
    weight: r.weight,
    cordoned: r.cordoned !== 0,
    draining: r.draining !== 0,
    load: r.load,
    version: r.version,
    startedAt: r.started_at,
    heartbeatAt: r.heartbeat_at,
    expiresAt: r.expires_at,
  };
}

export function workerToRow(w: WorkerRecord): WorkerRow {
  return {
    id: w.id,
    name: w.name,
    replica_id: w.replicaId,
    status: w.status,
    labels: JSON.stringify(w.labels),
    taints: JSON.stringify(w.taints),
    capacity: w.capacity,
    prefetch: w.prefetch,
    resources: JSON.stringify(w.resources),
    types: toJson(w.types),
    executors: JSON.stringify(w.executors),
    queues: toJson(w.queues),
    weight: w.weight,
    cordoned: w.cordoned ? 1 : 0,
    draining: w.draining ? 1 : 0,
    load: w.load,
    version: w.version,
    started_at: w.startedAt,
    heartbeat_at: w.heartbeatAt,
    expires_at: w.expiresAt,
  };
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

export function replicaToRow(r: Replica): ReplicaRow {
  return {
    id: r.id,
    url: r.url,
    started_at: r.startedAt,
    heartbeat_at: r.heartbeatAt,
    expires_at: r.expiresAt,
  };
}
