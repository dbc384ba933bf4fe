/**
 * Retention, shared by the drivers: which tasks a prune may delete. Finished (terminal) tasks
 * whose `finished_at` is older than the cut-off, that are neither workflow steps nor fan-out
 * children or parents (their workflow still refers to them), oldest first.
 */
export const PRUNABLE_STATES = `('succeeded', 'failed', 'cancelled', 'skipped')`;

export const PRUNABLE_WHERE = `t.state IN ${PRUNABLE_STATES} AND t.finished_at < :before
  AND t.workflow_id IS NULL AND t.parent_id IS NULL
  AND NOT EXISTS (SELECT 1 FROM tasks c WHERE c.parent_id = t.id)`;

/** A task's rows elsewhere, deleted with it. */
export const TASK_CHILD_TABLES = ['attempts', 'task_events', 'logs'] as const;

/** The index a prune reads finished tasks by (migration 9, both drivers). */
export const FINISHED_INDEX_SQL = `CREATE INDEX tasks_finished ON tasks (finished_at)
  WHERE finished_at IS NOT NULL`;
