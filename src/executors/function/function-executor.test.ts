import { describe, expect, it } from 'vitest';
import { PermanentError, SnoozeError, TaskAbortedError, snooze } from '../errors.js';
import type { RunInput, RunSink } from '../executor.js';
import { FunctionExecutor } from './function-executor.js';
import type { Handler, TaskContext } from './handler.js';

function input(type: string, payload: unknown = null, extra: Partial<RunInput> = {}): RunInput {
  return {
    taskId: 't1',
    attempt: 1,
    type,
    queue: 'default',
    payload,
    executor: { kind: 'function' },
    labels: {},
    workflowId: null,
    stepId: null,
    parents: {},
    ...extra,
  };
}

/** A sink that records, and lets a test await the next progress value. */
function recordingSink() {
  const progress: number[] = [];
  const logs: string[] = [];
  let onProgress: (() => void) | null = null;
  const sink: RunSink = {
    progress: (v) => {
      progress.push(v);
      onProgress?.();
    },
    log: (_stream, line) => logs.push(line),
  };
  const nextProgress = () =>
    new Promise<void>((resolve) => {
      onProgress = () => {
        onProgress = null;
        resolve();
      };
    });
  return { sink, progress, logs, nextProgress };
}

function deferred<T = void>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

const run = (executor: FunctionExecutor, type: string, payload?: unknown) =>
  executor.start(input(type, payload), recordingSink().sink).done;

describe('FunctionExecutor', () => {
  const executor = new FunctionExecutor({
    'test.throw': () => {
      throw Object.assign(new Error('boom'), { code: 'E_BOOM' });
    },
    'test.permanent': () => {
      throw new PermanentError('no such invoice', { code: 'NOT_FOUND' });
    },
    'test.snooze-throw': () => {
      throw new SnoozeError(1500);
    },
    'test.snooze-return': async () => snooze(2500),
    'test.undefined': () => undefined,
    'test.non-error': () => {
      throw { reason: 'plain object' };
    },
  });

  it('runs the built-ins', async () => {
    expect(await run(executor, 'chronoq.noop')).toEqual({ kind: 'succeeded', result: null });
    expect(await run(executor, 'chronoq.echo', { a: [1] })).toEqual({
      kind: 'succeeded',
      result: { a: [1] },
    });
    expect(await run(executor, 'chronoq.fail', { message: 'asked to' })).toMatchObject({
      kind: 'failed',
      error: { message: 'asked to', name: 'Error' },
      retryable: true,
    });
    expect(await run(executor, 'chronoq.sleep', { ms: 1 })).toEqual({
      kind: 'succeeded',
      result: null,
    });
    expect(executor.types()).toEqual(
      expect.arrayContaining(['chronoq.noop', 'chronoq.sleep', 'chronoq.echo', 'chronoq.fail']),
    );
  });

  it('maps a returned undefined to a null result', async () => {
    expect(await run(executor, 'test.undefined')).toEqual({ kind: 'succeeded', result: null });
  });

  it('fails retryably with message, code and name on an ordinary throw', async () => {
    expect(await run(executor, 'test.throw')).toEqual({
      kind: 'failed',
      error: { message: 'boom', code: 'E_BOOM', name: 'Error' },
      retryable: true,
    });
    expect(await run(executor, 'test.non-error')).toMatchObject({
      kind: 'failed',
      error: { message: '{"reason":"plain object"}' },
      retryable: true,
    });
  });

  it('fails without retry on PermanentError, and on an invalid sleep payload', async () => {
    expect(await run(executor, 'test.permanent')).toEqual({
      kind: 'failed',
      error: { message: 'no such invoice', code: 'NOT_FOUND', name: 'PermanentError' },
      retryable: false,
    });
    expect(await run(executor, 'chronoq.sleep', { ms: 'soon' })).toMatchObject({
      kind: 'failed',
      retryable: false,
    });
  });

  it('snoozes on SnoozeError and on a returned snooze()', async () => {
    expect(await run(executor, 'test.snooze-throw')).toEqual({ kind: 'snoozed', delayMs: 1500 });
    expect(await run(executor, 'test.snooze-return')).toEqual({ kind: 'snoozed', delayMs: 2500 });
  });

  it('fails without retry, naming the type, when no handler is registered', async () => {
    const result = await run(executor, 'nobody.home');
    expect(result).toMatchObject({
      kind: 'failed',
      retryable: false,
      error: { code: 'UNKNOWN_TYPE' },
    });
    expect(result.kind === 'failed' && result.error.message).toContain('nobody.home');
  });

  it('passes the task to the handler and forwards progress and log lines', async () => {
    let seen: TaskContext | null = null;
    const ex = new FunctionExecutor({
      'test.ctx': (ctx) => {
        seen = ctx;
        ctx.progress(0.5);
        ctx.log('hello');
        return ctx.parents;
      },
    });
    const rec = recordingSink();
    const result = await ex.start(
      input('test.ctx', { x: 1 }, { workflowId: 'wf', stepId: 's2', parents: { s1: 42 } }),
      rec.sink,
    ).done;
    expect(result).toEqual({ kind: 'succeeded', result: { s1: 42 } });
    expect(seen).toMatchObject({ taskId: 't1', attempt: 1, payload: { x: 1 }, stepId: 's2' });
    expect(rec.progress).toEqual([0.5]);
    expect(rec.logs).toEqual(['hello']);
  });

  it('refuses to replace a built-in handler', () => {
    expect(() => new FunctionExecutor({ 'chronoq.noop': () => 1 })).toThrow(/built in/);
  });
});

describe('FunctionExecution stop and pause', () => {
  it('aborts the signal on stop and reports cancelled', async () => {
    const entered = deferred();
    let signal: AbortSignal | null = null;
    const waitForAbort: Handler = (ctx) =>
      new Promise((_, reject) => {
        signal = ctx.signal;
        ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason));
        entered.resolve();
      });
    const ex = new FunctionExecutor({ 'test.wait': waitForAbort });
    const execution = ex.start(input('test.wait'), recordingSink().sink);
    await entered.promise;
    execution.stop('cancel');
    expect(await execution.done).toEqual({ kind: 'cancelled' });
    expect(signal!.aborted).toBe(true);
    expect(signal!.reason).toBeInstanceOf(TaskAbortedError);
    expect((signal!.reason as TaskAbortedError).reason).toBe('cancel');
  });

  it('never runs a handler stopped before it began (it begins on the next turn)', async () => {
    let ran = false;
    const ex = new FunctionExecutor({ 'test.never': () => (ran = true) });
    const execution = ex.start(input('test.never'), recordingSink().sink);
    expect(ran).toBe(false);
    execution.stop('cancel');
    expect(await execution.done).toEqual({ kind: 'cancelled' });
    expect(ran).toBe(false);
  });

  it('reports the truth when a handler ignores the stop and returns', async () => {
    const release = deferred();
    const began = deferred();
    const ex = new FunctionExecutor({
      'test.stubborn': () => (began.resolve(), release.promise.then(() => 'done')),
    });
    const execution = ex.start(input('test.stubborn'), recordingSink().sink);
    await began.promise;
    execution.stop('cancel');
    release.resolve();
    expect(await execution.done).toEqual({ kind: 'succeeded', result: 'done' });
  });

  it('gives a handler that looks at its signal after a stop an aborted signal', async () => {
    const go = deferred();
    const began = deferred();
    const ex = new FunctionExecutor({
      'test.late': async (ctx) => {
        began.resolve();
        await go.promise;
        return ctx.signal.aborted;
      },
    });
    const execution = ex.start(input('test.late'), recordingSink().sink);
    await began.promise;
    execution.stop('timeout');
    go.resolve();
    expect(await execution.done).toEqual({ kind: 'succeeded', result: true });
  });

  it('holds chronoq.sleep at its checkpoint while paused, and finishes it after resume', async () => {
    const ex = new FunctionExecutor();
    const rec = recordingSink();
    const execution = ex.start(input('chronoq.sleep', { ms: 150 }), rec.sink);
    await rec.nextProgress();
    await execution.pause(); // resolves once the handler waits at its checkpoint
    const held = rec.progress.length;
    // About time: the sleep would be over by now had the pause not held it.
    await new Promise((r) => setTimeout(r, 250));
    expect(rec.progress.length).toBe(held);
    await execution.resume();
    expect(await execution.done).toEqual({ kind: 'succeeded', result: null });
    expect(rec.progress.at(-1)).toBe(1);
  });

  it('rejects a waiting checkpoint when stopped while paused', async () => {
    const reached = deferred();
    let checkpointError: unknown = null;
    const ex = new FunctionExecutor({
      'test.loop': async (ctx) => {
        reached.resolve();
        try {
          for (;;) await ctx.checkpoint();
        } catch (err) {
          checkpointError = err;
          throw err;
        }
      },
    });
    const execution = ex.start(input('test.loop'), recordingSink().sink);
    await reached.promise;
    await execution.pause();
    execution.stop('shutdown');
    expect(await execution.done).toEqual({ kind: 'cancelled' });
    expect(checkpointError).toBeInstanceOf(TaskAbortedError);
  });

  it('resolves pause() when the handler finishes without reaching a checkpoint', async () => {
    const release = deferred();
    const ex = new FunctionExecutor({ 'test.nocheck': () => release.promise });
    const execution = ex.start(input('test.nocheck'), recordingSink().sink);
    const paused = execution.pause();
    release.resolve();
    await paused;
    expect(await execution.done).toEqual({ kind: 'succeeded', result: null });
  });

  it('stops chronoq.sleep promptly', async () => {
    const ex = new FunctionExecutor();
    const rec = recordingSink();
    const execution = ex.start(input('chronoq.sleep', { ms: 60_000 }), rec.sink);
    await rec.nextProgress();
    execution.stop('revoke');
    expect(await execution.done).toEqual({ kind: 'cancelled' });
  });
});
