import { setTimeout as delay } from 'node:timers/promises';
import { PermanentError } from '../errors.js';
import type { Handler, TaskContext } from './handler.js';

/** How often `chronoq.sleep` passes a checkpoint (and reports progress), at most. */
export const SLEEP_SLICE_MS = 50;

/** `chronoq.noop`: does nothing; its result is null. */
export const noop: Handler = () => null;

/** `chronoq.echo`: its result is its payload. */
export const echo: Handler = (ctx) => (ctx.payload === undefined ? null : ctx.payload);

/** `chronoq.fail` `{ message }`: throws `Error(message)` (a retryable failure). */
export const fail: Handler = (ctx) => {
  const message = field(ctx.payload, 'message');
  throw new Error(typeof message === 'string' ? message : 'chronoq.fail');
};

/**
 * `chronoq.sleep` `{ ms }`: sleeps `ms` milliseconds of running time. It passes a checkpoint at
 * least every 50 ms (so a pause holds it, and paused time does not count), reports progress as
 * the fraction slept (0 to 1), and rejects promptly when the attempt is stopped.
 */
export const sleep: Handler = async (ctx: TaskContext) => {
  const ms = field(ctx.payload, 'ms');
  if (typeof ms !== 'number' || !Number.isFinite(ms) || ms < 0) {
    throw new PermanentError('chronoq.sleep needs a payload { ms: number >= 0 }', {
      code: 'INVALID_PAYLOAD',
    });
  }
  const signal = ctx.signal;
  let slept = 0;
  while (slept < ms) {
    await ctx.checkpoint();
    const slice = Math.min(SLEEP_SLICE_MS, ms - slept);
    const from = performance.now();
    await delay(slice, undefined, { signal });
    slept += Math.max(slice, performance.now() - from);
    ctx.progress(Math.min(1, slept / ms));
  }
  return null;
};

/** The handlers present on every worker. */
export const BUILTIN_HANDLERS: Readonly<Record<string, Handler>> = Object.freeze({
  'chronoq.noop': noop,
  'chronoq.sleep': sleep,
  'chronoq.echo': echo,
  'chronoq.fail': fail,
});

function field(payload: unknown, key: string): unknown {
  return typeof payload === 'object' && payload !== null
    ? (payload as Record<string, unknown>)[key]
    : undefined;
}
