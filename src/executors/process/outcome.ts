import { toTaskError } from '../errors.js';
import type { RunResult, StopReason } from '../executor.js';

/** Spawn errors worth another attempt: the machine was short of something for a moment. */
const TRANSIENT_SPAWN_ERRORS = new Set(['EAGAIN', 'EMFILE', 'ENFILE', 'ENOMEM']);

/** The result of an attempt that was stopped: a failure for a timeout, else `cancelled`. */
export function stoppedResult(reason: StopReason): RunResult {
  if (reason === 'timeout') {
    return {
      kind: 'failed',
      error: { message: 'attempt timed out', code: 'TIMEOUT' },
      retryable: true,
    };
  }
  return { kind: 'cancelled' };
}

/** The result of a command that exited by itself with `code`, or was killed by `signal`. */
export function exitResult(
  code: number | null,
  signal: NodeJS.Signals | null,
  tail: string[],
): RunResult {
  if (code === 0) return { kind: 'succeeded', result: { exitCode: 0 } };
  if (code !== null) {
    return {
      kind: 'failed',
      error: { message: `exited with code ${code}`, code: 'EXIT_CODE', exitCode: code, tail },
      retryable: true,
    };
  }
  const name = signal ?? 'unknown';
  return {
    kind: 'failed',
    error: { message: `killed by signal ${name}`, code: 'SIGNAL', signal: name, tail },
    retryable: true,
  };
}

/**
 * The result of a command that could not be started (ENOENT, EACCES…): not retryable, since
 * another attempt would meet the same missing program, except for a momentary shortage.
 */
export function spawnFailure(
  err: unknown,
  command: readonly string[],
  cwd: string | undefined,
): RunResult {
  // Node names the program even when it is the working directory that is missing.
  const error = { ...toTaskError(err), command: command[0] ?? '', ...(cwd ? { cwd } : {}) };
  return {
    kind: 'failed',
    error,
    retryable: error.code !== undefined && TRANSIENT_SPAWN_ERRORS.has(error.code),
  };
}

/** The result of a spec the process executor cannot run. */
export function invalidSpec(message: string): RunResult {
  return { kind: 'failed', error: { message, code: 'INVALID_SPEC' }, retryable: false };
}
