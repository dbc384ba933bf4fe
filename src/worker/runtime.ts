import type { ExecutorKind } from '../domain/task.js';
import type { Executor } from '../executors/executor.js';
import { FunctionExecutor } from '../executors/function/index.js';
import {
  PROTOCOL_VERSION,
  type HeldAttempt,
  type RegisterMessage,
} from '../protocol/worker-messages.js';
import { TypedEmitter, type WorkerEvents } from './events.js';
import { silentWorkerLogger, type WorkerLogger } from './logger.js';
import {
  DEFAULT_ABANDON_MS,
  DEFAULT_GRACE_MS,
  type WorkerRuntimeOptions,
  type WorkerStopOptions,
} from './options.js';
import { Reporter } from './reporter.js';
import { Session, type WorkerProtocolError } from './session.js';
import { Syncer } from './syncer.js';
import { Watcher } from './watcher.js';

/** Where a runtime is in its life. */
export type WorkerRuntimeState =
  'idle' | 'connecting' | 'connected' | 'disconnected' | 'stopping' | 'stopped';

/**
 * A worker: keeps a session with a server, registers its identity, capacity and handlers, runs
 * the tasks the server wants it to hold and reports back. Runs inside the server (with a
 * `MemoryTransport`) or in its own process (over a WebSocket).
 *
 * Executions keep running while the session is down; on reconnect the worker registers again
 * with what it holds (list) and the server answers with the full wanted set (watch).
 *
 * @example
 * const worker = new WorkerRuntime({ name: 'w1', capacity: 10, transport, handlers: { hello } });
 * worker.on('finished', (e) => …);
 * await worker.start();
 * …
 * await worker.stop({ graceMs: 5_000 });
 */
export class WorkerRuntime implements AsyncDisposable {
  readonly name: string;
  private readonly events: TypedEmitter<WorkerEvents>;
  private readonly logger: WorkerLogger;
  private readonly watcher = new Watcher();
  private readonly reporter: Reporter;
  private readonly syncer: Syncer;
  private readonly session: Session;
  private readonly functions: FunctionExecutor;
  private readonly executors: ReadonlyMap<ExecutorKind, Executor>;
  private _state: WorkerRuntimeState = 'idle';
  private _workerId: string | null = null;
  private _error: Error | null = null;
  private starting: Promise<void> | null = null;
  private settleStart: ((err?: Error) => void) | null = null;
  private stopping: Promise<void> | null = null;

  constructor(private readonly options: WorkerRuntimeOptions) {
    if (!Number.isInteger(options.capacity) || options.capacity < 1) {
      throw new RangeError(`capacity must be a positive integer, got ${options.capacity}`);
    }
    const prefetch = options.prefetch ?? 0;
    if (!Number.isInteger(prefetch) || prefetch < 0) {
      throw new RangeError(`prefetch must be a non-negative integer, got ${prefetch}`);
    }
    this.name = options.name;
    this.logger = options.logger ?? silentWorkerLogger;
    this.events = new TypedEmitter((err) =>
      this.logger.error({ err }, 'a worker event listener threw'),
    );
    this.functions = new FunctionExecutor(options.handlers ?? {});
    const executors = new Map<ExecutorKind, Executor>([['function', this.functions]]);
    for (const e of options.executors ?? []) {
      if (e.kind === 'function') throw new Error('the function executor is built in');
      executors.set(e.kind, e);
    }
    this.executors = executors;
    this.reporter = new Reporter({
      maxBufferedLogs: options.maxBufferedLogs,
      onDrop: (count) => this.logger.warn({ count }, 'dropped log lines while disconnected'),
      onReport: (report) => this.events.emit('report', report),
    });
    this.syncer = new Syncer({
      watcher: this.watcher,
      reporter: this.reporter,
      executors,
      events: this.events,
      logger: this.logger,
      slots: options.capacity,
    });
    this.session = new Session({
      transport: options.transport,
      logger: this.logger,
      reconnect: options.reconnect,
      register: () => this.registerMessage(),
      load: () => this.syncer.load,
      holding: () => this.holding(),
      onWelcome: (welcome) => {
        this._workerId = welcome.workerId;
        if (this._state !== 'stopping') this._state = 'connected';
        this.reporter.attach((m) => this.session.send(m));
        this.logger.info({ workerId: welcome.workerId }, 'worker connected');
        this.events.emit('connected', { workerId: welcome.workerId });
        this.settleStart?.();
      },
      onMessage: (m) => {
        switch (m.type) {
          case 'assign':
            return this.syncer.enqueue(this.watcher.assign(m.tasks, m.full));
          case 'want':
            if (this.watcher.want(m.taskId, m.attempt, m.want)) this.syncer.enqueue([m.taskId]);
            return;
          case 'revoke':
            this.watcher.revoke(m.taskId, m.attempt);
            return this.syncer.enqueue([m.taskId]);
          case 'ack':
            return this.reporter.acknowledged(m.seq);
        }
      },
      onDisconnected: (reason, retryInMs) => {
        this.reporter.detach();
        if (this._state === 'connected' || this._state === 'connecting') {
          this._state = 'disconnected';
        }
        this.events.emit('disconnected', { reason, retryInMs });
      },
      onFatal: (error) => this.fail(error),
    });
  }

  /** Where the runtime is in its life. */
  get state(): WorkerRuntimeState {
    return this._state;
  }

  /** The id the server knows this worker by (after the first welcome). */
  get workerId(): string | null {
    return this._workerId;
  }

  /** The fatal error that stopped the runtime, if any. */
  get error(): Error | null {
    return this._error;
  }

  /** Executions under way: what the heartbeat reports as `load`. */
  get load(): number {
    return this.syncer.load;
  }

  /** The task types this worker runs with the function executor (built-ins included). */
  get types(): string[] {
    return this.functions.types();
  }

  /** Listen to an event; returns a function that removes the listener. */
  on<K extends keyof WorkerEvents>(
    event: K,
    listener: (payload: WorkerEvents[K]) => void,
  ): () => void {
    return this.events.on(event, listener);
  }

  /** Listen to the next occurrence of an event only. */
  once<K extends keyof WorkerEvents>(
    event: K,
    listener: (payload: WorkerEvents[K]) => void,
  ): () => void {
    return this.events.once(event, listener);
  }

  off<K extends keyof WorkerEvents>(event: K, listener: (payload: WorkerEvents[K]) => void): void {
    this.events.off(event, listener);
  }

  /**
   * Connect and register. Resolves once the server welcomed this worker (connection failures are
   * retried with backoff meanwhile), or when `stop()` is called first; rejects on a fatal error
   * (a protocol version mismatch, an invalid registration). Calling it again returns the same
   * promise; a stopped runtime cannot start again.
   */
  start(): Promise<void> {
    if (this.stopping) return Promise.reject(new Error('worker runtime was stopped'));
    if (this.starting) return this.starting;
    if (this._state !== 'idle') {
      return Promise.reject(new Error(`worker runtime cannot start: it is ${this._state}`));
    }
    this._state = 'connecting';
    this.starting = new Promise<void>((resolve, reject) => {
      this.settleStart = (err) => {
        this.settleStart = null;
        if (err) reject(err);
        else resolve();
      };
    });
    this.session.open();
    return this.starting;
  }

  /**
   * Shut down gracefully: tell the server to place nothing more here, let running tasks finish
   * for up to `graceMs`, stop the rest (reason `shutdown`) and hand each back as `snoozed` with
   * no delay (without spending an attempt), send the last reports and close the session.
   * Calling it again returns the same promise.
   */
  stop(options: WorkerStopOptions = {}): Promise<void> {
    this.stopping ??= this.shutdown(options.graceMs ?? DEFAULT_GRACE_MS);
    return this.stopping;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.stop();
  }

  private async shutdown(graceMs: number): Promise<void> {
    const wasIdle = this._state === 'idle';
    this._state = 'stopping';
    this.settleStart?.();
    if (!wasIdle) {
      this.syncer.drain();
      this.session.send({ type: 'drain' });
      const settled = await this.syncer.settle(graceMs);
      if (!settled) this.logger.info({ graceMs }, 'grace period over; handing back running tasks');
      await this.syncer.shutdown(this.options.abandonMs ?? DEFAULT_ABANDON_MS);
      this.reporter.flush();
      if (this.reporter.pending > 0) {
        this.logger.warn(
          { pending: this.reporter.pending },
          'stopping while disconnected: the last reports are not delivered',
        );
      }
    }
    this.session.close();
    this.watcher.clear();
    this._state = 'stopped';
    this.logger.info({}, 'worker stopped');
    this.events.emit('stopped', {});
  }

  /** A fatal session error: surface it and stop. */
  private fail(error: WorkerProtocolError): void {
    this._error = error;
    this.events.emit('error', error);
    this.settleStart?.(error);
    void this.stop({ graceMs: 0 });
  }

  /**
   * Every attempt this worker holds: told of and not yet reported final, started or not, and
   * those whose final report the server has not acknowledged.
   */
  private holding(): HeldAttempt[] {
    const held = new Map<string, number>();
    for (const r of this.reporter.unsent()) held.set(r.taskId, r.attempt);
    for (const r of this.watcher.list()) held.set(r.taskId, r.attempt);
    return [...held].map(([taskId, attempt]) => ({ taskId, attempt }));
  }

  private registerMessage(): RegisterMessage {
    const o = this.options;
    const message: RegisterMessage = {
      type: 'register',
      protocolVersion: PROTOCOL_VERSION,
      name: o.name,
      labels: o.labels ?? {},
      taints: o.taints ?? [],
      capacity: o.capacity,
      prefetch: o.prefetch ?? 0,
      resources: o.resources ?? {},
      types: this.functions.types(),
      executors: [...this.executors.keys()],
      queues: o.queues ?? null,
      weight: o.weight ?? 1,
      running: this.holding(),
      version: o.version ?? '',
    };
    const id = o.id ?? this._workerId ?? undefined;
    if (id !== undefined) message.id = id;
    return message;
  }
}
