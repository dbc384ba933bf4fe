import { describe, expect, it } from 'vitest';
import type { Task } from '../../domain/task.js';
import { buildTask } from './task-build.js';
import { newTask, T0 } from '../testing/fixtures.js';
import { TaskCache } from './task-cache.js';

interface Entry {
  task: Task;
  assignedAt: number | null;
}

const task = (id: string, version = 1) => ({ ...buildTask(newTask(), id, T0), version });

describe('TaskCache', () => {
  it('serves a task only at the version it was kept at', () => {
    const cache = new TaskCache<Entry>(() => false);
    cache.put({ task: task('a', 3), assignedAt: null });
    expect(cache.get('a', 3)?.task.version).toBe(3);
    expect(cache.get('a', 2)).toBeUndefined();
    expect(cache.get('a', 4)).toBeUndefined();
    expect(cache.get('b', 1)).toBeUndefined();
  });

  it('publishes what a transaction put only when it commits', () => {
    let inTx = true;
    const cache = new TaskCache<Entry>(() => inTx);
    cache.put({ task: task('a'), assignedAt: null });
    expect(cache.get('a', 1)).toBeUndefined();
    inTx = false;
    cache.commit();
    expect(cache.get('a', 1)).toBeDefined();
  });

  it('drops what a rolled-back transaction put, and keeps what it had', () => {
    let inTx = false;
    const cache = new TaskCache<Entry>(() => inTx);
    cache.put({ task: task('a', 1), assignedAt: null });
    inTx = true;
    cache.put({ task: task('a', 2), assignedAt: null });
    cache.put({ task: task('b', 1), assignedAt: null });
    inTx = false;
    cache.discard();
    cache.commit();
    expect(cache.get('a', 1)).toBeDefined();
    expect(cache.get('a', 2)).toBeUndefined();
    expect(cache.get('b', 1)).toBeUndefined();
  });

  it('forgets a task once it is finished or carries a result or an error', () => {
    const cache = new TaskCache<Entry>(() => false);
    cache.put({ task: task('a', 1), assignedAt: null });
    cache.put({ task: { ...task('a', 2), state: 'succeeded' }, assignedAt: null });
    expect(cache.get('a', 1)).toBeUndefined();
    expect(cache.get('a', 2)).toBeUndefined();
    cache.put({ task: { ...task('b', 2), error: { message: 'boom' } }, assignedAt: null });
    expect(cache.get('b', 2)).toBeUndefined();
    expect(cache.size).toBe(0);
  });

  it('keeps at most its bound, dropping the oldest first', () => {
    const cache = new TaskCache<Entry>(() => false, 10);
    for (let i = 0; i < 10; i++) cache.put({ task: task(`t${i}`), assignedAt: null });
    cache.put({ task: task('t0', 2), assignedAt: null }); // refreshed: now the newest
    cache.put({ task: task('new'), assignedAt: null });
    expect(cache.size).toBe(10);
    expect(cache.get('t1', 1)).toBeUndefined();
    expect(cache.get('t2', 1)).toBeDefined();
    expect(cache.get('t0', 2)).toBeDefined();
    expect(cache.get('new', 1)).toBeDefined();
  });

  it('gives the latest entry whatever its version, until it is forgotten', () => {
    const cache = new TaskCache<Entry>(() => false);
    cache.put({ task: task('a', 3), assignedAt: 5 });
    cache.put({ task: task('a', 4), assignedAt: 7 });
    expect(cache.latest('a')).toMatchObject({ task: { version: 4 }, assignedAt: 7 });
    expect(cache.latest('b')).toBeUndefined();
    cache.forget('a');
    expect(cache.latest('a')).toBeUndefined();
    expect(cache.size).toBe(0);
  });
});
