import type { ExecutorKind, ExecutorSpec, TaskError } from '../domain/task.js';

/** What an executor needs to run one attempt of a task. */
export interface RunInput {
  taskId: string;
  attempt: number;
  type: string;
  queue: string;
  payload: unknown;
  executor: ExecutorSpec;
  labels: Record<string, string>;
  workflowId: string | null;
  stepId: string | null;
  /** Results of workflow parents by step id. */
  parents: Record<string, unknown>;
  /** Set on a child of a sharded or broadcast task. */
  shard?: { index: number; total: number } | null;
}

/** Where an execution sends what it produces while it runs. */
export interface RunSink {
  progress(value: number): void;
  log(stream: 'stdout' | 'stderr' | 'log', line: string): void;
}

export type RunResult =
  | { kind: 'succeeded'; result: unknown }
  | { kind: 'failed'; error: TaskError; retryable: boolean }
  | { kind: 'snoozed'; delayMs: number }
  | { kind: 'cancelled' };

export type StopReason = 'cancel' | 'timeout' | 'revoke' | 'shutdown';

/** One running attempt. */
export interface Execution {
  /** Settles once the attempt is over; never rejects. */
  readonly done: Promise<RunResult>;
  /** Pause the work; resolves when it is paused (a process stopped, a function held at its next checkpoint). */
  pause(): Promise<void>;
  resume(): Promise<void>;
  /** Stop the work (abort signal, or SIGTERM then SIGKILL); `done` settles soon after. */
  stop(reason: StopReason): void;
}

/** Runs one kind of task: `function`, `process` or `http`. */
export interface Executor {
  readonly kind: ExecutorKind;
  start(input: RunInput, sink: RunSink): Execution;
}
