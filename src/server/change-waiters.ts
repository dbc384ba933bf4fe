import type { ChangeEvent, Store } from '../store/store.js';

/** What a `ChangeWaiters` waits on: how to read a record, when it is done, what may end it. */
export interface WaitTarget<T> {
  read(id: string): Promise<T | null>;
  isDone(record: T): boolean;
  /** The ids a change event may have ended. */
  touched(event: ChangeEvent): Iterable<string>;
}

/**
 * Waits for records (tasks, workflows) to end, on the store's change events (one subscription
 * for every waiter), so a long-poll `…/wait` answers the moment a record ends without polling.
 */
export class ChangeWaiters<T> {
  private readonly waiting = new Map<string, Set<() => void>>();
  private readonly unsubscribe: () => void;

  constructor(
    store: Store,
    private readonly target: WaitTarget<T>,
  ) {
    this.unsubscribe = store.subscribe((e) => this.onChange(e));
  }

  /** The record once done; null if it does not exist; the current record if the time runs out. */
  async wait(id: string, timeoutMs: number): Promise<{ record: T | null; done: boolean }> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      let wake: () => void = () => {};
      const changed = new Promise<void>((resolve) => (wake = resolve));
      this.add(id, wake);
      try {
        // Read after subscribing, so an end between the read and the wait is not missed.
        const record = await this.target.read(id);
        if (!record || this.target.isDone(record)) return { record, done: record !== null };
        const left = deadline - Date.now();
        if (left <= 0) return { record, done: false };
        let timer: NodeJS.Timeout | undefined;
        const timedOut = await Promise.race([
          changed.then(() => false),
          new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(true), left))),
        ]);
        clearTimeout(timer);
        if (timedOut) return { record: await this.target.read(id), done: false };
      } finally {
        this.remove(id, wake);
      }
    }
  }

  close(): void {
    this.unsubscribe();
  }

  private add(id: string, fn: () => void): void {
    let set = this.waiting.get(id);
    if (!set) this.waiting.set(id, (set = new Set()));
    set.add(fn);
  }

  private remove(id: string, fn: () => void): void {
    const set = this.waiting.get(id);
    set?.delete(fn);
    if (set?.size === 0) this.waiting.delete(id);
  }

  private onChange(e: ChangeEvent): void {
    if (this.waiting.size === 0) return;
    for (const id of this.target.touched(e)) {
      const set = this.waiting.get(id);
      if (set) for (const fn of set) fn();
    }
  }
}
