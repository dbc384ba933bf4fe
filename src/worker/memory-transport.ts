import type { WorkerToServer } from '../protocol/worker-messages.js';
import type { ConnectionHandlers, WorkerConnection, WorkerTransport } from './transport.js';

/** The server's end of an in-process session. */
export interface ServerEnd {
  /** A message from the worker. */
  receive(message: WorkerToServer): void;
  /** The worker closed the session. */
  close(reason: string): void;
}

/**
 * Opens a session on the server side: gets the worker's handlers (to call `onMessage` and
 * `onClose` on) and returns the server's end.
 */
export type Acceptor = (toWorker: ConnectionHandlers) => ServerEnd;

/**
 * An in-process transport, for a worker running inside the server (and for tests). Messages to
 * the server are delivered asynchronously (on a microtask) and in order, as over a socket; a
 * close is delivered after the messages sent before it. Nothing is sent after a close.
 */
export class MemoryTransport implements WorkerTransport {
  constructor(private readonly accept: Acceptor) {}

  connect(handlers: ConnectionHandlers): Promise<WorkerConnection> {
    try {
      return Promise.resolve(new MemoryConnection(this.accept(handlers)));
    } catch (err) {
      return Promise.reject(err instanceof Error ? err : new Error(String(err)));
    }
  }
}

class MemoryConnection implements WorkerConnection {
  private closed = false;

  constructor(private readonly server: ServerEnd) {}

  send(message: WorkerToServer): void {
    if (this.closed) throw new Error('connection is closed');
    queueMicrotask(() => this.server.receive(message));
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    queueMicrotask(() => this.server.close('closed by worker'));
  }
}
