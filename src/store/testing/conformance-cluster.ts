import { describe, expect, it } from 'vitest';
import { defaultQueueSettings } from '../../domain/queue.js';
import { lead, newWorker, T0 } from './fixtures.js';
import { insertOne, type Harness } from './harness.js';

export function describeQueues(h: Harness): void {
  describe('queues', () => {
    it('gives defaults for a queue never set', async () => {
      expect(await h.store().queueGet('nothing')).toEqual(defaultQueueSettings('nothing'));
      expect(await h.store().queueList()).toEqual([]);
    });

    it('creates, merges and clears settings, emitting a queues event', async () => {
      const store = h.store();
      const created = await store.queueUpdate('mail', {
        concurrency: 5,
        rateLimit: { count: 10, intervalMs: 1000 },
        strategy: 'round-robin',
      });
      expect(created).toEqual({
        ...defaultQueueSettings('mail'),
        concurrency: 5,
        rateLimit: { count: 10, intervalMs: 1000 },
        strategy: 'round-robin',
      });
      expect(h.events()).toContainEqual({ kind: 'queues' });
      const merged = await store.queueUpdate('mail', {
        paused: true,
        defaults: { maxAttempts: 7 },
        keyConcurrency: 2,
        strategy: undefined,
      });
      expect(merged).toEqual({
        ...created,
        paused: true,
        defaults: { maxAttempts: 7 },
        keyConcurrency: 2,
      });
      const cleared = await store.queueUpdate('mail', { concurrency: null, rateLimit: null });
      expect(cleared).toEqual({ ...merged, concurrency: null, rateLimit: null });
      expect(await store.queueGet('mail')).toEqual(cleared);
    });

    it('lists queues that have settings or tasks', async () => {
      const store = h.store();
      await store.queueUpdate('b', { paused: true });
      await insertOne(store, { queue: 'a' });
      await insertOne(store, { queue: 'b' });
      const list = await store.queueList();
      expect(list.map((q) => q.name).sort()).toEqual(['a', 'b']);
      expect(list.find((q) => q.name === 'a')).toEqual(defaultQueueSettings('a'));
      expect(list.find((q) => q.name === 'b')!.paused).toBe(true);
    });
  });
}

export function describeWorkers(h: Harness): void {
  describe('workers', () => {
    it('registers a worker as live and reads it back', async () => {
      const store = h.store();
      const w = newWorker({
        status: 'lost',
        labels: { zone: 'eu' },
        taints: [{ key: 'gpu', effect: 'NoSchedule' }],
        resources: { cpu: 4, memoryMb: 8192 },
        types: ['a', 'b'],
        executors: ['function', 'process'],
        queues: ['default'],
        weight: 2.5,
        cordoned: true,
        prefetch: 7,
      });
      await store.workerUpsert(w);
      expect(await store.workerGet('w1')).toEqual({ ...w, status: 'live' });
      expect(h.events()).toContainEqual({ kind: 'workers' });
      await store.workerUpsert(newWorker({ name: 'renamed', capacity: 8 }));
      expect(await store.workerGet('w1')).toMatchObject({
        name: 'renamed',
        capacity: 8,
        prefetch: 0,
        cordoned: false,
      });
      await store.workerUpsert(newWorker({ id: 'w0' }));
      expect((await store.workerList()).map((x) => x.id).sort()).toEqual(['w0', 'w1']);
      expect(await store.workerGet('nope')).toBeNull();
    });

    it('extends the lease of a live worker only', async () => {
      const store = h.store();
      await store.workerUpsert(newWorker());
      expect(await store.workerHeartbeat('w1', 3, T0 + 5, T0 + 20_000)).toBe(true);
      expect(await store.workerGet('w1')).toMatchObject({
        load: 3,
        heartbeatAt: T0 + 5,
        expiresAt: T0 + 20_000,
      });
      expect(await store.workerHeartbeat('nope', 0, T0, T0 + 1)).toBe(false);
      await store.workerUpdate('w1', { status: 'lost' });
      expect(await store.workerHeartbeat('w1', 0, T0 + 6, T0 + 30_000)).toBe(false);
      expect((await store.workerGet('w1'))!.expiresAt).toBe(T0 + 20_000);
    });

    it('patches a worker, and answers null for an unknown one', async () => {
      const store = h.store();
      await store.workerUpsert(newWorker());
      h.clearEvents();
      const w = await store.workerUpdate('w1', { cordoned: true, draining: true });
      expect(w).toMatchObject({ cordoned: true, draining: true, status: 'live' });
      expect(h.events()).toEqual([{ kind: 'workers' }]);
      const back = await store.workerUpdate('w1', {
        cordoned: false,
        status: 'stopped',
        expiresAt: T0,
      });
      expect(back).toMatchObject({
        cordoned: false,
        draining: true,
        status: 'stopped',
        expiresAt: T0,
      });
      expect(await store.workerUpdate('nope', { cordoned: true })).toBeNull();
    });

    it('expires live workers whose lease ended (leader)', async () => {
      const store = h.store();
      const fence = await lead(store);
      await store.workerUpsert(newWorker({ id: 'a', expiresAt: T0 + 100 }));
      await store.workerUpsert(newWorker({ id: 'b', expiresAt: T0 + 200 }));
      await store.workerUpsert(newWorker({ id: 'c', expiresAt: T0 + 50 }));
      await store.workerUpdate('c', { status: 'stopped' });
      h.clearEvents();
      expect(await store.workerExpire(fence, T0 + 99)).toEqual([]);
      expect(h.events()).toEqual([]);
      expect(await store.workerExpire(fence, T0 + 100)).toEqual(['a']);
      expect(h.events()).toEqual([{ kind: 'workers' }]);
      expect((await store.workerGet('a'))!.status).toBe('lost');
      expect((await store.workerGet('b'))!.status).toBe('live');
      expect((await store.workerGet('c'))!.status).toBe('stopped');
      expect(await store.workerHeartbeat('a', 0, T0 + 101, T0 + 10_000)).toBe(false);
    });
  });
}

export function describeLogs(h: Harness): void {
  describe('logs', () => {
    it('appends lines and lists them in order, by attempt, after a sequence, with a limit', async () => {
      const store = h.store();
      await store.logAppend([
        { taskId: 't1', attempt: 1, stream: 'stdout', line: 'a', at: T0 },
        { taskId: 't1', attempt: 1, stream: 'stderr', line: 'b', at: T0 + 1 },
        { taskId: 't2', attempt: 1, stream: 'log', line: 'other', at: T0 + 2 },
        { taskId: 't1', attempt: 2, stream: 'system', line: 'c', at: T0 + 3 },
      ]);
      expect(h.events()).toEqual([{ kind: 'logs', taskIds: ['t1', 't2'] }]);
      const all = await store.logList('t1', {});
      expect(all.map((l) => l.line)).toEqual(['a', 'b', 'c']);
      expect(all[0]).toEqual({
        seq: all[0]!.seq,
        taskId: 't1',
        attempt: 1,
        stream: 'stdout',
        line: 'a',
        at: T0,
      });
      expect(all[1]!.seq).toBeGreaterThan(all[0]!.seq);
      expect((await store.logList('t1', { attempt: 2 })).map((l) => l.line)).toEqual(['c']);
      expect((await store.logList('t1', { afterSeq: all[0]!.seq })).map((l) => l.line)).toEqual([
        'b',
        'c',
      ]);
      expect((await store.logList('t1', { limit: 2 })).map((l) => l.line)).toEqual(['a', 'b']);
      expect(await store.logList('none', {})).toEqual([]);
      h.clearEvents();
      await store.logAppend([]);
      expect(h.events()).toEqual([]);
    });

    it('limits a listing to 1000 lines by default', async () => {
      const store = h.store();
      const lines = Array.from({ length: 1005 }, (_, i) => ({
        taskId: 't',
        attempt: 1,
        stream: 'stdout' as const,
        line: String(i),
        at: T0 + i,
      }));
      await store.logAppend(lines);
      expect(await store.logList('t', {})).toHaveLength(1000);
    });
  });
}

export function describeReplicas(h: Harness): void {
  describe('replicas', () => {
    it('upserts, lists and removes replicas', async () => {
      const store = h.store();
      const r = { id: 'r1', url: 'http://a', startedAt: T0, heartbeatAt: T0, expiresAt: T0 + 10 };
      await store.replicaHeartbeat(r);
      await store.replicaHeartbeat({ ...r, id: 'r2', url: 'http://b' });
      await store.replicaHeartbeat({ ...r, heartbeatAt: T0 + 5, expiresAt: T0 + 15 });
      const list = await store.replicaList();
      expect(list.sort((a, b) => a.id.localeCompare(b.id))).toEqual([
        { ...r, heartbeatAt: T0 + 5, expiresAt: T0 + 15 },
        { ...r, id: 'r2', url: 'http://b' },
      ]);
      await store.replicaRemove('r1');
      await store.replicaRemove('missing');
      expect((await store.replicaList()).map((x) => x.id)).toEqual(['r2']);
    });
  });
}

export function describeChangeFeed(h: Harness): void {
  describe('subscribe', () => {
    it('survives a throwing listener and stops delivering after unsubscribe', async () => {
      const store = h.store();
      const unsubscribeBad = store.subscribe(() => {
        throw new Error('listener bug');
      });
      const seen: string[] = [];
      const unsubscribe = store.subscribe((e) => {
        if (e.kind === 'tasks') seen.push(e.kind);
      });
      const t = await insertOne(store);
      expect(t.state).toBe('ready');
      expect(seen).toEqual(['tasks']);
      unsubscribe();
      unsubscribeBad();
      await insertOne(store);
      expect(seen).toEqual(['tasks']);
      expect(h.events().filter((e) => e.kind === 'tasks')).toHaveLength(2);
    });

    it('emits after commit: a listener can read the change', async () => {
      const store = h.store();
      const reads: Promise<unknown>[] = [];
      store.subscribe((e) => {
        if (e.kind === 'tasks') reads.push(store.taskGet(e.changes[0]!.id));
      });
      const t = await insertOne(store);
      expect(await Promise.all(reads)).toEqual([t]);
    });
  });
}
