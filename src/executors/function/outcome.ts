import { isSnooze, PermanentError, SnoozeError, toTaskError } from '../errors.js';
import type { RunResult } from '../executor.js';

/** The result of a handler that returned `value`. */
export function returned(value: unknown): RunResult {
  if (isSnooze(value)) return { kind: 'snoozed', delayMs: value.delayMs };
  return { kind: 'succeeded', result: value === undefined ? null : value };
}

/**
 * The result of a handler that threw `err`. Once the attempt was stopped, a throw is taken as the
 * stop taking effect (`cancelled`); the worker turns that into the report the stop reason calls for.
 */
export function threw(err: unknown, stopped: boolean): RunResult {
  if (stopped) return { kind: 'cancelled' };
  if (err instanceof SnoozeError) return { kind: 'snoozed', delayMs: err.delayMs };
  return { kind: 'failed', error: toTaskError(err), retryable: !(err instanceof PermanentError) };
}
