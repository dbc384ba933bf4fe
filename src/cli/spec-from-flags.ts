import type { TaskSpec } from '../client/index.js';
import { parsePayload, splitCommand, type ReadFile } from './args.js';
import { UsageError } from './exit.js';
import { parseDurationFlag, parseIntFlag, parseLabelFlags, parseTimeFlag } from './flag-values.js';

/** The task options of `submit` (and of anything else that makes a task), as typed. */
export interface TaskFlags {
  payload?: string;
  queue?: string;
  priority?: string;
  delay?: string;
  at?: string;
  maxAttempts?: string;
  timeout?: string;
  key?: string;
  concurrencyKey?: string;
  label?: string[];
  exec?: string;
  http?: string;
  restart?: string;
}

/**
 * Turn `submit` flags into a TaskSpec. Throws a `UsageError` naming the flag for values that
 * cannot be read (bad durations, payloads that are not JSON, conflicting flags). The spec is
 * not checked against the schema here: the client does that before sending.
 */
export function specFromFlags(type: string, f: TaskFlags, readFile: ReadFile): TaskSpec {
  if (f.delay !== undefined && f.at !== undefined) {
    throw new UsageError('give --delay or --at, not both', '--delay');
  }
  if (f.exec !== undefined && f.http !== undefined) {
    throw new UsageError('give --exec or --http, not both', '--exec');
  }
  const spec: TaskSpec = { type };
  if (f.payload !== undefined) spec.payload = parsePayload(f.payload, readFile);
  if (f.queue !== undefined) spec.queue = f.queue;
  if (f.priority !== undefined) spec.priority = parseIntFlag('--priority', f.priority);
  if (f.delay !== undefined) spec.delayMs = parseDurationFlag('--delay', f.delay);
  if (f.at !== undefined) spec.runAt = parseTimeFlag('--at', f.at);
  if (f.maxAttempts !== undefined) spec.maxAttempts = parseIntFlag('--max-attempts', f.maxAttempts);
  if (f.timeout !== undefined) spec.timeoutMs = parseDurationFlag('--timeout', f.timeout);
  if (f.key !== undefined) spec.idempotencyKey = f.key;
  if (f.concurrencyKey !== undefined) spec.concurrencyKey = f.concurrencyKey;
  if (f.label !== undefined && f.label.length > 0)
    spec.labels = parseLabelFlags('--label', f.label);
  if (f.exec !== undefined) {
    const command = splitCommand(f.exec);
    if (command.length === 0) throw new UsageError('--exec: the command is empty', '--exec');
    spec.executor = { kind: 'process', command };
  }
  if (f.http !== undefined) spec.executor = { kind: 'http', url: f.http, method: 'POST' };
  if (f.restart !== undefined) {
    if (f.restart !== 'never' && f.restart !== 'always' && f.restart !== 'on-failure') {
      throw new UsageError('--restart: must be never, always or on-failure', '--restart');
    }
    spec.restart = f.restart;
  }
  return spec;
}
