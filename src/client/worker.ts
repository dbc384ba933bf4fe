import { hostname } from 'node:os';
import {
  HttpExecutor,
  ProcessExecutor,
  WebSocketTransport,
  WorkerRuntime,
  type Executor,
  type HandlerMap,
  type WorkerEvents,
  type WorkerLogger,
  type WorkerStopOptions,
} from '../worker/index.js';
import { DEFAULT_URL } from './client.js';

export interface WorkerTaint {
  key: string;
  value?: string;
  effect: 'NoSchedule' | 'PreferNoSchedule' | 'NoExecute';
}

/** Options of an embedded worker. Every field but `handlers` has a default. */
export interface WorkerOptions {
  /** Server URL, or the URLs of several replicas (env CHRONOQ_URL, comma-separated; default http://127.0.0.1:7070). */
  url?: string | string[];
  /** API token (env CHRONOQ_TOKEN). */
  token?: string;
  /** Shown in `chronoq workers ls` and the dashboard (default: host name and pid). */
  name?: string;
  /** Stable id: a worker that restarts with the same id gets its unfinished tasks back at once. */
  id?: string;
  /** Tasks run at once (env CHRONOQ_CONCURRENCY, default 50). */
  concurrency?: number;
  /**
   * Tasks taken beyond `concurrency` and queued here until a slot frees (env CHRONOQ_PREFETCH,
   * default 0). Raises the throughput of short tasks; a queued task waits here even if another
   * worker has a free slot.
   */
  prefetch?: number;
  /** Your handlers by task type, added to the built-in `chronoq.*` ones. */
  handlers?: HandlerMap;
  labels?: Record<string, string>;
  taints?: WorkerTaint[];
  resources?: { cpu?: number; memoryMb?: number };
  /** Queues served (default all). */
  queues?: string[];
  /** Share of work under the `weighted` placement strategy (default 1). */
  weight?: number;
  /** Run `process` tasks (shell commands). */
  allowExec?: boolean;
  /** Run `http` tasks; `{hosts}` limits them to those hosts. */
  allowHttp?: boolean | { hosts: string[] };
  /** More executors than `function` (e.g. process or http), already configured. */
  executors?: Executor[];
  logger?: WorkerLogger;
}

/**
 * A worker that runs your handlers in this process and takes tasks from a Chronoq server over
 * a WebSocket. It reconnects by itself and, on `stop()`, finishes or hands back its tasks.
 *
 * ```ts
 * const worker = new Worker({ handlers: { 'email.send': async (ctx) => send(ctx.payload) } });
 * await worker.start();
 * ```
 */
export class Worker {
  readonly runtime: WorkerRuntime;

  constructor(options: WorkerOptions = {}) {
    const env = process.env;
    const concurrency = options.concurrency ?? Number(env.CHRONOQ_CONCURRENCY || 50);
    const token = options.token ?? env.CHRONOQ_TOKEN;
    this.runtime = new WorkerRuntime({
      name: options.name ?? `${hostname()}:${process.pid}`,
      id: options.id,
      capacity: concurrency,
      prefetch: options.prefetch ?? Number(env.CHRONOQ_PREFETCH || 0),
      handlers: options.handlers,
      labels: options.labels,
      taints: options.taints,
      resources: options.resources,
      queues: options.queues ?? null,
      weight: options.weight,
      executors: [...executorsFor(options), ...(options.executors ?? [])],
      logger: options.logger,
      transport: new WebSocketTransport({
        url: options.url ?? (env.CHRONOQ_URL ? env.CHRONOQ_URL.split(',') : DEFAULT_URL),
        ...(token ? { token } : {}),
      }),
    });
  }

  /** The id the server knows this worker by (after the first connection). */
  get id(): string | null {
    return this.runtime.workerId;
  }

  /** Connect and register; resolves once the server has welcomed the worker. */
  start(): Promise<void> {
    return this.runtime.start();
  }

  /** Take no more work, let running tasks finish within `graceMs`, hand back the rest. */
  stop(options?: WorkerStopOptions): Promise<void> {
    return this.runtime.stop(options);
  }

  on<K extends keyof WorkerEvents>(event: K, listener: (e: WorkerEvents[K]) => void): () => void {
    return this.runtime.on(event, listener);
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.stop();
  }
}

/** The `process` and `http` executors a worker's options allow. */
function executorsFor(o: WorkerOptions): Executor[] {
  const list: Executor[] = [];
  if (o.allowExec) list.push(new ProcessExecutor());
  if (o.allowHttp) {
    list.push(
      new HttpExecutor(typeof o.allowHttp === 'object' ? { allowHosts: o.allowHttp.hosts } : {}),
    );
  }
  return list;
}
