import type { Span } from '@opentelemetry/api';
import type { ExecutorKind } from '../domain/task.js';
import type { Execution, RunInput, RunResult, RunSink, StopReason } from '../executors/executor.js';
import type { AssignmentMessage } from '../protocol/worker-messages.js';
import type { Reporter } from './reporter.js';

/**
 * The actual state of one attempt on this worker: `queued` (prefetched, waiting for a free
 * slot, not started); `running`; `pausing` (asked to pause, not yet
 * at a pause point); `paused` (with no execution when it was wanted paused before it started);
 * `stopping` (asked to stop for cancel, timeout or shutdown, waiting for it to end).
 */
export type RunPhase = 'queued' | 'running' | 'pausing' | 'paused' | 'stopping';

/** One attempt held by this worker: its assignment, execution and local state. */
export class Run implements RunSink {
  readonly taskId: string;
  readonly attempt: number;
  phase: RunPhase = 'running';
  execution: Execution | null = null;
  /** Set once `execution.done` settled. */
  result: RunResult | undefined = undefined;
  /** Why it is being stopped, if it is. */
  stopReason: StopReason | null = null;
  /** Revoked or dropped: stopped and never reported. */
  orphan = false;
  /** Bumped on every pause request, so a late acknowledgement of an older one is ignored. */
  pauseGen = 0;
  /** The current pause request was acknowledged (the work is held). */
  pauseAcked = false;
  /** The worker-side timeout fired. */
  timedOut = false;
  timer: NodeJS.Timeout | null = null;
  /** The `chronoq.execute` span of the execution, while it is open. */
  span: Span | null = null;

  constructor(
    readonly assignment: AssignmentMessage,
    private readonly reporter: Reporter,
  ) {
    this.taskId = assignment.id;
    this.attempt = assignment.attempt;
  }

  get type(): string {
    return this.assignment.type;
  }

  get executorKind(): ExecutorKind {
    return this.assignment.executor.kind;
  }

  /** Whether an execution is under way (not settled). */
  get active(): boolean {
    return this.execution !== null && this.result === undefined;
  }

  input(): RunInput {
    const a = this.assignment;
    return {
      taskId: a.id,
      attempt: a.attempt,
      type: a.type,
      queue: a.queue,
      payload: a.payload,
      executor: a.executor,
      labels: a.labels,
      workflowId: a.workflowId,
      stepId: a.stepId,
      parents: a.parents ?? {},
      shard: a.shard ?? null,
    };
  }

  progress(value: number): void {
    if (this.orphan || this.result !== undefined) return;
    this.reporter.report({
      kind: 'progress',
      taskId: this.taskId,
      attempt: this.attempt,
      progress: value,
    });
  }

  log(stream: 'stdout' | 'stderr' | 'log', line: string): void {
    if (this.orphan) return;
    this.reporter.log(this.taskId, this.attempt, stream, line);
  }

  clearTimer(): void {
    if (this.timer !== null) {
      clearTimeout(this.timer);
      this.timer = null;
    }
  }
}
