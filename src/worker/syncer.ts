import type { Report } from '../domain/state-machine.js';
import type { ExecutorKind, Want } from '../domain/task.js';
import { toTaskError } from '../executors/errors.js';
import type { Executor, RunResult, StopReason } from '../executors/executor.js';
import type { WantedTask, Watcher } from './watcher.js';
import type { TypedEmitter, WorkerEvents } from './events.js';
import { KeyedQueue } from './keyed-queue.js';
import type { WorkerLogger } from './logger.js';
import type { Reporter } from './reporter.js';
import { Run } from './run.js';
import { endExecutionSpan, startExecutionSpan } from './tracing.js';

export interface SyncerOptions {
  watcher: Watcher;
  reporter: Reporter;
  executors: ReadonlyMap<ExecutorKind, Executor>;
  events: TypedEmitter<WorkerEvents>;
  logger: WorkerLogger;
  /** Syncs in flight at once (default 64). */
  concurrency?: number;
  /**
   * Executions at once (the worker's capacity). Attempts beyond it (prefetched) wait, in
   * arrival order, for a slot. Default: no limit.
   */
  slots?: number;
}

/**
 * Reconciles, task by task, what the server wants (the watcher) with what runs here (each
 * attempt's `Run`): start, pause, resume, cancel, time out, revoke. Every change of either side
 * queues the task id on a keyed queue, so one task is never synced twice at once and a burst of
 * changes to one task costs one sync. A sync never waits: slow steps (a pause reaching its pause
 * point, an execution ending) queue the task again when they complete.
 */
export class Syncer {
  private readonly runs = new Map<string, Run>();
  /** Revoked attempts still winding down: never reported, still using a slot. */
  private readonly orphans = new Set<Run>();
  /** Held attempts waiting for a free slot, in arrival order. */
  private readonly waiting = new Set<Run>();
  private readonly slots: number;
  private readonly queue: KeyedQueue;
  private draining = false;
  private changeWaiters: (() => void)[] = [];

  constructor(private readonly o: SyncerOptions) {
    this.slots = o.slots ?? Infinity;
    this.queue = new KeyedQueue((id) => this.sync(id), {
      concurrency: o.concurrency ?? 64,
      onError: (taskId, err) => o.logger.error({ err, taskId }, 'task sync failed'),
    });
  }

  /** Reconcile these tasks (their wanted or actual state changed). */
  enqueue(taskIds: Iterable<string>): void {
    for (const id of taskIds) this.queue.push(id);
  }

  /** Attempts held here, their executions under way or not (paused before they started). */
  get held(): number {
    return this.runs.size;
  }

  /** Executions under way, revoked ones still ending included: the heartbeat's `load`. */
  get load(): number {
    let n = this.orphans.size;
    for (const run of this.runs.values()) if (run.active) n++;
    return n;
  }

  /** From now on, hand new assignments straight back (the worker is shutting down). */
  drain(): void {
    this.draining = true;
  }

  /**
   * Wait until no execution is running (paused ones do not count: they would not end by
   * themselves), or `timeoutMs` passes. Resolves true when nothing runs.
   */
  async settle(timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + Math.max(0, timeoutMs);
    while (this.countRunning() > 0) {
      const left = deadline - Date.now();
      if (left <= 0) return false;
      await this.nextChange(left);
    }
    return true;
  }

  /**
   * Stop every attempt with reason `shutdown` and report each as snoozed (handed back without
   * spending an attempt) unless it finished first. Waits up to `abandonMs` for executions to
   * end; one that ignores its stop is reported snoozed anyway and left behind.
   */
  async shutdown(abandonMs: number): Promise<void> {
    this.draining = true;
    for (const run of [...this.runs.values()]) {
      if (run.result !== undefined) this.finish(run);
      else if (run.execution === null) this.conclude(run, this.snoozed(run));
      else if (run.phase !== 'stopping') this.stop(run, 'shutdown');
    }
    const deadline = Date.now() + Math.max(0, abandonMs);
    while (this.runs.size + this.orphans.size > 0) {
      const left = deadline - Date.now();
      if (left <= 0) break;
      await this.nextChange(left);
    }
    for (const run of [...this.runs.values()]) {
      this.o.logger.warn(
        { taskId: run.taskId, attempt: run.attempt },
        'task did not stop in time; handing it back anyway',
      );
      this.conclude(run, this.snoozed(run));
    }
    this.orphans.clear();
  }

  // -------------------------------------------------------------------------------------------
  // The reconcile step

  private sync(taskId: string): void {
    let run = this.runs.get(taskId);
    if (run?.result !== undefined) {
      this.finish(run);
      run = undefined;
    }
    const wanted = this.o.watcher.get(taskId);
    if (run && wanted?.assignment.attempt !== run.attempt) {
      this.abandon(run); // revoked, dropped by a full assign, or replaced by a newer attempt
      run = undefined;
    }
    if (wanted === undefined) return;
    if (run === undefined) this.begin(wanted);
    else this.steer(run, wanted.want);
  }

  /** A newly wanted attempt. */
  private begin(wanted: WantedTask): void {
    const run = new Run(wanted.assignment, this.o.reporter);
    if (wanted.want === 'cancel') return this.conclude(run, this.base(run, 'cancelled'));
    if (this.draining) return this.conclude(run, this.snoozed(run));
    this.runs.set(run.taskId, run);
    if (wanted.want === 'pause') {
      run.phase = 'paused';
      this.o.reporter.report(this.base(run, 'paused'));
      return;
    }
    this.launchOrQueue(run);
  }

  /** Drive a held attempt toward the wanted state. */
  private steer(run: Run, want: Want): void {
    if (run.phase === 'stopping') return; // a stop is final
    if (run.timedOut) return this.stop(run, 'timeout');
    if (run.phase === 'queued' && want === 'pause') {
      this.waiting.delete(run);
      run.phase = 'paused';
      this.o.reporter.report(this.base(run, 'paused'));
      return;
    }
    if (want === 'cancel') {
      if (run.execution === null) return this.conclude(run, this.base(run, 'cancelled'));
      return this.stop(run, 'cancel');
    }
    if (want === 'pause') return this.pause(run);
    // want === 'run'
    if (run.phase === 'paused') {
      this.o.reporter.report(this.base(run, 'resumed'));
      if (run.execution === null) return this.launchOrQueue(run);
      run.phase = 'running';
      this.resume(run);
    } else if (run.phase === 'pausing') {
      // The pause never took hold and the server never heard of it: just call it off.
      run.phase = 'running';
      this.resume(run);
    }
  }

  // -------------------------------------------------------------------------------------------
  // Actions

  /** Start now if a slot is free, else wait in line for one. */
  private launchOrQueue(run: Run): void {
    if (this.load < this.slots && this.waiting.size === 0) return this.launch(run);
    run.phase = 'queued';
    this.waiting.add(run);
    this.startWaiting();
  }

  /** Start waiting attempts while slots are free. */
  private startWaiting(): void {
    for (const run of this.waiting) {
      if (this.load >= this.slots) return;
      this.waiting.delete(run);
      if (this.runs.get(run.taskId) === run && run.phase === 'queued') this.launch(run);
    }
  }

  private launch(run: Run): void {
    const executor = this.o.executors.get(run.executorKind);
    if (executor === undefined) {
      this.runs.delete(run.taskId);
      return this.conclude(run, {
        kind: 'failed',
        taskId: run.taskId,
        attempt: run.attempt,
        error: {
          message: `this worker has no "${run.executorKind}" executor`,
          code: 'NO_EXECUTOR',
        },
        retryable: false,
      });
    }
    this.runs.set(run.taskId, run);
    run.phase = 'running';
    this.o.reporter.report(this.base(run, 'started'));
    this.o.events.emit('started', { taskId: run.taskId, attempt: run.attempt, type: run.type });
    this.o.logger.debug(
      { taskId: run.taskId, attempt: run.attempt, type: run.type },
      'task attempt started',
    );
    const traced = startExecutionSpan(run.assignment);
    run.span = traced.span;
    try {
      run.execution = traced.within(() => executor.start(run.input(), run));
    } catch (err) {
      run.execution = null;
      this.runs.delete(run.taskId);
      return this.conclude(run, {
        kind: 'failed',
        taskId: run.taskId,
        attempt: run.attempt,
        error: toTaskError(err),
        retryable: true,
      });
    }
    run.execution.done.then(
      (result) => this.settled(run, result),
      (err: unknown) =>
        this.settled(run, { kind: 'failed', error: toTaskError(err), retryable: true }),
    );
    this.armTimer(run);
  }

  private pause(run: Run): void {
    if (run.phase === 'pausing' && run.pauseAcked) {
      run.phase = 'paused';
      this.o.reporter.report(this.base(run, 'paused'));
      return this.changed();
    }
    if (run.phase !== 'running' || run.execution === null) return;
    run.phase = 'pausing';
    run.clearTimer();
    const gen = ++run.pauseGen;
    run.pauseAcked = false;
    run.execution.pause().then(
      () => {
        if (run.pauseGen !== gen || run.phase !== 'pausing') return;
        run.pauseAcked = true;
        this.queue.push(run.taskId);
      },
      (err: unknown) =>
        this.o.logger.error({ err, taskId: run.taskId }, 'could not pause task; it keeps running'),
    );
  }

  private resume(run: Run): void {
    run.pauseGen++;
    run.pauseAcked = false;
    this.armTimer(run);
    run.execution?.resume().catch((err: unknown) => {
      this.o.logger.error({ err, taskId: run.taskId }, 'could not resume task');
    });
  }

  private stop(run: Run, reason: StopReason): void {
    run.phase = 'stopping';
    run.stopReason = reason;
    run.clearTimer();
    run.execution?.stop(reason);
  }

  /** Stop an attempt that is no longer this worker's, and forget it without a report. */
  private abandon(run: Run): void {
    this.runs.delete(run.taskId);
    this.waiting.delete(run);
    run.clearTimer();
    if (run.active) {
      run.orphan = true;
      run.stopReason = 'revoke';
      run.phase = 'stopping';
      this.orphans.add(run);
      run.execution!.stop('revoke');
    } else {
      this.o.events.emit('finished', {
        taskId: run.taskId,
        attempt: run.attempt,
        type: run.type,
        report: null,
      });
    }
    this.changed();
  }

  private armTimer(run: Run): void {
    const ms = run.assignment.timeoutMs;
    if (ms === null || ms <= 0) return;
    run.clearTimer();
    run.timer = setTimeout(() => {
      run.timer = null;
      run.timedOut = true;
      this.queue.push(run.taskId);
    }, ms);
  }

  // -------------------------------------------------------------------------------------------
  // Endings

  /** An execution ended. */
  private settled(run: Run, result: RunResult): void {
    run.result = result;
    run.clearTimer();
    if (run.orphan) this.orphans.delete(run);
    this.startWaiting(); // its slot is free
    if (run.orphan) {
      endExecutionSpan(run, null);
      this.o.events.emit('finished', {
        taskId: run.taskId,
        attempt: run.attempt,
        type: run.type,
        report: null,
      });
      return this.changed();
    }
    if (this.runs.get(run.taskId) === run) this.queue.push(run.taskId);
  }

  /** Report the outcome of a settled execution. */
  private finish(run: Run): void {
    this.conclude(run, this.outcome(run, run.result!));
  }

  /** End an attempt with a final report. */
  private conclude(run: Run, report: Report): void {
    if (this.runs.get(run.taskId) === run) this.runs.delete(run.taskId);
    this.waiting.delete(run);
    run.clearTimer();
    endExecutionSpan(run, report);
    this.o.logger.debug(
      { taskId: run.taskId, attempt: run.attempt, type: run.type, outcome: report.kind },
      'task attempt ended',
    );
    this.o.reporter.report(report);
    this.o.watcher.finish(run.taskId, run.attempt);
    this.o.events.emit('finished', {
      taskId: run.taskId,
      attempt: run.attempt,
      type: run.type,
      report,
    });
    this.changed();
  }

  /**
   * The true outcome of a settled attempt: what it returned if it succeeded (even after a stop,
   * for a handler that finished anyway), otherwise what the stop reason calls for.
   */
  private outcome(run: Run, result: RunResult): Report {
    const { taskId, attempt } = run;
    if (result.kind === 'succeeded') {
      return { kind: 'succeeded', taskId, attempt, result: result.result };
    }
    switch (run.stopReason) {
      case 'timeout':
        return {
          kind: 'failed',
          taskId,
          attempt,
          error: {
            message: `attempt timed out after ${run.assignment.timeoutMs ?? 0} ms`,
            code: 'TIMEOUT',
          },
          retryable: true,
        };
      case 'cancel':
        return this.base(run, 'cancelled');
      case 'shutdown':
        return this.snoozed(run);
      default:
        break;
    }
    switch (result.kind) {
      case 'failed':
        return {
          kind: 'failed',
          taskId,
          attempt,
          error: result.error,
          retryable: result.retryable,
        };
      case 'snoozed':
        return { kind: 'snoozed', taskId, attempt, delayMs: result.delayMs };
      case 'cancelled':
        // Stopped by something other than this worker (say, a process killed from outside).
        return {
          kind: 'failed',
          taskId,
          attempt,
          error: { message: 'the attempt was stopped outside the worker', code: 'ABORTED' },
          retryable: true,
        };
    }
  }

  private base<K extends 'started' | 'paused' | 'resumed' | 'cancelled'>(
    run: Run,
    kind: K,
  ): Report & { kind: K } {
    return { kind, taskId: run.taskId, attempt: run.attempt } as Report & { kind: K };
  }

  private snoozed(run: Run): Report {
    return { kind: 'snoozed', taskId: run.taskId, attempt: run.attempt, delayMs: 0 };
  }

  // -------------------------------------------------------------------------------------------
  // Waiting for changes (shutdown only)

  private countRunning(): number {
    let n = this.orphans.size;
    for (const run of this.runs.values()) {
      if (run.active && run.phase !== 'paused') n++;
    }
    return n;
  }

  private changed(): void {
    if (this.changeWaiters.length === 0) return;
    const waiters = this.changeWaiters;
    this.changeWaiters = [];
    for (const w of waiters) w();
  }

  private nextChange(timeoutMs: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, timeoutMs);
      this.changeWaiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }
}
