/**
 * Retention, shared by the drivers: which tasks a prune may delete. Finished (terminal) tasks
 * whose `finished_at` is older than the cut-off, that are neither workflow steps nor fan-out
 * children or parents (their workflow or parent still refers to them), oldest first. Those go
 * with their workflow or fan-out parent (`PRUNABLE_WORKFLOW_WHERE`, `PRUNABLE_FAN_OUT_WHERE`).
 */
export const PRUNABLE_STATES = `('succeeded', 'failed', 'cancelled', 'skipped')`;

export const PRUNABLE_WHERE = `t.state IN ${PRUNABLE_STATES} AND t.finished_at < :before
  AND t.workflow_id IS NULL AND t.parent_id IS NULL
  AND NOT EXISTS (SELECT 1 FROM tasks c WHERE c.parent_id = t.id)`;

/**
 * Finished workflows (`w`) past the cut-off, every task of which (steps, compensations and the
 * fan-out children of steps) is finished: they go whole, oldest first.
 */
export const PRUNABLE_WORKFLOW_WHERE = `w.state IN ('succeeded', 'failed', 'compensated', 'cancelled')
  AND w.finished_at < :before
  AND NOT EXISTS (SELECT 1 FROM tasks s WHERE s.workflow_id = w.id
    AND s.state NOT IN ${PRUNABLE_STATES})
  AND NOT EXISTS (SELECT 1 FROM tasks s JOIN tasks c ON c.parent_id = s.id
    WHERE s.workflow_id = w.id AND c.state NOT IN ${PRUNABLE_STATES})`;

/**
 * Finished fan-out parents (`t`) outside workflows past the cut-off, every child of which is
 * finished: each goes with its children, oldest first. The candidates are read from the
 * children's parent index, not from every old finished task: a backlog of plain ones (left to
 * the plain prune) is never walked.
 */
export const PRUNABLE_FAN_OUT_WHERE = `t.id IN (SELECT c.parent_id FROM tasks c WHERE c.parent_id IS NOT NULL)
  AND t.state IN ${PRUNABLE_STATES} AND t.finished_at < :before
  AND t.workflow_id IS NULL AND t.parent_id IS NULL
  AND NOT EXISTS (SELECT 1 FROM tasks c WHERE c.parent_id = t.id
    AND c.state NOT IN ${PRUNABLE_STATES})`;

/** The index a workflow prune reads finished workflows by (migration 13, both drivers). */
export const WORKFLOWS_FINISHED_INDEX_SQL = `CREATE INDEX workflows_finished ON workflows (finished_at)
  WHERE finished_at IS NOT NULL`;

/** A task's rows elsewhere, deleted with it. */
export const TASK_CHILD_TABLES = ['attempts', 'task_events', 'logs'] as const;

/** The index a prune reads finished tasks by (migration 9, both drivers). */
export const FINISHED_INDEX_SQL = `CREATE INDEX tasks_finished ON tasks (finished_at)
  WHERE finished_at IS NOT NULL`;
