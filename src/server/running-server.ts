/** A started server, as `startServer` returns it. */
export interface RunningServer {
  /** Base URL, e.g. `http://127.0.0.1:7070`. */
  readonly url: string;
  readonly replicaId: string;
  /**
   * Graceful stop: take no new work, let running tasks finish within the grace period, hand
   * back what remains, then close the store and the socket.
   */
  shutdown(opts?: { graceMs?: number }): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}
