import type { ResourceRequest, Taint } from '../domain/task.js';
import type { Executor } from '../executors/executor.js';
import type { HandlerMap } from '../executors/function/index.js';
import type { WorkerLogger } from './logger.js';
import type { ReconnectOptions } from './session.js';
import type { WorkerTransport } from './transport.js';

/** Options of `new WorkerRuntime(…)`. */
export interface WorkerRuntimeOptions {
  /** A human-readable name, shown in the dashboard. */
  name: string;
  /**
   * A stable id: a worker that reconnects (or restarts) with the same id keeps its tasks.
   * Without one, the server assigns an id on each registration.
   */
  id?: string;
  /** Slots: how many tasks run here at once. */
  capacity: number;
  /**
   * Tasks taken beyond `capacity` and queued here until a slot frees (default 0): the next
   * task is already here when one ends, which raises throughput of short tasks; a queued task
   * is not started, so another worker with a free slot could have run it sooner.
   */
  prefetch?: number;
  /** Labels matched by task selectors (default none). */
  labels?: Record<string, string>;
  /** Taints that tasks must tolerate to be placed here (default none). */
  taints?: Taint[];
  /** Resources offered to tasks' resource requests (default none declared). */
  resources?: ResourceRequest;
  /** Queues served; null (default) serves all. */
  queues?: string[] | null;
  /** Weight for the weighted placement strategy (default 1). */
  weight?: number;
  /** Handlers by task type, added to the built-in `chronoq.*` handlers. */
  handlers?: HandlerMap;
  /** Extra executors (`process`, `http`); the `function` executor is always present. */
  executors?: Executor[];
  /** How to reach the server. */
  transport: WorkerTransport;
  /** Default: silent. */
  logger?: WorkerLogger;
  /** Reconnect backoff (default 250 ms doubling up to 10 s, with jitter). */
  reconnect?: ReconnectOptions;
  /**
   * After `stop()` has stopped the remaining tasks (reason `shutdown`), how long to wait for them
   * to end before handing them back anyway (default 5 s).
   */
  abandonMs?: number;
  /** Log lines kept while disconnected (default 10,000; the oldest are dropped past it). */
  maxBufferedLogs?: number;
  /** Version string sent at registration (shown in the dashboard). */
  version?: string;
}

/** Options of `WorkerRuntime.stop()`. */
export interface WorkerStopOptions {
  /**
   * How long running tasks may take to finish before they are stopped and handed back
   * (default 10 s). 0 hands them back at once.
   */
  graceMs?: number;
}

export const DEFAULT_GRACE_MS = 10_000;
export const DEFAULT_ABANDON_MS = 5_000;
