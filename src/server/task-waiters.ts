import { isTerminal, type Task } from '../domain/task.js';
import type { ChangeEvent, Store } from '../store/store.js';

/**
 * Waits for tasks to reach a terminal state, on the store's change events (one subscription for
 * every waiter), so `GET /tasks/:id/wait` answers the moment a task ends without polling.
 */
export class TaskWaiters {
  private readonly waiting = new Map<string, Set<() => void>>();
  private readonly unsubscribe: () => void;

  constructor(private readonly store: Store) {
    this.unsubscribe = store.subscribe((e) => this.onChange(e));
  }

  /** The task once terminal; null if it does not exist; the current task if the time runs out. */
  async wait(id: string, timeoutMs: number): Promise<{ task: Task | null; done: boolean }> {
    let wake: () => void = () => {};
    const changed = new Promise<void>((resolve) => (wake = resolve));
    this.add(id, wake);
    try {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const task = await this.store.taskGet(id);
        if (!task || isTerminal(task.state)) return { task, done: task !== null };
        const left = deadline - Date.now();
        if (left <= 0) return { task, done: false };
        let timer: NodeJS.Timeout | undefined;
        const timedOut = await Promise.race([
          changed.then(() => false),
          new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(true), left))),
        ]);
        clearTimeout(timer);
        if (timedOut) return { task: await this.store.taskGet(id), done: false };
        return this.wait(id, Math.max(0, deadline - Date.now()));
      }
    } finally {
      this.remove(id, wake);
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
    if (e.kind !== 'tasks' || this.waiting.size === 0) return;
    for (const c of e.changes) {
      if (!isTerminal(c.state)) continue;
      const set = this.waiting.get(c.id);
      if (set) for (const fn of set) fn();
    }
  }
}
