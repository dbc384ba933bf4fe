import { describe, expect, it } from 'vitest';
import {
  mismatch,
  place,
  tolerates,
  type PlacementInput,
  type PlacementStrategy,
  type PlacementTask,
  type PlacementWorker,
} from './placement.js';
import type { ExecutorKind } from './task.js';

function worker(id: string, over: Partial<PlacementWorker> = {}): PlacementWorker {
  return {
    id,
    freeSlots: 10,
    capacity: 10,
    labels: {},
    taints: [],
    freeResources: {},
    types: null,
    executors: new Set<ExecutorKind>(['function', 'process', 'http']),
    weight: 1,
    schedulable: true,
    queues: null,
    ...over,
  };
}

function task(id: string, over: Partial<PlacementTask> = {}): PlacementTask {
  return {
    id,
    queue: 'default',
    type: 'email.send',
    executor: 'function',
    selector: {},
    tolerations: [],
    resources: {},
    concurrencyKey: null,
    ...over,
  };
}

const tasks = (n: number, over: Partial<PlacementTask> = {}) =>
  Array.from({ length: n }, (_, i) => task(`t${i + 1}`, over));

const noRandom = () => {
  throw new Error('random() should not be called by this strategy');
};

function run(over: Partial<PlacementInput> & Pick<PlacementInput, 'tasks' | 'workers'>) {
  return place({
    limits: { queueBudget: new Map(), pausedQueues: new Set(), keyBudget: new Map() },
    strategy: 'least-loaded',
    cursor: 0,
    random: noRandom,
    ...over,
  });
}

/** worker id per assignment, in task order */
const placedOn = (r: ReturnType<typeof place>) => r.assignments.map((a) => a.workerId);
const placedTasks = (r: ReturnType<typeof place>) => r.assignments.map((a) => a.taskId);

/** mulberry32: a tiny seeded PRNG, returns numbers in [0, 1). */
function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('strategies', () => {
  it('least-loaded: picks the highest free/capacity ratio and updates it as it goes', () => {
    const r = run({
      tasks: tasks(10),
      workers: [
        worker('a', { capacity: 10, freeSlots: 5 }),
        worker('b', { capacity: 4, freeSlots: 3 }),
      ],
    });
    // a 5/10, b 3/4 → b; then a .5 = b .5, tie → more free slots (a); …
    expect(placedOn(r)).toEqual(['b', 'a', 'b', 'a', 'a', 'b', 'a', 'a']);
    expect(r.cursor).toBe(0);
  });

  it('least-loaded: an idle worker beats a busier bigger one', () => {
    const r = run({
      tasks: tasks(1),
      workers: [
        worker('big', { capacity: 100, freeSlots: 60 }),
        worker('small', { capacity: 2, freeSlots: 2 }),
      ],
    });
    expect(placedOn(r)).toEqual(['small']);
  });

  it('least-loaded breaks a full tie by the worker id, as its comment says', () => {
    // placement.ts, choose() 'least-loaded' (lines 177-182): the comment says "ties go to the most
    // free slots, then the id", but the loop only replaces `best` on a strictly better ratio or
    // strictly more free slots, so an exact tie goes to whichever worker comes first in the
    // input. Input [b, a] (identical) → expected 'a', actual 'b'.
    const r = run({ tasks: tasks(1), workers: [worker('b'), worker('a')] });
    expect(placedOn(r)).toEqual(['a']);
  });

  it('round-robin: cycles through workers in id order from the cursor, and returns the cursor', () => {
    const workers = [worker('c'), worker('a'), worker('b')];
    const r0 = run({ tasks: tasks(4), workers, strategy: 'round-robin', cursor: 0 });
    expect(placedOn(r0)).toEqual(['a', 'b', 'c', 'a']);
    expect(r0.cursor).toBe(4);
    // the next round continues where the last one stopped
    const r1 = run({ tasks: tasks(2), workers, strategy: 'round-robin', cursor: r0.cursor });
    expect(placedOn(r1)).toEqual(['b', 'c']);
    expect(r1.cursor).toBe(6);
    const r2 = run({ tasks: tasks(3), workers, strategy: 'round-robin', cursor: 5 });
    expect(placedOn(r2)).toEqual(['c', 'a', 'b']);
  });

  it('round-robin: skips a worker once it is full', () => {
    const r = run({
      tasks: tasks(5),
      workers: [worker('a', { freeSlots: 1 }), worker('b', { freeSlots: 10 })],
      strategy: 'round-robin',
    });
    expect(placedOn(r)).toEqual(['a', 'b', 'b', 'b', 'b']);
  });

  it('random: uses the injected random, once per placed task', () => {
    const seq = [0, 0.999, 0.5, 0.34];
    let calls = 0;
    const r = run({
      tasks: tasks(4),
      workers: [worker('a'), worker('b'), worker('c')],
      strategy: 'random',
      random: () => seq[calls++]!,
    });
    expect(placedOn(r)).toEqual(['a', 'c', 'b', 'b']);
    expect(calls).toBe(4);
    expect(r.cursor).toBe(0);
  });

  it('weighted: follows the weights statistically (seeded)', () => {
    const n = 8000;
    const r = run({
      tasks: tasks(n),
      workers: [
        worker('a', { weight: 1, freeSlots: n, capacity: n }),
        worker('b', { weight: 3, freeSlots: n, capacity: n }),
        worker('z', { weight: 0, freeSlots: n, capacity: n }),
        worker('c', { weight: 4, freeSlots: n, capacity: n }),
      ],
      strategy: 'weighted',
      random: prng(42),
    });
    const count = (id: string) => placedOn(r).filter((w) => w === id).length;
    expect(r.assignments).toHaveLength(n);
    expect(count('z')).toBe(0);
    expect(count('a') / n).toBeCloseTo(1 / 8, 1);
    expect(Math.abs(count('a') / n - 0.125)).toBeLessThan(0.02);
    expect(Math.abs(count('b') / n - 0.375)).toBeLessThan(0.02);
    expect(Math.abs(count('c') / n - 0.5)).toBeLessThan(0.02);
  });

  it('weighted: maps random() onto cumulative weights exactly', () => {
    const workers = [worker('a', { weight: 1 }), worker('b', { weight: 3 })];
    const pick = (x: number) =>
      placedOn(run({ tasks: tasks(1), workers, strategy: 'weighted', random: () => x }));
    expect(pick(0)).toEqual(['a']);
    expect(pick(0.2499)).toEqual(['a']);
    expect(pick(0.25)).toEqual(['b']);
    expect(pick(0.9999)).toEqual(['b']);
  });

  it('weighted: all weights zero falls back to the first candidate', () => {
    const r = run({
      tasks: tasks(2),
      workers: [worker('a', { weight: 0 }), worker('b', { weight: 0 })],
      strategy: 'weighted',
      random: () => 0.9,
    });
    expect(placedOn(r)).toEqual(['a', 'a']);
  });

  it('the same input gives the same output, and the input is not changed', () => {
    const workers = [
      worker('a', { freeSlots: 2, freeResources: { cpu: 4 } }),
      worker('b', { freeSlots: 1 }),
    ];
    const queueBudget = new Map([['default', 5]]);
    const keyBudget = new Map([['k', 2]]);
    const input = (): PlacementInput => ({
      tasks: tasks(4, { concurrencyKey: 'k', resources: { cpu: 1 } }),
      workers,
      limits: { queueBudget, pausedQueues: new Set(), keyBudget },
      strategy: 'random',
      cursor: 0,
      random: prng(7),
    });
    const a = place(input());
    const b = place(input());
    expect(a).toEqual(b);
    expect(workers[0]!.freeSlots).toBe(2);
    expect(workers[0]!.freeResources).toEqual({ cpu: 4 });
    expect(workers[1]!.freeSlots).toBe(1);
    expect(queueBudget.get('default')).toBe(5);
    expect(keyBudget.get('k')).toBe(2);
  });
});

describe('capacity', () => {
  const strategies: PlacementStrategy[] = ['least-loaded', 'round-robin', 'random', 'weighted'];
  for (const strategy of strategies) {
    it(`${strategy}: never hands a worker more than its free slots`, () => {
      const workers = [
        worker('a', { freeSlots: 1, capacity: 4 }),
        worker('b', { freeSlots: 3, capacity: 4 }),
        worker('c', { freeSlots: 0, capacity: 4 }),
        worker('d', { freeSlots: -2, capacity: 4 }),
      ];
      const r = run({ tasks: tasks(20), workers, strategy, random: prng(1) });
      expect(r.assignments).toHaveLength(4);
      const per = (id: string) => placedOn(r).filter((w) => w === id).length;
      expect([per('a'), per('b'), per('c'), per('d')]).toEqual([1, 3, 0, 0]);
      expect(placedTasks(r)).toEqual(['t1', 't2', 't3', 't4']);
      expect(r.unplaceable.size).toBe(0);
    });
  }

  it('with no free slot anywhere nothing is placed and nothing is called unplaceable', () => {
    const r = run({ tasks: tasks(3), workers: [worker('a', { freeSlots: 0 })] });
    expect(r.assignments).toEqual([]);
    expect(r.unplaceable.size).toBe(0);
  });

  it('with no workers nothing is placed', () => {
    const r = run({ tasks: tasks(3), workers: [] });
    expect(r).toMatchObject({ assignments: [], unplaceable: new Map(), cursor: 0, remaining: [] });
  });

  it('input order is priority order: the first tasks get the slots', () => {
    const r = run({
      tasks: tasks(5),
      workers: [worker('a', { freeSlots: 2 }), worker('b', { freeSlots: 1 })],
    });
    expect(placedTasks(r)).toEqual(['t1', 't2', 't3']);
  });

  it('a task that cannot be placed does not hold back the ones after it', () => {
    const r = run({
      tasks: [task('gpu', { selector: { gpu: 'yes' } }), task('plain')],
      workers: [worker('a', { freeSlots: 1 })],
    });
    expect(r.assignments).toEqual([{ taskId: 'plain', workerId: 'a' }]);
    expect(r.unplaceable).toEqual(new Map([['gpu', 'no worker has label gpu=yes']]));
  });
});

describe('matching', () => {
  it('selector: every selected label must match', () => {
    const workers = [
      worker('a', { labels: { zone: 'eu' } }),
      worker('b', { labels: { zone: 'us', gpu: 'a100' } }),
      worker('c', { labels: { zone: 'eu', gpu: 'a100' } }),
    ];
    const r = run({ tasks: [task('t', { selector: { zone: 'eu', gpu: 'a100' } })], workers });
    expect(placedOn(r)).toEqual(['c']);
    // no selector: any worker
    expect(
      run({ tasks: [task('t')], workers: [worker('x', { labels: { a: 'b' } })] }).assignments,
    ).toHaveLength(1);
  });

  it('selector with no match anywhere: unplaceable, with the label named', () => {
    const r = run({
      tasks: [task('t', { selector: { gpu: 'h100' } })],
      workers: [worker('a', { labels: { gpu: 'a100' } })],
    });
    expect(r.assignments).toEqual([]);
    expect(r.unplaceable.get('t')).toBe('no worker has label gpu=h100');
  });

  it('NoSchedule and NoExecute taints keep untolerating tasks off', () => {
    for (const effect of ['NoSchedule', 'NoExecute'] as const) {
      const workers = [worker('a', { taints: [{ key: 'dedicated', value: 'ml', effect }] })];
      const r = run({ tasks: [task('t')], workers });
      expect(r.assignments).toEqual([]);
      expect(r.unplaceable.get('t')).toBe('no worker without an untolerated taint dedicated');
    }
  });

  it('a matching toleration lets the task on', () => {
    const workers = [
      worker('a', { taints: [{ key: 'dedicated', value: 'ml', effect: 'NoSchedule' }] }),
    ];
    const ok = (tolerations: PlacementTask['tolerations']) =>
      run({ tasks: [task('t', { tolerations })], workers }).assignments.length === 1;
    expect(ok([{ key: 'dedicated', operator: 'Equal', value: 'ml', effect: 'NoSchedule' }])).toBe(
      true,
    );
    expect(ok([{ key: 'dedicated', value: 'ml' }])).toBe(true); // any effect
    expect(ok([{ key: 'dedicated', operator: 'Exists' }])).toBe(true);
    expect(ok([{ key: 'dedicated', operator: 'Exists', value: 'other' }])).toBe(true);
    expect(ok([{ key: 'dedicated', operator: 'Equal', value: 'web' }])).toBe(false);
    expect(ok([{ key: 'dedicated', operator: 'Exists', effect: 'PreferNoSchedule' }])).toBe(false);
    expect(ok([{ key: 'other', operator: 'Exists' }])).toBe(false);
    expect(ok([])).toBe(false);
  });

  it('every taint must be tolerated', () => {
    const workers = [
      worker('a', {
        taints: [
          { key: 'x', effect: 'NoSchedule' },
          { key: 'y', value: '1', effect: 'NoSchedule' },
        ],
      }),
    ];
    const on = (keys: string[]) =>
      run({
        tasks: [
          task('t', { tolerations: keys.map((key) => ({ key, operator: 'Exists' as const })) }),
        ],
        workers,
      }).assignments.length;
    expect(on(['x'])).toBe(0);
    expect(on(['y'])).toBe(0);
    expect(on(['x', 'y'])).toBe(1);
  });

  it('tolerates(): key, effect (absent = any), Exists ignores the value', () => {
    const taint = { key: 'k', value: 'v', effect: 'NoSchedule' } as const;
    expect(tolerates([{ key: 'k', value: 'v', effect: 'NoSchedule' }], taint)).toBe(true);
    expect(tolerates([{ key: 'k', operator: 'Exists' }], taint)).toBe(true);
    expect(tolerates([{ key: 'k', value: 'w' }], taint)).toBe(false);
    expect(tolerates([{ key: 'k', value: 'v', effect: 'NoExecute' }], taint)).toBe(false);
    expect(tolerates([{ key: 'K', operator: 'Exists' }], taint)).toBe(false);
    expect(tolerates([], taint)).toBe(false);
    expect(
      tolerates(
        [
          { key: 'j', operator: 'Exists' },
          { key: 'k', value: 'v' },
        ],
        taint,
      ),
    ).toBe(true);
  });

  it('PreferNoSchedule only steers: an untainted worker is preferred, the tainted one is used when it is all there is', () => {
    const tainted = worker('t', {
      taints: [{ key: 'spot', value: 'true', effect: 'PreferNoSchedule' }],
      freeSlots: 10,
      capacity: 10,
    });
    const clean = worker('c', { freeSlots: 2, capacity: 10 });
    // least-loaded alone would choose t (10/10 > 2/10); the taint steers the first two to c
    const r = run({ tasks: tasks(4), workers: [tainted, clean] });
    expect(placedOn(r)).toEqual(['c', 'c', 't', 't']);
    expect(r.unplaceable.size).toBe(0);
    // with a toleration the taint is ignored and the load decides
    const r2 = run({
      tasks: tasks(1, { tolerations: [{ key: 'spot', operator: 'Exists' }] }),
      workers: [tainted, clean],
    });
    expect(placedOn(r2)).toEqual(['t']);
    // only a tainted worker: still placed
    expect(placedOn(run({ tasks: tasks(1), workers: [tainted] }))).toEqual(['t']);
    expect(mismatch(task('x'), tainted)).toBeNull();
  });

  it('resources: a task needs the free cpu and memory; what is handed out is used up', () => {
    const workers = [
      worker('a', { freeResources: { cpu: 2, memoryMb: 1024 }, freeSlots: 10, capacity: 10 }),
      worker('b', { freeResources: { cpu: 1 }, freeSlots: 1, capacity: 10 }),
    ];
    const r = run({
      tasks: [
        task('t1', { resources: { cpu: 1.5, memoryMb: 512 } }),
        task('t2', { resources: { cpu: 1 } }), // a has 0.5 cpu left → b
        task('t3', { resources: { memoryMb: 512 } }), // a has 512 MB left
        task('t4', { resources: { memoryMb: 1 } }), // a has 0 MB; b is full
        task('t5', { resources: { cpu: 0.5 } }), // a has 0.5 cpu left, memory not asked
      ],
      workers,
    });
    expect(r.assignments).toEqual([
      { taskId: 't1', workerId: 'a' },
      { taskId: 't2', workerId: 'b' },
      { taskId: 't3', workerId: 'a' },
      { taskId: 't5', workerId: 'a' },
    ]);
    // a lack of free resources is temporary: not unplaceable
    expect(r.unplaceable.size).toBe(0);
  });

  it('resources: undefined free resources are unlimited; no request fits anywhere', () => {
    const r = run({
      tasks: [task('big', { resources: { cpu: 10_000, memoryMb: 10_000_000 } }), task('none')],
      workers: [
        worker('a', { freeResources: {} }),
        worker('b', { freeResources: { cpu: 0, memoryMb: 0 } }),
      ],
      strategy: 'round-robin',
    });
    expect(r.assignments).toEqual([
      { taskId: 'big', workerId: 'a' },
      { taskId: 'none', workerId: 'b' },
    ]);
  });

  it('handler types apply to the function executor only; null means any type', () => {
    const w = worker('a', { types: new Set(['email.send']) });
    expect(
      run({ tasks: [task('t', { type: 'email.send' })], workers: [w] }).assignments,
    ).toHaveLength(1);
    const r = run({ tasks: [task('t', { type: 'report.build' })], workers: [w] });
    expect(r.assignments).toEqual([]);
    expect(r.unplaceable.get('t')).toBe('no worker has a handler for report.build');
    for (const executor of ['process', 'http'] as const) {
      expect(
        run({ tasks: [task('t', { type: 'report.build', executor })], workers: [w] }).assignments,
      ).toHaveLength(1);
    }
    expect(
      run({ tasks: [task('t', { type: 'anything' })], workers: [worker('b', { types: null })] })
        .assignments,
    ).toHaveLength(1);
    // an empty set runs no function task at all
    expect(
      run({ tasks: [task('t')], workers: [worker('c', { types: new Set() })] }).assignments,
    ).toEqual([]);
  });

  it('executors: a worker runs only the executors it allows', () => {
    const fnOnly = worker('f', { executors: new Set<ExecutorKind>(['function']) });
    const withExec = worker('p', { executors: new Set<ExecutorKind>(['function', 'process']) });
    const r = run({ tasks: [task('p1', { executor: 'process' })], workers: [fnOnly] });
    expect(r.unplaceable.get('p1')).toBe('no worker allows the process executor');
    const r2 = run({
      tasks: [task('p1', { executor: 'process' }), task('h1', { executor: 'http' })],
      workers: [fnOnly, withExec],
    });
    expect(r2.assignments).toEqual([{ taskId: 'p1', workerId: 'p' }]);
    expect(r2.unplaceable.get('h1')).toBe('no worker allows the http executor');
  });

  it('worker queues: a worker serves only its queues; null means all', () => {
    const emails = worker('e', { queues: new Set(['emails']) });
    const r = run({
      tasks: [task('t1', { queue: 'emails' }), task('t2', { queue: 'reports' })],
      workers: [emails],
    });
    expect(r.assignments).toEqual([{ taskId: 't1', workerId: 'e' }]);
    expect(r.unplaceable).toEqual(new Map([['t2', 'no worker serves queue reports']]));
    expect(
      run({ tasks: [task('t', { queue: 'reports' })], workers: [worker('any', { queues: null })] })
        .assignments,
    ).toHaveLength(1);
  });
});

describe('limits', () => {
  const limits = (over: Partial<PlacementInput['limits']> = {}): PlacementInput['limits'] => ({
    queueBudget: new Map(),
    pausedQueues: new Set(),
    keyBudget: new Map(),
    ...over,
  });

  it('paused queues: skipped without using slots and without being unplaceable', () => {
    const r = run({
      tasks: [task('p1', { queue: 'held' }), task('p2', { queue: 'held' }), task('ok')],
      workers: [worker('a', { freeSlots: 1 })],
      limits: limits({ pausedQueues: new Set(['held']) }),
    });
    expect(r.assignments).toEqual([{ taskId: 'ok', workerId: 'a' }]);
    expect(r.unplaceable.size).toBe(0);
  });

  it('queue budget: at most the budget per queue, other queues unaffected, absent = unlimited', () => {
    const r = run({
      tasks: [
        ...tasks(5, { queue: 'q' }),
        task('o1', { queue: 'other' }),
        task('o2', { queue: 'other' }),
        task('z1', { queue: 'zero' }),
      ],
      workers: [worker('a', { freeSlots: 100, capacity: 100 })],
      limits: limits({
        queueBudget: new Map([
          ['q', 2],
          ['zero', 0],
        ]),
      }),
    });
    expect(placedTasks(r)).toEqual(['t1', 't2', 'o1', 'o2']);
    expect(r.unplaceable.size).toBe(0);
  });

  it('negative queue budget places nothing', () => {
    const r = run({
      tasks: tasks(2),
      workers: [worker('a')],
      limits: limits({ queueBudget: new Map([['default', -3]]) }),
    });
    expect(r.assignments).toEqual([]);
  });

  it('concurrency key: one per key by default', () => {
    const r = run({
      tasks: [
        task('a1', { concurrencyKey: 'acct-1' }),
        task('a2', { concurrencyKey: 'acct-1' }),
        task('b1', { concurrencyKey: 'acct-2' }),
        task('n1'),
        task('n2'),
      ],
      workers: [worker('w', { freeSlots: 100, capacity: 100 })],
    });
    expect(placedTasks(r)).toEqual(['a1', 'b1', 'n1', 'n2']);
  });

  it('concurrency key: the given room per key is used up; 0 places none', () => {
    const r = run({
      tasks: [...tasks(5, { concurrencyKey: 'k' }), task('z', { concurrencyKey: 'full' })],
      workers: [worker('w', { freeSlots: 100, capacity: 100 })],
      limits: limits({
        keyBudget: new Map([
          ['k', 3],
          ['full', 0],
        ]),
      }),
    });
    expect(placedTasks(r)).toEqual(['t1', 't2', 't3']);
  });

  it('a task skipped for a limit uses no worker slot', () => {
    const r = run({
      tasks: [task('k1', { concurrencyKey: 'k' }), task('k2', { concurrencyKey: 'k' }), task('x')],
      workers: [worker('w', { freeSlots: 2, capacity: 2 })],
    });
    expect(placedTasks(r)).toEqual(['k1', 'x']);
  });
});

describe('unschedulable workers and unplaceable reasons', () => {
  it('a cordoned or draining worker gets nothing', () => {
    const r = run({ tasks: tasks(3), workers: [worker('a', { schedulable: false })] });
    expect(r.assignments).toEqual([]);
    expect(r.unplaceable.size).toBe(0);
    const r2 = run({
      tasks: tasks(3),
      workers: [worker('a', { schedulable: false }), worker('b', { freeSlots: 1 })],
    });
    expect(r2.assignments).toEqual([{ taskId: 't1', workerId: 'b' }]);
  });

  it('not unplaceable while a schedulable worker that matches is merely full', () => {
    const r = run({
      tasks: [task('t', { selector: { gpu: 'yes' } })],
      workers: [
        worker('full', { labels: { gpu: 'yes' }, freeSlots: 0 }),
        worker('free', { freeSlots: 5 }),
      ],
    });
    expect(r.assignments).toEqual([]);
    expect(r.unplaceable.size).toBe(0);
  });

  it('not unplaceable when the only matching worker filled up earlier in this round', () => {
    const r = run({
      tasks: [task('g1', { selector: { gpu: 'yes' } }), task('g2', { selector: { gpu: 'yes' } })],
      workers: [
        worker('gpu', { labels: { gpu: 'yes' }, freeSlots: 1 }),
        worker('cpu', { freeSlots: 5 }),
      ],
    });
    expect(r.assignments).toEqual([{ taskId: 'g1', workerId: 'gpu' }]);
    expect(r.unplaceable.size).toBe(0);
  });

  it('unplaceable when the only matching worker is cordoned', () => {
    const r = run({
      tasks: [task('t', { selector: { gpu: 'yes' } })],
      workers: [
        worker('cordoned', { labels: { gpu: 'yes' }, schedulable: false }),
        worker('free', { freeSlots: 5 }),
      ],
    });
    expect(r.assignments).toEqual([]);
    expect(r.unplaceable).toEqual(new Map([['t', 'no worker has label gpu=yes']]));
  });

  it('mismatch() names the first reason a worker can never take a task', () => {
    expect(mismatch(task('t'), worker('w'))).toBeNull();
    expect(
      mismatch(
        task('t', { executor: 'http', queue: 'q', selector: { a: 'b' } }),
        worker('w', { executors: new Set<ExecutorKind>(['function']), queues: new Set() }),
      ),
    ).toBe('no worker allows the http executor');
    expect(mismatch(task('t', { queue: 'q' }), worker('w', { queues: new Set(['r']) }))).toBe(
      'no worker serves queue q',
    );
  });
});

describe('remaining capacity', () => {
  it('returns the workers and limits after the round, so a next round continues from them', () => {
    const first = run({
      tasks: tasks(2),
      workers: [worker('a', { freeSlots: 3 })],
    });
    expect(first.remaining.map((w) => [w.id, w.freeSlots])).toEqual([['a', 1]]);
    const second = run({ tasks: tasks(3), workers: first.remaining });
    expect(second.assignments).toHaveLength(1);
  });
});
