import type { Want } from '../../domain/task.js';
import type { ServerToWorker, WorkerToServer } from '../../protocol/worker-messages.js';
import type { ConnectionHandlers } from '../../worker/transport.js';
import { HeldStarts } from './held-starts.js';

/** What the gateway remembers of a task it told a worker to hold. */
export interface Held {
  attempt: number;
  want: Want;
  /** The gateway's change number when this was last brought up to date (see `sweep`). */
  seq: number;
  /**
   * The number (`sent`) of the message that told the worker of this attempt; unset until it is
   * sent. A worker that has handled that many messages and does not hold it has lost it.
   */
  sentAt?: number;
}

/**
 * The server's end of one worker session (in memory or over a WebSocket). Messages from the
 * worker are handled one at a time, in order.
 */
export class WorkerSession {
  workerId: string | null = null;
  draining = false;
  closed = false;
  readonly held = new Map<string, Held>();
  /** Messages sent to the worker on this session (the worker counts those it handled). */
  sent = 0;
  /** Its `started` reports not yet written. */
  readonly starts: HeldStarts;
  private inbox: Promise<void> = Promise.resolve();

  constructor(
    private readonly toWorker: ConnectionHandlers,
    private readonly handle: (session: WorkerSession, message: WorkerToServer) => Promise<void>,
    private readonly onClosed: (session: WorkerSession, reason: string) => void,
    startHoldMs: number,
    onStartsDue: (session: WorkerSession) => void,
  ) {
    this.starts = new HeldStarts(startHoldMs, () => onStartsDue(this));
  }

  send(message: ServerToWorker): void {
    if (this.closed) return;
    this.sent++;
    this.toWorker.onMessage(message);
  }

  /** Messages received before the session closed are still handled, in order. */
  receive(message: WorkerToServer): void {
    if (this.closed) return;
    this.after(() => this.handle(this, message));
  }

  /** Run `work` after every message received so far has been handled (it must not throw). */
  after(work: () => Promise<void>): void {
    this.inbox = this.inbox.then(work);
  }

  /** Resolves once every message received so far has been handled. */
  idle(): Promise<void> {
    return this.inbox;
  }

  /** End the session from the server side (the worker reconnects unless it is stopping). */
  end(reason: string): void {
    if (this.closed) return;
    this.closed = true;
    this.toWorker.onClose(reason);
    this.onClosed(this, reason);
  }

  /** The worker closed the session. */
  close(reason: string): void {
    if (this.closed) return;
    this.closed = true;
    this.onClosed(this, reason);
  }
}
