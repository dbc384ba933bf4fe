import { describe, expect, it } from 'vitest';
import type { StoredToken } from '../store.js';
import { newTask, T0 } from './fixtures.js';
import type { Harness } from './harness.js';

const token = (overrides: Partial<StoredToken> = {}): StoredToken => ({
  id: 'tok_1',
  name: 'ci',
  role: 'submitter',
  hash: 'a'.repeat(64),
  createdAt: T0,
  ...overrides,
});

export function describeTokens(h: Harness): void {
  describe('api tokens', () => {
    it('stores, finds by hash, lists and deletes tokens', async () => {
      const store = h.store();
      expect(await store.tokenCount()).toBe(0);
      expect(await store.tokenList()).toEqual([]);
      const a = token();
      const b = token({ id: 'tok_2', name: 'viewer-bot', role: 'viewer', hash: 'b'.repeat(64) });
      expect(await store.tokenCreate(a)).toEqual({ ok: true });
      expect(await store.tokenCreate({ ...b, createdAt: T0 + 1 })).toEqual({ ok: true });
      expect(await store.tokenCount()).toBe(2);
      expect(await store.tokenFindByHash(a.hash)).toEqual(a);
      expect(await store.tokenFindByHash('c'.repeat(64))).toBeNull();
      expect((await store.tokenList()).map((t) => t.id)).toEqual(['tok_1', 'tok_2']);
      expect(await store.tokenDelete('tok_1')).toBe(true);
      expect(await store.tokenDelete('tok_1')).toBe(false);
      expect(await store.tokenFindByHash(a.hash)).toBeNull();
      expect(await store.tokenCount()).toBe(1);
    });

    it('refuses a second token with the same name or hash', async () => {
      const store = h.store();
      await store.tokenCreate(token());
      expect(await store.tokenCreate(token({ id: 'tok_2', hash: 'd'.repeat(64) }))).toEqual({
        ok: false,
      });
      expect(await store.tokenCreate(token({ id: 'tok_3', name: 'other' }))).toEqual({
        ok: false,
      });
      expect(await store.tokenCount()).toBe(1);
    });
  });

  describe('audit log', () => {
    it('appends entries and pages through them newest first', async () => {
      const store = h.store();
      expect(await store.auditList({ limit: 10 })).toEqual({ entries: [], nextCursor: null });
      for (let i = 0; i < 5; i++) {
        await store.auditAppend({
          at: T0 + i,
          actor: i % 2 ? 'ops' : 'admin',
          action: 'queue.pause',
          target: `queue:q${i}`,
          detail: i === 0 ? null : { n: i, nested: { ok: true } },
        });
      }
      const first = await store.auditList({ limit: 3 });
      expect(first.entries.map((e) => e.target)).toEqual(['queue:q4', 'queue:q3', 'queue:q2']);
      expect(first.entries[0]).toMatchObject({
        at: T0 + 4,
        actor: 'admin',
        action: 'queue.pause',
        detail: { n: 4, nested: { ok: true } },
      });
      expect(first.nextCursor).not.toBeNull();
      const second = await store.auditList({ limit: 3, cursor: first.nextCursor! });
      expect(second.entries.map((e) => e.target)).toEqual(['queue:q1', 'queue:q0']);
      expect(second.entries[1]!.detail).toBeNull();
      expect(second.nextCursor).toBeNull();
    });
  });

  describe('trace context and submitter of a task', () => {
    it("keeps the submitter's trace context with the task and names the submitter", async () => {
      const store = h.store();
      const trace = {
        traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
        tracestate: 'vendor=a,other=b',
      };
      const [traced, plain] = await store.taskInsert(
        [newTask({ trace, submittedBy: 'ci' }), newTask()],
        T0,
      );
      expect(traced!.task.trace).toEqual(trace);
      expect(plain!.task.trace).toBeNull();
      expect((await store.taskGet(traced!.task.id))!.trace).toEqual(trace);
      expect((await store.taskGet(plain!.task.id))!.trace).toBeNull();
      const ready = await store.taskReadyBatch(10);
      expect(ready.find((t) => t.id === traced!.task.id)?.trace).toEqual(trace);
      const events = await store.taskEvents(traced!.task.id);
      expect(events[0]).toMatchObject({ kind: 'submitted', actor: 'ci' });
      expect((await store.taskEvents(plain!.task.id))[0]!.actor).toBeNull();
    });
  });
}
