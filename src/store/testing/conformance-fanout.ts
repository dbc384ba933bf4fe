import { describe, expect, it } from 'vitest';
import type { Harness } from './harness.js';
import { insertOne } from './harness.js';
import { lead, T0 } from './fixtures.js';
import { createWorkflow, finish, stepsOf } from './workflow-fixtures.js';

export function describeFanOut(h: Harness): void {
  describe('fan-out (shards, broadcast)', () => {
    it('a sharded parent runs as children; it succeeds with their results in shard order', async () => {
      const store = h.store();
      const fence = await lead(store);
      const parent = await insertOne(store, { flow: { shards: 3 }, maxAttempts: 1 });
      const [moved] = await store.taskFanOut(fence, [{ taskId: parent.id, workers: [] }], T0 + 1);
      expect(moved).toMatchObject({ state: 'running', workerId: null, attempt: 1 });
      const children = await store.taskChildren(parent.id);
      expect(children.map((c) => c.flow.shard)).toEqual([
        { index: 2, total: 3 },
        { index: 1, total: 3 },
        { index: 0, total: 3 },
      ]);
      expect(children.every((c) => c.state === 'ready' && c.parentId === parent.id)).toBe(true);
      // The running parent holds no worker slot.
      expect((await store.taskActive(new Map())).byQueue.get('default') ?? 0).toBe(0);
      const byIndex = [...children].reverse();
      await finish(store, fence, byIndex[2]!, { result: 'c' }, T0 + 2);
      await finish(store, fence, byIndex[0]!, { result: 'a' }, T0 + 3);
      expect((await store.taskGet(parent.id))?.state).toBe('running');
      await finish(store, fence, byIndex[1]!, { result: 'b' }, T0 + 4);
      expect(await store.taskGet(parent.id)).toMatchObject({
        state: 'succeeded',
        result: ['a', 'b', 'c'],
        finishedAt: T0 + 4,
      });
    });

    it('a child that fails for good fails the parent and stops its siblings', async () => {
      const store = h.store();
      const fence = await lead(store);
      const parent = await insertOne(store, { flow: { shards: 2 }, maxAttempts: 1 });
      await store.taskFanOut(fence, [{ taskId: parent.id, workers: [] }], T0 + 1);
      const [second, first] = await store.taskChildren(parent.id);
      await finish(store, fence, first!, { error: 'disk full' }, T0 + 2);
      expect(await store.taskGet(parent.id)).toMatchObject({
        state: 'failed',
        error: { code: 'CHILD_FAILED', shard: 0, message: expect.stringContaining('disk full') },
      });
      expect((await store.taskGet(second!.id))?.state).toBe('skipped');
    });

    it('a broadcast runs one child pinned to each worker named', async () => {
      const store = h.store();
      const fence = await lead(store);
      const parent = await insertOne(store, { flow: { broadcast: true } });
      await store.taskFanOut(fence, [{ taskId: parent.id, workers: ['w2', 'w1'] }], T0 + 1);
      const children = await store.taskChildren(parent.id);
      expect(children.map((c) => [c.flow.worker, c.flow.shard?.index]).sort()).toEqual([
        ['w1', 0],
        ['w2', 1],
      ]);
      // A parent that is not ready (already fanned out) is left alone.
      expect(
        await store.taskFanOut(fence, [{ taskId: parent.id, workers: ['w3'] }], T0 + 2),
      ).toEqual([]);
      expect(await store.taskChildren(parent.id)).toHaveLength(2);
    });

    it('cancelling a running fan-out parent stops its children', async () => {
      const store = h.store();
      const fence = await lead(store);
      const parent = await insertOne(store, { flow: { shards: 2 } });
      await store.taskFanOut(fence, [{ taskId: parent.id, workers: [] }], T0 + 1);
      const res = await store.taskAct(parent.id, 'cancel', T0 + 2, 'op');
      expect(res.ok && res.task.state).toBe('cancelled');
      const children = await store.taskChildren(parent.id);
      expect(children.map((c) => c.state)).toEqual(['skipped', 'skipped']);
    });

    it('a sharded workflow step ends with its children, then its workflow moves on', async () => {
      const store = h.store();
      const fence = await lead(store);
      const id = await createWorkflow(store, [
        { id: 'split' },
        { id: 'join', dependsOn: ['split'] },
      ]);
      const wf = await store.workflowGet(id);
      const tasks = await stepsOf(store, id);
      const split = tasks.get('split')!;
      // Make the step a fan-out the way the server compiles `shards: 2`.
      expect(wf).not.toBeNull();
      const sharded = await insertOne(store, { flow: { shards: 2 }, maxAttempts: 1 });
      await store.taskFanOut(fence, [{ taskId: sharded.id, workers: [] }], T0 + 1);
      for (const c of await store.taskChildren(sharded.id)) {
        await finish(store, fence, c, { result: c.flow.shard!.index }, T0 + 2);
      }
      expect((await store.taskGet(sharded.id))?.result).toEqual([0, 1]);
      await finish(store, fence, split, { result: 'parts' }, T0 + 3);
      expect((await stepsOf(store, id)).get('join')?.state).toBe('ready');
    });
  });
}
