/**
 * The shapes the API answers with. Times are ISO 8601 strings.
 */
import type { TASK_STATE_NAMES } from './queries.js';

export type TaskStateName = (typeof TASK_STATE_NAMES)[number];
export type WantName = 'run' | 'pause' | 'cancel';

export interface TaskErrorView {
  message: string;
  code?: string;
  [key: string]: unknown;
}

export interface TaskView {
  id: string;
  type: string;
  queue: string;
  payload: unknown;
  priority: number;
  runAt: string | null;
  maxAttempts: number;
  backoff: { kind: 'exponential' | 'fixed'; initialMs: number; maxMs: number; jitter: number };
  timeoutMs: number | null;
  idempotencyKey: string | null;
  concurrencyKey: string | null;
  executor: { kind: string; [key: string]: unknown };
  restart: 'never' | 'always' | 'on-failure';
  selector: Record<string, string>;
  tolerations: { key: string; operator?: string; value?: string; effect?: string }[];
  resources: { cpu?: number; memoryMb?: number };
  labels: Record<string, string>;
  state: TaskStateName;
  want: WantName;
  attempt: number;
  /** Attempts left in the current retry budget. */
  attemptsLeft: number;
  workerId: string | null;
  createdAt: string;
  updatedAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  result: unknown;
  error: TaskErrorView | null;
  progress: number | null;
  workflowId: string | null;
  stepId: string | null;
  scheduleId: string | null;
  fireAt: string | null;
  /** A fan-out child's parent task. */
  parentId: string | null;
  /** Fan-out: `shards` or `broadcast` on a parent; `shard` on a child. */
  shards: number | null;
  broadcast: boolean;
  shard: { index: number; total: number } | null;
  /** A saga compensation (of the step `stepId`). */
  compensation: boolean;
  /** The submitter's W3C trace context, kept with the task; null when it sent none. */
  trace: { traceparent: string; tracestate?: string } | null;
  /** Present on `GET /tasks/:id`. */
  attempts?: AttemptView[];
  events?: TaskEventView[];
}

export interface AttemptView {
  attempt: number;
  workerId: string | null;
  outcome: string;
  startedAt: string;
  finishedAt: string | null;
  error: TaskErrorView | null;
}

export interface TaskEventView {
  at: string;
  kind: string;
  attempt: number;
  from: string | null;
  to: string | null;
  actor: string | null;
  detail: Record<string, unknown> | null;
}

export interface TaskPage {
  tasks: TaskView[];
  nextCursor: string | null;
}

export interface QueueView {
  name: string;
  paused: boolean;
  concurrency: number | null;
  rateLimit: { count: number; intervalMs: number } | null;
  keyConcurrency: number;
  strategy: string;
  defaults: Record<string, unknown>;
  /** Tasks in this queue by state. */
  counts: Partial<Record<TaskStateName, number>>;
}

export interface LogLineView {
  seq: number;
  attempt: number;
  at: string;
  stream: 'stdout' | 'stderr' | 'log' | 'system';
  line: string;
}

export interface WorkerView {
  id: string;
  name: string;
  replicaId: string;
  status: 'live' | 'lost' | 'stopped';
  labels: Record<string, string>;
  taints: { key: string; value?: string; effect: string }[];
  capacity: number;
  /** Assignments it queues beyond `capacity` until a slot frees. */
  prefetch: number;
  load: number;
  types: string[] | null;
  executors: string[];
  queues: string[] | null;
  cordoned: boolean;
  draining: boolean;
  startedAt: string;
  heartbeatAt: string;
}

export interface WorkflowStepView {
  id: string;
  dependsOn: string[];
  when: 'success' | 'failure' | 'always';
  /** The step's task: its id and state (null only if it could not be read). */
  taskId: string | null;
  state: TaskStateName | null;
  /** The step's compensation, once started (saga `compensate` policy). */
  compensation: { taskId: string; state: TaskStateName } | null;
  hasCompensation: boolean;
}

export interface WorkflowView {
  id: string;
  name: string;
  state: 'running' | 'succeeded' | 'failed' | 'compensating' | 'compensated' | 'cancelled';
  onFailure: 'fail-fast' | 'continue' | 'compensate';
  error: TaskErrorView | null;
  createdAt: string;
  updatedAt: string;
  finishedAt: string | null;
  /** Every step with its state; `edges` lists each dependency as [parent, child]. */
  steps: WorkflowStepView[];
  edges: [string, string][];
  /** Steps per state. */
  counts: Partial<Record<TaskStateName, number>>;
}

export interface WorkflowPage {
  workflows: WorkflowView[];
  nextCursor: string | null;
}
