import {
  PROTOCOL_VERSION,
  type HeldAttempt,
  type RegisterMessage,
  type ServerToWorker,
  type WorkerToServer,
} from '../protocol/worker-messages.js';
import type { WorkerLogger } from './logger.js';
import {
  ConnectionRefusedError,
  type ConnectionHandlers,
  type WorkerConnection,
  type WorkerTransport,
} from './transport.js';

/** Capped exponential backoff of reconnects, with jitter (each delay is 50 to 100% of the cap). */
export interface ReconnectOptions {
  /** First delay (default 250 ms). */
  initialMs?: number;
  /** Longest delay (default 10 s). */
  maxMs?: number;
}

export type WelcomeMessage = Extract<ServerToWorker, { type: 'welcome' }>;

/** A session error the worker cannot fix by reconnecting. */
export class WorkerProtocolError extends Error {
  override readonly name = 'WorkerProtocolError';
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** Server error codes after which reconnecting cannot help. */
const FATAL_CODES = new Set(['protocol_version', 'invalid']);

export interface SessionOptions {
  transport: WorkerTransport;
  logger: WorkerLogger;
  reconnect?: ReconnectOptions;
  /** The register message for a new connection (built fresh: it carries what runs now). */
  register(): RegisterMessage;
  /** The server welcomed this worker: the session is usable. */
  onWelcome(welcome: WelcomeMessage): void;
  /** `assign`, `want` and `revoke`. */
  onMessage(message: Exclude<ServerToWorker, { type: 'welcome' | 'error' }>): void;
  onDisconnected(reason: string, retryInMs: number | null): void;
  /** A fatal error: the session is closed for good. */
  onFatal(error: WorkerProtocolError): void;
  /** The heartbeat's `load`. */
  load(): number;
  /** The heartbeat's `holding`: every attempt the worker holds now (as `register` names them). */
  holding(): HeldAttempt[];
}

/**
 * One logical session with a server over a transport: connects, registers, heartbeats once
 * welcomed, and on any loss reconnects with capped exponential backoff and registers again.
 * Callbacks of an old connection are ignored once it is replaced.
 */
export class Session {
  private connection: WorkerConnection | null = null;
  /** Bumped whenever a connection is given up, so its late callbacks are ignored. */
  private generation = 0;
  private welcomed = false;
  private closed = false;
  /** Server messages of the current connection handled so far (the heartbeat's `received`). */
  private received = 0;
  private failures = 0;
  private heartbeat: NodeJS.Timeout | null = null;
  private retry: NodeJS.Timeout | null = null;
  private readonly initialMs: number;
  private readonly maxMs: number;

  constructor(private readonly o: SessionOptions) {
    this.initialMs = Math.max(1, o.reconnect?.initialMs ?? 250);
    this.maxMs = Math.max(this.initialMs, o.reconnect?.maxMs ?? 10_000);
  }

  /** Whether the server welcomed the current connection. */
  get ready(): boolean {
    return this.welcomed;
  }

  open(): void {
    if (this.closed) return;
    void this.connect();
  }

  /** Hand a message to the connection; false when there is none or it refused. */
  send(message: WorkerToServer): boolean {
    const connection = this.connection;
    if (connection === null) return false;
    try {
      connection.send(message);
      return true;
    } catch (err) {
      this.o.logger.warn({ err }, 'could not send to server');
      this.lost('send failed');
      return false;
    }
  }

  /** Close for good: no reconnect. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.generation++;
    this.stopTimers();
    const connection = this.connection;
    this.connection = null;
    this.welcomed = false;
    try {
      connection?.close();
    } catch (err) {
      this.o.logger.debug({ err }, 'error closing the connection');
    }
  }

  private async connect(): Promise<void> {
    const generation = ++this.generation;
    this.received = 0;
    const handlers: ConnectionHandlers = {
      onMessage: (message) => {
        if (generation !== this.generation) return;
        this.received++;
        this.dispatch(message);
      },
      onClose: (reason) => {
        if (generation === this.generation) this.lost(reason);
      },
    };
    let connection: WorkerConnection;
    try {
      connection = await this.o.transport.connect(handlers);
    } catch (err) {
      if (generation !== this.generation) return;
      if (err instanceof ConnectionRefusedError) {
        const code = err.status === 401 ? 'unauthorized' : 'forbidden';
        return this.fatal(new WorkerProtocolError(code, err.message));
      }
      this.lost(`connect failed: ${err instanceof Error ? err.message : String(err)}`);
      return;
    }
    if (generation !== this.generation) {
      connection.close(); // given up (closed, or lost) while connecting
      return;
    }
    this.connection = connection;
    this.send(this.o.register());
  }

  private dispatch(message: ServerToWorker): void {
    switch (message.type) {
      case 'welcome':
        return this.welcome(message);
      case 'error':
        if (FATAL_CODES.has(message.code)) {
          return this.fatal(new WorkerProtocolError(message.code, message.message));
        }
        this.o.logger.warn({ code: message.code, message: message.message }, 'server error');
        return;
      default:
        this.o.onMessage(message);
    }
  }

  private welcome(message: WelcomeMessage): void {
    if (message.protocolVersion !== PROTOCOL_VERSION) {
      return this.fatal(
        new WorkerProtocolError(
          'protocol_version',
          `server speaks protocol ${message.protocolVersion}, worker ${PROTOCOL_VERSION}`,
        ),
      );
    }
    this.welcomed = true;
    this.failures = 0;
    this.stopTimers();
    const every = Math.max(10, message.heartbeatMs);
    this.heartbeat = setInterval(() => this.sendHeartbeat(), every);
    this.heartbeat.unref();
    this.o.onWelcome(message);
  }

  /**
   * What the worker holds, as of the server messages handled so far: every message is handled
   * (its wishes taken into the watcher) the moment it arrives, so the two agree.
   */
  private sendHeartbeat(): void {
    this.send({
      type: 'heartbeat',
      load: this.o.load(),
      received: this.received,
      holding: this.o.holding(),
    });
  }

  private fatal(error: WorkerProtocolError): void {
    this.o.logger.error({ code: error.code, err: error }, 'fatal session error');
    this.close();
    this.o.onDisconnected(error.message, null);
    this.o.onFatal(error);
  }

  private lost(reason: string): void {
    if (this.closed) return;
    this.generation++;
    this.stopTimers();
    const connection = this.connection;
    this.connection = null;
    this.welcomed = false;
    try {
      connection?.close();
    } catch {
      // already gone
    }
    const cap = Math.min(this.maxMs, this.initialMs * 2 ** Math.min(this.failures, 30));
    const delay = Math.round(cap / 2 + (Math.random() * cap) / 2);
    this.failures++;
    this.o.logger.warn({ reason, retryInMs: delay }, 'disconnected from server');
    this.retry = setTimeout(() => {
      this.retry = null;
      void this.connect();
    }, delay);
    this.o.onDisconnected(reason, delay);
  }

  private stopTimers(): void {
    if (this.heartbeat !== null) clearInterval(this.heartbeat);
    if (this.retry !== null) clearTimeout(this.retry);
    this.heartbeat = null;
    this.retry = null;
  }
}
