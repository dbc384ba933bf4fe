import type { ServerToWorker, WorkerToServer } from '../protocol/worker-messages.js';

/** The worker's end of a session. */
export interface WorkerConnection {
  send(message: WorkerToServer): void;
  close(): void;
}

export interface ConnectionHandlers {
  onMessage(message: ServerToWorker): void;
  /** The session ended; the runtime reconnects unless it is stopping. */
  onClose(reason: string): void;
}

/**
 * The server refused the worker's credentials (401: no or a bad token; 403: a role that may not
 * run work). Retrying cannot help, so the session ends for good.
 */
export class ConnectionRefusedError extends Error {
  override readonly name = 'ConnectionRefusedError';
  constructor(
    readonly status: 401 | 403,
    message: string,
  ) {
    super(message);
  }
}

/** How a worker reaches a server: in memory (inside the server) or over a WebSocket. */
export interface WorkerTransport {
  connect(handlers: ConnectionHandlers): Promise<WorkerConnection>;
}
