import { TaskAbortedError } from '../errors.js';
import type { Execution, RunInput, RunResult, RunSink, StopReason } from '../executor.js';
import type { Handler, TaskContext } from './handler.js';
import { returned, threw } from './outcome.js';

const RESOLVED: Promise<void> = Promise.resolve();

interface Held {
  resolve(): void;
  reject(err: unknown): void;
}

/**
 * One running attempt of a handler. Pause is cooperative: `pause()` resolves once the handler
 * waits at `ctx.checkpoint()` (or has finished). Kept cheap for the common case of a handler that
 * never pauses nor looks at its signal: no timer, and the AbortController is made on first use.
 */
export class FunctionExecution implements Execution {
  readonly done: Promise<RunResult>;
  private controller: AbortController | null = null;
  private stopError: TaskAbortedError | null = null;
  private settled = false;
  private paused = false;
  /** Checkpoints waiting for resume. */
  private held: Held[] = [];
  /** `pause()` calls waiting for the handler to reach a checkpoint. */
  private pauseWaiters: (() => void)[] = [];

  constructor(handler: Handler, input: RunInput, sink: RunSink) {
    this.done = this.run(handler, new FunctionTaskContext(this, input, sink));
  }

  pause(): Promise<void> {
    if (this.settled || this.stopError) return RESOLVED;
    this.paused = true;
    if (this.held.length > 0) return RESOLVED;
    return new Promise((resolve) => this.pauseWaiters.push(resolve));
  }

  resume(): Promise<void> {
    this.paused = false;
    this.releasePauseWaiters();
    const held = this.held;
    this.held = [];
    for (const h of held) h.resolve();
    return RESOLVED;
  }

  stop(reason: StopReason): void {
    if (this.settled || this.stopError) return;
    const error = new TaskAbortedError(reason);
    this.stopError = error;
    this.paused = false;
    this.controller?.abort(error);
    this.releasePauseWaiters();
    const held = this.held;
    this.held = [];
    for (const h of held) h.reject(error);
  }

  /** Whether the attempt is over; context calls after that are ignored. */
  get isSettled(): boolean {
    return this.settled;
  }

  /** @internal The signal of `ctx.signal`, made on first use. */
  signal(): AbortSignal {
    if (this.controller === null) {
      this.controller = new AbortController();
      if (this.stopError) this.controller.abort(this.stopError);
    }
    return this.controller.signal;
  }

  /** @internal `ctx.checkpoint()`. */
  checkpoint(): Promise<void> {
    if (this.stopError) return Promise.reject(this.stopError);
    if (!this.paused) return RESOLVED;
    return new Promise<void>((resolve, reject) => {
      this.held.push({ resolve, reject });
      this.releasePauseWaiters();
    });
  }

  private async run(handler: Handler, ctx: TaskContext): Promise<RunResult> {
    let result: RunResult;
    try {
      // The handler starts on the next turn of the event loop, so what the worker queued before
      // it (the report that this attempt started) goes out first, even when the handler then
      // blocks the event loop for longer than the worker's lease. Otherwise the server would
      // think the attempt never started, and a handler that always blocks would be handed from
      // worker to worker forever without spending its attempts.
      // A stop before then means the handler never runs.
      await new Promise<void>((resolve) => setImmediate(resolve));
      if (this.stopError) throw this.stopError;
      result = returned(await handler(ctx));
    } catch (err) {
      result = threw(err, this.stopError !== null);
    }
    this.settled = true;
    this.releasePauseWaiters();
    // A checkpoint left waiting by a handler that returned anyway: let it go.
    const held = this.held;
    this.held = [];
    for (const h of held) h.reject(this.stopError ?? new TaskAbortedError('cancel'));
    return result;
  }

  private releasePauseWaiters(): void {
    if (this.pauseWaiters.length === 0) return;
    const waiters = this.pauseWaiters;
    this.pauseWaiters = [];
    for (const w of waiters) w();
  }
}

/** The `TaskContext` a handler receives; one small object per attempt. */
class FunctionTaskContext implements TaskContext {
  readonly taskId: string;
  readonly type: string;
  readonly queue: string;
  readonly attempt: number;
  readonly payload: unknown;
  readonly labels: Readonly<Record<string, string>>;
  readonly workflowId: string | null;
  readonly stepId: string | null;
  readonly parents: Readonly<Record<string, unknown>>;
  readonly shard: { readonly index: number; readonly total: number } | null;

  constructor(
    private readonly execution: FunctionExecution,
    input: RunInput,
    private readonly sink: RunSink,
  ) {
    this.taskId = input.taskId;
    this.type = input.type;
    this.queue = input.queue;
    this.attempt = input.attempt;
    this.payload = input.payload;
    this.labels = input.labels;
    this.workflowId = input.workflowId;
    this.stepId = input.stepId;
    this.parents = input.parents;
    this.shard = input.shard ?? null;
  }

  get signal(): AbortSignal {
    return this.execution.signal();
  }

  progress(value: number): void {
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      throw new TypeError(`progress must be a finite number, got ${String(value)}`);
    }
    if (!this.execution.isSettled) this.sink.progress(value);
  }

  log(line: string): void {
    if (!this.execution.isSettled) this.sink.log('log', String(line));
  }

  checkpoint(): Promise<void> {
    return this.execution.checkpoint();
  }
}
