/**
 * The JSON shapes of the HTTP API, as the dashboard reads them. The dashboard talks to the
 * server over HTTP only (ARCHITECTURE.md), so these mirror the API rather than import it.
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
export type Want = 'run' | 'pause' | 'cancel';

export const TERMINAL: ReadonlySet<TaskState> = new Set([
  'succeeded',
  'failed',
  'cancelled',
  'skipped',
]);

export interface TaskError {
  message: string;
  code?: string;
  [key: string]: unknown;
}

export interface Task {
  id: string;
  type: string;
  queue: string;
  payload: unknown;
  priority: number;
  runAt: string | null;
  maxAttempts: number;
  backoff: { kind: string; initialMs: number; maxMs: number; jitter: number };
  timeoutMs: number | null;
  idempotencyKey: string | null;
  concurrencyKey: string | null;
  executor: { kind: string; [key: string]: unknown };
  selector: Record<string, string>;
  tolerations: { key: string; operator?: string; value?: string; effect?: string }[];
  resources: { cpu?: number; memoryMb?: number };
  labels: Record<string, string>;
  state: TaskState;
  want: Want;
  attempt: number;
  attemptsLeft: number;
  workerId: string | null;
  createdAt: string;
  updatedAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  result: unknown;
  error: TaskError | null;
  progress: number | null;
  workflowId: string | null;
  stepId: string | null;
  scheduleId: string | null;
  fireAt: string | null;
  restart?: 'never' | 'always' | 'on-failure';
  /** A fan-out child's parent task. */
  parentId?: string | null;
  shards?: number | null;
  broadcast?: boolean;
  shard?: { index: number; total: number } | null;
  /** A saga compensation (of the step `stepId`). */
  compensation?: boolean;
  attempts?: Attempt[];
  events?: TaskEvent[];
}

export interface Attempt {
  attempt: number;
  workerId: string | null;
  outcome: string;
  startedAt: string;
  finishedAt: string | null;
  error: TaskError | null;
}

export interface TaskEvent {
  at: string;
  kind: string;
  attempt: number;
  from: string | null;
  to: string | null;
  actor: string | null;
  detail: Record<string, unknown> | null;
}

export interface TaskPage {
  tasks: Task[];
  nextCursor: string | null;
}

/** One element of the `tasks` event of `GET /events`. */
export interface TaskChange {
  id: string;
  queue: string;
  state: TaskState;
  want: Want;
  workerId: string | null;
  attempt: number;
  runAt: number | string | null;
}

export interface Queue {
  name: string;
  paused: boolean;
  concurrency: number | null;
  rateLimit: { count: number; intervalMs: number } | null;
  keyConcurrency: number;
  strategy: string;
  defaults: Record<string, unknown>;
  counts: Partial<Record<TaskState, number>>;
}

export interface LogLine {
  seq: number;
  attempt: number;
  at: string;
  stream: 'stdout' | 'stderr' | 'log' | 'system';
  line: string;
}

export interface WorkerInfo {
  id: string;
  name: string;
  replicaId: string;
  status: 'live' | 'lost' | 'stopped';
  labels: Record<string, string>;
  taints: { key: string; value?: string; effect: string }[];
  capacity: number;
  /** Assignments it takes beyond `capacity`, queued on the worker until a slot frees. */
  prefetch?: number;
  load: number;
  types: string[] | null;
  executors: string[];
  queues: string[] | null;
  cordoned: boolean;
  draining: boolean;
  startedAt: string;
  heartbeatAt: string;
}

export interface Cluster {
  leader: { replicaId: string; url: string | null; since: string } | null;
  replicas: {
    replicaId: string;
    url: string | null;
    startedAt: string;
    heartbeatAt: string;
    live: boolean;
    leader: boolean;
  }[];
}

/** A workflow as `GET /workflows/:id` answers it: every step's state and the graph's edges. */
export interface WorkflowStep {
  id: string;
  dependsOn: string[];
  when: 'success' | 'failure' | 'always';
  taskId: string | null;
  state: string | null;
  compensation: { taskId: string; state: string } | null;
  hasCompensation: boolean;
}

export interface Workflow {
  id: string;
  name: string;
  state: string;
  onFailure: string;
  error: { message: string; stepId?: string } | null;
  createdAt: string;
  updatedAt: string;
  finishedAt: string | null;
  steps: WorkflowStep[];
  edges: [string, string][];
  counts: Record<string, number>;
}

/** A schedule as `GET /schedules` answers it (src/protocol/schedule-views.ts). */
export interface Schedule {
  id: string;
  name: string;
  /** Exactly one of cron, every (ms) and at is set. */
  cron: string | null;
  every: number | null;
  at: string | null;
  timezone: string;
  overlap: 'allow' | 'skip' | 'buffer-one' | 'cancel-previous';
  misfire: 'skip' | 'fire-once' | { catchUp: number };
  startAt: string | null;
  endAt: string | null;
  maxRuns: number | null;
  jitterMs: number;
  paused: boolean;
  /** The task each fire makes. */
  task: Pick<
    Task,
    | 'type'
    | 'queue'
    | 'payload'
    | 'priority'
    | 'maxAttempts'
    | 'backoff'
    | 'timeoutMs'
    | 'concurrencyKey'
    | 'executor'
    | 'selector'
    | 'tolerations'
    | 'resources'
    | 'labels'
  > & { restart?: string };
  /** The next fire time; null when paused or done. */
  nextFireAt: string | null;
  /** The next five fire times (none while paused). */
  nextFires: string[];
  /** Tasks made by fires so far (manual triggers not counted). */
  runs: number;
  lastFireAt: string | null;
  bufferedFireAt: string | null;
  createdAt: string;
  updatedAt: string;
  version: number;
}

/** `GET /schedules/:id`: the schedule with its most recent runs, newest first. */
export interface ScheduleDetail extends Schedule {
  recentRuns: Task[];
}
