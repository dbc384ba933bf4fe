import { afterEach, beforeEach } from 'vitest';
import type { NewTask, Task } from '../../domain/task.js';
import type { ChangeEvent, LeaderFence, Store, TaskChange } from '../store.js';
import { lead, newTask, T0 } from './fixtures.js';

/** A fresh, migrated store per test, closed after it, with the change events it emitted. */
export interface Harness {
  store(): Store;
  /** Every change event since the test began (or since `clearEvents`). */
  events(): ChangeEvent[];
  clearEvents(): void;
  /** The task changes among `events()`, flattened. */
  taskChanges(): TaskChange[];
}

export function useStore(open: () => Promise<Store>): Harness {
  let store: Store | null = null;
  let events: ChangeEvent[] = [];
  beforeEach(async () => {
    store = await open();
    await store.migrate();
    events = [];
    store.subscribe((e) => events.push(e));
  });
  afterEach(async () => {
    await store?.close();
    store = null;
  });
  return {
    store: () => {
      if (!store) throw new Error('no store outside a test');
      return store;
    },
    events: () => events,
    clearEvents: () => {
      events = [];
    },
    taskChanges: () => events.flatMap((e) => (e.kind === 'tasks' ? e.changes : [])),
  };
}

/** Insert one task and return it. */
export async function insertOne(
  store: Store,
  overrides: Partial<NewTask> = {},
  now: number = T0,
): Promise<Task> {
  const [res] = await store.taskInsert([newTask(overrides)], now);
  if (!res) throw new Error('insert returned nothing');
  return res.task;
}

/** Insert a ready task, take the lease and assign it to `workerId`. */
export async function insertAssigned(
  store: Store,
  overrides: Partial<NewTask> = {},
  opts: { workerId?: string; now?: number; fence?: LeaderFence } = {},
): Promise<{ task: Task; fence: LeaderFence }> {
  const now = opts.now ?? T0;
  const fence = opts.fence ?? (await lead(store, now));
  const inserted = await insertOne(store, overrides, now);
  const [task] = await store.taskAssign(
    fence,
    [{ taskId: inserted.id, workerId: opts.workerId ?? 'w1' }],
    now,
  );
  if (!task) throw new Error('assign moved nothing');
  return { task, fence };
}

/** Insert, assign and start a task (a `started` report). */
export async function insertRunning(
  store: Store,
  overrides: Partial<NewTask> = {},
  opts: { workerId?: string; now?: number; fence?: LeaderFence } = {},
): Promise<{ task: Task; fence: LeaderFence }> {
  const { task, fence } = await insertAssigned(store, overrides, opts);
  const [res] = await store.taskReport(
    [{ kind: 'started', taskId: task.id, attempt: task.attempt }],
    opts.now ?? T0,
    () => 0.5,
  );
  if (!res?.accepted || !res.task) throw new Error('start refused');
  return { task: res.task, fence };
}
