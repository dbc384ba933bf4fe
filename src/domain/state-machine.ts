import { backoffDelay } from './backoff.js';
import {
  attemptsLeft,
  isTerminal,
  queuedState,
  type Task,
  type TaskError,
  type TaskState,
  type Want,
  type AttemptOutcome,
} from './task.js';

function fromWorker<E extends string, T extends TaskState>(event: E, to: T) {
  return (['assigned', 'running', 'paused'] as const).map((from) => ({ event, from, to }));
}

/**
 * Every legal state transition of a task, in one table. The decide* functions below compute
 * changes and check each one against this table, so no code path can move a task in a way
 * that is not listed here.
 */
export const TRANSITIONS = [
  // Leader
  { event: 'promote', from: 'pending', to: 'ready' },
  { event: 'unblock', from: 'blocked', to: 'ready' },
  { event: 'unblock', from: 'blocked', to: 'pending' },
  { event: 'unblock', from: 'blocked', to: 'paused' },
  { event: 'skip', from: 'blocked', to: 'skipped' },
  // A stopping workflow skips the steps that no worker holds.
  { event: 'skip', from: 'pending', to: 'skipped' },
  { event: 'skip', from: 'ready', to: 'skipped' },
  { event: 'skip', from: 'paused', to: 'skipped' },
  // A fan-out parent (shards, broadcast) runs while its children do, on no worker.
  { event: 'fanOut', from: 'ready', to: 'running' },
  { event: 'fanIn', from: 'running', to: 'succeeded' },
  { event: 'fanIn', from: 'running', to: 'failed' },
  { event: 'assign', from: 'ready', to: 'assigned' },
  // Worker reports
  { event: 'start', from: 'assigned', to: 'running' },
  { event: 'pauseAck', from: 'running', to: 'paused' },
  { event: 'pauseAck', from: 'assigned', to: 'paused' },
  { event: 'resumeAck', from: 'paused', to: 'running' },
  // A failed attempt: retried later, held paused, dead-lettered, or cancelled if that was wanted.
  ...fromWorker('succeed', 'succeeded'),
  ...fromWorker('fail', 'pending'),
  ...fromWorker('fail', 'ready'),
  ...fromWorker('fail', 'paused'),
  ...fromWorker('fail', 'failed'),
  ...fromWorker('fail', 'cancelled'),
  ...fromWorker('snooze', 'pending'),
  ...fromWorker('snooze', 'ready'),
  ...fromWorker('snooze', 'paused'),
  ...fromWorker('snooze', 'cancelled'),
  ...fromWorker('cancelAck', 'cancelled'),
  // A service (restart policy) whose run ended is started again.
  ...fromWorker('restart', 'pending'),
  ...fromWorker('restart', 'ready'),
  ...fromWorker('restart', 'paused'),
  // Operator actions
  { event: 'pause', from: 'pending', to: 'paused' },
  { event: 'pause', from: 'ready', to: 'paused' },
  { event: 'resume', from: 'paused', to: 'pending' },
  { event: 'resume', from: 'paused', to: 'ready' },
  { event: 'cancel', from: 'pending', to: 'cancelled' },
  { event: 'cancel', from: 'ready', to: 'cancelled' },
  { event: 'cancel', from: 'blocked', to: 'cancelled' },
  { event: 'cancel', from: 'paused', to: 'cancelled' },
  { event: 'cancel', from: 'running', to: 'cancelled' }, // a fan-out parent: no worker holds it
  { event: 'retry', from: 'failed', to: 'ready' },
  { event: 'retry', from: 'failed', to: 'pending' },
  { event: 'retry', from: 'cancelled', to: 'ready' },
  { event: 'retry', from: 'cancelled', to: 'pending' },
] as const satisfies readonly { event: string; from: TaskState; to: TaskState }[];

export type TransitionEvent = (typeof TRANSITIONS)[number]['event'];

const LEGAL = new Set(TRANSITIONS.map((t) => `${t.event}:${t.from}:${t.to}`));

export function isLegalTransition(event: TransitionEvent, from: TaskState, to: TaskState): boolean {
  return LEGAL.has(`${event}:${from}:${to}`);
}

/** The fields of a task that a decision may change. */
export interface TaskPatch {
  state?: TaskState;
  want?: Want;
  workerId?: string | null;
  attempt?: number;
  attemptBase?: number;
  runAt?: number | null;
  startedAt?: number | null;
  finishedAt?: number | null;
  deadlineAt?: number | null;
  result?: unknown;
  error?: TaskError | null;
  progress?: number | null;
}

export interface Decision {
  ok: true;
  event: TransitionEvent | 'want';
  patch: TaskPatch;
  /** Set when the decision ends the current attempt. */
  attemptOutcome?: AttemptOutcome;
}

export interface Refusal {
  ok: false;
  /** `conflict`: the state does not allow it; `stale`: a report from an attempt that is no longer current. */
  code: 'conflict' | 'stale';
  reason: string;
}

export type Outcome = Decision | Refusal;

function move(
  task: Task,
  event: TransitionEvent,
  patch: TaskPatch,
  outcome?: AttemptOutcome,
): Decision {
  const to = patch.state ?? task.state;
  if (to !== task.state && !isLegalTransition(event, task.state, to)) {
    throw new Error(`illegal transition ${task.state} -> ${to} on ${event}`);
  }
  return outcome ? { ok: true, event, patch, attemptOutcome: outcome } : { ok: true, event, patch };
}

function wantOnly(want: Want): Decision {
  return { ok: true, event: 'want', patch: { want } };
}

function conflict(reason: string): Refusal {
  return { ok: false, code: 'conflict', reason };
}

// ---------------------------------------------------------------------------------------------
// Operator actions

export const OPERATOR_ACTIONS = ['pause', 'resume', 'cancel', 'retry'] as const;
export type OperatorAction = (typeof OPERATOR_ACTIONS)[number];

/**
 * What an operator action does to a task in its current state. On a task held by a worker,
 * pause, resume and cancel change only `want`; the worker acts and reports, and the state follows.
 */
export function decideAction(task: Task, action: OperatorAction, now: number): Outcome {
  const onWorker = task.workerId !== null && ['assigned', 'running', 'paused'].includes(task.state);
  switch (action) {
    case 'pause':
      if (isTerminal(task.state)) return conflict(`a ${task.state} task cannot be paused`);
      if (task.want === 'cancel') return conflict('the task is being cancelled');
      if (task.want === 'pause') return wantOnly('pause');
      if (task.state === 'pending' || task.state === 'ready') {
        return move(task, 'pause', { state: 'paused', want: 'pause', workerId: null });
      }
      return wantOnly('pause'); // blocked (pauses when unblocked), or on a worker
    case 'resume':
      if (isTerminal(task.state)) return conflict(`a ${task.state} task cannot be resumed`);
      if (task.want !== 'pause') return conflict(`the task is not paused (state ${task.state})`);
      if (task.state === 'paused' && !onWorker) {
        return move(task, 'resume', { state: queuedState(task.runAt, now), want: 'run' });
      }
      return wantOnly('run');
    case 'cancel':
      if (isTerminal(task.state)) return conflict(`a ${task.state} task cannot be cancelled`);
      if (onWorker) return wantOnly('cancel');
      return move(task, 'cancel', {
        state: 'cancelled',
        want: 'cancel',
        finishedAt: now,
        deadlineAt: null,
      });
    case 'retry':
      if (task.state !== 'failed' && task.state !== 'cancelled') {
        return conflict(`only failed or cancelled tasks can be retried (state ${task.state})`);
      }
      return move(task, 'retry', {
        state: queuedState(task.runAt, now),
        want: 'run',
        attemptBase: task.attempt,
        workerId: null,
        finishedAt: null,
        startedAt: null,
        deadlineAt: null,
        error: null,
        result: null,
        progress: null,
      });
  }
}

// ---------------------------------------------------------------------------------------------
// Workflow steps and fan-out parents (applied by the store, in the transaction that called for them)

/** A blocked step whose parents are done and whose condition holds. */
export function decideUnblock(task: Task, now: number): Outcome {
  if (task.state !== 'blocked') return conflict(`task is ${task.state}, not blocked`);
  const state = task.want === 'pause' ? 'paused' : queuedState(task.runAt, now);
  return move(task, 'unblock', { state });
}

/** A blocked step whose condition does not hold. */
export function decideSkip(task: Task, now: number): Outcome {
  if (task.state !== 'blocked') return conflict(`task is ${task.state}, not blocked`);
  return move(task, 'skip', { state: 'skipped', finishedAt: now });
}

/**
 * A step of a stopping workflow (failed fast, compensating or cancelled), or a child of a
 * stopping fan-out: a worker holding it is asked to cancel; a fan-out parent is cancelled (its
 * children follow); anything not started yet is skipped.
 */
export function decideStop(task: Task, now: number): Outcome {
  if (isTerminal(task.state)) return conflict(`a ${task.state} task cannot be stopped`);
  const onWorker = task.workerId !== null && ['assigned', 'running', 'paused'].includes(task.state);
  if (onWorker) return wantOnly('cancel');
  if (task.state === 'running') {
    return move(task, 'cancel', { state: 'cancelled', want: 'cancel', finishedAt: now });
  }
  return move(task, 'skip', { state: 'skipped', finishedAt: now, deadlineAt: null });
}

/** A ready fan-out parent whose children were just made: it runs while they do. */
export function decideFanOut(task: Task, now: number): Outcome {
  if (task.state !== 'ready') return conflict(`task is ${task.state}, not ready`);
  return move(task, 'fanOut', { state: 'running', startedAt: now, attempt: task.attempt + 1 });
}

/** A fan-out parent whose children are all done: it succeeds with their results, or fails. */
export function decideFanIn(
  task: Task,
  outcome: { ok: true; result: unknown } | { ok: false; error: TaskError },
  now: number,
): Outcome {
  if (task.state !== 'running' || task.workerId !== null) {
    return conflict(`task is ${task.state}, not a running fan-out`);
  }
  if (outcome.ok) {
    return move(task, 'fanIn', {
      state: 'succeeded',
      result: outcome.result,
      error: null,
      finishedAt: now,
    });
  }
  return move(task, 'fanIn', { state: 'failed', error: outcome.error, finishedAt: now });
}

// ---------------------------------------------------------------------------------------------
// Leader decisions

/** A ready task handed to a worker: a new attempt, whose number is the fencing token. */
export function decideAssign(task: Task, workerId: string): Outcome {
  if (task.state !== 'ready') return conflict(`task is ${task.state}, not ready`);
  return move(task, 'assign', {
    state: 'assigned',
    workerId,
    attempt: task.attempt + 1,
    startedAt: null,
  });
}

/**
 * Where a task goes when an attempt ends without success: back to the queue after a backoff,
 * held paused if the operator paused it, to `failed` (the dead-letter set) once the budget is
 * spent or the error is final, or to `cancelled` if a cancel was pending.
 */
export function decideFailure(
  task: Task,
  error: TaskError,
  now: number,
  random: number,
  opts: { retryable?: boolean; outcome?: AttemptOutcome } = {},
): Decision {
  const outcome = opts.outcome ?? 'failed';
  const common = { error, deadlineAt: null, workerId: null } satisfies TaskPatch;
  if (task.want === 'cancel') {
    return move(task, 'fail', { ...common, state: 'cancelled', finishedAt: now }, outcome);
  }
  if (task.restart !== 'never') {
    const delay = backoffDelay(task.backoff, task.attempt - task.attemptBase, random);
    return decideRestart(task, now + delay, now, { error }, outcome);
  }
  if (opts.retryable === false || attemptsLeft(task) <= 0) {
    return move(task, 'fail', { ...common, state: 'failed', finishedAt: now }, outcome);
  }
  const delay = backoffDelay(task.backoff, task.attempt - task.attemptBase, random);
  const runAt = now + delay;
  const state = task.want === 'pause' ? 'paused' : queuedState(runAt, now);
  return move(task, 'fail', { ...common, state, runAt }, outcome);
}

/** Start a service (a task with a restart policy) again at `runAt`. */
function decideRestart(
  task: Task,
  runAt: number,
  now: number,
  patch: TaskPatch,
  outcome: AttemptOutcome,
): Decision {
  const state = task.want === 'pause' ? 'paused' : queuedState(runAt, now);
  return move(
    task,
    'restart',
    { ...patch, state, runAt, workerId: null, deadlineAt: null },
    outcome,
  );
}

/** Requeue without spending an attempt (a snooze, or a task that never started on a lost worker). */
export function decideRequeue(
  task: Task,
  runAt: number,
  now: number,
  event: 'snooze' | 'fail',
): Decision {
  if (task.want === 'cancel') {
    return move(
      task,
      event,
      { state: 'cancelled', finishedAt: now, workerId: null, deadlineAt: null },
      'cancelled',
    );
  }
  const state = task.want === 'pause' ? 'paused' : queuedState(runAt, now);
  return move(
    task,
    event,
    { state, runAt, workerId: null, deadlineAt: null, attemptBase: task.attemptBase + 1 },
    event === 'snooze' ? 'snoozed' : 'lost',
  );
}

/** The worker holding this task is gone. */
export function decideLost(task: Task, now: number, random: number): Decision {
  // An attempt that never started costs nothing: it goes back without spending the budget.
  if (task.startedAt === null) return decideRequeue(task, now, now, 'fail');
  return decideFailure(
    task,
    { message: `worker ${task.workerId ?? '?'} was lost`, code: 'WORKER_LOST' },
    now,
    random,
    { outcome: 'lost' },
  );
}

export function decideTimeout(task: Task, now: number, random: number): Decision {
  return decideFailure(
    task,
    { message: `attempt timed out after ${task.timeoutMs ?? 0} ms`, code: 'TIMEOUT' },
    now,
    random,
    { outcome: 'timeout' },
  );
}

// ---------------------------------------------------------------------------------------------
// Worker reports

export type Report =
  | {
      kind: 'started';
      taskId: string;
      attempt: number;
      /**
       * When the server heard of the start (epoch ms), if it wrote the report later (see the
       * gateway's held starts); the attempt's start time and deadline count from it.
       */
      at?: number;
    }
  | { kind: 'progress'; taskId: string; attempt: number; progress: number }
  | { kind: 'paused'; taskId: string; attempt: number }
  | { kind: 'resumed'; taskId: string; attempt: number }
  | { kind: 'succeeded'; taskId: string; attempt: number; result: unknown }
  | { kind: 'failed'; taskId: string; attempt: number; error: TaskError; retryable?: boolean }
  | { kind: 'snoozed'; taskId: string; attempt: number; delayMs: number }
  | { kind: 'cancelled'; taskId: string; attempt: number };

export type ReportKind = Report['kind'];

/**
 * Apply a worker's report. A report whose attempt is not the task's current attempt, or about
 * a task no longer on a worker, is refused as stale: this is the fence against cut-off workers.
 */
/** `task` running since `at`. */
function startAttempt(task: Task, at: number): Outcome {
  return move(task, 'start', {
    state: 'running',
    startedAt: at,
    deadlineAt: task.timeoutMs !== null ? at + task.timeoutMs : null,
  });
}

export function decideReport(task: Task, report: Report, now: number, random: number): Outcome {
  if (report.attempt !== task.attempt || !['assigned', 'running', 'paused'].includes(task.state)) {
    return { ok: false, code: 'stale', reason: `attempt ${report.attempt} is not current` };
  }
  switch (report.kind) {
    case 'started':
      if (task.state !== 'assigned') return { ok: true, event: 'want', patch: {} };
      return startAttempt(task, Math.min(report.at ?? now, now));
    case 'progress':
      return { ok: true, event: 'want', patch: { progress: report.progress } };
    case 'paused':
      if (task.state === 'paused') return { ok: true, event: 'want', patch: {} };
      return move(task, 'pauseAck', { state: 'paused', deadlineAt: null });
    case 'resumed':
      if (task.state !== 'paused') return { ok: true, event: 'want', patch: {} };
      return move(task, 'resumeAck', {
        state: 'running',
        deadlineAt: task.timeoutMs !== null ? now + task.timeoutMs : null,
      });
    case 'succeeded':
      if (task.restart !== 'never' && task.want === 'cancel') {
        // A service ends only by cancel: its run ending as the cancel lands is that ending.
        return move(
          task,
          'cancelAck',
          {
            state: 'cancelled',
            result: report.result ?? null,
            finishedAt: now,
            deadlineAt: null,
            workerId: null,
          },
          'succeeded',
        );
      }
      if (task.restart === 'always') {
        // A clean exit resets the backoff: the next start waits only the initial delay.
        return decideRestart(
          task,
          now + task.backoff.initialMs,
          now,
          { result: report.result ?? null, error: null, attemptBase: task.attempt },
          'succeeded',
        );
      }
      return move(
        task,
        'succeed',
        {
          state: 'succeeded',
          result: report.result ?? null,
          error: null,
          finishedAt: now,
          deadlineAt: null,
          startedAt: task.startedAt ?? now,
        },
        'succeeded',
      );
    case 'failed':
      return decideFailure(task, report.error, now, random, {
        retryable: report.retryable !== false,
      });
    case 'snoozed':
      return decideRequeue(task, now + Math.max(0, report.delayMs), now, 'snooze');
    case 'cancelled':
      return move(
        task,
        'cancelAck',
        { state: 'cancelled', finishedAt: now, deadlineAt: null },
        'cancelled',
      );
  }
}
