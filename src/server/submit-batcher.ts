import type { NewTask } from '../domain/task.js';
import { GroupCommit } from '../lib/group-commit.js';
import type { InsertResult, Store } from '../store/store.js';

/**
 * Group commit for single submits: the tasks of every submit that arrives while earlier inserts
 * are under way (or in the same turn of the event loop) are inserted in one transaction, so a
 * burst of concurrent submits costs one commit, not one each. Each caller still gets its answer
 * only after the commit, so a task is durable when the API answers. If the shared transaction
 * fails, each task is retried alone, so one bad task never fails another caller's submit.
 */
export class SubmitBatcher {
  private readonly group: GroupCommit<NewTask, InsertResult>;

  constructor(store: Store, now: () => number, maxBatch = 1000) {
    this.group = new GroupCommit({
      write: (tasks) => store.taskInsert(tasks, now()),
      maxItems: maxBatch,
      // Two at once: one commits while the next is built and sent.
      maxInFlight: 2,
    });
  }

  async submit(task: NewTask): Promise<InsertResult> {
    const [result] = await this.group.submit([task]);
    return result!;
  }
}
