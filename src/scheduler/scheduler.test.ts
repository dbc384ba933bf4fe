import { afterEach, describe, expect, it } from 'vitest';
import type { Task } from '../domain/task.js';
import { systemClock } from '../lib/clock.js';
import { silentLogger } from '../lib/logger.js';
import { openSqliteStore } from '../store/sqlite/sqlite-store.js';
import type { Store } from '../store/store.js';
import { newTask, newWorker } from '../store/testing/fixtures.js';
import { Scheduler } from './scheduler.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** Let every wake-up already scheduled run its pass (passes here are microtasks and immediates). */
async function settle(): Promise<void> {
  for (let i = 0; i < 10; i++) await new Promise((r) => setImmediate(r));
}

async function until(check: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** A leading scheduler over a SQLite store whose ready reads are counted, and worker w1. */
async function setup() {
  const store = await openSqliteStore(':memory:');
  await store.migrate();
  cleanups.push(() => store.close());
  let readyReads = 0;
  const counted = new Proxy(store, {
    get(target, prop, receiver) {
      if (prop === 'taskReadyBatch')
        return (limit: number) => {
          readyReads++;
          return target.taskReadyBatch(limit);
        };
      const value = Reflect.get(target, prop, receiver) as unknown;
      return typeof value === 'function' ? value.bind(target) : value;
    },
  }) as Store;
  await store.workerUpsert(
    newWorker({ capacity: 10, heartbeatAt: Date.now(), expiresAt: Date.now() + 600_000 }),
  );
  const assigned: Task[] = [];
  const scheduler = new Scheduler({
    store: counted,
    clock: systemClock,
    logger: silentLogger,
    replicaId: 'r1',
    leaseMs: 60_000,
    leaseRenewMs: 20_000,
    // Only wake-ups run rounds in these tests: the idle timer is out of reach.
    idleMs: 600_000,
    onAssigned: (tasks) => assigned.push(...tasks),
  });
  await scheduler.start();
  cleanups.push(() => scheduler.stop());
  await until(() => scheduler.isLeader());
  const finish = (t: Task) =>
    store.taskReport(
      [
        { kind: 'started', taskId: t.id, attempt: t.attempt },
        { kind: 'succeeded', taskId: t.id, attempt: t.attempt, result: null },
      ],
      Date.now(),
      Math.random,
    );
  return { store, assigned, finish, readyReads: () => readyReads };
}

describe('Scheduler: placement rounds', () => {
  it('does not read the ready set when a slot frees after a round placed every ready task', async () => {
    const s = await setup();
    await s.store.taskInsert([newTask({ type: 'app.a' })], Date.now());
    await until(() => s.assigned.length === 1);
    await settle();
    const reads = s.readyReads();

    await s.finish(s.assigned[0]!);
    await settle();
    expect(s.readyReads()).toBe(reads);

    // A task made ready calls for a round again.
    await s.store.taskInsert([newTask({ type: 'app.b' })], Date.now());
    await until(() => s.assigned.length === 2);
    expect(s.readyReads()).toBeGreaterThan(reads);
  });

  it('reads again when a slot frees while a task it could not place is still ready', async () => {
    const s = await setup();
    // Asks for a label no worker has: it stays ready, so the ready set is never drained.
    await s.store.taskInsert(
      [newTask({ type: 'app.stuck', selector: { zone: 'mars' } })],
      Date.now(),
    );
    await s.store.taskInsert([newTask({ type: 'app.a' })], Date.now());
    await until(() => s.assigned.length === 1);
    await settle();
    const reads = s.readyReads();

    await s.finish(s.assigned[0]!);
    await until(() => s.readyReads() > reads);
  });
});
