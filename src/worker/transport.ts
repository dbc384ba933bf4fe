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

/** How a worker reaches a server: in memory (inside the server) or over a WebSocket. */
export interface WorkerTransport {
  connect(handlers: ConnectionHandlers): Promise<WorkerConnection>;
}
