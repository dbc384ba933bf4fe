/** What a handler of the `function` executor receives for one attempt of a task. */
export interface TaskContext<P = unknown> {
  readonly taskId: string;
  readonly type: string;
  readonly queue: string;
  /** The attempt number (starts at 1); the same task may run more than once, so be idempotent. */
  readonly attempt: number;
  readonly payload: P;
  readonly labels: Readonly<Record<string, string>>;
  readonly workflowId: string | null;
  readonly stepId: string | null;
  /** Results of the workflow parents of this step, by step id. */
  readonly parents: Readonly<Record<string, unknown>>;
  /**
   * Set on a child of a sharded task (`shards: N`): which of the N this is, so each handles its
   * share (e.g. rows where `id % total === index`). A broadcast's copies are numbered the same way.
   */
  readonly shard: { readonly index: number; readonly total: number } | null;
  /**
   * Aborted when the attempt is stopped: cancelled, timed out, revoked or the worker shutting
   * down. Its `reason` is a `TaskAbortedError`. Pass it to `fetch`, timers and the like.
   */
  readonly signal: AbortSignal;
  /**
   * Report progress: any finite number (the built-ins use a fraction, 0 to 1); a non-finite one
   * throws a TypeError. Repeated reports are coalesced before they are sent.
   */
  progress(value: number): void;
  /** Append a line to the task's log. */
  log(line: string): void;
  /**
   * The cooperative pause point. Resolves at once while the task runs; while it is paused,
   * waits until it is resumed; rejects with a `TaskAbortedError` if the attempt is stopped.
   * Call it between units of work so that pause holds the task.
   */
  checkpoint(): Promise<void>;
}

/**
 * A task handler: its return value (awaited) is the task's result, which must be JSON
 * serializable. Throw `PermanentError` to fail without retry, throw `SnoozeError` or return
 * `snooze(ms)` to run again later, throw anything else to fail and be retried.
 *
 * Declared with method syntax so that a handler typed for a specific payload
 * (`(ctx: TaskContext<{ to: string }>) => …`) fits a registry of handlers.
 */
export type Handler<P = unknown, R = unknown> = {
  bivarianceHack(ctx: TaskContext<P>): R | Promise<R>;
}['bivarianceHack'];

/** Handlers by task type name. */
export type HandlerMap = Record<string, Handler>;
