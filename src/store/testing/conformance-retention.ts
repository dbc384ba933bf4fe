import { describe, expect, it } from 'vitest';
import { fixedRandom, lead, T0 } from './fixtures.js';
import { insertOne, insertRunning, type Harness } from './harness.js';

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
}
