import { afterEach, describe, expect, it } from 'vitest';
import { systemClock } from '../../lib/clock.js';
import { silentLogger } from '../../lib/logger.js';
import { openSqliteStore } from '../../store/sqlite/sqlite-store.js';
import type { Store } from '../../store/store.js';
import { lead, newTask } from '../../store/testing/fixtures.js';
import { MemoryTransport, WorkerRuntime } from '../../worker/index.js';
import { WorkerGateway } from './gateway.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** A store whose change feed says nothing: as when every notification is lost. */
function deaf(store: Store): Store {
  return new Proxy(store, {
    get(target, prop, receiver) {
      if (prop === 'subscribe') return () => () => {};
      const value = Reflect.get(target, prop, receiver) as unknown;
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

async function until(check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('WorkerGateway', () => {
  it('pushes an assignment whose change event never came, within a lease period', async () => {
    const store = await openSqliteStore(':memory:');
    await store.migrate();
    cleanups.push(() => store.close());
    const gateway = new WorkerGateway({
      store: deaf(store),
      clock: systemClock,
      logger: silentLogger,
      replicaId: 'r1',
      heartbeatMs: 100,
      leaseMs: 300,
    });
    gateway.start();
    cleanups.push(() => gateway.stop());
    const worker = new WorkerRuntime({
      id: 'w1',
      name: 'w1',
      capacity: 1,
      handlers: { 'app.ok': () => 'ok' },
      transport: new MemoryTransport((toWorker) => gateway.accept(toWorker)),
    });
    await worker.start();
    cleanups.push(() => worker.stop({ graceMs: 0 }));

    const fence = await lead(store, Date.now());
    const [inserted] = await store.taskInsert([newTask({ type: 'app.ok' })], Date.now());
    await store.taskAssign(fence, [{ taskId: inserted!.task.id, workerId: 'w1' }], Date.now());
    await until(async () => (await store.taskGet(inserted!.task.id))?.state === 'succeeded', 5000);
    expect(await store.taskGet(inserted!.task.id)).toMatchObject({ attempt: 1, result: 'ok' });
  });

  it('hands back, as never started, an attempt a re-registering worker does not hold', async () => {
    const store = await openSqliteStore(':memory:');
    await store.migrate();
    cleanups.push(() => store.close());
    const gateway = new WorkerGateway({
      store,
      clock: systemClock,
      logger: silentLogger,
      replicaId: 'r1',
      heartbeatMs: 100,
      leaseMs: 10_000,
    });
    gateway.start();
    cleanups.push(() => gateway.stop());
    // Assigned to w1 by an earlier process of it, which may or may not have begun it.
    const fence = await lead(store, Date.now());
    const [inserted] = await store.taskInsert([newTask({ type: 'app.ok' })], Date.now());
    const id = inserted!.task.id;
    await store.taskAssign(fence, [{ taskId: id, workerId: 'w1' }], Date.now());
    let ran = 0;
    const worker = new WorkerRuntime({
      id: 'w1',
      name: 'w1',
      capacity: 1,
      handlers: { 'app.ok': () => ++ran },
      transport: new MemoryTransport((toWorker) => gateway.accept(toWorker)),
    });
    await worker.start();
    cleanups.push(() => worker.stop({ graceMs: 0 }));
    // It is not run again as attempt 1: it goes back to the queue, for a new attempt.
    expect(await store.taskGet(id)).toMatchObject({ state: 'ready', attempt: 1, workerId: null });
    expect((await store.taskAttempts(id)).map((a) => [a.attempt, a.outcome])).toEqual([
      [1, 'snoozed'],
    ]);
    expect(ran).toBe(0);
  });
});
