import type { TaskState } from '../../domain/task.js';
import type { SqliteContext } from './context.js';
import type { Stmt } from './statements.js';
import type { QueueState } from './task-list.js';

/**
 * Migration 10. `task_counts` holds the exact number of tasks per (queue, state), kept by
 * triggers in the writing transaction (SQLite has one writer, so one row per pair is no
 * contention), and initialised from the tasks already there. Reading the counts then costs
 * O(queues × states) instead of an index scan of every task.
 *
 * Rows are kept at n = 0 (no churn on a pair that empties and fills); readers skip them.
 *
 * Migration 12 drops the UPDATE trigger: the driver counts the state changes of a transaction
 * itself and applies them before it commits (`TaskCountDeltas`).
 *
 * Also the task list's indexes (see task-list.ts): `(queue, id)` for a queue's newest tasks,
 * `(lower(state), id)` for a state's, and `(queue, state, id)` (replacing `(queue, state)`) for
 * both. Each returns its tasks in id order, so no listing sorts or scans more than a page. The
 * state index is on an expression that only the listing names: on `(state, id)`, SQLite (which
 * keeps no statistics) would read the scheduler's `state = 'ready'` batch from it instead of
 * the partial `tasks_ready`, and sort. Migration 12 drops it (every state change paid for it):
 * a state's tasks across queues are read per (queue, state) from `(queue, state, id)`.
 */
export const TASK_COUNTS_MIGRATION_SQL = `
  CREATE TABLE task_counts (
    queue TEXT NOT NULL,
    state TEXT NOT NULL,
    n INTEGER NOT NULL,
    PRIMARY KEY (queue, state)
  ) WITHOUT ROWID;

  CREATE TRIGGER tasks_count_insert AFTER INSERT ON tasks
  BEGIN
    INSERT INTO task_counts (queue, state, n) VALUES (NEW.queue, NEW.state, 1)
      ON CONFLICT (queue, state) DO UPDATE SET n = n + 1;
  END;

  CREATE TRIGGER tasks_count_delete AFTER DELETE ON tasks
  BEGIN
    UPDATE task_counts SET n = n - 1 WHERE queue = OLD.queue AND state = OLD.state;
  END;

  CREATE TRIGGER tasks_count_update AFTER UPDATE OF queue, state ON tasks
    WHEN OLD.queue IS NOT NEW.queue OR OLD.state IS NOT NEW.state
  BEGIN
    UPDATE task_counts SET n = n - 1 WHERE queue = OLD.queue AND state = OLD.state;
    INSERT INTO task_counts (queue, state, n) VALUES (NEW.queue, NEW.state, 1)
      ON CONFLICT (queue, state) DO UPDATE SET n = n + 1;
  END;

  INSERT INTO task_counts (queue, state, n)
    SELECT queue, state, count(*) FROM tasks WHERE true GROUP BY queue, state;

  DROP INDEX tasks_queue_state;
  CREATE INDEX tasks_queue_state ON tasks (queue, state, id);
  CREATE INDEX tasks_queue_id ON tasks (queue, id);
  CREATE INDEX tasks_state_id ON tasks (lower(state), id);
`;

type CountRow = { queue: string; state: string; n: number };

interface Statements {
  all: Stmt<[], CountRow>;
  one: Stmt<[string], CountRow>;
  pairs: Stmt<[string, number], QueueState>;
}

/** Per-queue, per-state task counts, from `task_counts`. */
export class TaskCounts {
  private stmts: Statements | null = null;

  constructor(private readonly ctx: SqliteContext) {}

  /** Prepared on first use, after the schema exists. */
  private get s(): Statements {
    const { db } = this.ctx;
    return (this.stmts ??= {
      all: db.prepare('SELECT queue, state, n FROM task_counts WHERE n > 0') as Stmt<[], CountRow>,
      one: db.prepare('SELECT queue, state, n FROM task_counts WHERE queue = ? AND n > 0') as Stmt<
        [string],
        CountRow
      >,
      pairs: db.prepare(
        `SELECT queue, state FROM task_counts
         WHERE n > 0 AND state IN (SELECT value FROM json_each(?)) ORDER BY queue, state LIMIT ?`,
      ) as Stmt<[string, number], QueueState>,
    });
  }

  /** Up to `limit` (queue, state) pairs holding tasks in one of `states`. */
  pairs(states: readonly string[], limit: number): QueueState[] {
    return this.s.pairs.all(JSON.stringify(states), limit);
  }

  read(queue?: string): Map<string, Partial<Record<TaskState, number>>> {
    const { all, one } = this.s;
    const out = new Map<string, Partial<Record<TaskState, number>>>();
    for (const r of queue === undefined ? all.all() : one.all(queue)) {
      let byState = out.get(r.queue);
      if (!byState) out.set(r.queue, (byState = {}));
      byState[r.state as TaskState] = r.n;
    }
    return out;
  }
}
