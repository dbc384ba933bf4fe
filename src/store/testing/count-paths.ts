import { expect } from 'vitest';
import type { Report } from '../../domain/state-machine.js';
import type { Store } from '../store.js';
import { fixedRandom, lead, newTask, T0 } from './fixtures.js';
import { insertOne, insertRunning } from './harness.js';
import { createWorkflow, finish, stepsOf } from './workflow-fixtures.js';

/**
 * Drive every write that changes a task's state, calling `check` after each: submit, promote,
 * assign, start, reports (several of one task in one batch, some netting to no change), a
 * retryable failure back to pending, operator pause, resume, cancel and retry, lost workers,
 * deadlines, a workflow, fan-outs, retention deletes, and a write that fails after it changed
 * rows (and so rolls back). `check` compares the kept counts with the tasks themselves.
 */
export async function driveCountPaths(
  store: Store,
  check: (step: string) => Promise<void>,
): Promise<void> {
  const fence = await lead(store, T0);
  const random = fixedRandom();
  const report = (reports: Report[], now: number) => store.taskReport(reports, now, random);
  const stateOf = async (id: string) => (await store.taskGet(id))?.state;
  const act = async (id: string, action: 'pause' | 'resume' | 'cancel' | 'retry', now: number) =>
    expect((await store.taskAct(id, action, now, 'op')).ok).toBe(true);

  const [a, b, c, d, e, f] = (
    await store.taskInsert(
      [
        newTask({ queue: 'q1' }),
        newTask({ queue: 'q1', runAt: T0 + 1_000 }),
        newTask({ queue: 'q2', maxAttempts: 1 }),
        newTask({ queue: 'q2', blocked: true }),
        newTask({ queue: 'q1', timeoutMs: 10 }),
        newTask({ queue: 'q2' }),
      ],
      T0,
    )
  ).map((r) => r.task.id) as [string, string, string, string, string, string];
  await check('submit');

  expect(await store.taskPromoteDue(fence, T0 + 1_000, 10)).toBe(1);
  await check('promote due');

  // `b` named twice: the second is refused.
  const assigned = await store.taskAssign(
    fence,
    [a, b, c, e, b].map((taskId) => ({ taskId, workerId: 'w1' })),
    T0 + 1_001,
  );
  expect(assigned).toHaveLength(4);
  await check('assign');

  // `b` goes assigned → running → succeeded in one batch.
  await report(
    [
      { kind: 'started', taskId: a, attempt: 1 },
      { kind: 'started', taskId: b, attempt: 1 },
      { kind: 'progress', taskId: b, attempt: 1, progress: 0.5 },
      { kind: 'succeeded', taskId: b, attempt: 1, result: 1 },
      { kind: 'started', taskId: e, attempt: 1 },
    ],
    T0 + 1_002,
  );
  expect(await stateOf(b)).toBe('succeeded');
  await check('start; start and finish in one batch');

  // Pause and resume on a worker: the want first, then the worker's acknowledgement.
  await act(a, 'pause', T0 + 1_003);
  await report([{ kind: 'paused', taskId: a, attempt: 1 }], T0 + 1_004);
  expect(await stateOf(a)).toBe('paused');
  await check('paused on a worker');
  await act(a, 'resume', T0 + 1_005);
  await report([{ kind: 'resumed', taskId: a, attempt: 1 }], T0 + 1_006);
  await check('resumed on a worker');
  // Paused and resumed in one batch: the state changes twice and nets to none.
  await report(
    [
      { kind: 'paused', taskId: a, attempt: 1 },
      { kind: 'resumed', taskId: a, attempt: 1 },
    ],
    T0 + 1_007,
  );
  expect(await stateOf(a)).toBe('running');
  await check('paused and resumed in one batch');

  // A retryable failure goes back to pending; promoting it makes it ready.
  await report([{ kind: 'failed', taskId: a, attempt: 1, error: { message: 'x' } }], T0 + 1_010);
  expect(await stateOf(a)).toBe('pending');
  await check('failed, to retry');
  expect(await store.taskPromoteDue(fence, T0 + 5_000, 10)).toBe(1);
  await check('promote the retry');

  // The one-attempt task fails for good (started and failed in one batch); the operator retries it.
  await report(
    [
      { kind: 'started', taskId: c, attempt: 1 },
      { kind: 'failed', taskId: c, attempt: 1, error: { message: 'y' } },
    ],
    T0 + 5_001,
  );
  expect(await stateOf(c)).toBe('failed');
  await check('failed for good');
  await act(c, 'retry', T0 + 5_002);
  await check('operator retry');

  // Operator actions on queued tasks move them at once; on a blocked one only the want changes.
  await act(f, 'pause', T0 + 5_003);
  await check('operator pause');
  await act(f, 'resume', T0 + 5_004);
  await check('operator resume');
  await act(f, 'cancel', T0 + 5_005);
  await act(d, 'pause', T0 + 5_005);
  await check('operator cancel');

  // A cancel on a worker: the want, then the worker's acknowledgement.
  await store.taskAssign(fence, [{ taskId: c, workerId: 'w2' }], T0 + 5_006);
  await act(c, 'cancel', T0 + 5_007);
  await report([{ kind: 'cancelled', taskId: c, attempt: 2 }], T0 + 5_008);
  expect(await stateOf(c)).toBe('cancelled');
  await check('cancelled on a worker');

  // A deadline passes; a worker is lost with one task started and one not.
  expect(await store.taskExpireDeadlines(fence, T0 + 6_000, random)).toHaveLength(1);
  await check('deadline');
  const lostRunning = await insertRunning(
    store,
    { queue: 'q3' },
    { fence, workerId: 'w3', now: T0 + 6_001 },
  );
  await store.taskAssign(fence, [{ taskId: a, workerId: 'w3' }], T0 + 6_001);
  expect(await store.taskRequeueFromWorkers(fence, ['w3'], T0 + 6_002, random)).toHaveLength(2);
  expect(await stateOf(lostRunning.task.id)).toBe('pending');
  expect(await stateOf(a)).toBe('ready');
  await check('lost worker');

  // A write that fails after changing a task rolls back, its count changes with it.
  const late = [
    await insertRunning(store, { queue: 'q3', timeoutMs: 10 }, { fence, now: T0 + 7_000 }),
    await insertRunning(store, { queue: 'q3', timeoutMs: 10 }, { fence, now: T0 + 7_000 }),
  ];
  await check('before a failing write');
  let calls = 0;
  const failing = () => {
    if (++calls > 1) throw new Error('random fails');
    return 0.5;
  };
  await expect(store.taskExpireDeadlines(fence, T0 + 8_000, failing)).rejects.toThrow(/random/);
  for (const l of late) expect(await stateOf(l.task.id)).toBe('running');
  await check('a failing write');
  expect(await store.taskExpireDeadlines(fence, T0 + 8_000, random)).toHaveLength(2);
  await check('the write again');

  // A workflow: a step ends, one dependant is unblocked and one skipped; then it is cancelled.
  const wf = await createWorkflow(
    store,
    [{ id: 'a' }, { id: 'b', dependsOn: ['a'] }, { id: 'c', dependsOn: ['a'], when: 'failure' }],
    'fail-fast',
    T0 + 9_000,
  );
  await check('workflow created');
  await finish(store, fence, (await stepsOf(store, wf)).get('a')!, { result: 1 }, T0 + 9_001);
  const steps = await stepsOf(store, wf);
  expect([steps.get('b')!.state, steps.get('c')!.state]).toEqual(['ready', 'skipped']);
  await check('workflow step ended');
  await store.workflowCancel(wf, T0 + 9_002, 'op');
  await check('workflow cancelled');

  // Fan-out: a sharded parent runs as its children and ends with them; a broadcast to no
  // worker ends in the write that fans it out.
  const sharded = await insertOne(store, { queue: 'q4', flow: { shards: 2 }, maxAttempts: 1 });
  const broadcast = await insertOne(store, { queue: 'q4', flow: { broadcast: true } });
  await store.taskFanOut(
    fence,
    [
      { taskId: sharded.id, workers: [] },
      { taskId: broadcast.id, workers: [] },
    ],
    T0 + 10_000,
  );
  expect(await stateOf(sharded.id)).toBe('running');
  await check('fan-out');
  for (const child of await store.taskChildren(sharded.id)) {
    await finish(store, fence, child, { result: 1 }, T0 + 10_001);
  }
  expect(await stateOf(sharded.id)).toBe('succeeded');
  await check('fan-in');

  // Retention deletes every finished task.
  expect(await store.taskPrune(fence, T0 + 100_000, 1_000)).toBeGreaterThan(0);
  await check('retention delete');
}
