import { describe, expect, it } from 'vitest';
import { LeaseLostError, type LeaderFence, type Store } from '../store.js';
import { fixedRandom, lead, newTask, newWorker, T0 } from './fixtures.js';
import { insertAssigned, insertOne, insertRunning, type Harness } from './harness.js';

/** Every leader method, called with `fence`. */
function leaderCalls(store: Store, fence: LeaderFence, taskId: string) {
  return {
    taskPromoteDue: () => store.taskPromoteDue(fence, T0 + 100_000, 10),
    taskAssign: () => store.taskAssign(fence, [{ taskId, workerId: 'w1' }], T0),
    taskExpireDeadlines: () => store.taskExpireDeadlines(fence, T0 + 100_000, fixedRandom()),
    taskRequeueFromWorkers: () =>
      store.taskRequeueFromWorkers(fence, ['w1'], T0 + 100_000, fixedRandom()),
    workerExpire: () => store.workerExpire(fence, T0 + 100_000),
  };
}

export function describeLeaderFencing(h: Harness): void {
  describe('leader fencing', () => {
    it('refuses every leader method without a lease, changing nothing', async () => {
      const store = h.store();
      const t = await insertOne(store);
      await store.workerUpsert(newWorker());
      const fence = { name: 'leader', holder: 'ghost', token: 1 };
      for (const [name, call] of Object.entries(leaderCalls(store, fence, t.id))) {
        await expect(call(), name).rejects.toBeInstanceOf(LeaseLostError);
      }
      expect(await store.taskGet(t.id)).toEqual(t);
      expect((await store.workerGet('w1'))!.status).toBe('live');
    });

    it('refuses a deposed leader after a takeover (token moved on)', async () => {
      const store = h.store();
      const old = await lead(store, T0, 'a', 1000);
      const pending = await insertOne(store, { runAt: T0 + 10 });
      const ready = await insertOne(store);
      const { task: running } = await insertRunning(store, { timeoutMs: 5 }, { fence: old });
      await store.workerUpsert(newWorker({ expiresAt: T0 + 50 }));
      const fresh = await lead(store, T0 + 1000, 'b', 1000);
      expect(fresh.token).toBeGreaterThan(old.token);
      for (const [name, call] of Object.entries(leaderCalls(store, old, ready.id))) {
        await expect(call(), name).rejects.toBeInstanceOf(LeaseLostError);
      }
      expect((await store.taskGet(pending.id))!.state).toBe('pending');
      expect((await store.taskGet(ready.id))!.state).toBe('ready');
      expect((await store.taskGet(running.id))!.state).toBe('running');
      expect((await store.workerGet('w1'))!.status).toBe('live');
      // The same holder with a stale token is refused too.
      const stale = { ...fresh, token: fresh.token - 1 };
      await expect(store.taskPromoteDue(stale, T0 + 2000, 10)).rejects.toBeInstanceOf(
        LeaseLostError,
      );
      expect(await store.taskPromoteDue(fresh, T0 + 2000, 10)).toBe(1);
    });

    it('refuses a fence with the wrong holder or lease name', async () => {
      const store = h.store();
      const fence = await lead(store);
      await expect(
        store.taskPromoteDue({ ...fence, holder: 'other' }, T0, 10),
      ).rejects.toBeInstanceOf(LeaseLostError);
      await expect(
        store.taskPromoteDue({ ...fence, name: 'other' }, T0, 10),
      ).rejects.toBeInstanceOf(LeaseLostError);
    });

    it('accepts the fence of an expired lease nobody took over', async () => {
      const store = h.store();
      const fence = await lead(store, T0, 'a', 1000);
      await insertOne(store, { runAt: T0 + 10 });
      expect(await store.taskPromoteDue(fence, T0 + 5000, 10)).toBe(1);
    });

    it('refuses after the leader released the lease', async () => {
      const store = h.store();
      const fence = await lead(store);
      await store.leaseRelease('leader', fence.holder);
      await expect(store.taskPromoteDue(fence, T0, 10)).rejects.toBeInstanceOf(LeaseLostError);
    });
  });
}

export function describeLeases(h: Harness): void {
  describe('leases', () => {
    it('takes a free lease with token 1 and renews it keeping token and since', async () => {
      const store = h.store();
      expect(await store.leaseGet('leader')).toBeNull();
      const first = await store.leaseAcquire('leader', 'a', 1000, T0);
      expect(first).toEqual({
        name: 'leader',
        holder: 'a',
        token: 1,
        since: T0,
        expiresAt: T0 + 1000,
      });
      const renewed = await store.leaseAcquire('leader', 'a', 1000, T0 + 500);
      expect(renewed).toEqual({ ...first, expiresAt: T0 + 1500 });
      expect(await store.leaseGet('leader')).toEqual(renewed);
    });

    it('refuses another holder while the lease is valid', async () => {
      const store = h.store();
      await store.leaseAcquire('leader', 'a', 1000, T0);
      expect(await store.leaseAcquire('leader', 'b', 1000, T0 + 999)).toBeNull();
      expect((await store.leaseGet('leader'))!.holder).toBe('a');
    });

    it('lets another holder take an expired lease, growing the token', async () => {
      const store = h.store();
      await store.leaseAcquire('leader', 'a', 1000, T0);
      const taken = await store.leaseAcquire('leader', 'b', 1000, T0 + 1000);
      expect(taken).toEqual({
        name: 'leader',
        holder: 'b',
        token: 2,
        since: T0 + 1000,
        expiresAt: T0 + 2000,
      });
      expect(await store.leaseAcquire('leader', 'a', 1000, T0 + 1500)).toBeNull();
    });

    it('keeps leases of different names apart', async () => {
      const store = h.store();
      expect(await store.leaseAcquire('x', 'a', 1000, T0)).not.toBeNull();
      expect(await store.leaseAcquire('y', 'b', 1000, T0)).not.toBeNull();
      expect((await store.leaseGet('x'))!.holder).toBe('a');
      expect((await store.leaseGet('y'))!.holder).toBe('b');
    });

    it('releases only for the holder; the next holder gets a higher token', async () => {
      const store = h.store();
      const a = (await store.leaseAcquire('leader', 'a', 10_000, T0))!;
      await store.leaseRelease('leader', 'b');
      expect((await store.leaseGet('leader'))!.holder).toBe('a');
      await store.leaseRelease('leader', 'a');
      expect(await store.leaseGet('leader')).toBeNull();
      const b = await store.leaseAcquire('leader', 'b', 10_000, T0 + 1);
      expect(b!.token).toBeGreaterThan(a.token);
      expect(b!.since).toBe(T0 + 1);
    });
  });
}

export function describePromote(h: Harness): void {
  describe('taskPromoteDue / taskNextDue', () => {
    it('promotes due pending tasks, oldest first, up to the limit', async () => {
      const store = h.store();
      const fence = await lead(store);
      const res = await store.taskInsert(
        [
          newTask({ runAt: T0 + 300 }),
          newTask({ runAt: T0 + 100 }),
          newTask({ runAt: T0 + 200 }),
          newTask({ runAt: T0 + 10_000 }),
        ],
        T0,
      );
      const [c, a, b, later] = res.map((r) => r.task);
      expect(await store.taskNextDue()).toBe(T0 + 100);
      h.clearEvents();
      expect(await store.taskPromoteDue(fence, T0 + 500, 2)).toBe(2);
      expect((await store.taskGet(a!.id))!.state).toBe('ready');
      expect((await store.taskGet(b!.id))!.state).toBe('ready');
      expect((await store.taskGet(c!.id))!.state).toBe('pending');
      const promoted = (await store.taskGet(a!.id))!;
      expect(promoted.version).toBeGreaterThan(a!.version);
      expect(promoted.updatedAt).toBe(T0 + 500);
      expect(
        h
          .taskChanges()
          .map((x) => [x.id, x.state])
          .sort(),
      ).toEqual(
        [
          [a!.id, 'ready'],
          [b!.id, 'ready'],
        ].sort(),
      );
      expect(await store.taskNextDue()).toBe(T0 + 300);
      expect(await store.taskPromoteDue(fence, T0 + 500, 10)).toBe(1);
      expect((await store.taskGet(later!.id))!.state).toBe('pending');
      expect(await store.taskNextDue()).toBe(T0 + 10_000);
      expect(await store.taskPromoteDue(fence, T0 + 500, 10)).toBe(0);
    });

    it('returns null when nothing is pending', async () => {
      await insertOne(h.store());
      expect(await h.store().taskNextDue()).toBeNull();
    });
  });
}

export function describeAssign(h: Harness): void {
  describe('taskAssign / taskListOnWorker / taskActive', () => {
    it('moves ready tasks to assigned as a new attempt, skipping the rest', async () => {
      const store = h.store();
      const fence = await lead(store);
      const ready = await insertOne(store);
      const pending = await insertOne(store, { runAt: T0 + 1000 });
      const paused = await insertOne(store);
      await store.taskAct(paused.id, 'pause', T0, null);
      h.clearEvents();
      const moved = await store.taskAssign(
        fence,
        [
          { taskId: ready.id, workerId: 'w1' },
          { taskId: pending.id, workerId: 'w1' },
          { taskId: paused.id, workerId: 'w1' },
          { taskId: 'missing', workerId: 'w1' },
          { taskId: ready.id, workerId: 'w2' },
        ],
        T0 + 10,
      );
      expect(moved).toHaveLength(1);
      expect(moved[0]).toMatchObject({
        id: ready.id,
        state: 'assigned',
        workerId: 'w1',
        attempt: 1,
        updatedAt: T0 + 10,
      });
      expect(moved[0]!.version).toBeGreaterThan(ready.version);
      expect(await store.taskGet(ready.id)).toEqual(moved[0]);
      expect(h.taskChanges()).toEqual([
        {
          id: ready.id,
          queue: 'default',
          state: 'assigned',
          want: 'run',
          workerId: 'w1',
          attempt: 1,
          runAt: null,
        },
      ]);
      expect((await store.taskListOnWorker('w1')).map((t) => t.id)).toEqual([ready.id]);
      expect(await store.taskListOnWorker('w2')).toEqual([]);
    });

    it('assigns from the tasks as the placer read them, the same as from the rows', async () => {
      const store = h.store();
      const fence = await lead(store);
      const a = await insertOne(store);
      const b = await insertOne(store);
      const seen = await store.taskReadyBatch(10);
      h.clearEvents();
      const moved = await store.taskAssign(
        fence,
        [
          { taskId: a.id, workerId: 'w1' },
          { taskId: b.id, workerId: 'w2' },
          { taskId: a.id, workerId: 'w2' },
        ],
        T0 + 10,
        seen,
      );
      expect(moved.map((t) => [t.id, t.workerId, t.attempt])).toEqual([
        [a.id, 'w1', 1],
        [b.id, 'w2', 1],
      ]);
      expect(await store.taskGet(a.id)).toEqual(moved[0]);
      expect(await store.taskGet(b.id)).toEqual(moved[1]);
      expect(h.taskChanges().map((c) => [c.id, c.state])).toEqual([
        [a.id, 'assigned'],
        [b.id, 'assigned'],
      ]);
      expect((await store.taskEvents(a.id)).map((e) => e.kind)).toEqual(['submitted', 'assigned']);
      expect((await store.taskCounts()).get('default')).toMatchObject({ assigned: 2 });
    });

    it('places by the rows, not a stale read, when tasks changed since the placer read them', async () => {
      const store = h.store();
      const fence = await lead(store);
      const cancelled = await insertOne(store);
      const placed = await insertOne(store);
      const still = await insertOne(store);
      const seen = await store.taskReadyBatch(10);
      await store.taskAct(cancelled.id, 'cancel', T0 + 1, 'op');
      await store.taskAssign(fence, [{ taskId: placed.id, workerId: 'w9' }], T0 + 2);
      h.clearEvents();
      const moved = await store.taskAssign(
        fence,
        [
          { taskId: cancelled.id, workerId: 'w1' },
          { taskId: placed.id, workerId: 'w1' },
          { taskId: still.id, workerId: 'w1' },
        ],
        T0 + 10,
        seen,
      );
      expect(moved.map((t) => t.id)).toEqual([still.id]);
      expect((await store.taskGet(cancelled.id))!.state).toBe('cancelled');
      expect(await store.taskGet(placed.id)).toMatchObject({ workerId: 'w9', attempt: 1 });
      expect(await store.taskGet(still.id)).toMatchObject({ state: 'assigned', workerId: 'w1' });
      expect(h.taskChanges().map((c) => [c.id, c.state])).toEqual([[still.id, 'assigned']]);
      expect((await store.taskCounts()).get('default')).toMatchObject({
        assigned: 2,
        cancelled: 1,
      });
    });

    it('tallies tasks on workers per worker, queue and key, and starts per window', async () => {
      const store = h.store();
      const fence = await lead(store);
      const opts = (workerId: string, now: number) => ({ workerId, now, fence });
      await insertAssigned(
        store,
        { resources: { cpu: 1, memoryMb: 256 }, concurrencyKey: 'k' },
        opts('w1', T0),
      );
      await insertRunning(store, { resources: { cpu: 0.5 }, queue: 'q2' }, opts('w1', T0 + 100));
      await insertAssigned(store, { concurrencyKey: 'k' }, opts('w2', T0 + 200));
      const done = await insertRunning(store, {}, opts('w2', T0 + 300));
      await store.taskReport(
        [{ kind: 'succeeded', taskId: done.task.id, attempt: 1, result: null }],
        T0 + 400,
        fixedRandom(),
      );
      await insertOne(store); // ready, not on a worker
      const tally = await store.taskActive(
        new Map([
          ['default', T0 + 150],
          ['q2', T0],
          ['idle', T0],
        ]),
      );
      expect(tally.byWorker).toEqual(
        new Map([
          ['w1', { count: 2, cpu: 1.5, memoryMb: 256 }],
          ['w2', { count: 1, cpu: 0, memoryMb: 0 }],
        ]),
      );
      expect(tally.byQueue).toEqual(
        new Map([
          ['default', 2],
          ['q2', 1],
        ]),
      );
      expect(tally.byKey).toEqual(new Map([['k', 2]]));
      expect(
        tally.held
          .map((t) => `${t.workerId}:${t.queue}:${t.concurrencyKey}:${t.cpu}:${t.memoryMb}`)
          .sort(),
      ).toEqual(['w1:default:k:1:256', 'w1:q2:null:0.5:0', 'w2:default:k:0:0']);
      expect(tally.held.every((t) => t.attempt === 1)).toBe(true);
      // default: assigned at T0+200 and T0+300 (the finished one counts: it started).
      expect(tally.startedByQueue).toEqual(
        new Map([
          ['default', 2],
          ['q2', 1],
          ['idle', 0],
        ]),
      );
      expect((await store.taskActive(new Map())).startedByQueue.size).toBe(0);
    });
  });
}

export function describeDeadlines(h: Harness): void {
  describe('taskExpireDeadlines / taskNextDeadline', () => {
    it('times out running attempts past their deadline and requeues them', async () => {
      const store = h.store();
      const { task, fence } = await insertRunning(store, { timeoutMs: 1000 });
      const other = await insertRunning(store, { timeoutMs: 5000 }, { fence });
      expect(task.deadlineAt).toBe(T0 + 1000);
      expect(await store.taskNextDeadline()).toBe(T0 + 1000);
      expect(await store.taskExpireDeadlines(fence, T0 + 999, fixedRandom())).toEqual([]);
      h.clearEvents();
      const expired = await store.taskExpireDeadlines(fence, T0 + 1000, fixedRandom());
      expect(expired).toHaveLength(1);
      expect(expired[0]).toMatchObject({
        id: task.id,
        state: 'pending',
        workerId: null,
        deadlineAt: null,
        runAt: T0 + 2000,
        error: { code: 'TIMEOUT' },
      });
      expect(await store.taskGet(task.id)).toEqual(expired[0]);
      expect(h.taskChanges().map((c) => c.id)).toEqual([task.id]);
      expect(await store.taskNextDeadline()).toBe(other.task.deadlineAt);
      const attempts = await store.taskAttempts(task.id);
      expect(attempts).toEqual([
        {
          taskId: task.id,
          attempt: 1,
          workerId: 'w1',
          outcome: 'timeout',
          startedAt: T0,
          finishedAt: T0 + 1000,
          error: expect.objectContaining({ code: 'TIMEOUT' }),
        },
      ]);
      const last = (await store.taskEvents(task.id)).at(-1)!;
      expect(last).toMatchObject({ kind: 'timeout', from: 'running', to: 'pending', attempt: 1 });
    });

    it('returns null when no attempt has a deadline', async () => {
      await insertRunning(h.store());
      expect(await h.store().taskNextDeadline()).toBeNull();
    });
  });
}

export function describeRequeue(h: Harness): void {
  describe('taskRequeueFromWorkers', () => {
    it('requeues the tasks of lost workers: unstarted ones free, started ones as failures', async () => {
      const store = h.store();
      const fence = await lead(store);
      const { task: assigned } = await insertAssigned(store, {}, { fence });
      const { task: running } = await insertRunning(store, {}, { fence });
      const { task: elsewhere } = await insertRunning(store, {}, { fence, workerId: 'w2' });
      const requeued = await store.taskRequeueFromWorkers(
        fence,
        ['w1', 'w9'],
        T0 + 50,
        fixedRandom(),
      );
      const byId = new Map(requeued.map((t) => [t.id, t]));
      expect(byId.size).toBe(2);
      expect(byId.get(assigned.id)).toMatchObject({
        state: 'ready',
        workerId: null,
        attempt: 1,
        attemptBase: 1,
      });
      expect(byId.get(running.id)).toMatchObject({
        state: 'pending',
        workerId: null,
        runAt: T0 + 1050,
        error: { code: 'WORKER_LOST' },
      });
      expect((await store.taskGet(elsewhere.id))!.state).toBe('running');
      expect(await store.taskListOnWorker('w1')).toEqual([]);
      expect((await store.taskAttempts(running.id)).map((a) => a.outcome)).toEqual(['lost']);
      expect((await store.taskAttempts(assigned.id)).map((a) => a.outcome)).toEqual(['lost']);
      expect(await store.taskRequeueFromWorkers(fence, [], T0, fixedRandom())).toEqual([]);
    });
  });
}
