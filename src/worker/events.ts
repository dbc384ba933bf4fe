import type { Report } from '../domain/state-machine.js';

/** A listener map: event name → payload type. */
export type EventMap = Record<string, unknown>;

/**
 * A minimal typed event emitter. Unlike Node's, an `error` event without listeners does not
 * throw, and a listener that throws is reported to `onListenerError` instead of breaking the
 * emitter's caller.
 */
export class TypedEmitter<E extends EventMap> {
  private readonly listeners = new Map<keyof E, Set<(payload: never) => void>>();

  constructor(private readonly onListenerError: (err: unknown) => void = () => {}) {}

  /** Listen to an event; returns a function that removes the listener. */
  on<K extends keyof E>(event: K, listener: (payload: E[K]) => void): () => void {
    let set = this.listeners.get(event);
    if (set === undefined) {
      set = new Set();
      this.listeners.set(event, set);
    }
    set.add(listener);
    return () => this.off(event, listener);
  }

  /** Listen to the next occurrence only. */
  once<K extends keyof E>(event: K, listener: (payload: E[K]) => void): () => void {
    const off = this.on(event, (payload) => {
      off();
      listener(payload);
    });
    return off;
  }

  off<K extends keyof E>(event: K, listener: (payload: E[K]) => void): void {
    this.listeners.get(event)?.delete(listener);
  }

  /** Whether anyone listens to `event` (to skip building payloads nobody reads). */
  has(event: keyof E): boolean {
    return (this.listeners.get(event)?.size ?? 0) > 0;
  }

  emit<K extends keyof E>(event: K, payload: E[K]): void {
    const set = this.listeners.get(event);
    if (set === undefined || set.size === 0) return;
    for (const listener of [...set]) {
      try {
        (listener as (payload: E[K]) => void)(payload);
      } catch (err) {
        this.onListenerError(err);
      }
    }
  }
}

/** What a `WorkerRuntime` emits, for observability and tests. */
export type WorkerEvents = {
  /** A session is open and the server welcomed this worker. */
  connected: { workerId: string };
  /** The session ended; `retryInMs` is null when the runtime will not reconnect. */
  disconnected: { reason: string; retryInMs: number | null };
  /** An attempt began running here. */
  started: { taskId: string; attempt: number; type: string };
  /**
   * An attempt is over here. `report` is what was reported (null when the attempt was revoked
   * or dropped, which is never reported).
   */
  finished: { taskId: string; attempt: number; type: string; report: Report | null };
  /** A report was queued for the server (every kind, progress included). */
  report: Report;
  /** A fatal error (for example a protocol version mismatch): the runtime stops. */
  error: Error;
  /** `stop()` completed. */
  stopped: Record<string, never>;
};
