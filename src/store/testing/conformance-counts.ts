import { describe, expect, it } from 'vitest';
import type { TaskState } from '../../domain/task.js';
import type { Store } from '../store.js';
import { fixedRandom, lead, newTask, T0 } from './fixtures.js';
import { insertOne, insertRunning, type Harness } from './harness.js';
import { createWorkflow, finish, stepsOf } from './workflow-fixtures.js';
import { driveCountPaths } from './count-paths.js';

type Counts = Map<string, Partial<Record<TaskState, number>>>;

/** The counts as they should be: every task listed, tallied by queue and state. */
async function tally(store: Store): Promise<Counts> {
  const out: Counts = new Map();
  let cursor: string | undefined;
  for (;;) {
    const page = await store.taskList({ limit: 500, ...(cursor ? { cursor } : {}) });
    for (const t of page.tasks) {
      let byState = out.get(t.queue);
      if (!byState) out.set(t.queue, (byState = {}));
      byState[t.state] = (byState[t.state] ?? 0) + 1;
    }
    if (page.nextCursor === null) return out;
    cursor = page.nextCursor;
  }
}

/**
 * `taskCounts`, all queues and each queue alone, equals the tally, before and after a fold.
 * `step` names the check in a failure.
 */
async function expectExact(store: Store, expected?: Counts, step?: string): Promise<void> {
  const want = await tally(store);
  if (expected) expect(want, step).toEqual(expected);
  const check = async () => {
    expect(await store.taskCounts(), step).toEqual(want);
    for (const [queue, byState] of want) {
      expect(await store.taskCounts(queue), step).toEqual(new Map([[queue, byState]]));
    }
    expect(await store.taskCounts('no-such-queue'), step).toEqual(new Map());
  };
  await check();
  await store.taskCountsFold();
  await check();
}

export function describeTaskCounts(h: Harness): void {
  describe('taskCounts (kept counters)', () => {
    it('stay exact through submit, every transition, retry of a dead task and cancel', async () => {
      const store = h.store();
      await expectExact(store, new Map());
      // Submit: ready, pending (delayed), blocked; one batch over two queues.
      const [a, b, c] = await store.taskInsert(
        [
          newTask({ queue: 'q1' }),
          newTask({ queue: 'q1', runAt: T0 + 1_000 }),
          newTask({ queue: 'q2', maxAttempts: 1 }),
        ],
        T0,
      );
      await expectExact(
        store,
        new Map([
          ['q1', { ready: 1, pending: 1 }],
          ['q2', { ready: 1 }],
        ]),
      );
      const fence = await lead(store, T0);
      // Promote the delayed task.
      expect(await store.taskPromoteDue(fence, T0 + 2_000, 10)).toBe(1);
      await expectExact(
        store,
        new Map([
          ['q1', { ready: 2 }],
          ['q2', { ready: 1 }],
        ]),
      );
      // Assign, start, pause, resume.
      await store.taskAssign(
        fence,
        [
          { taskId: a!.task.id, workerId: 'w1' },
          { taskId: c!.task.id, workerId: 'w1' },
        ],
        T0 + 2_000,
      );
      await expectExact(
        store,
        new Map([
          ['q1', { ready: 1, assigned: 1 }],
          ['q2', { assigned: 1 }],
        ]),
      );
      const r = fixedRandom();
      await store.taskReport([{ kind: 'started', taskId: a!.task.id, attempt: 1 }], T0 + 2_001, r);
      await store.taskReport([{ kind: 'paused', taskId: a!.task.id, attempt: 1 }], T0 + 2_002, r);
      await expectExact(store);
      await store.taskReport([{ kind: 'resumed', taskId: a!.task.id, attempt: 1 }], T0 + 2_003, r);
      // A retryable failure goes back to pending; the one-attempt task fails for good (dead).
      await store.taskReport(
        [
          { kind: 'failed', taskId: a!.task.id, attempt: 1, error: { message: 'x' } },
          { kind: 'started', taskId: c!.task.id, attempt: 1 },
        ],
        T0 + 2_004,
        r,
      );
      await store.taskReport(
        [{ kind: 'failed', taskId: c!.task.id, attempt: 1, error: { message: 'y' } }],
        T0 + 2_005,
        r,
      );
      await expectExact(
        store,
        new Map([
          ['q1', { ready: 1, pending: 1 }],
          ['q2', { failed: 1 }],
        ]),
      );
      // Retry of the dead task, then cancel it and the other two.
      expect((await store.taskAct(c!.task.id, 'retry', T0 + 3_000, 'op')).ok).toBe(true);
      await expectExact(
        store,
        new Map([
          ['q1', { ready: 1, pending: 1 }],
          ['q2', { ready: 1 }],
        ]),
      );
      for (const t of [a!, b!, c!]) await store.taskAct(t.task.id, 'cancel', T0 + 4_000, 'op');
      await expectExact(
        store,
        new Map([
          ['q1', { cancelled: 2 }],
          ['q2', { cancelled: 1 }],
        ]),
      );
      // Success.
      const { task } = await insertRunning(store, { queue: 'q2' }, { now: T0 + 5_000, fence });
      await store.taskReport(
        [{ kind: 'succeeded', taskId: task.id, attempt: task.attempt, result: 1 }],
        T0 + 5_001,
        r,
      );
      await expectExact(
        store,
        new Map([
          ['q1', { cancelled: 2 }],
          ['q2', { cancelled: 1, succeeded: 1 }],
        ]),
      );
    });

    it('stay exact through lost workers, deadlines and retention deletes', async () => {
      const store = h.store();
      const fence = await lead(store, T0);
      const lost = await insertRunning(store, { queue: 'a' }, { fence, workerId: 'w1' });
      const late = await insertRunning(
        store,
        { queue: 'b', timeoutMs: 10 },
        { fence, workerId: 'w2' },
      );
      await store.taskRequeueFromWorkers(fence, ['w1'], T0 + 1, fixedRandom());
      await store.taskExpireDeadlines(fence, T0 + 1_000, fixedRandom());
      expect((await store.taskGet(lost.task.id))!.state).not.toBe('running');
      expect((await store.taskGet(late.task.id))!.state).not.toBe('running');
      await expectExact(store);
      // Finish a few and delete them by retention.
      for (const t of [lost.task, late.task]) await store.taskAct(t.id, 'cancel', T0 + 2_000, null);
      await insertOne(store, { queue: 'a' }, T0 + 2_000);
      await expectExact(
        store,
        new Map([
          ['a', { cancelled: 1, ready: 1 }],
          ['b', { cancelled: 1 }],
        ]),
      );
      expect(await store.taskPrune(fence, T0 + 10_000, 100)).toBe(2);
      await expectExact(store, new Map([['a', { ready: 1 }]]));
    });

    it('stay exact through a workflow', async () => {
      const store = h.store();
      const fence = await lead(store, T0);
      const id = await createWorkflow(store, [
        { id: 'a' },
        { id: 'b', dependsOn: ['a'] },
        { id: 'c', dependsOn: ['a'], when: 'failure' },
      ]);
      await expectExact(store);
      const steps = await stepsOf(store, id);
      await finish(store, fence, steps.get('a')!, { result: 1 }, T0 + 10);
      await expectExact(store);
      const after = await stepsOf(store, id);
      expect(after.get('b')!.state).toBe('ready');
      await finish(store, fence, after.get('b')!, { error: 'no' }, T0 + 20);
      await expectExact(store);
      await store.workflowCancel(id, T0 + 30, 'op');
      await expectExact(store);
    });

    it('stay exact through every write that changes a state, and one rolled back', async () => {
      const store = h.store();
      await driveCountPaths(store, (step) => expectExact(store, undefined, step));
    });

    it('fold into the counters on Postgres; SQLite has nothing to fold', async () => {
      const store = h.store();
      await store.taskInsert([newTask({ queue: 'f' }), newTask({ queue: 'f' })], T0);
      await insertOne(store, { queue: 'g' });
      const folded = await store.taskCountsFold();
      if (store.driver === 'postgres') expect(folded).toBeGreaterThan(0);
      else expect(folded).toBe(0);
      expect(await store.taskCountsFold()).toBe(0);
      await expectExact(
        store,
        new Map([
          ['f', { ready: 2 }],
          ['g', { ready: 1 }],
        ]),
      );
    });
  });
}
