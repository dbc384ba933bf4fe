import { describe, expect, it } from 'vitest';
import { fixedRandom, lead, T0 } from './fixtures.js';
import { insertOne, insertRunning, type Harness } from './harness.js';
import { createWorkflow, finish, newWorkflow, start, stepsOf } from './workflow-fixtures.js';
import type { LeaderFence, Store } from '../store.js';

export function describeRetention(h: Harness): void {
  describe('taskPrune (retention)', () => {
    /** A task run to success at `at`, with a log line. */
    async function finished(at: number) {
      const store = h.store();
      const { task } = await insertRunning(store, {}, { now: at - 10 });
      await store.logAppend([{ taskId: task.id, attempt: 1, stream: 'log', line: 'x', at }]);
      await store.taskReport(
        [{ kind: 'succeeded', taskId: task.id, attempt: 1, result: null }],
        at,
        fixedRandom(),
      );
      return task.id;
    }

    it('deletes finished tasks older than the cut-off, with their attempts, history and logs', async () => {
      const store = h.store();
      const old = [await finished(T0 + 100), await finished(T0 + 200)];
      const recent = await finished(T0 + 5_000);
      const queued = await insertOne(store, {}, T0);
      const running = (await insertRunning(store, {}, { now: T0 })).task;
      const fence = await lead(store, T0 + 10_000);
      expect(await store.taskPrune(fence, T0 + 1_000, 100)).toBe(2);
      for (const id of old) {
        expect(await store.taskGet(id)).toBeNull();
        expect(await store.taskAttempts(id)).toEqual([]);
        expect(await store.taskEvents(id)).toEqual([]);
        expect(await store.logList(id, {})).toEqual([]);
      }
      for (const id of [recent, queued.id, running.id])
        expect(await store.taskGet(id)).not.toBeNull();
      expect(await store.logList(recent, {})).toHaveLength(1);
      expect(await store.taskPrune(fence, T0 + 1_000, 100)).toBe(0);
    });

    it('deletes in batches of at most `limit`, oldest first', async () => {
      const store = h.store();
      const ids = [];
      for (let i = 0; i < 5; i++) ids.push(await finished(T0 + 100 * (i + 1)));
      const fence = await lead(store, T0 + 10_000);
      expect(await store.taskPrune(fence, T0 + 1_000, 2)).toBe(2);
      expect(await store.taskGet(ids[0]!)).toBeNull();
      expect(await store.taskGet(ids[1]!)).toBeNull();
      expect(await store.taskGet(ids[2]!)).not.toBeNull();
      expect(await store.taskPrune(fence, T0 + 1_000, 10)).toBe(3);
    });

    it('refuses a deposed leader', async () => {
      const store = h.store();
      const id = await finished(T0 + 100);
      const stale = await lead(store, T0 + 1_000, 'leader-1', 1_000);
      await lead(store, T0 + 5_000, 'leader-2');
      await expect(store.taskPrune(stale, T0 + 1_000, 10)).rejects.toThrow(/no longer held/);
      expect(await store.taskGet(id)).not.toBeNull();
    });
  });

  describe('flowPrune (retention of workflows and fan-outs)', () => {
    /** A two-step workflow whose second step is sharded in two, run to success at `at`. */
    async function finishedWorkflow(store: Store, fence: LeaderFence, at: number) {
      const wf = newWorkflow([{ id: 'a' }, { id: 'b', dependsOn: ['a'] }]);
      wf.steps[1]!.flow = { shards: 2 };
      await store.workflowCreate(wf.workflow, wf.steps, T0);
      const { id } = wf.workflow;
      await finish(store, fence, (await stepsOf(store, id)).get('a')!, { result: 1 }, at - 3);
      const b = (await stepsOf(store, id)).get('b')!;
      await store.taskFanOut(fence, [{ taskId: b.id, workers: [] }], at - 2);
      const children = await store.taskChildren(b.id);
      for (const c of children) await finish(store, fence, c, { result: c.id }, at);
      await store.logAppend([
        { taskId: children[0]!.id, attempt: 1, stream: 'log', line: 'x', at },
      ]);
      return { id, tasks: [...(await stepsOf(store, id)).values(), ...children].map((t) => t.id) };
    }

    it('deletes a finished workflow past the cut-off whole: steps, fan-out children, history', async () => {
      const store = h.store();
      const fence = await lead(store);
      const old = await finishedWorkflow(store, fence, T0 + 100);
      const recent = await finishedWorkflow(store, fence, T0 + 5_000);
      const running = await createWorkflow(store, [{ id: 'a' }]);
      expect(await store.workflowGet(old.id)).toMatchObject({ state: 'succeeded' });
      // Plain retention leaves workflow tasks alone.
      expect(await store.taskPrune(fence, T0 + 1_000, 100)).toBe(0);
      expect(await store.flowPrune(fence, T0 + 1_000, 100)).toEqual({
        workflows: 1,
        fanOuts: 0,
        tasks: 4,
      });
      expect(await store.workflowGet(old.id)).toBeNull();
      for (const id of old.tasks) {
        expect(await store.taskGet(id)).toBeNull();
        expect(await store.taskEvents(id)).toEqual([]);
        expect(await store.taskAttempts(id)).toEqual([]);
        expect(await store.logList(id, {})).toEqual([]);
      }
      expect(await store.workflowGet(recent.id)).not.toBeNull();
      for (const id of recent.tasks) expect(await store.taskGet(id)).not.toBeNull();
      expect(await store.workflowGet(running)).not.toBeNull();
      expect(await store.flowPrune(fence, T0 + 1_000, 100)).toEqual({
        workflows: 0,
        fanOuts: 0,
        tasks: 0,
      });
    });

    it('deletes a finished fan-out parent with its children, not one with a child still running', async () => {
      const store = h.store();
      const fence = await lead(store);
      const done = await insertOne(store, { flow: { shards: 2 }, maxAttempts: 1 });
      const failing = await insertOne(store, { flow: { shards: 2 }, maxAttempts: 1 });
      await store.taskFanOut(
        fence,
        [done, failing].map((p) => ({ taskId: p.id, workers: [] })),
        T0 + 1,
      );
      for (const c of await store.taskChildren(done.id)) {
        await finish(store, fence, c, { result: 1 }, T0 + 10);
      }
      // One child fails the parent for good while its sibling is still running.
      const [second, first] = await store.taskChildren(failing.id);
      const stillRunning = await start(store, fence, second!, T0 + 5);
      await finish(store, fence, first!, { error: 'boom' }, T0 + 10);
      expect((await store.taskGet(failing.id))?.state).toBe('failed');
      expect((await store.taskGet(stillRunning.id))?.state).toBe('running');
      expect(await store.flowPrune(fence, T0 + 1_000, 100)).toEqual({
        workflows: 0,
        fanOuts: 1,
        tasks: 3,
      });
      expect(await store.taskGet(done.id)).toBeNull();
      expect(await store.taskChildren(done.id)).toEqual([]);
      expect(await store.taskGet(failing.id)).not.toBeNull();
      expect(await store.taskChildren(failing.id)).toHaveLength(2);
    });

    it('deletes at most `limit` of each, oldest first, and refuses a deposed leader', async () => {
      const store = h.store();
      const fence = await lead(store, T0, 'leader-1', 60_000);
      const first = await finishedWorkflow(store, fence, T0 + 100);
      const second = await finishedWorkflow(store, fence, T0 + 200);
      expect((await store.flowPrune(fence, T0 + 1_000, 1)).workflows).toBe(1);
      expect(await store.workflowGet(first.id)).toBeNull();
      expect(await store.workflowGet(second.id)).not.toBeNull();
      await lead(store, T0 + 70_000, 'leader-2');
      await expect(store.flowPrune(fence, T0 + 1_000, 10)).rejects.toThrow(/no longer held/);
      expect(await store.workflowGet(second.id)).not.toBeNull();
    });
  });
}
