import type { FlowPruneResult, LeaderFence } from '../store.js';
import {
  PRUNABLE_FAN_OUT_WHERE,
  PRUNABLE_WHERE,
  PRUNABLE_WORKFLOW_WHERE,
  TASK_CHILD_TABLES,
} from '../common/retention.js';
import type { SqliteContext } from './context.js';

/** leader: delete up to `limit` finished tasks older than `before`, with their history. */
export function pruneTasks(
  ctx: SqliteContext,
  fence: LeaderFence,
  before: number,
  limit: number,
): number {
  if (limit <= 0) return 0;
  return ctx.write(() => {
    ctx.checkFence(fence);
    const ids = oldest(ctx, 'tasks t', PRUNABLE_WHERE, before, limit);
    deleteTasks(ctx, ids);
    return ids.length;
  });
}

/**
 * leader: delete up to `limit` finished workflows and up to `limit` finished fan-out parents
 * outside workflows older than `before`, each with all of its tasks and their history.
 */
export function pruneFlows(
  ctx: SqliteContext,
  fence: LeaderFence,
  before: number,
  limit: number,
): FlowPruneResult {
  if (limit <= 0) return { workflows: 0, fanOuts: 0, tasks: 0 };
  return ctx.write(() => {
    ctx.checkFence(fence);
    const workflows = oldest(ctx, 'workflows w', PRUNABLE_WORKFLOW_WHERE, before, limit);
    const parents = oldest(ctx, 'tasks t', PRUNABLE_FAN_OUT_WHERE, before, limit);
    const steps = idsIn(ctx, 'SELECT id FROM tasks WHERE workflow_id IN', workflows);
    const children = idsIn(ctx, 'SELECT id FROM tasks WHERE parent_id IN', [...steps, ...parents]);
    const tasks = [...steps, ...parents, ...children];
    deleteTasks(ctx, tasks);
    if (workflows.length > 0) {
      ctx.db
        .prepare('DELETE FROM workflows WHERE id IN (SELECT value FROM json_each(?))')
        .run(JSON.stringify(workflows));
    }
    return { workflows: workflows.length, fanOuts: parents.length, tasks: tasks.length };
  });
}

/** The ids of the `limit` rows of `from` (`table alias`) matching `where`, oldest finished first. */
function oldest(
  ctx: SqliteContext,
  from: 'tasks t' | 'workflows w',
  where: string,
  before: number,
  limit: number,
): string[] {
  const alias = from.slice(-1);
  const sql = `SELECT ${alias}.id FROM ${from} WHERE ${where.replace(':before', '@before')}
    ORDER BY ${alias}.finished_at LIMIT @limit`;
  const rows = ctx.db.prepare(sql).all({ before, limit: Math.floor(limit) }) as { id: string }[];
  return rows.map((r) => r.id);
}

/** The ids `select` (ending in `IN`) finds for `ids`. */
function idsIn(ctx: SqliteContext, select: string, ids: string[]): string[] {
  if (ids.length === 0) return [];
  const rows = ctx.db
    .prepare(`${select} (SELECT value FROM json_each(?))`)
    .all(JSON.stringify(ids)) as { id: string }[];
  return rows.map((r) => r.id);
}

function deleteTasks(ctx: SqliteContext, ids: string[]): void {
  if (ids.length === 0) return;
  const list = JSON.stringify(ids);
  for (const table of [...TASK_CHILD_TABLES, 'tasks'] as const) {
    const column = table === 'tasks' ? 'id' : 'task_id';
    ctx.db
      .prepare(`DELETE FROM ${table} WHERE ${column} IN (SELECT value FROM json_each(?))`)
      .run(list);
  }
}
