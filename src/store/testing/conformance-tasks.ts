import { describe, expect, it } from 'vitest';
import type { Task } from '../../domain/task.js';
import { fixedRandom, newTask, T0 } from './fixtures.js';
import { insertOne, insertRunning, type Harness } from './harness.js';

export function describeSubmission(h: Harness): void {
  describe('taskInsert', () => {
    it('inserts ready, pending and blocked tasks with initial fields', async () => {
      const store = h.store();
      const res = await store.taskInsert(
        [
          newTask(),
          newTask({ runAt: T0 + 5000 }),
          newTask({ runAt: T0 - 5000 }),
          newTask({ runAt: T0 }),
          newTask({ blocked: true, runAt: T0 + 5000 }),
        ],
        T0,
      );
      expect(res.map((r) => r.created)).toEqual([true, true, true, true, true]);
      expect(res.map((r) => r.task.state)).toEqual([
        'ready',
        'pending',
        'ready',
        'ready',
        'blocked',
      ]);
      const t = res[0]!.task;
      expect(t).toMatchObject({
        want: 'run',
        attempt: 0,
        attemptBase: 0,
        workerId: null,
        createdAt: T0,
        updatedAt: T0,
        startedAt: null,
        finishedAt: null,
        deadlineAt: null,
        result: null,
        error: null,
        progress: null,
      });
      expect(t.version).toBeGreaterThan(0);
      expect(t.id).toMatch(/^[0-9A-Z]{26}$/);
      expect(t).not.toHaveProperty('blocked');
    });

    it('gives time-ordered ids, in batch order', async () => {
      const res = await h.store().taskInsert([newTask(), newTask(), newTask()], T0);
      const ids = res.map((r) => r.task.id);
      expect([...ids].sort()).toEqual(ids);
      expect(new Set(ids).size).toBe(3);
      const [later] = await h.store().taskInsert([newTask()], T0 + 1);
      expect(later!.task.id > ids[2]!).toBe(true);
    });

    it('stores every field of the spec (round trip)', async () => {
      const store = h.store();
      const spec = newTask({
        type: 'email.send',
        queue: 'mail',
        payload: { to: 'a@b.c', nested: [1, { x: null }], text: 'héllo "quoted"' },
        priority: 7,
        runAt: T0 + 60_000,
        maxAttempts: 5,
        backoff: { kind: 'exponential', initialMs: 200, maxMs: 10_000, jitter: 0.1 },
        timeoutMs: 30_000,
        idempotencyKey: 'k-1',
        concurrencyKey: 'user-9',
        executor: { kind: 'process', command: ['echo', 'hi'], env: { A: '1' }, cwd: '/tmp' },
        selector: { zone: 'eu' },
        tolerations: [{ key: 'gpu', operator: 'Exists', effect: 'NoSchedule' }],
        resources: { cpu: 1.5, memoryMb: 512 },
        labels: { team: 'growth', env: 'prod' },
        workflowId: 'wf-1',
        stepId: 'step-a',
        scheduleId: 'sched-1',
        fireAt: T0 + 60_000,
      });
      const [res] = await store.taskInsert([spec], T0);
      const stored = await store.taskGet(res!.task.id);
      expect(stored).toEqual(res!.task);
      const { blocked: _blocked, ...fields } = spec;
      expect(stored).toMatchObject(fields);
    });

    it('round-trips scalar, array and null payloads', async () => {
      const store = h.store();
      for (const payload of [42, 'text', [1, 2], null, true]) {
        const t = await insertOne(store, { payload });
        expect((await store.taskGet(t.id))!.payload).toEqual(payload);
      }
    });

    it('returns the stored task for a known idempotency key (created: false)', async () => {
      const store = h.store();
      const first = await insertOne(store, { idempotencyKey: 'once', payload: { v: 1 } });
      const [again] = await store.taskInsert(
        [newTask({ idempotencyKey: 'once', payload: { v: 2 } })],
        T0 + 1000,
      );
      expect(again!.created).toBe(false);
      expect(again!.task).toEqual(first);
      const page = await store.taskList({ limit: 10 });
      expect(page.tasks).toHaveLength(1);
    });

    it('dedupes the same idempotency key twice in one batch', async () => {
      const res = await h
        .store()
        .taskInsert(
          [newTask({ idempotencyKey: 'dup' }), newTask({ idempotencyKey: 'dup' }), newTask()],
          T0,
        );
      expect(res.map((r) => r.created)).toEqual([true, false, true]);
      expect(res[1]!.task.id).toBe(res[0]!.task.id);
      expect((await h.store().taskList({ limit: 10 })).tasks).toHaveLength(2);
    });

    it('scopes idempotency keys to their queue', async () => {
      const res = await h
        .store()
        .taskInsert(
          [
            newTask({ idempotencyKey: 'k', queue: 'a' }),
            newTask({ idempotencyKey: 'k', queue: 'b' }),
          ],
          T0,
        );
      expect(res.map((r) => r.created)).toEqual([true, true]);
    });

    it('inserts all or nothing', async () => {
      const store = h.store();
      const bad = newTask({ type: null as unknown as string });
      await expect(store.taskInsert([newTask(), bad], T0)).rejects.toThrow();
      expect((await store.taskList({ limit: 10 })).tasks).toHaveLength(0);
      expect(h.taskChanges()).toHaveLength(0);
    });

    it('returns [] for an empty batch', async () => {
      expect(await h.store().taskInsert([], T0)).toEqual([]);
    });

    it('records a submitted event and emits one change event per call', async () => {
      const store = h.store();
      const res = await store.taskInsert([newTask(), newTask({ runAt: T0 + 1 })], T0);
      const taskEvents = h.events().filter((e) => e.kind === 'tasks');
      expect(taskEvents).toHaveLength(1);
      expect(h.taskChanges()).toEqual(
        res.map((r) => ({
          id: r.task.id,
          queue: 'default',
          state: r.task.state,
          want: 'run',
          workerId: null,
          attempt: 0,
          runAt: r.task.runAt,
        })),
      );
      const events = await store.taskEvents(res[1]!.task.id);
      expect(events).toEqual([
        {
          taskId: res[1]!.task.id,
          at: T0,
          kind: 'submitted',
          attempt: 0,
          from: null,
          to: 'pending',
          actor: null,
          detail: null,
        },
      ]);
    });

    it('does not emit a task change for a deduplicated insert', async () => {
      const store = h.store();
      await insertOne(store, { idempotencyKey: 'x' });
      h.clearEvents();
      await store.taskInsert([newTask({ idempotencyKey: 'x' })], T0);
      expect(h.taskChanges()).toHaveLength(0);
    });
  });
}

export function describeReading(h: Harness): void {
  describe('taskGet / taskList', () => {
    it('returns null for an unknown task', async () => {
      expect(await h.store().taskGet('nope')).toBeNull();
    });

    it('lists newest first and pages with a cursor', async () => {
      const store = h.store();
      const ids: string[] = [];
      for (let i = 0; i < 5; i++) ids.push((await insertOne(store, {}, T0 + i)).id);
      const newest = [...ids].reverse();
      const p1 = await store.taskList({ limit: 2 });
      expect(p1.tasks.map((t) => t.id)).toEqual(newest.slice(0, 2));
      expect(p1.nextCursor).toBe(newest[1]);
      const p2 = await store.taskList({ limit: 2, cursor: p1.nextCursor! });
      expect(p2.tasks.map((t) => t.id)).toEqual(newest.slice(2, 4));
      const p3 = await store.taskList({ limit: 2, cursor: p2.nextCursor! });
      expect(p3.tasks.map((t) => t.id)).toEqual(newest.slice(4));
      expect(p3.nextCursor).toBeNull();
    });

    it('gives a null cursor when the last page is exactly full', async () => {
      const store = h.store();
      for (let i = 0; i < 4; i++) await insertOne(store, {}, T0 + i);
      const p1 = await store.taskList({ limit: 2 });
      const p2 = await store.taskList({ limit: 2, cursor: p1.nextCursor! });
      expect(p2.tasks).toHaveLength(2);
      expect(p2.nextCursor).toBeNull();
      expect((await store.taskList({ limit: 4 })).nextCursor).toBeNull();
    });

    it('filters by states, queue, type, workflow and label', async () => {
      const store = h.store();
      const a = await insertOne(store, { queue: 'q1', type: 'x', labels: { team: 'a' } });
      const b = await insertOne(store, { queue: 'q2', type: 'y', workflowId: 'wf' }, T0 + 1);
      const c = await insertOne(
        store,
        { queue: 'q1', type: 'y', runAt: T0 + 10_000, labels: { team: 'b' } },
        T0 + 2,
      );
      const ids = async (f: Parameters<typeof store.taskList>[0]) =>
        (await store.taskList(f)).tasks.map((t) => t.id);
      expect(await ids({ limit: 10, queue: 'q1' })).toEqual([c.id, a.id]);
      expect(await ids({ limit: 10, type: 'y' })).toEqual([c.id, b.id]);
      expect(await ids({ limit: 10, states: ['pending'] })).toEqual([c.id]);
      expect(await ids({ limit: 10, states: ['ready', 'pending'] })).toEqual([c.id, b.id, a.id]);
      expect(await ids({ limit: 10, states: ['failed'] })).toEqual([]);
      expect(await ids({ limit: 10, workflowId: 'wf' })).toEqual([b.id]);
      expect(await ids({ limit: 10, label: ['team', 'a'] })).toEqual([a.id]);
      expect(await ids({ limit: 10, label: ['team', 'c'] })).toEqual([]);
      expect(await ids({ limit: 10, queue: 'q1', type: 'y', states: ['pending'] })).toEqual([c.id]);
    });

    it('lists by state across many queues, with every filter and paging', async () => {
      const store = h.store();
      // 410 queues with a ready task each, 300 of them with a pending one too: more (queue, state)
      // pairs than one compound SELECT of the SQLite driver may name, and fewer.
      const specs = Array.from({ length: 410 }, (_, i) => [
        newTask({ queue: `q${i}`, type: i % 2 === 0 ? 'x' : 'y', labels: { n: `${i % 3}` } }),
        ...(i < 300
          ? [newTask({ queue: `q${i}`, type: i % 2 === 0 ? 'y' : 'x', runAt: T0 + 10_000 })]
          : []),
      ]).flat();
      const tasks = (await store.taskInsert(specs, T0)).map((r) => r.task);
      const listAll = async (f: Omit<Parameters<typeof store.taskList>[0], 'limit'>) => {
        const out: string[] = [];
        let cursor: string | undefined;
        for (;;) {
          const page = await store.taskList({ ...f, limit: 97, ...(cursor ? { cursor } : {}) });
          out.push(...page.tasks.map((t) => t.id));
          if (page.nextCursor === null) return out;
          cursor = page.nextCursor;
        }
      };
      const want = (keep: (t: Task) => boolean) =>
        tasks
          .filter(keep)
          .map((t) => t.id)
          .sort()
          .reverse();
      const cases: [Omit<Parameters<typeof store.taskList>[0], 'limit'>, (t: Task) => boolean][] = [
        [{ states: ['pending'] }, (t) => t.state === 'pending'],
        [{ states: ['ready'] }, (t) => t.state === 'ready'],
        [{ states: ['ready', 'pending'] }, () => true],
        [{ states: ['pending'], type: 'x' }, (t) => t.state === 'pending' && t.type === 'x'],
        [{ states: ['ready'], type: 'y' }, (t) => t.state === 'ready' && t.type === 'y'],
        [
          { states: ['ready'], label: ['n', '1'] },
          (t) => t.state === 'ready' && t.labels.n === '1',
        ],
        [{ states: ['pending', 'failed'] }, (t) => t.state === 'pending'],
        [{ states: ['failed'] }, () => false],
      ];
      for (const [filter, keep] of cases) {
        expect(await listAll(filter), JSON.stringify(filter)).toEqual(want(keep));
      }
    });

    it('counts tasks per queue and state', async () => {
      const store = h.store();
      await store.taskInsert(
        [
          newTask({ queue: 'a' }),
          newTask({ queue: 'a' }),
          newTask({ queue: 'a', runAt: T0 + 1 }),
          newTask({ queue: 'b', blocked: true }),
        ],
        T0,
      );
      const counts = await store.taskCounts();
      expect(counts.get('a')).toEqual({ ready: 2, pending: 1 });
      expect(counts.get('b')).toEqual({ blocked: 1 });
      expect(counts.has('c')).toBe(false);
    });
  });

  describe('taskReadyBatch', () => {
    it('orders by priority, then due time, then id; only ready tasks; up to limit', async () => {
      const store = h.store();
      const res = await store.taskInsert(
        [
          newTask({ priority: 0 }), // due T0+100 (created)
          newTask({ priority: 5 }), // due T0+100
          newTask({ priority: 0, runAt: T0 + 50 }), // due T0+50 (runAt in the past)
          newTask({ priority: 0, runAt: T0 + 10_000 }), // pending
          newTask({ priority: 9, blocked: true }), // blocked
          newTask({ priority: 0 }), // due T0+100, id after the first
        ],
        T0 + 100,
      );
      const [p0, p5, early, , , p0b] = res.map((r) => r.task);
      const batch = await store.taskReadyBatch(10);
      expect(batch.map((t) => t.id)).toEqual([p5!.id, early!.id, p0!.id, p0b!.id]);
      expect((await store.taskReadyBatch(2)).map((t) => t.id)).toEqual([p5!.id, early!.id]);
      expect(await store.taskReadyBatch(0)).toEqual([]);
    });
  });

  describe('taskResults', () => {
    it('maps ids of succeeded tasks to their results', async () => {
      const store = h.store();
      const { task } = await insertRunning(store);
      const other = await insertOne(store);
      await store.taskReport(
        [{ kind: 'succeeded', taskId: task.id, attempt: task.attempt, result: { sum: 3 } }],
        T0 + 10,
        fixedRandom(),
      );
      const results = await store.taskResults([task.id, other.id, 'missing']);
      expect([...results.entries()]).toEqual([[task.id, { sum: 3 }]]);
      expect((await store.taskResults([])).size).toBe(0);
    });
  });

  describe('taskNote', () => {
    it('adds notes to the history without changing the task; notes on unknown tasks are dropped', async () => {
      const store = h.store();
      const task = await insertOne(store);
      await store.taskNote(
        [
          { taskId: task.id, kind: 'unplaceable', attempt: 0, detail: { reason: 'no worker' } },
          { taskId: 'missing', kind: 'unplaceable', attempt: 0, detail: null },
        ],
        T0 + 5,
      );
      const events = await store.taskEvents(task.id);
      expect(events.at(-1)).toMatchObject({
        kind: 'unplaceable',
        at: T0 + 5,
        from: null,
        to: null,
        detail: { reason: 'no worker' },
      });
      expect((await store.taskGet(task.id))!.version).toBe(task.version);
      expect(await store.taskEvents('missing')).toEqual([]);
    });
  });
}

export function describeOperatorActions(h: Harness): void {
  describe('taskAct', () => {
    it('answers not_found for an unknown task', async () => {
      const res = await h.store().taskAct('nope', 'pause', T0, 'ops');
      expect(res).toMatchObject({ ok: false, code: 'not_found' });
    });

    it('pauses and resumes a queued task, bumping version and updatedAt', async () => {
      const store = h.store();
      const t = await insertOne(store);
      h.clearEvents();
      const paused = await store.taskAct(t.id, 'pause', T0 + 10, 'alice');
      expect(paused.ok).toBe(true);
      const p = (paused as { task: Task }).task;
      expect(p).toMatchObject({ state: 'paused', want: 'pause', updatedAt: T0 + 10 });
      expect(p.version).toBeGreaterThan(t.version);
      expect(await store.taskGet(t.id)).toEqual(p);
      expect(h.taskChanges()).toEqual([
        expect.objectContaining({ id: t.id, state: 'paused', want: 'pause' }),
      ]);
      const resumed = await store.taskAct(t.id, 'resume', T0 + 20, 'bob');
      expect(resumed).toMatchObject({ ok: true, task: { state: 'ready', want: 'run' } });
      const events = await store.taskEvents(t.id);
      expect(events.map((e) => [e.kind, e.from, e.to, e.actor, e.at])).toEqual([
        ['submitted', null, 'ready', null, T0],
        ['pause', 'ready', 'paused', 'alice', T0 + 10],
        ['resume', 'paused', 'ready', 'bob', T0 + 20],
      ]);
    });

    it('resumes a paused task that is not yet due to pending', async () => {
      const store = h.store();
      const t = await insertOne(store, { runAt: T0 + 60_000 });
      await store.taskAct(t.id, 'pause', T0, null);
      const res = await store.taskAct(t.id, 'resume', T0 + 1, null);
      expect(res).toMatchObject({ ok: true, task: { state: 'pending', runAt: T0 + 60_000 } });
    });

    it('cancels a queued task and refuses to cancel it again (conflict, unchanged)', async () => {
      const store = h.store();
      const t = await insertOne(store);
      const res = await store.taskAct(t.id, 'cancel', T0 + 5, 'ops');
      expect(res).toMatchObject({
        ok: true,
        task: { state: 'cancelled', want: 'cancel', finishedAt: T0 + 5 },
      });
      const before = await store.taskGet(t.id);
      h.clearEvents();
      const again = await store.taskAct(t.id, 'cancel', T0 + 6, 'ops');
      expect(again.ok).toBe(false);
      expect(again).toMatchObject({ code: 'conflict' });
      expect((again as { reason: string }).reason).toMatch(/cancelled/);
      expect(await store.taskGet(t.id)).toEqual(before);
      expect(h.taskChanges()).toEqual([]);
    });

    it('refuses to resume a task that is not paused, and to retry a ready one', async () => {
      const store = h.store();
      const t = await insertOne(store);
      expect(await store.taskAct(t.id, 'resume', T0, null)).toMatchObject({
        ok: false,
        code: 'conflict',
      });
      expect(await store.taskAct(t.id, 'retry', T0, null)).toMatchObject({
        ok: false,
        code: 'conflict',
      });
      expect((await store.taskGet(t.id))!.version).toBe(t.version);
    });

    it('only changes want on a task held by a worker', async () => {
      const store = h.store();
      const { task } = await insertRunning(store);
      const res = await store.taskAct(task.id, 'pause', T0 + 1, 'ops');
      expect(res).toMatchObject({
        ok: true,
        task: { state: 'running', want: 'pause', workerId: 'w1' },
      });
      const cancel = await store.taskAct(task.id, 'cancel', T0 + 2, 'ops');
      expect(cancel).toMatchObject({ ok: true, task: { state: 'running', want: 'cancel' } });
      const events = await store.taskEvents(task.id);
      expect(events.slice(-2).map((e) => [e.kind, e.from, e.to, e.actor])).toEqual([
        ['pause', 'running', 'running', 'ops'],
        ['cancel', 'running', 'running', 'ops'],
      ]);
      expect(events.at(-1)!.detail).toMatchObject({ action: 'cancel', want: 'cancel' });
    });

    it('retries a cancelled task with a fresh attempt budget', async () => {
      const store = h.store();
      const { task } = await insertRunning(store);
      await store.taskAct(task.id, 'cancel', T0 + 1, null);
      await store.taskReport(
        [{ kind: 'cancelled', taskId: task.id, attempt: task.attempt }],
        T0 + 2,
        fixedRandom(),
      );
      const res = await store.taskAct(task.id, 'retry', T0 + 3, 'ops');
      expect(res).toMatchObject({
        ok: true,
        task: {
          state: 'ready',
          want: 'run',
          attempt: 1,
          attemptBase: 1,
          workerId: null,
          finishedAt: null,
          startedAt: null,
          error: null,
        },
      });
    });
  });
}
