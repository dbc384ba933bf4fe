/** Processes one key; may be synchronous (the cheap path) or return a promise. */
export type KeyProcessor = (key: string) => void | Promise<void>;

export interface KeyedQueueOptions {
  /** How many keys may be processed at once (default 64). One key is never processed twice at once. */
  concurrency?: number;
  /** Called when the processor throws or rejects; the queue goes on. */
  onError?: (key: string, err: unknown) => void;
}

/**
 * A work queue of keys (task ids) with de-duplication and per-key serialization: a key already
 * waiting is not queued twice, and a key pushed while it is being processed is processed once
 * more afterwards (so the latest state is always seen), never concurrently. Keys are served in
 * the order they were first pushed. O(1) per push and per key processed.
 */
export class KeyedQueue {
  /** Keys waiting (never an active one): a set for membership, an array with a head for order. */
  private readonly waiting = new Set<string>();
  private order: string[] = [];
  private head = 0;
  private readonly active = new Set<string>();
  /** Active keys pushed again while being processed. */
  private readonly again = new Set<string>();
  private readonly concurrency: number;
  private readonly onError: (key: string, err: unknown) => void;
  private pumping = false;
  private idleWaiters: (() => void)[] = [];

  constructor(
    private readonly process: KeyProcessor,
    options: KeyedQueueOptions = {},
  ) {
    this.concurrency = Math.max(1, options.concurrency ?? 64);
    this.onError = options.onError ?? (() => {});
  }

  /** Keys waiting or being processed. */
  get size(): number {
    return this.waiting.size + this.active.size;
  }

  /** Queue a key (a no-op when it is already waiting). */
  push(key: string): void {
    if (this.active.has(key)) this.again.add(key);
    else this.wait(key);
    this.pump();
  }

  /** Resolves once nothing is waiting or being processed. */
  idle(): Promise<void> {
    if (this.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private pump(): void {
    if (this.pumping) return; // the running loop below picks the new key up
    this.pumping = true;
    try {
      while (this.waiting.size > 0 && this.active.size < this.concurrency) {
        const key = this.take();
        this.active.add(key);
        this.run(key);
      }
    } finally {
      this.pumping = false;
    }
    if (this.size === 0 && this.idleWaiters.length > 0) {
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const w of waiters) w();
    }
  }

  private run(key: string): void {
    let result: void | Promise<void>;
    try {
      result = this.process(key);
    } catch (err) {
      this.onError(key, err);
      this.done(key);
      return;
    }
    if (result instanceof Promise) {
      result.then(
        () => this.finish(key),
        (err: unknown) => {
          this.onError(key, err);
          this.finish(key);
        },
      );
    } else {
      this.done(key);
    }
  }

  private wait(key: string): void {
    if (this.waiting.has(key)) return;
    this.waiting.add(key);
    this.order.push(key);
  }

  /** The oldest waiting key (call only when one waits). */
  private take(): string {
    const key = this.order[this.head++]!;
    this.waiting.delete(key);
    if (this.head === this.order.length) {
      this.order = [];
      this.head = 0;
    } else if (this.head >= 1024 && this.head * 2 >= this.order.length) {
      this.order = this.order.slice(this.head);
      this.head = 0;
    }
    return key;
  }

  /** A key finished inside the pump loop: the loop continues. */
  private done(key: string): void {
    this.active.delete(key);
    if (this.again.delete(key)) this.wait(key);
  }

  /** A key finished asynchronously: restart the loop. */
  private finish(key: string): void {
    this.done(key);
    this.pump();
  }
}
