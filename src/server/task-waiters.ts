import { isTerminal, type Task } from '../domain/task.js';
import type { Store } from '../store/store.js';
import { ChangeWaiters } from './change-waiters.js';

/** Waits for tasks to reach a terminal state (`GET /tasks/:id/wait`). */
export class TaskWaiters extends ChangeWaiters<Task> {
  constructor(store: Store) {
    super(store, {
      read: (id) => store.taskGet(id),
      isDone: (task) => isTerminal(task.state),
      touched: (e) =>
        e.kind === 'tasks' ? e.changes.filter((c) => isTerminal(c.state)).map((c) => c.id) : [],
    });
  }
}
