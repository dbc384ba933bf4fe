import { isWorkflowTerminal, type Workflow } from '../domain/workflow.js';
import type { ChangeEvent, Store } from '../store/store.js';

/**
 * Waits for workflows to end, on the store's change events (one subscription for every
 * waiter), so `GET /workflows/:id/wait` answers the moment a workflow ends without polling.
 */
export class WorkflowWaiters {
  private readonly waiting = new Map<string, Set<() => void>>();
  private readonly unsubscribe: () => void;

  constructor(private readonly store: Store) {
    this.unsubscribe = store.subscribe((e) => this.onChange(e));
  }

  /** The workflow once it ended (`done`), or as it is when the time runs out; null if unknown. */
  async wait(id: string, timeoutMs: number): Promise<{ workflow: Workflow | null; done: boolean }> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      let wake: () => void = () => {};
      const changed = new Promise<void>((resolve) => (wake = resolve));
      this.add(id, wake);
      try {
        const workflow = await this.store.workflowGet(id);
        if (!workflow || isWorkflowTerminal(workflow.state)) {
          return { workflow, done: workflow !== null };
        }
        const left = deadline - Date.now();
        if (left <= 0) return { workflow, done: false };
        let timer: NodeJS.Timeout | undefined;
        const timedOut = await Promise.race([
          changed.then(() => false),
          new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(true), left))),
        ]);
        clearTimeout(timer);
        if (timedOut) return { workflow: await this.store.workflowGet(id), done: false };
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
    if (e.kind !== 'workflows' || this.waiting.size === 0) return;
    for (const id of e.ids) {
      const set = this.waiting.get(id);
      if (set) for (const fn of set) fn();
    }
  }
}
