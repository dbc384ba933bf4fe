import type { NewTask } from '../domain/task.js';
import type { InsertResult, Store } from '../store/store.js';

interface Pending {
  task: NewTask;
  resolve: (r: InsertResult) => void;
  reject: (err: unknown) => void;
}

/**
 * Group commit for single submits: the tasks of every submit that arrives in the same turn of
 * the event loop are inserted in one transaction, so a burst of concurrent submits costs one
 * commit, not one each. Each caller still gets its answer only after the commit, so a task is
 * durable when the API answers. If the shared transaction fails, each task is retried alone, so
 * one bad task never fails another caller's submit.
 */
export class SubmitBatcher {
  private queue: Pending[] = [];
  private scheduled = false;

  constructor(
    private readonly store: Store,
    private readonly now: () => number,
    private readonly maxBatch = 1000,
  ) {}

  submit(task: NewTask): Promise<InsertResult> {
    return new Promise((resolve, reject) => {
      this.queue.push({ task, resolve, reject });
      if (this.queue.length >= this.maxBatch) void this.flush();
      else if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => void this.flush());
      }
    });
  }

  private async flush(): Promise<void> {
    this.scheduled = false;
    const batch = this.queue;
    this.queue = [];
    if (batch.length === 0) return;
    try {
      const results = await this.store.taskInsert(
        batch.map((p) => p.task),
        this.now(),
      );
      batch.forEach((p, i) => p.resolve(results[i]!));
    } catch (err) {
      if (batch.length === 1) return batch[0]!.reject(err);
      for (const p of batch) {
        try {
          const [r] = await this.store.taskInsert([p.task], this.now());
          p.resolve(r!);
        } catch (e) {
          p.reject(e);
        }
      }
    }
  }
}
