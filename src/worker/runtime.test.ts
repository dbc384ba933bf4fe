import { afterEach, describe, expect, it } from 'vitest';
import { PermanentError, SnoozeError, snooze } from '../executors/errors.js';
import type { Handler } from '../executors/function/handler.js';
import { PROTOCOL_VERSION, type WorkerToServer } from '../protocol/worker-messages.js';
import { WorkerRuntime } from './runtime.js';
import type { WorkerRuntimeOptions } from './options.js';
import { assignment, FakeServer, type FakeServerOptions } from './testing/fake-server.js';
import { nextEvent } from './testing/next-event.js';

type HeartbeatSent = Extract<WorkerToServer, { type: 'heartbeat' }>;

function deferred<T = void>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

const runtimes: WorkerRuntime[] = [];

afterEach(async () => {
  await Promise.all(runtimes.splice(0).map((r) => r.stop({ graceMs: 0 })));
});

/** A started worker on a fake server. */
async function setup(
  options: Partial<WorkerRuntimeOptions> = {},
  serverOptions: FakeServerOptions = {},
): Promise<{ server: FakeServer; worker: WorkerRuntime }> {
  const server = new FakeServer(serverOptions);
  const worker = new WorkerRuntime({
    name: 'test-worker',
    capacity: 10,
    transport: server.transport,
    reconnect: { initialMs: 2, maxMs: 10 },
    ...options,
  });
  runtimes.push(worker);
  await worker.start();
  return { server, worker };
}

/** A handler that waits until aborted, recording that it saw the abort. */
function untilAborted(seen: { aborted: boolean; began?: () => void }): Handler {
  return (ctx) =>
    new Promise((_, reject) => {
      seen.began?.();
      ctx.signal.addEventListener('abort', () => {
        seen.aborted = true;
        reject(ctx.signal.reason);
      });
    });
}

const LONG = { type: 'chronoq.sleep', payload: { ms: 60_000 } } as const;

describe('WorkerRuntime: session', () => {
  it('registers with its identity, handler types, executors and running list', async () => {
    const { server, worker } = await setup({
      id: 'w-1',
      labels: { zone: 'a' },
      capacity: 7,
      handlers: { 'app.hello': () => 'hi' },
    });
    const register = await server.waitForRegister();
    expect(register).toMatchObject({
      protocolVersion: PROTOCOL_VERSION,
      id: 'w-1',
      name: 'test-worker',
      capacity: 7,
      labels: { zone: 'a' },
      executors: ['function'],
      running: [],
    });
    expect(register.types).toEqual(
      expect.arrayContaining(['app.hello', 'chronoq.noop', 'chronoq.sleep', 'chronoq.echo']),
    );
    expect(worker.state).toBe('connected');
    expect(worker.workerId).toBe('w-1');
  });

  it('names in its heartbeat an attempt it finished until the final report is acknowledged', async () => {
    const { server } = await setup({}, { heartbeatMs: 10 });
    server.assign([assignment({ id: 'a', type: 'chronoq.noop' })]);
    await server.waitForReport('a', 'succeeded');
    const sent = server.messages.findIndex(
      (m) => m.type === 'reports' && m.reports.some((r) => r.kind === 'succeeded'),
    );
    const isBeat = (m: WorkerToServer) => m.type === 'heartbeat';
    const unacked = await server.waitFor<HeartbeatSent>(isBeat, sent + 1);
    expect(unacked.holding).toEqual([{ taskId: 'a', attempt: 1 }]);
    const { seq } = server.messages[sent] as Extract<WorkerToServer, { type: 'reports' }>;
    server.send({ type: 'ack', seq: seq! });
    const after = server.messages.length;
    const acked = await server.waitFor<HeartbeatSent>(isBeat, after);
    expect(acked.holding).toEqual([]);
  });

  it('heartbeats with its load once welcomed', async () => {
    const { server } = await setup({}, { heartbeatMs: 10 });
    server.assign([assignment({ id: 'a', ...LONG })]);
    const beat = await server.waitFor((m) => m.type === 'heartbeat' && m.load === 1);
    // It had handled two messages (the welcome and the assignment) and holds attempt 1 of `a`.
    expect(beat).toEqual({
      type: 'heartbeat',
      load: 1,
      received: 2,
      holding: [{ taskId: 'a', attempt: 1 }],
    });
  });

  it('reconnects after a drop and registers again with what it runs, which keeps running', async () => {
    const { server, worker } = await setup();
    const started = nextEvent(worker, 'started');
    server.assign([assignment({ id: 'a', attempt: 2, ...LONG })]);
    await started;
    let finished = 0;
    worker.on('finished', () => finished++);
    const reconnected = nextEvent(worker, 'connected');
    server.drop('network');
    const register = await server.waitForRegister(2);
    expect(register.running).toEqual([{ taskId: 'a', attempt: 2 }]);
    await reconnected;
    // The server answers with the full wanted set: the same attempt, which must not restart.
    let startedAgain = 0;
    worker.on('started', () => startedAgain++);
    server.assign([assignment({ id: 'a', attempt: 2, ...LONG })], true);
    expect(startedAgain).toBe(0);
    expect(finished).toBe(0);
    expect(worker.load).toBe(1);
    expect(server.connections).toBe(2);
  });

  it('keeps reports made while disconnected and sends them after reconnecting', async () => {
    const gate = deferred();
    const { server, worker } = await setup({ handlers: { 'app.gate': () => gate.promise } });
    const started = nextEvent(worker, 'started');
    server.assign([assignment({ id: 'a', type: 'app.gate' })]);
    await started;
    server.offline = true;
    const disconnected = nextEvent(worker, 'disconnected');
    server.drop('network');
    await disconnected;
    const finished = nextEvent(worker, 'finished');
    gate.resolve();
    await finished; // reported while disconnected: kept
    const reconnected = nextEvent(worker, 'connected');
    server.offline = false;
    await reconnected;
    const register = server.registers.at(-1)!;
    // Not yet reported, so still held as far as the server knows.
    expect(register.running).toEqual([{ taskId: 'a', attempt: 1 }]);
    await server.waitForReport('a', 'succeeded');
  });

  it('surfaces a protocol version mismatch and stops', async () => {
    const server = new FakeServer({ protocolVersion: PROTOCOL_VERSION + 1 });
    const worker = new WorkerRuntime({ name: 'w', capacity: 1, transport: server.transport });
    runtimes.push(worker);
    const error = nextEvent(worker, 'error');
    const stopped = nextEvent(worker, 'stopped');
    await expect(worker.start()).rejects.toThrow(/protocol/);
    expect((await error).name).toBe('WorkerProtocolError');
    await stopped;
    expect(worker.state).toBe('stopped');
  });

  it('starts and stops idempotently', async () => {
    const { worker } = await setup();
    await worker.start();
    await Promise.all([worker.stop(), worker.stop()]);
    expect(worker.state).toBe('stopped');
    await expect(worker.start()).rejects.toThrow(/stopped/);
  });
});

describe('WorkerRuntime: running tasks', () => {
  it('runs assigned tasks and reports their starts, then their results, batched', async () => {
    const { server, worker } = await setup({
      handlers: { 'app.double': (ctx) => (ctx.payload as number) * 2 },
    });
    const ids = Array.from({ length: 50 }, (_, i) => `t${i}`);
    const last = nextEvent(worker, 'finished', (e) => e.taskId === 't49');
    server.assign(ids.map((id, i) => assignment({ id, type: 'app.double', payload: i })));
    await last;
    // Starts go out before their handlers run (a handler may block the event loop).
    const starts = await server.waitFor((m) => m.type === 'reports');
    const kinds = starts.type === 'reports' ? starts.reports.map((r) => r.kind) : [];
    expect(kinds.length).toBeGreaterThan(0);
    expect(new Set(kinds)).toEqual(new Set(['started']));
    await server.waitForReport('t49', 'succeeded');
    expect(server.reportsOf('t3')).toEqual([
      { kind: 'started', taskId: 't3', attempt: 1 },
      { kind: 'succeeded', taskId: 't3', attempt: 1, result: 6 },
    ]);
  });

  it('sends an attempt’s start before its handler runs, even one that blocks the event loop', async () => {
    let startSentFirst: boolean | null = null;
    const { server } = await setup({
      handlers: {
        'app.block': () => {
          startSentFirst = server.reportsOf('a').some((r) => r.kind === 'started');
          const end = Date.now() + 50;
          while (Date.now() < end) {
            // blocks the event loop, as a CPU-bound handler would
          }
          return 'done';
        },
      },
    });
    server.assign([assignment({ id: 'a', type: 'app.block' })]);
    await server.waitForReport('a', 'succeeded');
    expect(startSentFirst).toBe(true);
  });

  it('reports a failing handler as failed and retryable, with its message', async () => {
    const { server } = await setup({
      handlers: {
        'app.boom': () => {
          throw new Error('kaboom');
        },
      },
    });
    server.assign([assignment({ id: 'a', type: 'app.boom' })]);
    expect(await server.waitForReport('a', 'failed')).toMatchObject({
      error: { message: 'kaboom', name: 'Error' },
      retryable: true,
    });
  });

  it('reports a PermanentError as not retryable', async () => {
    const { server } = await setup({
      handlers: {
        'app.final': () => {
          throw new PermanentError('bad input', { code: 'BAD' });
        },
      },
    });
    server.assign([assignment({ id: 'a', type: 'app.final' })]);
    expect(await server.waitForReport('a', 'failed')).toMatchObject({
      error: { message: 'bad input', code: 'BAD' },
      retryable: false,
    });
  });

  it('reports an unknown type, and an executor it lacks, as failed and not retryable', async () => {
    const { server } = await setup();
    server.assign([
      assignment({ id: 'a', type: 'app.missing' }),
      assignment({ id: 'b', executor: { kind: 'process', command: ['true'] } }),
    ]);
    const a = await server.waitForReport('a', 'failed');
    expect(a).toMatchObject({ retryable: false, error: { code: 'UNKNOWN_TYPE' } });
    expect(a.error.message).toContain('app.missing');
    expect(await server.waitForReport('b', 'failed')).toMatchObject({
      retryable: false,
      error: { code: 'NO_EXECUTOR' },
    });
    expect(server.reportsOf('b').map((r) => r.kind)).toEqual(['failed']);
  });

  it('reports snoozes, returned or thrown', async () => {
    const { server } = await setup({
      handlers: {
        'app.later': () => snooze(1_000),
        'app.throttled': () => {
          throw new SnoozeError(2_000);
        },
      },
    });
    server.assign([
      assignment({ id: 'a', type: 'app.later' }),
      assignment({ id: 'b', type: 'app.throttled' }),
    ]);
    expect(await server.waitForReport('a', 'snoozed')).toMatchObject({ delayMs: 1_000 });
    expect(await server.waitForReport('b', 'snoozed')).toMatchObject({ delayMs: 2_000 });
  });

  it('forwards progress and log lines', async () => {
    const { server } = await setup({
      handlers: {
        'app.chatty': (ctx) => {
          ctx.progress(0.25);
          ctx.progress(0.5);
          ctx.log('halfway');
          return 'ok';
        },
      },
    });
    server.assign([assignment({ id: 'a', type: 'app.chatty' })]);
    await server.waitForReport('a', 'succeeded');
    expect(server.reportsOf('a').map((r) => r.kind)).toEqual(['started', 'progress', 'succeeded']);
    expect(server.reportsOf('a')[1]).toMatchObject({ progress: 0.5 });
    const logs = server.messages.flatMap((m) => (m.type === 'reports' ? (m.logs ?? []) : []));
    expect(logs).toMatchObject([{ taskId: 'a', attempt: 1, stream: 'log', line: 'halfway' }]);
  });

  it('treats a duplicate assignment of the same attempt as a no-op', async () => {
    const { server, worker } = await setup();
    let started = 0;
    worker.on('started', () => started++);
    const task = assignment({ id: 'a', ...LONG });
    server.assign([task]);
    server.assign([task]);
    expect(started).toBe(1);
  });

  it('replaces a running attempt by a newer one, without reporting the old', async () => {
    const { server, worker } = await setup();
    server.assign([assignment({ id: 'a', attempt: 1, ...LONG })]);
    const oldGone = nextEvent(worker, 'finished', (e) => e.attempt === 1);
    const newStarted = nextEvent(worker, 'started', (e) => e.attempt === 2);
    server.assign([assignment({ id: 'a', attempt: 2, type: 'chronoq.echo', payload: 'v2' })]);
    expect((await oldGone).report).toBeNull();
    await newStarted;
    expect(await server.waitForReport('a', 'succeeded')).toMatchObject({
      attempt: 2,
      result: 'v2',
    });
    expect(
      server
        .reportsOf('a')
        .filter((r) => r.attempt === 1)
        .map((r) => r.kind),
    ).toEqual(['started']);
  });
});

describe('WorkerRuntime: steering', () => {
  it('holds chronoq.sleep at its checkpoint while paused and finishes it after resume', async () => {
    const { server } = await setup();
    server.assign([assignment({ id: 'a', type: 'chronoq.sleep', payload: { ms: 200 } })]);
    await server.waitForReport('a', 'progress');
    server.want('a', 'pause');
    await server.waitForReport('a', 'paused');
    const reportsAtPause = server.reportsOf('a').length;
    // About time: the sleep would be over by now had the pause not held it.
    await new Promise((r) => setTimeout(r, 300));
    expect(server.reportsOf('a')).toHaveLength(reportsAtPause);
    server.want('a', 'run');
    await server.waitForReport('a', 'resumed');
    await server.waitForReport('a', 'succeeded');
    const kinds = server.reportsOf('a').map((r) => r.kind);
    expect(kinds.slice(kinds.indexOf('paused'), kinds.indexOf('paused') + 2)).toEqual([
      'paused',
      'resumed',
    ]);
  });

  it('holds a task wanted paused from the start, and starts it on resume', async () => {
    const { server } = await setup();
    server.assign([assignment({ id: 'a', want: 'pause', type: 'chronoq.echo', payload: 1 })]);
    await server.waitForReport('a', 'paused');
    server.want('a', 'run');
    await server.waitForReport('a', 'succeeded');
    expect(server.reportsOf('a').map((r) => r.kind)).toEqual([
      'paused',
      'resumed',
      'started',
      'succeeded',
    ]);
  });

  it('cancels: aborts the signal and reports cancelled', async () => {
    const began = deferred();
    const seen = { aborted: false, began: began.resolve };
    const { server } = await setup({ handlers: { 'app.wait': untilAborted(seen) } });
    server.assign([assignment({ id: 'a', type: 'app.wait' })]);
    await began.promise;
    server.want('a', 'cancel');
    await server.waitForReport('a', 'cancelled');
    expect(seen.aborted).toBe(true);
  });

  it('cancels a paused task', async () => {
    const { server } = await setup();
    server.assign([assignment({ id: 'a', ...LONG })]);
    await server.waitForReport('a', 'progress');
    server.want('a', 'pause');
    await server.waitForReport('a', 'paused');
    server.want('a', 'cancel');
    await server.waitForReport('a', 'cancelled');
  });

  it('reports the truth when a cancelled handler finishes anyway', async () => {
    const gate = deferred();
    const began = deferred();
    const { server } = await setup({
      handlers: {
        'app.stubborn': () => (began.resolve(), gate.promise.then(() => 'finished anyway')),
      },
    });
    server.assign([assignment({ id: 'a', type: 'app.stubborn' })]);
    await began.promise;
    server.want('a', 'cancel');
    gate.resolve();
    expect(await server.waitForReport('a', 'succeeded')).toMatchObject({
      result: 'finished anyway',
    });
    expect(server.reportsOf('a').some((r) => r.kind === 'cancelled')).toBe(false);
  });

  it('times out an attempt that runs past timeoutMs', async () => {
    const { server } = await setup();
    server.assign([assignment({ id: 'a', ...LONG, timeoutMs: 30 })]);
    expect(await server.waitForReport('a', 'failed')).toMatchObject({
      error: { code: 'TIMEOUT', message: 'attempt timed out after 30 ms' },
      retryable: true,
    });
  });

  it('revoke stops the attempt and forgets it without a report', async () => {
    const began = deferred();
    const seen = { aborted: false, began: began.resolve };
    const { server, worker } = await setup({ handlers: { 'app.wait': untilAborted(seen) } });
    server.assign([assignment({ id: 'a', type: 'app.wait' })]);
    await began.promise;
    const gone = nextEvent(worker, 'finished', (e) => e.taskId === 'a');
    server.revoke('a');
    expect((await gone).report).toBeNull();
    expect(seen.aborted).toBe(true);
    // A later task's reports prove the pipeline flushed past the revoke.
    server.assign([assignment({ id: 'b' })]);
    await server.waitForReport('b', 'succeeded');
    expect(server.reportsOf('a').map((r) => r.kind)).toEqual(['started']);
    expect(worker.load).toBe(0);
  });

  it('a full assign stops and forgets the tasks it does not list', async () => {
    const { server, worker } = await setup();
    server.assign([assignment({ id: 'a', ...LONG }), assignment({ id: 'b', ...LONG })]);
    const gone = nextEvent(worker, 'finished', (e) => e.taskId === 'a');
    server.assign([assignment({ id: 'b', ...LONG })], true);
    expect((await gone).report).toBeNull();
    expect(worker.load).toBe(1);
    server.assign([assignment({ id: 'c' })]);
    await server.waitForReport('c', 'succeeded');
    expect(server.reportsOf('a').map((r) => r.kind)).toEqual(['started']);
  });

  it('ignores a want for another attempt', async () => {
    const { server, worker } = await setup();
    server.assign([assignment({ id: 'a', attempt: 2, ...LONG })]);
    server.want('a', 'cancel', 1);
    expect(worker.load).toBe(1);
  });
});

describe('WorkerRuntime: graceful stop', () => {
  it('sends drain, lets running tasks finish within the grace period, then closes', async () => {
    const gate = deferred();
    const { server, worker } = await setup({ handlers: { 'app.gate': () => gate.promise } });
    const started = nextEvent(worker, 'started');
    server.assign([assignment({ id: 'a', type: 'app.gate' })]);
    await started;
    const stopped = worker.stop({ graceMs: 10_000 });
    await server.waitFor((m) => m.type === 'drain');
    gate.resolve();
    await stopped;
    await server.waitForReport('a', 'succeeded');
    await server.waitForClose();
  });

  it('hands back unfinished tasks as snoozed with no delay after the grace period', async () => {
    const { server, worker } = await setup();
    server.assign([
      assignment({ id: 'a', ...LONG }),
      assignment({ id: 'b', ...LONG, want: 'pause' }),
    ]);
    await server.waitForReport('a', 'progress');
    await worker.stop({ graceMs: 0 });
    expect(await server.waitForReport('a', 'snoozed')).toMatchObject({ delayMs: 0 });
    expect(await server.waitForReport('b', 'snoozed')).toMatchObject({ delayMs: 0 });
    await server.waitForClose();
    expect(worker.state).toBe('stopped');
  });

  it('hands new assignments straight back while stopping', async () => {
    const gate = deferred();
    const { server, worker } = await setup({ handlers: { 'app.gate': () => gate.promise } });
    server.assign([assignment({ id: 'a', type: 'app.gate' })]);
    const stopped = worker.stop({ graceMs: 10_000 });
    await server.waitFor((m) => m.type === 'drain');
    server.assign([assignment({ id: 'late' })]);
    expect(await server.waitForReport('late', 'snoozed')).toMatchObject({ delayMs: 0 });
    gate.resolve();
    await stopped;
    expect(server.reportsOf('late').map((r) => r.kind)).toEqual(['snoozed']);
  });
});

describe('WorkerRuntime: prefetch', () => {
  /** A handler each call of which ends when the test says so. */
  function gated() {
    const gates = new Map<string, { promise: Promise<void>; resolve: () => void }>();
    const begun = new Map<string, { promise: Promise<void>; resolve: () => void }>();
    const of = (map: typeof gates, id: string) => {
      if (!map.has(id)) map.set(id, deferred());
      return map.get(id)!;
    };
    const started: string[] = [];
    const handler: Handler = async (ctx) => {
      started.push(ctx.taskId);
      of(begun, ctx.taskId).resolve();
      await of(gates, ctx.taskId).promise;
      return ctx.taskId;
    };
    return {
      handler,
      started,
      /** Resolves once the handler of `id` runs (it begins after its start report is out). */
      began: (id: string) => of(begun, id).promise,
      open: (id: string) => of(gates, id).resolve(),
    };
  }

  it('registers its prefetch and runs no more than its capacity at once, in arrival order', async () => {
    const g = gated();
    const { server, worker } = await setup({
      capacity: 1,
      prefetch: 2,
      handlers: { 'app.gated': g.handler },
    });
    expect(await server.waitForRegister()).toMatchObject({ capacity: 1, prefetch: 2 });
    server.assign(['a', 'b', 'c'].map((id) => assignment({ id, type: 'app.gated' })));
    await g.began('a');
    expect(g.started).toEqual(['a']);
    expect(server.reportsOf('b')).toEqual([]);
    g.open('a');
    await g.began('b');
    expect(server.reportsOf('a').map((r) => r.kind)).toEqual(['started', 'succeeded']);
    expect(g.started).toEqual(['a', 'b']);
    g.open('b');
    await server.waitForReport('c', 'started');
    g.open('c');
    await server.waitForReport('c', 'succeeded');
    expect(worker.state).toBe('connected');
  });

  it('cancels or pauses a queued task without starting it, and starts it on resume', async () => {
    const g = gated();
    const { server } = await setup({
      capacity: 1,
      prefetch: 2,
      handlers: { 'app.gated': g.handler },
    });
    server.assign(['a', 'b', 'c'].map((id) => assignment({ id, type: 'app.gated' })));
    await server.waitForReport('a', 'started');
    server.want('b', 'cancel');
    server.want('c', 'pause');
    await server.waitForReport('b', 'cancelled');
    await server.waitForReport('c', 'paused');
    server.want('c', 'run');
    await server.waitForReport('c', 'resumed');
    expect(g.started).toEqual(['a']); // c waits for a's slot
    g.open('a');
    await server.waitForReport('c', 'started');
    g.open('c');
    await server.waitForReport('c', 'succeeded');
    expect(server.reportsOf('b').map((r) => r.kind)).toEqual(['cancelled']);
    expect(server.reportsOf('c').map((r) => r.kind)).toEqual([
      'paused',
      'resumed',
      'started',
      'succeeded',
    ]);
  });

  it('refuses a negative prefetch', () => {
    expect(
      () =>
        new WorkerRuntime({
          name: 'w',
          capacity: 1,
          prefetch: -1,
          transport: new FakeServer().transport,
        }),
    ).toThrow(/prefetch must be a non-negative integer/);
  });
});
