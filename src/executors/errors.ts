import type { TaskError } from '../domain/task.js';
import type { StopReason } from './executor.js';

const MAX_MESSAGE = 100_000;

/**
 * Throw from a handler to fail the attempt for good: no retry, whatever attempts are left.
 *
 * @example throw new PermanentError('invoice 42 does not exist', { code: 'NOT_FOUND' });
 */
export class PermanentError extends Error {
  override readonly name: string = 'PermanentError';
  /** A short machine-readable code, reported as `error.code`. */
  readonly code: string | undefined;

  constructor(message: string, options: { code?: string; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = options.code;
  }
}

/**
 * Throw from a handler to run the task again after `delayMs` without spending an attempt
 * (for example when a rate limit says "try again in a minute"). Returning `snooze(delayMs)`
 * does the same without an exception.
 */
export class SnoozeError extends Error {
  override readonly name: string = 'SnoozeError';
  readonly delayMs: number;

  constructor(delayMs: number, message = `snoozed for ${delayMs} ms`) {
    super(message);
    this.delayMs = normalizeDelay(delayMs);
  }
}

const SNOOZE_BRAND = Symbol.for('chronoq.snooze');

/** The value `snooze(delayMs)` returns; a handler returns it to be run again later. */
export interface Snooze {
  readonly [SNOOZE_BRAND]: true;
  readonly delayMs: number;
}

/**
 * A marker a handler may return instead of a result: run the task again after `delayMs`
 * without spending an attempt.
 *
 * @example return snooze(30_000);
 */
export function snooze(delayMs: number): Snooze {
  return { [SNOOZE_BRAND]: true, delayMs: normalizeDelay(delayMs) };
}

/** Whether a handler's return value is the marker made by `snooze()`. */
export function isSnooze(value: unknown): value is Snooze {
  return typeof value === 'object' && value !== null && SNOOZE_BRAND in value;
}

/**
 * The reason of a task's abort signal, and what `checkpoint()` rejects with once the attempt is
 * stopped. Its `name` is `AbortError`, like the errors `fetch` and timers throw on abort.
 */
export class TaskAbortedError extends Error {
  override readonly name: string = 'AbortError';
  /** Why the attempt was stopped. */
  readonly reason: StopReason;

  constructor(reason: StopReason) {
    super(`task attempt stopped (${reason})`);
    this.reason = reason;
  }
}

function normalizeDelay(ms: number): number {
  return Number.isFinite(ms) && ms > 0 ? Math.round(ms) : 0;
}

/** `{ message, code?, name }` of anything thrown. */
export function toTaskError(err: unknown): TaskError {
  if (err instanceof Error) {
    const error: TaskError = { message: clip(err.message || err.name), name: err.name };
    const code = (err as { code?: unknown }).code;
    if (typeof code === 'string' || typeof code === 'number') error.code = String(code);
    return error;
  }
  return { message: clip(describe(err)), name: 'NonError' };
}

function describe(value: unknown): string {
  if (typeof value === 'string') return value;
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

function clip(message: string): string {
  return message.length > MAX_MESSAGE ? message.slice(0, MAX_MESSAGE) : message;
}
