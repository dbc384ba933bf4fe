import { afterEach, describe, expect, it } from 'vitest';
import type { Report } from '../../domain/state-machine.js';
import { systemClock } from '../../lib/clock.js';
import { silentLogger } from '../../lib/logger.js';
import { openSqliteStore } from '../../store/sqlite/sqlite-store.js';
import type { NewTask } from '../../domain/task.js';
import type { ChangeEvent, LeaderFence, Store, TaskChange } from '../../store/store.js';
import { lead, newTask } from '../../store/testing/fixtures.js';
import { createWorkflow, stepsOf } from '../../store/testing/workflow-fixtures.js';
import {
  PROTOCOL_VERSION,
  type ServerToWorker,
  type WorkerToServer,
} from '../../protocol/worker-messages.js';
import { MemoryTransport, WorkerRuntime, type WorkerRuntimeOptions } from '../../worker/index.js';
import type { ConnectionHandlers } from '../../worker/transport.js';
import { WorkerGateway, type GatewayOptions } from './gateway.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** `store` with some of its methods replaced; the others are its own. */
function overriding(store: Store, methods: Partial<Record<keyof Store, unknown>>): Store {
  return new Proxy(store, {
    get(target, prop, receiver) {
      if (Object.hasOwn(methods, prop)) return methods[prop as keyof Store];
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

/** A SQLite store in memory, closed after the test. */
async function memoryStore() {
  const store = await openSqliteStore(':memory:');
  await store.migrate();
  cleanups.push(() => store.close());
  return store;
}

/** A started gateway on `store` (sweeping every `leaseMs`), stopped after the test. */
function startGateway(
  store: Store,
  leaseMs = 10_000,
  more: Pick<GatewayOptions, 'onReports' | 'startHoldMs'> = {},
): WorkerGateway {
  const gateway = new WorkerGateway({
    store,
    clock: systemClock,
    logger: silentLogger,
    replicaId: 'r1',
    heartbeatMs: 100,
    leaseMs,
    ...more,
  });
  gateway.start();
  cleanups.push(() => gateway.stop());
  return gateway;
}

/** Worker w1 (capacity 1) connected to `gateway`, stopped after the test. */
async function startWorker(
  gateway: WorkerGateway,
  handlers: WorkerRuntimeOptions['handlers'],
): Promise<WorkerRuntime> {
  const worker = new WorkerRuntime({
    id: 'w1',
    name: 'w1',
    capacity: 1,
    handlers,
    transport: new MemoryTransport((toWorker) => gateway.accept(toWorker)),
  });
  await worker.start();
  cleanups.push(() => worker.stop({ graceMs: 0 }));
  return worker;
}

/** A task (`task` over the fixture defaults) inserted, and assigned to w1 as attempt 1. */
async function assignedToW1(store: Store, fence: LeaderFence, task: Partial<NewTask>) {
  const [inserted] = await store.taskInsert([newTask(task)], Date.now());
  const [placed] = await store.taskAssign(
    fence,
    [{ taskId: inserted!.task.id, workerId: 'w1' }],
    Date.now(),
  );
  return placed!;
}

/**
 * A store in memory and a gateway that hears none of its change events (every notification
 * lost), sweeping every 300 ms.
 */
async function deafGateway() {
  const store = await memoryStore();
  const gateway = startGateway(overriding(store, { subscribe: () => () => {} }), 300);
  return { store, gateway };
}

describe('WorkerGateway', () => {
  it('pushes an assignment whose change event never came, within a lease period', async () => {
    const { store, gateway } = await deafGateway();
    await startWorker(gateway, { 'app.ok': () => 'ok' });
    const fence = await lead(store, Date.now());
    const { id } = await assignedToW1(store, fence, { type: 'app.ok' });
    await until(async () => (await store.taskGet(id))?.state === 'succeeded', 5000);
    expect(await store.taskGet(id)).toMatchObject({ attempt: 1, result: 'ok' });
  });

  /**
   * A gateway that hears no change event (every notification lost) and sweeps every 300 ms, with
   * worker w1 whose `app.wait` handler runs until its signal aborts; `aborted` resolves then.
   */
  async function deafGatewayWithWorker() {
    const { store, gateway } = await deafGateway();
    let onAbort: () => void = () => {};
    const aborted = new Promise<void>((resolve) => (onAbort = resolve));
    await startWorker(gateway, {
      'app.wait': (ctx) =>
        new Promise((_, reject) =>
          ctx.signal.addEventListener('abort', () => {
            onAbort();
            reject(ctx.signal.reason as Error);
          }),
        ),
    });
    const fence = await lead(store, Date.now(), 'leader-1', 60_000);
    const { id } = await assignedToW1(store, fence, { type: 'app.wait', timeoutMs: 60_000 });
    await until(async () => (await store.taskGet(id))?.state === 'running', 5000);
    return { store, fence, id, aborted };
  }

  it('sends a cancel whose change event never came, within a lease period', async () => {
    const { store, id, aborted } = await deafGatewayWithWorker();
    const r = await store.taskAct(id, 'cancel', Date.now(), 'operator');
    expect(r).toMatchObject({ ok: true, task: { state: 'running', want: 'cancel' } });
    await aborted;
    await until(async () => (await store.taskGet(id))?.state === 'cancelled', 5000);
  });

  it('revokes an attempt taken from the worker whose change event never came', async () => {
    const { store, fence, id, aborted } = await deafGatewayWithWorker();
    // Timed out by the leader: attempt 1 is over, the task waits for attempt 2.
    const [expired] = await store.taskExpireDeadlines(fence, Date.now() + 120_000, () => 0.5);
    expect(expired).toMatchObject({ id, workerId: null });
    await aborted;
    // The worker's late report on attempt 1 is refused: the task stays where the leader put it.
    expect(await store.taskGet(id)).toMatchObject({ state: expired!.state, attempt: 1 });
  });

  it('ignores a late change of an earlier attempt: the attempt it holds runs on', async () => {
    const store = await memoryStore();
    const listeners: ((e: ChangeEvent) => void)[] = [];
    const tapped = overriding(store, {
      subscribe: (listener: (e: ChangeEvent) => void) => {
        listeners.push(listener);
        return store.subscribe(listener);
      },
    });
    let finish: (v: string) => void = () => {};
    await startWorker(startGateway(tapped), {
      'app.hold': () => new Promise<string>((resolve) => (finish = resolve)),
    });
    const fence = await lead(store, Date.now());
    const task = await assignedToW1(store, fence, { type: 'app.hold' });
    await until(async () => (await store.taskGet(task.id))?.state === 'running', 5000);
    // The notification of the submit (attempt 0, ready) arrives after the push of attempt 1.
    const stale: TaskChange = { ...task, state: 'ready', workerId: null, attempt: 0 };
    for (const l of listeners) l({ kind: 'tasks', changes: [stale] });
    finish('done');
    await until(async () => (await store.taskGet(task.id))?.state === 'succeeded', 5000);
  });

  it('hands back, as never started, an attempt a re-registering worker does not hold', async () => {
    const store = await memoryStore();
    const gateway = startGateway(store);
    // Assigned to w1 by an earlier process of it, which may or may not have begun it.
    const fence = await lead(store, Date.now());
    const { id } = await assignedToW1(store, fence, { type: 'app.ok' });
    let ran = 0;
    await startWorker(gateway, { 'app.ok': () => ++ran });
    // It is not run again as attempt 1: it goes back to the queue, for a new attempt.
    expect(await store.taskGet(id)).toMatchObject({ state: 'ready', attempt: 1, workerId: null });
    expect((await store.taskAttempts(id)).map((a) => [a.attempt, a.outcome])).toEqual([
      [1, 'snoozed'],
    ]);
    expect(ran).toBe(0);
  });

  it('runs a task placed on a worker while it registers (the resync never drops it)', async () => {
    const store = await memoryStore();
    const fence = await lead(store, Date.now());
    const [inserted] = await store.taskInsert([newTask({ type: 'app.ok' })], Date.now());
    const id = inserted!.task.id;
    // The co-located leader places the task the moment the worker's record says it is live,
    // and pushes it straight away, while the registration is still under way.
    const gateway = startGateway(
      overriding(store, {
        workerUpsert: async (...args: Parameters<Store['workerUpsert']>) => {
          await store.workerUpsert(...args);
          const placed = await store.taskAssign(
            fence,
            [{ taskId: id, workerId: 'w1' }],
            Date.now(),
          );
          gateway.deliverAssigned(placed);
        },
      }),
    );
    await startWorker(gateway, { 'app.ok': () => 'ok' });
    await until(async () => (await store.taskGet(id))?.state === 'succeeded', 5000);
    expect(await store.taskGet(id)).toMatchObject({ attempt: 1, result: 'ok' });
  });

  it('assigns a workflow step with the want it has when its parents are read', async () => {
    const store = await memoryStore();
    let open: () => void = () => {};
    const gate = new Promise<void>((resolve) => (open = resolve));
    // Reading the step's parents takes until the test opens the gate.
    const gateway = startGateway(
      overriding(store, {
        workflowGet: async (id: string) => {
          await gate;
          return store.workflowGet(id);
        },
      }),
    );
    let ran = 0;
    await startWorker(gateway, {
      'step.a': (ctx) => {
        ran++;
        return new Promise((_, reject) =>
          ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason as Error)),
        );
      },
    });
    const fence = await lead(store, Date.now());
    const wf = await createWorkflow(store, [{ id: 'a' }], 'fail-fast', Date.now());
    const step = (await stepsOf(store, wf)).get('a')!;
    const placed = await store.taskAssign(fence, [{ taskId: step.id, workerId: 'w1' }], Date.now());
    gateway.deliverAssigned(placed);
    // Cancelled while the assignment waits for the parents: the worker hears of the cancel
    // before it knows the task.
    expect(await store.taskAct(step.id, 'cancel', Date.now(), 'operator')).toMatchObject({
      ok: true,
    });
    open();
    await until(async () => (await store.taskGet(step.id))?.state === 'cancelled', 5000);
    expect(ran).toBe(0);
  });
});

describe('WorkerGateway: stale reports', () => {
  it('keeps steering the attempt a worker holds after a late report of an earlier one', async () => {
    const store = await memoryStore();
    let staleHeard: () => void = () => {};
    const stale = new Promise<void>((resolve) => (staleHeard = resolve));
    const gateway = startGateway(store, 10_000, {
      onReports: (reports) => {
        if (reports.some((r) => r.attempt === 1)) setImmediate(staleHeard);
      },
    });
    let inject: (m: WorkerToServer) => void = () => {};
    let aborted = false;
    const worker = new WorkerRuntime({
      id: 'w1',
      name: 'w1',
      capacity: 1,
      handlers: {
        'app.wait': (ctx) =>
          new Promise((_, reject) =>
            ctx.signal.addEventListener('abort', () => {
              aborted = true;
              reject(ctx.signal.reason as Error);
            }),
          ),
      },
      transport: new MemoryTransport((toWorker) => {
        const end = gateway.accept(toWorker);
        inject = (m) => end.receive(m);
        return end;
      }),
    });
    await worker.start();
    cleanups.push(() => worker.stop({ graceMs: 0 }));
    // Attempt 1 went to a worker that was lost before it began; attempt 2 runs on w1.
    const fence = await lead(store, Date.now());
    const [inserted] = await store.taskInsert([newTask({ type: 'app.wait' })], Date.now());
    const id = inserted!.task.id;
    await store.taskAssign(fence, [{ taskId: id, workerId: 'w0' }], Date.now());
    await store.taskRequeueFromWorkers(fence, ['w0'], Date.now(), () => 0.5);
    await store.taskAssign(fence, [{ taskId: id, workerId: 'w1' }], Date.now());
    await until(async () => (await store.taskGet(id))?.state === 'running', 5000);
    expect(await store.taskGet(id)).toMatchObject({ attempt: 2 });
    // A final report of attempt 1 arrives late (refused: stale), then the task is cancelled.
    inject({
      type: 'reports',
      reports: [{ kind: 'succeeded', taskId: id, attempt: 1, result: null }],
    });
    await stale;
    expect(await store.taskAct(id, 'cancel', Date.now(), 'operator')).toMatchObject({ ok: true });
    await until(async () => (await store.taskGet(id))?.state === 'cancelled', 5000);
    expect(aborted).toBe(true);
  });
});

describe('WorkerGateway: held starts', () => {
  /**
   * A gateway with a clock the test sets, a store whose report writes are recorded, and one
   * worker (w1) whose `app.wait` handler runs until the test releases it.
   */
  async function setup(startHoldMs: number) {
    const store = await memoryStore();
    const writes: Report[][] = [];
    const recorded = overriding(store, {
      taskReport: (reports: Report[], now: number, random: () => number) => {
        writes.push(reports.map((r) => ({ ...r })));
        return store.taskReport(reports, now, random);
      },
    });
    let now = 1_000;
    const gateway = new WorkerGateway({
      store: recorded,
      clock: { now: () => now },
      logger: silentLogger,
      replicaId: 'r1',
      heartbeatMs: 60_000,
      leaseMs: 120_000,
      startHoldMs,
    });
    gateway.start();
    let stopped = false;
    const stop = async () => {
      if (!stopped) await gateway.stop();
      stopped = true;
    };
    cleanups.push(stop);
    const received: WorkerToServer[] = [];
    let dropConnection = () => {};
    let release = () => {};
    const worker = new WorkerRuntime({
      id: 'w1',
      name: 'w1',
      capacity: 1,
      handlers: { 'app.wait': () => new Promise<string>((r) => (release = () => r('done'))) },
      transport: new MemoryTransport((toWorker) => {
        const end = gateway.accept(toWorker);
        dropConnection = () => end.close('connection lost');
        return {
          receive: (m) => {
            received.push(m);
            end.receive(m);
          },
          close: (reason) => end.close(reason),
        };
      }),
    });
    await worker.start();
    cleanups.push(() => {
      release();
      return worker.stop({ graceMs: 0 });
    });
    const fence = await lead(store, Date.now());
    const [inserted] = await store.taskInsert([newTask({ type: 'app.wait' })], now);
    const id = inserted!.task.id;
    await store.taskAssign(fence, [{ taskId: id, workerId: 'w1' }], now);
    /** Resolves once the gateway has handled the worker's report that it started the task. */
    const startHeard = async () => {
      await until(
        async () =>
          received.some((m) => m.type === 'reports' && m.reports.some((r) => r.kind === 'started')),
        5000,
      );
      // Handling a reports message takes microtasks only: they all run before this.
      await new Promise((r) => setImmediate(r));
    };
    return {
      store,
      id,
      writes,
      stop,
      startHeard,
      release: () => release(),
      dropConnection: () => dropConnection(),
      setNow: (t: number) => (now = t),
    };
  }

  it("writes a start together with the attempt's end, timed when it was heard", async () => {
    const g = await setup(60_000);
    await g.startHeard();
    expect(await g.store.taskGet(g.id)).toMatchObject({ state: 'assigned' });
    g.setNow(5_000);
    g.release();
    await until(async () => (await g.store.taskGet(g.id))?.state === 'succeeded', 5000);
    expect(await g.store.taskGet(g.id)).toMatchObject({
      startedAt: 1_000,
      finishedAt: 5_000,
      result: 'done',
    });
    expect(g.writes.map((w) => w.map((r) => r.kind))).toEqual([['started', 'succeeded']]);
    const events = await g.store.taskEvents(g.id);
    expect(events.map((e) => e.kind)).toEqual(['submitted', 'assigned', 'succeeded']);
  });

  it('writes a start that waited its hold time on its own', async () => {
    const g = await setup(30);
    await until(async () => (await g.store.taskGet(g.id))?.state === 'running', 5000);
    expect(g.writes.map((w) => w.map((r) => r.kind))).toEqual([['started']]);
  });

  it('writes the starts it holds when it stops', async () => {
    const g = await setup(60_000);
    await g.startHeard();
    expect(await g.store.taskGet(g.id)).toMatchObject({ state: 'assigned' });
    await g.stop();
    expect(await g.store.taskGet(g.id)).toMatchObject({ state: 'running', startedAt: 1_000 });
  });

  it("writes the starts it holds when the worker's session closes", async () => {
    const g = await setup(60_000);
    await g.startHeard();
    expect(await g.store.taskGet(g.id)).toMatchObject({ state: 'assigned' });
    g.dropConnection();
    await until(async () => (await g.store.taskGet(g.id))?.state === 'running', 5000);
    expect(await g.store.taskGet(g.id)).toMatchObject({ startedAt: 1_000 });
  });
});

/** `handlers` reached a millisecond late, each call in order. */
function delayed(handlers: ConnectionHandlers): ConnectionHandlers {
  let line = Promise.resolve();
  const later = (deliver: () => void) => {
    line = line.then(() => new Promise((r) => setTimeout(r, 1))).then(deliver);
  };
  return {
    onMessage: (m) => later(() => handlers.onMessage(m)),
    onClose: (reason) => later(() => handlers.onClose(reason)),
  };
}

describe('WorkerGateway: attempts a worker lost', () => {
  /**
   * Worker w1 speaking the protocol by hand (so the test decides what it says it holds), welcomed
   * by a gateway on a store in memory, and task `id` assigned to it as attempt 1 and pushed.
   */
  async function handDrivenWorker(more: Pick<GatewayOptions, 'startHoldMs'> = {}) {
    const store = await memoryStore();
    const gateway = startGateway(store, 10_000, more);
    const inbox: ServerToWorker[] = [];
    const end = gateway.accept({ onMessage: (m) => inbox.push(m), onClose: () => {} });
    cleanups.push(async () => end.close('test over'));
    end.receive({
      type: 'register',
      protocolVersion: PROTOCOL_VERSION,
      id: 'w1',
      name: 'w1',
      capacity: 1,
      types: null,
      executors: ['function'],
    });
    await until(async () => inbox.some((m) => m.type === 'welcome'), 5000);
    const fence = await lead(store, Date.now());
    const { id } = await assignedToW1(store, fence, { type: 'app.ok' });
    const pushed = () => inbox.findIndex((m) => m.type === 'assign' && m.tasks[0]?.id === id);
    await until(async () => pushed() >= 0, 5000);
    const heartbeat = (m: Omit<Extract<WorkerToServer, { type: 'heartbeat' }>, 'type'>) =>
      end.receive({ type: 'heartbeat', ...m });
    /** The messages the worker has handled, up to and including the push of `id`. */
    const throughPush = pushed() + 1;
    return {
      store,
      id,
      inbox,
      heartbeat,
      throughPush,
      send: (m: WorkerToServer) => end.receive(m),
    };
  }

  /** Let the gateway handle what it was sent, and any write that follows. */
  const settle = async (store: Store, id: string) => {
    for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
    return store.taskGet(id);
  };

  it('hands back an attempt the worker handled the push of and does not hold', async () => {
    const w = await handDrivenWorker();
    w.heartbeat({ load: 0, received: w.throughPush, holding: [] });
    await until(async () => (await w.store.taskGet(w.id))?.state === 'ready', 5000);
    // Never started: handed back without spending the attempt, as a re-registration does.
    expect(await w.store.taskGet(w.id)).toMatchObject({ attempt: 1, workerId: null });
    expect((await w.store.taskAttempts(w.id)).map((a) => [a.attempt, a.outcome])).toEqual([
      [1, 'snoozed'],
    ]);
    expect(w.inbox).toContainEqual(expect.objectContaining({ type: 'revoke', taskId: w.id }));
  });

  it('hands back an attempt whose start it heard (not yet written) as a failed one', async () => {
    const w = await handDrivenWorker({ startHoldMs: 60_000 });
    w.send({ type: 'reports', reports: [{ kind: 'started', taskId: w.id, attempt: 1 }] });
    w.heartbeat({ load: 0, received: w.throughPush, holding: [] });
    const outcomes = async () => (await w.store.taskAttempts(w.id)).map((a) => a.outcome);
    await until(async () => !(await outcomes()).includes('running'), 5000);
    expect((await w.store.taskAttempts(w.id)).map((a) => [a.attempt, a.outcome])).toEqual([
      [1, 'failed'],
    ]);
    expect(await w.store.taskGet(w.id)).toMatchObject({
      workerId: null,
      error: { code: 'WORKER_LOST' },
    });
  });

  it('leaves an attempt pushed after the messages the worker had handled', async () => {
    const w = await handDrivenWorker();
    w.heartbeat({ load: 0, received: w.throughPush - 1, holding: [] });
    expect(await settle(w.store, w.id)).toMatchObject({ state: 'assigned', workerId: 'w1' });
  });

  it('leaves an attempt the worker names, and says nothing to a worker that names none', async () => {
    const w = await handDrivenWorker();
    w.heartbeat({ load: 0, received: w.throughPush, holding: [{ taskId: w.id, attempt: 1 }] });
    // An older worker: no count and no list, so nothing to compare.
    w.heartbeat({ load: 0 });
    expect(await settle(w.store, w.id)).toMatchObject({ state: 'assigned', workerId: 'w1' });
    expect(w.inbox.some((m) => m.type === 'revoke')).toBe(false);
  });

  it('never hands back what a real worker holds, however often it beats', async () => {
    const store = await memoryStore();
    const gateway = new WorkerGateway({
      store,
      clock: systemClock,
      logger: silentLogger,
      replicaId: 'r1',
      heartbeatMs: 1,
      leaseMs: 10_000,
    });
    gateway.start();
    cleanups.push(() => gateway.stop());
    const worker = new WorkerRuntime({
      id: 'w1',
      name: 'w1',
      capacity: 4,
      prefetch: 4,
      handlers: { 'app.tick': () => new Promise((r) => setTimeout(() => r('ok'), 2)) },
      // The server's messages take a while to arrive, as over a network: heartbeats cross them.
      transport: new MemoryTransport((toWorker) => gateway.accept(delayed(toWorker))),
    });
    await worker.start();
    cleanups.push(() => worker.stop({ graceMs: 0 }));
    const fence = await lead(store, Date.now());
    const inserted = await store.taskInsert(
      Array.from({ length: 200 }, () => newTask({ type: 'app.tick' })),
      Date.now(),
    );
    const ids = inserted.map((r) => r.task.id);
    // Placed eight at a time as slots free, the way the leader does, while heartbeats fly.
    await until(async () => {
      const running = (await store.taskListOnWorker('w1')).length;
      const ready = (await store.taskReadyBatch(8 - running)).map((t) => t.id);
      if (ready.length > 0) {
        const placed = await store.taskAssign(
          fence,
          ready.map((taskId) => ({ taskId, workerId: 'w1' })),
          Date.now(),
        );
        gateway.deliverAssigned(placed);
      }
      const done = await Promise.all(ids.map((id) => store.taskGet(id)));
      const again = done.find((t) => t!.attempt > 1);
      if (again) throw new Error(`task ${again.id} was handed back: ${again.attempt} attempts`);
      return done.every((t) => t?.state === 'succeeded');
    }, 60_000);
    const attempts = await Promise.all(ids.map((id) => store.taskAttempts(id)));
    expect(attempts.flat().map((a) => `${a.attempt}:${a.outcome}`)).toEqual(
      ids.map(() => '1:succeeded'),
    );
  });
});
