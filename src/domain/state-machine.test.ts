import { describe, expect, it } from 'vitest';
import {
  OPERATOR_ACTIONS,
  TRANSITIONS,
  decideAction,
  decideAssign,
  decideFailure,
  decideFanIn,
  decideFanOut,
  decideSkip,
  decideStop,
  decideUnblock,
  decideLost,
  decideReport,
  decideRequeue,
  decideTimeout,
  isLegalTransition,
  type Decision,
  type OperatorAction,
  type Outcome,
  type Report,
} from './state-machine.js';
import {
  ON_WORKER_STATES,
  TASK_STATES,
  TERMINAL_STATES,
  WANTS,
  attemptsLeft,
  type Task,
  type TaskState,
  type Want,
} from './task.js';

const NOW = 1_000_000;

/** A task with every field set; on-worker states default to a worker and attempt 1. */
function task(over: Partial<Task> = {}): Task {
  const state = over.state ?? 'ready';
  const onWorker = ON_WORKER_STATES.has(state);
  return {
    id: 't1',
    type: 'email.send',
    queue: 'default',
    payload: null,
    priority: 0,
    runAt: null,
    maxAttempts: 3,
    backoff: { kind: 'exponential', initialMs: 1000, maxMs: 60_000, jitter: 0 },
    timeoutMs: null,
    idempotencyKey: null,
    concurrencyKey: null,
    executor: { kind: 'function' },
    restart: 'never',
    selector: {},
    tolerations: [],
    resources: {},
    labels: {},
    workflowId: null,
    stepId: null,
    scheduleId: null,
    fireAt: null,
    parentId: null,
    flow: {},
    state,
    want: 'run',
    attempt: onWorker ? 1 : 0,
    attemptBase: 0,
    workerId: onWorker ? 'w1' : null,
    createdAt: 0,
    updatedAt: 0,
    startedAt: null,
    finishedAt: null,
    deadlineAt: null,
    result: null,
    error: null,
    progress: null,
    version: 1,
    ...over,
  };
}

function ok(out: Outcome): Decision {
  if (!out.ok) throw new Error(`expected a decision, got refusal ${out.code}: ${out.reason}`);
  return out;
}

/** What the store would write: the task with the decision's patch applied. */
function apply(t: Task, out: Outcome): Task {
  return { ...t, ...ok(out).patch };
}

// ---------------------------------------------------------------------------------------------
// Operator actions: every state × want × (on / off a worker) × action.

/**
 * Expected outcome notation:
 *  - `409`            refused with code 'conflict'
 *  - `want:X`         only `want` changes (event 'want', patch exactly { want: X })
 *  - `STATE/WANT`     the state moves (event = the action) to STATE with want WANT
 */
type Expect = '409' | `want:${Want}` | `${TaskState}/${Want}`;
type Row = [state: TaskState, where: 'worker' | 'free', want: Want, cells: Expect[]];

const ACTION_TABLE: Row[] = [
  //                              pause            resume         cancel               retry
  ['pending', 'free', 'run', ['paused/pause', '409', 'cancelled/cancel', '409']],
  ['pending', 'free', 'pause', ['want:pause', 'want:run', 'cancelled/cancel', '409']],
  ['pending', 'free', 'cancel', ['409', '409', 'cancelled/cancel', '409']],
  ['ready', 'free', 'run', ['paused/pause', '409', 'cancelled/cancel', '409']],
  ['ready', 'free', 'pause', ['want:pause', 'want:run', 'cancelled/cancel', '409']],
  ['ready', 'free', 'cancel', ['409', '409', 'cancelled/cancel', '409']],
  // blocked: a pause is remembered in `want` and applied when the parents finish
  ['blocked', 'free', 'run', ['want:pause', '409', 'cancelled/cancel', '409']],
  ['blocked', 'free', 'pause', ['want:pause', 'want:run', 'cancelled/cancel', '409']],
  ['blocked', 'free', 'cancel', ['409', '409', 'cancelled/cancel', '409']],
  // on a worker: only `want` changes, the worker acts and reports
  ['assigned', 'worker', 'run', ['want:pause', '409', 'want:cancel', '409']],
  ['assigned', 'worker', 'pause', ['want:pause', 'want:run', 'want:cancel', '409']],
  ['assigned', 'worker', 'cancel', ['409', '409', 'want:cancel', '409']],
  ['running', 'worker', 'run', ['want:pause', '409', 'want:cancel', '409']],
  ['running', 'worker', 'pause', ['want:pause', 'want:run', 'want:cancel', '409']],
  ['running', 'worker', 'cancel', ['409', '409', 'want:cancel', '409']],
  ['paused', 'worker', 'run', ['want:pause', '409', 'want:cancel', '409']],
  ['paused', 'worker', 'pause', ['want:pause', 'want:run', 'want:cancel', '409']],
  ['paused', 'worker', 'cancel', ['409', '409', 'want:cancel', '409']],
  // paused and held by no worker (paused while queued, or a failure held paused)
  ['paused', 'free', 'pause', ['want:pause', 'ready/run', 'cancelled/cancel', '409']],
  ['paused', 'free', 'run', ['want:pause', '409', 'cancelled/cancel', '409']],
  ['paused', 'free', 'cancel', ['409', '409', 'cancelled/cancel', '409']],
  // terminal states: only failed and cancelled may be retried; nothing else is allowed
  ['succeeded', 'free', 'run', ['409', '409', '409', '409']],
  ['succeeded', 'free', 'pause', ['409', '409', '409', '409']],
  ['succeeded', 'free', 'cancel', ['409', '409', '409', '409']],
  ['failed', 'free', 'run', ['409', '409', '409', 'ready/run']],
  ['failed', 'free', 'pause', ['409', '409', '409', 'ready/run']],
  ['failed', 'free', 'cancel', ['409', '409', '409', 'ready/run']],
  ['cancelled', 'free', 'run', ['409', '409', '409', 'ready/run']],
  ['cancelled', 'free', 'pause', ['409', '409', '409', 'ready/run']],
  ['cancelled', 'free', 'cancel', ['409', '409', '409', 'ready/run']],
  ['skipped', 'free', 'run', ['409', '409', '409', '409']],
  ['skipped', 'free', 'pause', ['409', '409', '409', '409']],
  ['skipped', 'free', 'cancel', ['409', '409', '409', '409']],
  // a terminal task that keeps the id of the worker that ran it is still not "on a worker"
  ['succeeded', 'worker', 'run', ['409', '409', '409', '409']],
  ['failed', 'worker', 'run', ['409', '409', '409', 'ready/run']],
  ['cancelled', 'worker', 'cancel', ['409', '409', '409', 'ready/run']],
];

describe('decideAction: every state × want × action', () => {
  it('the table covers every state and every action', () => {
    expect(new Set(ACTION_TABLE.map((r) => r[0]))).toEqual(new Set(TASK_STATES));
    expect(OPERATOR_ACTIONS).toEqual(['pause', 'resume', 'cancel', 'retry']);
    for (const state of TASK_STATES) {
      for (const want of WANTS) {
        expect(ACTION_TABLE.some((r) => r[0] === state && r[2] === want)).toBe(true);
      }
    }
  });

  for (const [state, where, want, cells] of ACTION_TABLE) {
    OPERATOR_ACTIONS.forEach((action: OperatorAction, i) => {
      const expected = cells[i]!;
      it(`${action} on ${state} (${where === 'worker' ? 'on worker' : 'no worker'}, want ${want}) → ${expected}`, () => {
        const t = task({
          state,
          want,
          workerId: where === 'worker' ? 'w1' : null,
          attempt: 2,
          attemptBase: 0,
        });
        const out = decideAction(t, action, NOW);
        if (expected === '409') {
          expect(out.ok).toBe(false);
          if (!out.ok) {
            expect(out.code).toBe('conflict');
            expect(out.reason).not.toBe('');
          }
        } else if (expected.startsWith('want:')) {
          expect(out).toEqual({ ok: true, event: 'want', patch: { want: expected.slice(5) } });
        } else {
          const [toState, toWant] = expected.split('/');
          const d = ok(out);
          expect(d.event).toBe(action);
          expect(d.patch.state).toBe(toState);
          expect(d.patch.want).toBe(toWant);
          expect(isLegalTransition(d.event as never, state, toState as TaskState)).toBe(true);
        }
      });
    });
  }
});

describe('decideAction patches', () => {
  it('pause of a queued task parks it paused, off any worker', () => {
    for (const state of ['pending', 'ready'] as const) {
      expect(decideAction(task({ state, runAt: NOW + 5000 }), 'pause', NOW)).toEqual({
        ok: true,
        event: 'pause',
        patch: { state: 'paused', want: 'pause', workerId: null },
      });
    }
  });

  it('resume of a parked task requeues it: ready when due, pending when runAt is still ahead', () => {
    const parked = { state: 'paused', want: 'pause', workerId: null } as const;
    expect(decideAction(task({ ...parked, runAt: null }), 'resume', NOW)).toEqual({
      ok: true,
      event: 'resume',
      patch: { state: 'ready', want: 'run' },
    });
    expect(decideAction(task({ ...parked, runAt: NOW }), 'resume', NOW)).toEqual({
      ok: true,
      event: 'resume',
      patch: { state: 'ready', want: 'run' },
    });
    expect(decideAction(task({ ...parked, runAt: NOW + 1 }), 'resume', NOW)).toEqual({
      ok: true,
      event: 'resume',
      patch: { state: 'pending', want: 'run' },
    });
  });

  it('cancel of a task held by no worker finishes it at once', () => {
    for (const state of ['pending', 'ready', 'blocked'] as const) {
      expect(decideAction(task({ state, deadlineAt: 5 }), 'cancel', NOW)).toEqual({
        ok: true,
        event: 'cancel',
        patch: { state: 'cancelled', want: 'cancel', finishedAt: NOW, deadlineAt: null },
      });
    }
    expect(
      decideAction(task({ state: 'paused', want: 'pause', workerId: null }), 'cancel', NOW),
    ).toEqual({
      ok: true,
      event: 'cancel',
      patch: { state: 'cancelled', want: 'cancel', finishedAt: NOW, deadlineAt: null },
    });
  });

  it('retry of failed/cancelled starts a fresh budget and clears the previous run', () => {
    for (const state of ['failed', 'cancelled'] as const) {
      const t = task({
        state,
        want: 'cancel',
        attempt: 3,
        attemptBase: 0,
        workerId: 'w9',
        startedAt: 10,
        finishedAt: 20,
        deadlineAt: 30,
        error: { message: 'boom' },
        result: { x: 1 },
        progress: 0.5,
      });
      expect(decideAction(t, 'retry', NOW)).toEqual({
        ok: true,
        event: 'retry',
        patch: {
          state: 'ready',
          want: 'run',
          attemptBase: 3,
          workerId: null,
          finishedAt: null,
          startedAt: null,
          deadlineAt: null,
          error: null,
          result: null,
          progress: null,
        },
      });
      // the attempt number is not touched (it only grows)
      expect(ok(decideAction(t, 'retry', NOW)).patch.attempt).toBeUndefined();
      const retried = apply(t, decideAction(t, 'retry', NOW));
      expect(attemptsLeft(retried)).toBe(3);
    }
  });

  it('retry of a task whose runAt is still ahead puts it back to pending', () => {
    const t = task({ state: 'cancelled', runAt: NOW + 60_000, attempt: 0 });
    expect(ok(decideAction(t, 'retry', NOW)).patch.state).toBe('pending');
  });

  it('refusals say why', () => {
    const r = decideAction(task({ state: 'succeeded' }), 'cancel', NOW);
    expect(r).toEqual({
      ok: false,
      code: 'conflict',
      reason: 'a succeeded task cannot be cancelled',
    });
    expect(decideAction(task({ state: 'running' }), 'retry', NOW)).toEqual({
      ok: false,
      code: 'conflict',
      reason: 'only failed or cancelled tasks can be retried (state running)',
    });
  });

  it('resume of a terminal task that was paused while running is a conflict', () => {
    // Reachable sequence: running → operator pause (want: pause) → worker reports success.
    let t = task({ state: 'running', startedAt: NOW - 10 });
    t = apply(t, decideAction(t, 'pause', NOW));
    t = apply(
      t,
      decideReport(t, { kind: 'succeeded', taskId: 't1', attempt: 1, result: 1 }, NOW, 0),
    );
    expect(t.state).toBe('succeeded');
    expect(t.want).toBe('pause');
    // Expected: 409. Actual: { ok: true, event: 'want', patch: { want: 'run' } }.
    expect(decideAction(t, 'resume', NOW)).toMatchObject({ ok: false, code: 'conflict' });
  });
});

// ---------------------------------------------------------------------------------------------
// Assignment and attempts

describe('decideAssign', () => {
  it('hands a ready task to a worker as a new attempt', () => {
    expect(decideAssign(task({ state: 'ready', attempt: 4, attemptBase: 2 }), 'w7')).toEqual({
      ok: true,
      event: 'assign',
      patch: { state: 'assigned', workerId: 'w7', attempt: 5, startedAt: null },
    });
  });

  it('refuses every state but ready', () => {
    for (const state of TASK_STATES.filter((s) => s !== 'ready')) {
      const out = decideAssign(task({ state }), 'w7');
      expect(out).toEqual({ ok: false, code: 'conflict', reason: `task is ${state}, not ready` });
    }
  });
});

describe('attempt numbers and the retry budget', () => {
  const fail = (t: Task, now: number) =>
    apply(
      t,
      decideReport(
        t,
        { kind: 'failed', taskId: t.id, attempt: t.attempt, error: { message: 'x' } },
        now,
        0.5,
      ),
    );

  it('maxAttempts 2: two attempts, then failed; a retry gives two more, attempt keeps growing', () => {
    let t = task({
      state: 'ready',
      maxAttempts: 2,
      backoff: { kind: 'fixed', initialMs: 0, maxMs: 0, jitter: 0 },
    });
    const attempts: number[] = [];
    const states: TaskState[] = [];
    for (let round = 0; round < 2; round++) {
      for (;;) {
        t = apply(t, decideAssign(t, 'w1'));
        attempts.push(t.attempt);
        t = fail(t, NOW);
        states.push(t.state);
        if (t.state === 'failed') break;
        expect(t.state).toBe('ready');
      }
      if (round === 0) t = apply(t, decideAction(t, 'retry', NOW));
    }
    expect(attempts).toEqual([1, 2, 3, 4]);
    expect(states).toEqual(['ready', 'failed', 'ready', 'failed']);
    expect(t.attemptBase).toBe(2);
  });

  it('the backoff counts failures in the current budget only', () => {
    const backoff = { kind: 'exponential', initialMs: 1000, maxMs: 1_000_000, jitter: 0 } as const;
    // third attempt of the first budget: second retry → 2000 ms
    expect(
      ok(
        decideFailure(
          task({ state: 'running', attempt: 2, attemptBase: 0, maxAttempts: 5, backoff }),
          { message: 'x' },
          NOW,
          0,
        ),
      ).patch.runAt,
    ).toBe(NOW + 2000);
    // attempt 7 but budget began at 6 → first retry → 1000 ms
    expect(
      ok(
        decideFailure(
          task({ state: 'running', attempt: 7, attemptBase: 6, maxAttempts: 5, backoff }),
          { message: 'x' },
          NOW,
          0,
        ),
      ).patch.runAt,
    ).toBe(NOW + 1000);
  });
});

// ---------------------------------------------------------------------------------------------
// Failures, loss, timeout

describe('decideFailure', () => {
  const err = { message: 'boom', code: 'E' };

  it('retries after the backoff: pending with runAt = now + delay', () => {
    const t = task({ state: 'running', attempt: 1, deadlineAt: NOW + 5 });
    expect(decideFailure(t, err, NOW, 0.5)).toEqual({
      ok: true,
      event: 'fail',
      patch: { error: err, deadlineAt: null, workerId: null, state: 'pending', runAt: NOW + 1000 },
      attemptOutcome: 'failed',
    });
  });

  it('with a zero delay the task is ready again at once', () => {
    const t = task({
      state: 'running',
      backoff: { kind: 'fixed', initialMs: 0, maxMs: 0, jitter: 0 },
    });
    const d = decideFailure(t, err, NOW, 0.5);
    expect(d.patch.state).toBe('ready');
    expect(d.patch.runAt).toBe(NOW);
  });

  it('dead-letters when the budget is spent', () => {
    const t = task({ state: 'running', attempt: 3, attemptBase: 0, maxAttempts: 3 });
    expect(decideFailure(t, err, NOW, 0.5)).toEqual({
      ok: true,
      event: 'fail',
      patch: { error: err, deadlineAt: null, workerId: null, state: 'failed', finishedAt: NOW },
      attemptOutcome: 'failed',
    });
    // one left: still retried
    expect(decideFailure({ ...t, attempt: 2 }, err, NOW, 0.5).patch.state).toBe('pending');
    // maxAttempts 1: the first failure is final
    expect(decideFailure({ ...t, attempt: 1, maxAttempts: 1 }, err, NOW, 0.5).patch.state).toBe(
      'failed',
    );
  });

  it('dead-letters a non-retryable error even with budget left', () => {
    const d = decideFailure(task({ state: 'running' }), err, NOW, 0.5, { retryable: false });
    expect(d.patch.state).toBe('failed');
    expect(d.patch.finishedAt).toBe(NOW);
  });

  it('cancels when a cancel was wanted, even with budget left or a non-retryable error', () => {
    for (const retryable of [true, false]) {
      const d = decideFailure(task({ state: 'running', want: 'cancel' }), err, NOW, 0.5, {
        retryable,
      });
      expect(d).toEqual({
        ok: true,
        event: 'fail',
        patch: {
          error: err,
          deadlineAt: null,
          workerId: null,
          state: 'cancelled',
          finishedAt: NOW,
        },
        attemptOutcome: 'failed',
      });
    }
  });

  it('holds the task paused (with its retry time) when a pause was wanted', () => {
    const d = decideFailure(task({ state: 'running', want: 'pause' }), err, NOW, 0.5);
    expect(d.patch).toEqual({
      error: err,
      deadlineAt: null,
      workerId: null,
      state: 'paused',
      runAt: NOW + 1000,
    });
    // and once resumed it waits out the backoff
    const t = apply(task({ state: 'running', want: 'pause' }), d);
    expect(ok(decideAction(t, 'resume', NOW)).patch.state).toBe('pending');
    expect(ok(decideAction(t, 'resume', NOW + 1000)).patch.state).toBe('ready');
  });

  it('passes the outcome through', () => {
    expect(
      decideFailure(task({ state: 'running' }), err, NOW, 0.5, { outcome: 'timeout' })
        .attemptOutcome,
    ).toBe('timeout');
  });
});

describe('decideLost', () => {
  it('an assigned task that never started is requeued without spending an attempt', () => {
    const t = task({ state: 'assigned', attempt: 3, attemptBase: 1, workerId: 'w2' });
    const d = decideLost(t, NOW, 0.5);
    expect(d).toEqual({
      ok: true,
      event: 'fail',
      patch: { state: 'ready', runAt: NOW, workerId: null, deadlineAt: null, attemptBase: 2 },
      attemptOutcome: 'lost',
    });
    expect(attemptsLeft(apply(t, d))).toBe(attemptsLeft(t) + 1);
    // the next assignment is a new attempt number, and the budget is where it was before
    const again = apply(apply(t, d), decideAssign(apply(t, d), 'w3'));
    expect(again.attempt).toBe(4);
    expect(attemptsLeft(again)).toBe(attemptsLeft(t));
  });

  it('a running task fails its attempt with WORKER_LOST', () => {
    const d = decideLost(task({ state: 'running', workerId: 'w2', startedAt: NOW - 5 }), NOW, 0.5);
    expect(d).toEqual({
      ok: true,
      event: 'fail',
      patch: {
        error: { message: 'worker w2 was lost', code: 'WORKER_LOST' },
        deadlineAt: null,
        workerId: null,
        state: 'pending',
        runAt: NOW + 1000,
      },
      attemptOutcome: 'lost',
    });
  });

  it('a lost running task with no budget left is failed; one wanted cancelled is cancelled', () => {
    expect(
      decideLost(task({ state: 'running', attempt: 3, startedAt: NOW - 5 }), NOW, 0.5).patch.state,
    ).toBe('failed');
    expect(
      decideLost(task({ state: 'paused', attempt: 3, startedAt: null }), NOW, 0.5).patch.state,
    ).toBe('ready');
    expect(decideLost(task({ state: 'running', want: 'cancel' }), NOW, 0.5).patch.state).toBe(
      'cancelled',
    );
    expect(decideLost(task({ state: 'assigned', want: 'cancel' }), NOW, 0.5)).toEqual({
      ok: true,
      event: 'fail',
      patch: { state: 'cancelled', finishedAt: NOW, workerId: null, deadlineAt: null },
      attemptOutcome: 'cancelled',
    });
    expect(decideLost(task({ state: 'assigned', want: 'pause' }), NOW, 0.5).patch.state).toBe(
      'paused',
    );
  });
});

describe('decideTimeout', () => {
  it('fails the attempt with TIMEOUT', () => {
    const d = decideTimeout(task({ state: 'running', timeoutMs: 30_000 }), NOW, 0.5);
    expect(d).toEqual({
      ok: true,
      event: 'fail',
      patch: {
        error: { message: 'attempt timed out after 30000 ms', code: 'TIMEOUT' },
        deadlineAt: null,
        workerId: null,
        state: 'pending',
        runAt: NOW + 1000,
      },
      attemptOutcome: 'timeout',
    });
    expect(decideTimeout(task({ state: 'running', attempt: 3 }), NOW, 0.5).patch.state).toBe(
      'failed',
    );
  });
});

// ---------------------------------------------------------------------------------------------
// Worker reports

describe('decideReport', () => {
  const r = {
    started: (attempt = 1): Report => ({ kind: 'started', taskId: 't1', attempt }),
    progress: (progress: number): Report => ({
      kind: 'progress',
      taskId: 't1',
      attempt: 1,
      progress,
    }),
    paused: (): Report => ({ kind: 'paused', taskId: 't1', attempt: 1 }),
    resumed: (): Report => ({ kind: 'resumed', taskId: 't1', attempt: 1 }),
    succeeded: (result?: unknown): Report => ({
      kind: 'succeeded',
      taskId: 't1',
      attempt: 1,
      result,
    }),
    failed: (retryable?: boolean): Report =>
      retryable === undefined
        ? { kind: 'failed', taskId: 't1', attempt: 1, error: { message: 'no' } }
        : { kind: 'failed', taskId: 't1', attempt: 1, error: { message: 'no' }, retryable },
    snoozed: (delayMs: number): Report => ({ kind: 'snoozed', taskId: 't1', attempt: 1, delayMs }),
    cancelled: (): Report => ({ kind: 'cancelled', taskId: 't1', attempt: 1 }),
  };

  it('refuses a report from an attempt that is not current', () => {
    for (const state of ['assigned', 'running', 'paused'] as const) {
      for (const attempt of [1, 3]) {
        const out = decideReport(task({ state, attempt: 2 }), r.started(attempt), NOW, 0.5);
        expect(out).toEqual({
          ok: false,
          code: 'stale',
          reason: `attempt ${attempt} is not current`,
        });
      }
    }
  });

  it('refuses reports about a task no longer on a worker, even with the current attempt', () => {
    for (const state of TASK_STATES.filter((s) => !ON_WORKER_STATES.has(s))) {
      for (const report of [
        r.started(),
        r.succeeded(1),
        r.failed(),
        r.cancelled(),
        r.progress(1),
      ]) {
        const out = decideReport(task({ state, attempt: 1, workerId: 'w1' }), report, NOW, 0.5);
        expect(out.ok).toBe(false);
        if (!out.ok) expect(out.code).toBe('stale');
      }
    }
  });

  it('started: assigned → running, with the deadline of the attempt', () => {
    expect(decideReport(task({ state: 'assigned', timeoutMs: 5000 }), r.started(), NOW, 0)).toEqual(
      {
        ok: true,
        event: 'start',
        patch: { state: 'running', startedAt: NOW, deadlineAt: NOW + 5000 },
      },
    );
    expect(decideReport(task({ state: 'assigned' }), r.started(), NOW, 0)).toEqual({
      ok: true,
      event: 'start',
      patch: { state: 'running', startedAt: NOW, deadlineAt: null },
    });
  });

  it('started, written later than heard: the attempt starts when it was heard, never after now', () => {
    const heard = (at: number): Report => ({ kind: 'started', taskId: 't1', attempt: 1, at });
    const t = task({ state: 'assigned', timeoutMs: 5000 });
    expect(decideReport(t, heard(NOW - 15), NOW, 0)).toMatchObject({
      patch: { startedAt: NOW - 15, deadlineAt: NOW - 15 + 5000 },
    });
    expect(decideReport(t, heard(NOW + 15), NOW, 0)).toMatchObject({
      patch: { startedAt: NOW, deadlineAt: NOW + 5000 },
    });
  });

  it('started again (running or paused) changes nothing', () => {
    for (const state of ['running', 'paused'] as const) {
      expect(decideReport(task({ state }), r.started(), NOW, 0)).toEqual({
        ok: true,
        event: 'want',
        patch: {},
      });
    }
  });

  it('progress records the progress only', () => {
    expect(decideReport(task({ state: 'running' }), r.progress(0.25), NOW, 0)).toEqual({
      ok: true,
      event: 'want',
      patch: { progress: 0.25 },
    });
  });

  it('paused: assigned or running → paused, the deadline stops; paused again is a no-op', () => {
    for (const state of ['assigned', 'running'] as const) {
      expect(decideReport(task({ state, deadlineAt: NOW + 9 }), r.paused(), NOW, 0)).toEqual({
        ok: true,
        event: 'pauseAck',
        patch: { state: 'paused', deadlineAt: null },
      });
    }
    expect(decideReport(task({ state: 'paused' }), r.paused(), NOW, 0)).toEqual({
      ok: true,
      event: 'want',
      patch: {},
    });
  });

  it('resumed: paused → running with a fresh deadline; elsewhere a no-op', () => {
    expect(
      decideReport(task({ state: 'paused', want: 'run', timeoutMs: 700 }), r.resumed(), NOW, 0),
    ).toEqual({ ok: true, event: 'resumeAck', patch: { state: 'running', deadlineAt: NOW + 700 } });
    expect(decideReport(task({ state: 'paused' }), r.resumed(), NOW, 0)).toEqual({
      ok: true,
      event: 'resumeAck',
      patch: { state: 'running', deadlineAt: null },
    });
    for (const state of ['assigned', 'running'] as const) {
      expect(decideReport(task({ state }), r.resumed(), NOW, 0)).toEqual({
        ok: true,
        event: 'want',
        patch: {},
      });
    }
  });

  it('succeeded: from any on-worker state, with the result', () => {
    expect(
      decideReport(
        task({ state: 'running', startedAt: 123, deadlineAt: NOW + 5, error: { message: 'old' } }),
        r.succeeded({ sent: 3 }),
        NOW,
        0,
      ),
    ).toEqual({
      ok: true,
      event: 'succeed',
      patch: {
        state: 'succeeded',
        result: { sent: 3 },
        error: null,
        finishedAt: NOW,
        deadlineAt: null,
        startedAt: 123,
      },
      attemptOutcome: 'succeeded',
    });
    // never reported started: startedAt falls back to now; no result: null
    const d = ok(decideReport(task({ state: 'assigned' }), r.succeeded(), NOW, 0));
    expect(d.patch.startedAt).toBe(NOW);
    expect(d.patch.result).toBeNull();
    expect(ok(decideReport(task({ state: 'paused' }), r.succeeded(0), NOW, 0)).patch.state).toBe(
      'succeeded',
    );
  });

  it('failed: retried, or dead-lettered when not retryable', () => {
    const retried = ok(decideReport(task({ state: 'running' }), r.failed(), NOW, 0.5));
    expect(retried.patch).toMatchObject({
      state: 'pending',
      runAt: NOW + 1000,
      error: { message: 'no' },
    });
    expect(retried.attemptOutcome).toBe('failed');
    expect(ok(decideReport(task({ state: 'running' }), r.failed(true), NOW, 0.5)).patch.state).toBe(
      'pending',
    );
    const final = ok(decideReport(task({ state: 'running' }), r.failed(false), NOW, 0.5));
    expect(final.patch).toMatchObject({ state: 'failed', finishedAt: NOW });
  });

  it('snoozed: requeued after the delay without spending an attempt', () => {
    const t = task({ state: 'running', attempt: 1, attemptBase: 0 });
    expect(decideReport(t, r.snoozed(5000), NOW, 0)).toEqual({
      ok: true,
      event: 'snooze',
      patch: {
        state: 'pending',
        runAt: NOW + 5000,
        workerId: null,
        deadlineAt: null,
        attemptBase: 1,
      },
      attemptOutcome: 'snoozed',
    });
    // a negative delay is treated as none
    expect(ok(decideReport(t, r.snoozed(-50), NOW, 0)).patch).toMatchObject({
      state: 'ready',
      runAt: NOW,
    });
    expect(ok(decideReport({ ...t, want: 'pause' }, r.snoozed(10), NOW, 0)).patch.state).toBe(
      'paused',
    );
    expect(ok(decideReport({ ...t, want: 'cancel' }, r.snoozed(10), NOW, 0))).toEqual({
      ok: true,
      event: 'snooze',
      patch: { state: 'cancelled', finishedAt: NOW, workerId: null, deadlineAt: null },
      attemptOutcome: 'cancelled',
    });
  });

  it('cancelled: the worker stopped it', () => {
    for (const state of ['assigned', 'running', 'paused'] as const) {
      expect(decideReport(task({ state, want: 'cancel' }), r.cancelled(), NOW, 0)).toEqual({
        ok: true,
        event: 'cancelAck',
        patch: { state: 'cancelled', finishedAt: NOW, deadlineAt: null },
        attemptOutcome: 'cancelled',
      });
    }
  });
});

describe('decideRequeue', () => {
  it('records a lost attempt when the event is fail', () => {
    expect(decideRequeue(task({ state: 'assigned' }), NOW + 10, NOW, 'fail').attemptOutcome).toBe(
      'lost',
    );
  });
});

// ---------------------------------------------------------------------------------------------
// Every transition any decide* function produces is in TRANSITIONS (exhaustive enumeration).

describe('TRANSITIONS is the whole truth', () => {
  const LEADER_ONLY = new Set(['promote']);

  function variants(): Task[] {
    const out: Task[] = [];
    for (const state of TASK_STATES) {
      for (const want of WANTS) {
        for (const workerId of [null, 'w1']) {
          // held-by-a-worker states without a worker break the model's invariant, except a
          // running fan-out parent (its children run)
          if (state === 'assigned' && workerId === null) continue;
          const flow = state === 'running' && workerId === null ? { shards: 2 } : {};
          for (const [attempt, attemptBase] of [
            [1, 0],
            [3, 0],
            [5, 4],
          ] as const) {
            for (const runAt of [null, NOW + 60_000]) {
              for (const initialMs of [0, 1000]) {
                for (const timeoutMs of [null, 1000]) {
                  for (const restart of ['never', 'always', 'on-failure'] as const) {
                    out.push(
                      task({
                        state,
                        want,
                        workerId,
                        attempt,
                        attemptBase,
                        runAt,
                        timeoutMs,
                        restart,
                        flow,
                        backoff: { kind: 'exponential', initialMs, maxMs: 10_000, jitter: 0.5 },
                      }),
                    );
                  }
                }
              }
            }
          }
        }
      }
    }
    return out;
  }

  function reports(t: Task): Report[] {
    const out: Report[] = [];
    for (const attempt of [t.attempt, t.attempt - 1]) {
      const base = { taskId: t.id, attempt };
      out.push(
        { kind: 'started', ...base },
        { kind: 'progress', ...base, progress: 0.5 },
        { kind: 'paused', ...base },
        { kind: 'resumed', ...base },
        { kind: 'succeeded', ...base, result: 1 },
        { kind: 'failed', ...base, error: { message: 'e' } },
        { kind: 'failed', ...base, error: { message: 'e' }, retryable: false },
        { kind: 'snoozed', ...base, delayMs: 0 },
        { kind: 'snoozed', ...base, delayMs: 5000 },
        { kind: 'cancelled', ...base },
      );
    }
    return out;
  }

  it('no decision moves a task along an unlisted edge, and every listed edge is used', () => {
    const seen = new Set<string>();
    let decisions = 0;
    const problems: string[] = [];
    const check = (t: Task, out: Outcome, what: string) => {
      if (!out.ok) {
        if (out.code !== 'conflict' && out.code !== 'stale') problems.push(`${what}: ${out.code}`);
        return;
      }
      decisions++;
      const to = out.patch.state;
      if (out.event === 'want') {
        if (to !== undefined) problems.push(`${what}: a want-only decision moved to ${to}`);
        return;
      }
      // a decision that names a state names a listed edge, self-loops (paused → paused) included
      if (to === undefined) return;
      if (!isLegalTransition(out.event, t.state, to)) {
        problems.push(`${what}: ${out.event} ${t.state} -> ${to} is not listed`);
      }
      seen.add(`${out.event}:${t.state}:${to}`);
    };

    for (const t of variants()) {
      const tag = `${t.state}/${t.want}/${t.workerId}/${t.attempt}`;
      for (const action of OPERATOR_ACTIONS) {
        for (const now of [NOW, NOW + 120_000]) {
          check(t, decideAction(t, action, now), `${action} ${tag}`);
        }
      }
      check(t, decideAssign(t, 'w2'), `assign ${tag}`);
      check(t, decideUnblock(t, NOW), `unblock ${tag}`);
      check(t, decideSkip(t, NOW), `skip ${tag}`);
      check(t, decideStop(t, NOW), `stop ${tag}`);
      check(t, decideFanOut(t, NOW), `fanOut ${tag}`);
      check(t, decideFanIn(t, { ok: true, result: [] }, NOW), `fanIn ${tag}`);
      check(t, decideFanIn(t, { ok: false, error: { message: 'e' } }, NOW), `fanIn ${tag}`);
      for (const rep of reports(t)) {
        for (const random of [0, 0.999]) {
          check(t, decideReport(t, rep, NOW, random), `report ${rep.kind} ${tag}`);
        }
      }
      if (ON_WORKER_STATES.has(t.state) && t.workerId !== null) {
        for (const random of [0, 0.999]) {
          check(t, decideLost(t, NOW, random), `lost ${tag}`);
          check(t, decideTimeout(t, NOW, random), `timeout ${tag}`);
          check(
            t,
            decideFailure(t, { message: 'e' }, NOW, random, { retryable: false }),
            `fail ${tag}`,
          );
        }
        for (const event of ['snooze', 'fail'] as const) {
          check(t, decideRequeue(t, NOW, NOW, event), `requeue ${tag}`);
          check(t, decideRequeue(t, NOW + 5, NOW, event), `requeue ${tag}`);
        }
      }
    }

    expect(problems).toEqual([]);
    expect(decisions).toBeGreaterThan(1000);
    const listed = new Set(
      TRANSITIONS.filter((x) => !LEADER_ONLY.has(x.event)).map(
        (x) => `${x.event}:${x.from}:${x.to}`,
      ),
    );
    expect([...seen].sort()).toEqual([...listed].sort());
  });

  it('nothing leaves a terminal state except retry', () => {
    for (const tr of TRANSITIONS) {
      if (TERMINAL_STATES.has(tr.from)) expect(tr.event).toBe('retry');
    }
  });

  it('isLegalTransition answers from the table', () => {
    expect(isLegalTransition('assign', 'ready', 'assigned')).toBe(true);
    expect(isLegalTransition('assign', 'pending', 'assigned')).toBe(false);
    expect(isLegalTransition('retry', 'succeeded', 'ready')).toBe(false);
    expect(isLegalTransition('cancel', 'assigned', 'cancelled')).toBe(false);
  });
});

describe('restart policies (long-running services)', () => {
  const running = (over: Partial<Task>) =>
    task({
      state: 'running',
      workerId: 'w1',
      attempt: 3,
      attemptBase: 0,
      startedAt: NOW - 5,
      ...over,
    });

  it('always: a clean exit starts it again after the initial delay, resetting the backoff', () => {
    const t = running({ restart: 'always' });
    const d = decideReport(t, { kind: 'succeeded', taskId: t.id, attempt: 3, result: 1 }, NOW, 0.5);
    expect(d).toMatchObject({
      ok: true,
      event: 'restart',
      attemptOutcome: 'succeeded',
      patch: { state: 'pending', runAt: NOW + t.backoff.initialMs, attemptBase: 3, workerId: null },
    });
  });

  it('always and on-failure: a failure is retried even with the budget spent, and even when final', () => {
    for (const restart of ['always', 'on-failure'] as const) {
      const t = running({ restart, maxAttempts: 1 });
      const d = decideReport(
        t,
        { kind: 'failed', taskId: t.id, attempt: 3, error: { message: 'x' }, retryable: false },
        NOW,
        0.5,
      );
      expect(d).toMatchObject({ ok: true, event: 'restart', patch: { state: 'pending' } });
    }
  });

  it('on-failure: success ends it; a lost worker moves it; cancel always ends it', () => {
    const t = running({ restart: 'on-failure' });
    expect(
      decideReport(t, { kind: 'succeeded', taskId: t.id, attempt: 3, result: null }, NOW, 0.5),
    ).toMatchObject({ patch: { state: 'succeeded' } });
    expect(decideLost(running({ restart: 'always' }), NOW, 0.5)).toMatchObject({
      event: 'restart',
      attemptOutcome: 'lost',
    });
    // A run that ends as the cancel lands ends the service as cancelled, its result kept.
    const c = running({ restart: 'always', want: 'cancel' });
    expect(
      decideReport(c, { kind: 'succeeded', taskId: c.id, attempt: 3, result: 7 }, NOW, 0.5),
    ).toMatchObject({
      event: 'cancelAck',
      attemptOutcome: 'succeeded',
      patch: { state: 'cancelled', result: 7, finishedAt: NOW },
    });
    expect(decideLost(c, NOW, 0.5)).toMatchObject({ patch: { state: 'cancelled' } });
  });
});
