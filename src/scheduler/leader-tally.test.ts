import { describe, expect, it } from 'vitest';
import type { HeldTask } from '../domain/held.js';
import type { Task } from '../domain/task.js';
import type { TaskChange } from '../store/store.js';
import { LeaderTally } from './leader-tally.js';

const held = (id: string, workerId: string, extra: Partial<HeldTask> = {}): HeldTask => ({
  id,
  attempt: 1,
  workerId,
  queue: 'q',
  concurrencyKey: null,
  cpu: 0,
  memoryMb: 0,
  ...extra,
});

const loaded = (tasks: HeldTask[], now = 0) => {
  const t = new LeaderTally({ refreshMs: 1000 });
  t.load(
    {
      held: tasks,
      byWorker: new Map(),
      byQueue: new Map(),
      byKey: new Map(),
      startedByQueue: new Map(),
    },
    now,
  );
  return t;
};

const change = (
  id: string,
  state: TaskChange['state'],
  attempt = 1,
  workerId = 'w1',
): TaskChange => ({
  id,
  queue: 'q',
  state,
  want: 'run',
  workerId,
  attempt,
  runAt: null,
});

const task = (id: string, workerId: string, attempt = 1): Task =>
  ({
    id,
    attempt,
    workerId,
    queue: 'q',
    concurrencyKey: 'k',
    resources: { cpu: 0.5 },
  }) as Task;

describe('LeaderTally', () => {
  it('must read the store first, then again after refreshMs or a reset', () => {
    const t = new LeaderTally({ refreshMs: 1000 });
    expect(t.needsRead(0)).toBe(true);
    const l = loaded([], 100);
    expect(l.needsRead(500)).toBe(false);
    expect(l.needsRead(1100)).toBe(true);
    l.reset();
    expect(l.needsRead(500)).toBe(true);
  });

  it('sums what it loaded and what the leader assigned, per worker, queue and key', () => {
    const t = loaded([held('a', 'w1', { cpu: 1, memoryMb: 100 }), held('b', 'w2')]);
    t.assigned([task('c', 'w1')]);
    const totals = t.totals(new Map());
    expect(totals.byWorker).toEqual(
      new Map([
        ['w1', { count: 2, cpu: 1.5, memoryMb: 100 }],
        ['w2', { count: 1, cpu: 0, memoryMb: 0 }],
      ]),
    );
    expect(totals.byQueue).toEqual(new Map([['q', 3]]));
    expect(totals.byKey).toEqual(new Map([['k', 1]]));
  });

  it('frees a slot when a task leaves its worker, but not for an older attempt', () => {
    const t = loaded([held('a', 'w1', { attempt: 2 }), held('b', 'w1')]);
    t.changed([change('a', 'succeeded', 1), change('b', 'failed', 1)]);
    expect(t.totals(new Map()).byWorker.get('w1')?.count).toBe(1);
    t.changed([change('a', 'pending', 2)]);
    expect(t.totals(new Map()).byWorker.size).toBe(0);
  });

  it('keeps counting tasks that move between states on their worker', () => {
    const t = loaded([held('a', 'w1')]);
    t.changed([change('a', 'running'), change('a', 'paused')]);
    expect(t.totals(new Map()).byWorker.get('w1')?.count).toBe(1);
    expect(t.needsRead(10)).toBe(false);
  });

  it('asks for a read when a task it does not know of runs on a worker', () => {
    const t = loaded([]);
    t.changed([change('x', 'assigned')]); // this leader's own assignment, told next
    expect(t.needsRead(10)).toBe(false);
    t.changed([change('y', 'running')]);
    expect(t.needsRead(10)).toBe(true);
  });
});
