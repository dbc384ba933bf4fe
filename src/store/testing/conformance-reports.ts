import { describe, expect, it } from 'vitest';
import { fixedRandom, T0 } from './fixtures.js';
import { insertAssigned, insertOne, insertRunning, type Harness } from './harness.js';

export function describeReports(h: Harness): void {
  describe('taskReport', () => {
    it('starts an assigned task, setting startedAt and the deadline', async () => {
      const store = h.store();
      const { task } = await insertAssigned(store, { timeoutMs: 2000 });
      h.clearEvents();
      const [res] = await store.taskReport(
        [{ kind: 'started', taskId: task.id, attempt: 1 }],
        T0 + 5,
        fixedRandom(),
      );
      expect(res).toMatchObject({ taskId: task.id, attempt: 1, accepted: true });
      expect(res!.task).toMatchObject({
        state: 'running',
        startedAt: T0 + 5,
        deadlineAt: T0 + 2005,
        updatedAt: T0 + 5,
      });
      expect(res!.task!.version).toBeGreaterThan(task.version);
      expect(await store.taskGet(task.id)).toEqual(res!.task);
      expect(h.taskChanges()).toEqual([expect.objectContaining({ id: task.id, state: 'running' })]);
      // Started and progress are the hot path: no history events.
      await store.taskReport(
        [{ kind: 'progress', taskId: task.id, attempt: 1, progress: 0.5 }],
        T0 + 6,
        fixedRandom(),
      );
      expect((await store.taskGet(task.id))!.progress).toBe(0.5);
      expect((await store.taskEvents(task.id)).map((e) => e.kind)).toEqual([
        'submitted',
        'assigned',
      ]);
    });

    it('applies started and succeeded for one task in one batch, in order', async () => {
      const store = h.store();
      const { task } = await insertAssigned(store);
      h.clearEvents();
      const results = await store.taskReport(
        [
          { kind: 'started', taskId: task.id, attempt: 1 },
          { kind: 'progress', taskId: task.id, attempt: 1, progress: 1 },
          { kind: 'succeeded', taskId: task.id, attempt: 1, result: { ok: 1 } },
        ],
        T0 + 10,
        fixedRandom(),
      );
      expect(results.map((r) => r.accepted)).toEqual([true, true, true]);
      expect(results[0]!.task!.state).toBe('running');
      const final = await store.taskGet(task.id);
      expect(final).toMatchObject({
        state: 'succeeded',
        result: { ok: 1 },
        finishedAt: T0 + 10,
        startedAt: T0 + 10,
        workerId: 'w1',
        progress: 1,
      });
      expect(results[2]!.task).toEqual(final);
      expect(h.events().filter((e) => e.kind === 'tasks')).toHaveLength(1);
      expect(h.taskChanges().at(-1)).toMatchObject({ id: task.id, state: 'succeeded' });
      expect(await store.taskAttempts(task.id)).toEqual([
        {
          taskId: task.id,
          attempt: 1,
          workerId: 'w1',
          outcome: 'succeeded',
          startedAt: T0 + 10,
          finishedAt: T0 + 10,
          error: null,
        },
      ]);
      expect((await store.taskEvents(task.id)).map((e) => [e.kind, e.from, e.to])).toEqual([
        ['submitted', null, 'ready'],
        ['assigned', 'ready', 'assigned'],
        ['succeeded', 'running', 'succeeded'],
      ]);
      expect(await store.taskListOnWorker('w1')).toEqual([]);
    });

    it('refuses stale reports without applying them', async () => {
      const store = h.store();
      const { task, fence } = await insertRunning(store);
      // The attempt ends (worker lost); the task is placed again as attempt 2.
      await store.taskRequeueFromWorkers(fence, ['w1'], T0 + 1, fixedRandom());
      await store.taskPromoteDue(fence, T0 + 10_000, 10);
      const [second] = await store.taskAssign(
        fence,
        [{ taskId: task.id, workerId: 'w2' }],
        T0 + 10_000,
      );
      expect(second!.attempt).toBe(2);
      const before = await store.taskGet(task.id);
      h.clearEvents();
      const results = await store.taskReport(
        [
          { kind: 'succeeded', taskId: task.id, attempt: 1, result: 'old' },
          { kind: 'progress', taskId: task.id, attempt: 3, progress: 0.1 },
          { kind: 'started', taskId: 'missing', attempt: 1 },
        ],
        T0 + 10_001,
        fixedRandom(),
      );
      expect(results).toEqual([
        { taskId: task.id, attempt: 1, accepted: false },
        { taskId: task.id, attempt: 3, accepted: false },
        { taskId: 'missing', attempt: 1, accepted: false },
      ]);
      expect(await store.taskGet(task.id)).toEqual(before);
      expect(h.taskChanges()).toEqual([]);
    });

    it('refuses reports about a finished task', async () => {
      const store = h.store();
      const { task } = await insertRunning(store);
      await store.taskReport(
        [{ kind: 'succeeded', taskId: task.id, attempt: 1, result: 1 }],
        T0 + 1,
        fixedRandom(),
      );
      const [res] = await store.taskReport(
        [{ kind: 'failed', taskId: task.id, attempt: 1, error: { message: 'late' } }],
        T0 + 2,
        fixedRandom(),
      );
      expect(res!.accepted).toBe(false);
      expect((await store.taskGet(task.id))!.state).toBe('succeeded');
    });

    it('retries a failed attempt after the backoff, then dead-letters it', async () => {
      const store = h.store();
      const { task, fence } = await insertRunning(store, { maxAttempts: 2 });
      const [r1] = await store.taskReport(
        [{ kind: 'failed', taskId: task.id, attempt: 1, error: { message: 'boom', code: 'E1' } }],
        T0 + 100,
        fixedRandom(),
      );
      expect(r1!.task).toMatchObject({
        state: 'pending',
        runAt: T0 + 1100,
        workerId: null,
        error: { message: 'boom', code: 'E1' },
      });
      expect(await store.taskPromoteDue(fence, T0 + 1100, 10)).toBe(1);
      await store.taskAssign(fence, [{ taskId: task.id, workerId: 'w1' }], T0 + 1200);
      const [r2] = await store.taskReport(
        [{ kind: 'failed', taskId: task.id, attempt: 2, error: { message: 'again' } }],
        T0 + 1300,
        fixedRandom(),
      );
      expect(r2!.task).toMatchObject({ state: 'failed', finishedAt: T0 + 1300, attempt: 2 });
      const attempts = await store.taskAttempts(task.id);
      expect(attempts.map((a) => [a.attempt, a.outcome, a.startedAt, a.finishedAt])).toEqual([
        [1, 'failed', T0, T0 + 100],
        [2, 'failed', T0 + 1200, T0 + 1300],
      ]);
      expect(attempts[0]!.error).toEqual({ message: 'boom', code: 'E1' });
      const events = await store.taskEvents(task.id);
      expect(events.map((e) => [e.kind, e.attempt, e.from, e.to])).toEqual([
        ['submitted', 0, null, 'ready'],
        ['assigned', 1, 'ready', 'assigned'],
        ['failed', 1, 'running', 'pending'],
        ['assigned', 2, 'ready', 'assigned'],
        ['failed', 2, 'assigned', 'failed'],
      ]);
      expect(events[1]!.detail).toEqual({ workerId: 'w1', leaderToken: fence.token });
      expect(events[2]!.detail).toMatchObject({ error: { message: 'boom', code: 'E1' } });
    });

    it('dead-letters a non-retryable failure at once', async () => {
      const store = h.store();
      const { task } = await insertRunning(store, { maxAttempts: 5 });
      const [r] = await store.taskReport(
        [
          {
            kind: 'failed',
            taskId: task.id,
            attempt: 1,
            error: { message: 'bad input' },
            retryable: false,
          },
        ],
        T0 + 1,
        fixedRandom(),
      );
      expect(r!.task!.state).toBe('failed');
    });

    it('snoozes without spending an attempt', async () => {
      const store = h.store();
      const { task } = await insertRunning(store);
      const [r] = await store.taskReport(
        [{ kind: 'snoozed', taskId: task.id, attempt: 1, delayMs: 5000 }],
        T0 + 10,
        fixedRandom(),
      );
      expect(r!.task).toMatchObject({
        state: 'pending',
        runAt: T0 + 5010,
        attempt: 1,
        attemptBase: 1,
        workerId: null,
      });
      expect((await store.taskAttempts(task.id)).map((a) => a.outcome)).toEqual(['snoozed']);
      expect((await store.taskEvents(task.id)).at(-1)!.kind).toBe('snoozed');
    });

    it('pauses and resumes on the worker, then acknowledges a wanted cancel', async () => {
      const store = h.store();
      const { task } = await insertRunning(store, { timeoutMs: 1000 });
      await store.taskAct(task.id, 'pause', T0 + 1, 'ops');
      const [p] = await store.taskReport(
        [{ kind: 'paused', taskId: task.id, attempt: 1 }],
        T0 + 2,
        fixedRandom(),
      );
      expect(p!.task).toMatchObject({ state: 'paused', want: 'pause', deadlineAt: null });
      expect(await store.taskNextDeadline()).toBeNull();
      await store.taskAct(task.id, 'resume', T0 + 3, 'ops');
      const [r] = await store.taskReport(
        [{ kind: 'resumed', taskId: task.id, attempt: 1 }],
        T0 + 4,
        fixedRandom(),
      );
      expect(r!.task).toMatchObject({ state: 'running', want: 'run', deadlineAt: T0 + 1004 });
      await store.taskAct(task.id, 'cancel', T0 + 5, 'ops');
      const [c] = await store.taskReport(
        [{ kind: 'cancelled', taskId: task.id, attempt: 1 }],
        T0 + 6,
        fixedRandom(),
      );
      expect(c!.task).toMatchObject({ state: 'cancelled', finishedAt: T0 + 6 });
      expect(await store.taskAttempts(task.id)).toEqual([
        expect.objectContaining({ attempt: 1, outcome: 'cancelled', error: null }),
      ]);
    });

    it('returns [] for an empty batch', async () => {
      expect(await h.store().taskReport([], T0, fixedRandom())).toEqual([]);
    });
  });

  describe('taskAttempts', () => {
    it('lists ended attempts oldest first, then the one in progress', async () => {
      const store = h.store();
      const { task, fence } = await insertRunning(store);
      await store.taskReport(
        [{ kind: 'failed', taskId: task.id, attempt: 1, error: { message: 'x' } }],
        T0 + 10,
        fixedRandom(),
      );
      await store.taskPromoteDue(fence, T0 + 5000, 10);
      await store.taskAssign(fence, [{ taskId: task.id, workerId: 'w2' }], T0 + 5000);
      const attempts = await store.taskAttempts(task.id);
      expect(attempts).toEqual([
        expect.objectContaining({ attempt: 1, outcome: 'failed', workerId: 'w1' }),
        {
          taskId: task.id,
          attempt: 2,
          workerId: 'w2',
          outcome: 'running',
          startedAt: T0 + 5000,
          finishedAt: null,
          error: null,
        },
      ]);
      await store.taskReport(
        [{ kind: 'started', taskId: task.id, attempt: 2 }],
        T0 + 5100,
        fixedRandom(),
      );
      expect((await store.taskAttempts(task.id))[1]!.startedAt).toBe(T0 + 5100);
    });

    it('is empty for a task never placed, or unknown', async () => {
      const store = h.store();
      const task = await insertOne(store);
      expect(await store.taskAttempts(task.id)).toEqual([]);
      expect(await store.taskAttempts('missing')).toEqual([]);
      expect(await store.taskEvents('missing')).toEqual([]);
    });
  });
}
