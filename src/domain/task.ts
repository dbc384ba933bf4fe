/**
 * The task model. Times are epoch milliseconds; the domain never reads a clock,
 * every function that needs "now" takes it as an argument.
 */

export const TASK_STATES = [
  'pending',
  'blocked',
  'ready',
  'assigned',
  'running',
  'paused',
  'succeeded',
  'failed',
  'cancelled',
  'skipped',
] as const;
export type TaskState = (typeof TASK_STATES)[number];

export const TERMINAL_STATES: ReadonlySet<TaskState> = new Set([
  'succeeded',
  'failed',
  'cancelled',
  'skipped',
]);

/** States in which a task is held by a worker (it has a `workerId`). */
export const ON_WORKER_STATES: ReadonlySet<TaskState> = new Set(['assigned', 'running', 'paused']);

export const WANTS = ['run', 'pause', 'cancel'] as const;
/** What the operator wants of a task; the worker's syncer drives the actual state toward it. */
export type Want = (typeof WANTS)[number];

export function isTerminal(state: TaskState): boolean {
  return TERMINAL_STATES.has(state);
}

export interface BackoffPolicy {
  kind: 'exponential' | 'fixed';
  initialMs: number;
  maxMs: number;
  /** 0 (none) to 1 (the delay varies by up to ±100%). */
  jitter: number;
}

export type ExecutorSpec =
  | { kind: 'function' }
  | { kind: 'process'; command: string[]; env?: Record<string, string>; cwd?: string }
  | { kind: 'http'; url: string; method: string; headers?: Record<string, string> };

export type ExecutorKind = ExecutorSpec['kind'];

export interface Toleration {
  key: string;
  operator?: 'Equal' | 'Exists';
  value?: string;
  effect?: TaintEffect;
}

export type TaintEffect = 'NoSchedule' | 'PreferNoSchedule' | 'NoExecute';

export interface Taint {
  key: string;
  value?: string;
  effect: TaintEffect;
}

export interface ResourceRequest {
  cpu?: number;
  memoryMb?: number;
}

/**
 * `never` (default): a task runs until it succeeds or spends its attempts. `always`: a
 * long-running service, started again (with backoff) whenever it exits, moved when its worker is
 * lost, ended only by cancel. `on-failure`: started again whenever it fails, done when it succeeds.
 * With `always` or `on-failure` the attempt budget does not apply.
 */
export type RestartPolicy = 'never' | 'always' | 'on-failure';

/**
 * How a task takes part in a fan-out or a saga, beyond its step. Stored as one JSON value.
 * - On a fan-out parent: `shards` (run as that many children) or `broadcast` (one child per
 *   live matching worker); the parent runs, on no worker, while its children do.
 * - On a fan-out child: `parentAttempt` (the parent's attempt that made it), `shard` (its place
 *   among its siblings) and, for a broadcast child, the `worker` it is pinned to.
 * - On a saga compensation: `compensation` (its `stepId` is the step it undoes).
 */
export interface TaskFlow {
  shards?: number;
  broadcast?: boolean;
  parentAttempt?: number;
  shard?: { index: number; total: number };
  worker?: string;
  compensation?: boolean;
}

/** Whether the task runs as children rather than on a worker itself. */
export function isFanOut(flow: TaskFlow): boolean {
  return flow.shards !== undefined || flow.broadcast === true;
}

/**
 * The W3C trace context (https://www.w3.org/TR/trace-context/) of whoever submitted a task:
 * the spans of its placement and execution are children of this one.
 */
export interface TraceContext {
  /** `00-<trace id>-<parent span id>-<flags>`. */
  traceparent: string;
  tracestate?: string;
}

/** A task spec with every default applied: what the store inserts. */
export interface NewTask {
  type: string;
  queue: string;
  payload: unknown;
  priority: number;
  /** When the task becomes due; null means now. */
  runAt: number | null;
  maxAttempts: number;
  backoff: BackoffPolicy;
  timeoutMs: number | null;
  idempotencyKey: string | null;
  concurrencyKey: string | null;
  executor: ExecutorSpec;
  restart: RestartPolicy;
  selector: Record<string, string>;
  tolerations: Toleration[];
  resources: ResourceRequest;
  labels: Record<string, string>;
  workflowId: string | null;
  stepId: string | null;
  scheduleId: string | null;
  fireAt: number | null;
  /** The fan-out parent of a shard or broadcast child. */
  parentId: string | null;
  flow: TaskFlow;
  /** Insert as `blocked` (a workflow step waiting on its parents). */
  blocked: boolean;
  /** The submitter's trace context (absent or null: none). */
  trace?: TraceContext | null;
  /** Who submitted it: the actor of its `submitted` event (absent or null: unknown). */
  submittedBy?: string | null;
}

export interface TaskError {
  message: string;
  code?: string;
  [key: string]: unknown;
}

export interface Task extends Omit<NewTask, 'blocked' | 'submittedBy'> {
  id: string;
  state: TaskState;
  want: Want;
  /** Grows with every placement; the fencing token of each run. */
  attempt: number;
  /** `attempt` when the current retry budget began (a manual retry resets the budget). */
  attemptBase: number;
  workerId: string | null;
  createdAt: number;
  updatedAt: number;
  startedAt: number | null;
  finishedAt: number | null;
  /** Deadline of the running attempt (timeoutMs after it started). */
  deadlineAt: number | null;
  result: unknown;
  error: TaskError | null;
  progress: number | null;
  /** Bumped on every change: optimistic concurrency for read-modify-write. */
  version: number;
}

export type AttemptOutcome =
  'running' | 'succeeded' | 'failed' | 'cancelled' | 'lost' | 'timeout' | 'snoozed';

export interface Attempt {
  taskId: string;
  attempt: number;
  workerId: string | null;
  outcome: AttemptOutcome;
  startedAt: number;
  finishedAt: number | null;
  error: TaskError | null;
}

export interface TaskEvent {
  taskId: string;
  at: number;
  kind: string;
  attempt: number;
  from: TaskState | null;
  to: TaskState | null;
  actor: string | null;
  detail: Record<string, unknown> | null;
}

/** How many attempts remain in the current retry budget. */
export function attemptsLeft(task: Pick<Task, 'attempt' | 'attemptBase' | 'maxAttempts'>): number {
  return task.maxAttempts - (task.attempt - task.attemptBase);
}

/** The state a task goes to when it is queued again: `pending` while not yet due. */
export function queuedState(runAt: number | null, now: number): 'pending' | 'ready' {
  return runAt !== null && runAt > now ? 'pending' : 'ready';
}
