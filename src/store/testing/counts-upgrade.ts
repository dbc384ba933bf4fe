import { expect } from 'vitest';
import type { Store } from '../store.js';
import { lead, newTask, T0 } from './fixtures.js';

/**
 * On a store whose schema stops short of a counts migration (10, which starts the counts, or 12,
 * from which the driver counts state changes instead of a trigger): write tasks in three states,
 * migrate, and check that the counts after the upgrade are those tasks, and that writes after it
 * (inserts and state changes) keep them. `afterMigrate` runs between the two checks (a driver's
 * own assertions).
 */
export async function checkCountsAcrossUpgrade(
  store: Store,
  afterMigrate: () => Promise<void> = async () => {},
): Promise<void> {
  const inserted = await store.taskInsert(
    [
      newTask({ queue: 'a' }),
      newTask({ queue: 'a' }),
      newTask({ queue: 'a', runAt: T0 + 1_000 }),
      newTask({ queue: 'b' }),
    ],
    T0,
  );
  const fence = await lead(store, T0);
  await store.taskAssign(fence, [{ taskId: inserted[3]!.task.id, workerId: 'w1' }], T0);
  await store.migrate();
  expect(await store.taskCounts()).toEqual(
    new Map([
      ['a', { ready: 2, pending: 1 }],
      ['b', { assigned: 1 }],
    ]),
  );
  await afterMigrate();
  await store.taskInsert([newTask({ queue: 'b' })], T0);
  expect(await store.taskCounts('b')).toEqual(new Map([['b', { assigned: 1, ready: 1 }]]));
  const assigned = inserted[3]!.task;
  await store.taskReport([{ kind: 'started', taskId: assigned.id, attempt: 1 }], T0, () => 0.5);
  expect(await store.taskPromoteDue(fence, T0 + 1_000, 10)).toBe(1);
  expect((await store.taskAct(inserted[0]!.task.id, 'cancel', T0 + 1_000, null)).ok).toBe(true);
  expect(await store.taskCounts()).toEqual(
    new Map([
      ['a', { ready: 2, cancelled: 1 }],
      ['b', { running: 1, ready: 1 }],
    ]),
  );
}
