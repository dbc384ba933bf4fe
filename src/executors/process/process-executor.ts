import type { Executor, RunInput, RunSink } from '../executor.js';
import { ProcessExecution, type ProcessLimits } from './execution.js';

/** Options of the `process` executor. */
export interface ProcessExecutorOptions {
  /**
   * Output passed on to the task's log per attempt, in bytes of UTF-8 with newlines counted
   * (default 1 MiB). Past it, one marker line is logged and the rest is read and dropped.
   */
  maxOutputBytes?: number;
  /** Milliseconds between SIGTERM and SIGKILL when an attempt is stopped (default 5000). */
  killGraceMs?: number;
  /**
   * The environment commands start from (default `process.env`, read at each start). Pass a
   * smaller one to keep the worker's own secrets away from tasks.
   */
  env?: NodeJS.ProcessEnv;
  /**
   * The largest payload, in bytes of JSON, also passed in `CHRONOQ_PAYLOAD` (default 64 KiB);
   * a larger one is passed on stdin only, since the kernel refuses very long variables.
   */
  maxEnvPayloadBytes?: number;
}

export const DEFAULT_MAX_OUTPUT_BYTES = 1024 * 1024;
export const DEFAULT_KILL_GRACE_MS = 5000;
export const DEFAULT_MAX_ENV_PAYLOAD_BYTES = 64 * 1024;

/**
 * The `process` executor: runs `{ kind: 'process', command: [program, ...args], env?, cwd? }`
 * without a shell, as the leader of its own process group.
 *
 * The command gets the payload as JSON on stdin (then stdin is closed) and in `CHRONOQ_PAYLOAD`,
 * and `CHRONOQ_TASK_ID` and `CHRONOQ_ATTEMPT` in its environment. Its stdout and stderr lines go
 * to the task's log. Exit 0 succeeds with `{ exitCode: 0 }`; another exit code or a signal fails
 * the attempt (retryable) with the last lines of output in `error.tail`; a program that cannot be
 * started fails it for good. Pause is SIGSTOP to the group, resume SIGCONT, stop SIGTERM then
 * SIGKILL. POSIX only.
 */
export class ProcessExecutor implements Executor {
  readonly kind = 'process' as const;
  private readonly options: Omit<ProcessLimits, 'env'> & { env: NodeJS.ProcessEnv | undefined };

  constructor(options: ProcessExecutorOptions = {}) {
    this.options = {
      maxOutputBytes: count(options.maxOutputBytes, DEFAULT_MAX_OUTPUT_BYTES, 'maxOutputBytes'),
      killGraceMs: count(options.killGraceMs, DEFAULT_KILL_GRACE_MS, 'killGraceMs'),
      maxEnvPayloadBytes: count(
        options.maxEnvPayloadBytes,
        DEFAULT_MAX_ENV_PAYLOAD_BYTES,
        'maxEnvPayloadBytes',
      ),
      env: options.env,
    };
  }

  start(input: RunInput, sink: RunSink): ProcessExecution {
    return new ProcessExecution(input, sink, {
      ...this.options,
      env: this.options.env ?? process.env,
    });
  }
}

function count(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new RangeError(`${name} must be a whole number >= 0, got ${String(value)}`);
  }
  return value;
}
